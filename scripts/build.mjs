// Bundles Curve's TypeScript into dist/curve.mjs (dependencies stay in node_modules).
// Run on install and before start, test and bench: one file starts faster and uses less
// memory than compiling the sources at run time.
import { build } from "esbuild";

await build({
  entryPoints: ["src/bot/entry.ts"],
  outfile: "dist/curve.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
