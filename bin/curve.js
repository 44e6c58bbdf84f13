#!/usr/bin/env node
// The curve command. dist/curve.mjs is built from src/ by `npm install` (scripts/build.mjs).
import { existsSync } from "node:fs";

const bundle = new URL("../dist/curve.mjs", import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write("curve: dist/curve.mjs is missing. Run `npm install` (or `npm run build`) in the project first.\n");
  process.exit(1);
}
const { run } = await import(bundle.href);
await run(process.argv.slice(2));
