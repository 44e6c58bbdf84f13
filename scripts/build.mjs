// Bundles Curve's TypeScript into dist/curve.mjs (dependencies stay in node_modules).
// Run on install and before start, test and bench: one file starts faster and uses less
// memory than compiling the sources at run time.
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });

// Pure-ESM packages spread over hundreds of small files (kysely's 280, zod's 73) cost Node a
// resolve, a read and a link per file at start: bundled, they load as part of one file. Every
// other package stays in node_modules (native parts, wasm, workers, or one file already).
const BUNDLED = new Set(["kysely", "prisma-extension-kysely", "zod"]);
const packageName = (specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
// Prisma's package sends Node's `import` of its runtime to the CommonJS build, whose named
// exports Node finds by lexing its 230 kB (about 100 ms); its ES module build is the same code.
// Nothing else in Curve's process loads that runtime, so one copy is still loaded.
const ESM_BUILDS = { "@prisma/client/runtime/client": "@prisma/client/runtime/client.mjs" };
const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:") || BUNDLED.has(packageName(args.path))) return undefined;
      return { path: ESM_BUILDS[args.path] ?? args.path, external: true };
    });
  },
};

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
  plugins: [externalPackages],
  sourcemap: "linked",
  logLevel: "warning",
});
