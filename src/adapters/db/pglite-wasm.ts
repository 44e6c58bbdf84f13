// PGlite's WebAssembly, compiled ahead of the PGlite that runs it.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

let compiling: Promise<WebAssembly.Module | undefined> | null = null;

/**
 * PGlite's own pglite.wasm (the file next to the package's entry, the one PGlite itself would
 * read), compiled once per process; the first call starts reading and compiling it and returns
 * at once. V8 compiles WebAssembly on threads of its own, so a command that asks for it before
 * loading the rest of its code (open-database.ts does, first thing) has it compiled while that
 * code loads, where PGlite alone would compile it after and wait for it. Pass the result to
 * PGlite as `wasmModule`; it touches no data directory.
 *
 * Resolves to undefined if the file cannot be read or compiled: PGlite, left to read it
 * itself, then fails with its own words. Never rejects.
 */
export function pgliteWasm(): Promise<WebAssembly.Module | undefined> {
  compiling ??= (async () => {
    const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
    return WebAssembly.compile(await readFile(path.join(path.dirname(entry), "pglite.wasm")));
  })().catch(() => undefined);
  return compiling;
}
