// Bundles Curve's TypeScript into dist/curve.mjs (dependencies stay in node_modules).
// Run on install and before start, test and bench: one file starts faster and uses less
// memory than compiling the sources at run time.
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });

// Code splitting keeps the chat adapters (Bolt, teams-ai) in chunks loaded only by curve serve.
await build({
  entryPoints: { curve: "src/bot/entry.ts", "pglite-worker": "src/adapters/db/pglite-worker.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
