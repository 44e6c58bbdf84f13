import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { projectPath } from "../../src/adapters/project-files.ts";

/**
 * The layers of src/, top to bottom; a file may import only from its own layer or lower ones.
 * Jobs sit above commands: a reminder speaks in the commands' words (commands/reminder-messages.ts)
 * and a scheduled report is built as /report builds it (commands/report-store.ts).
 */
const LAYERS = ["bot", "adapters", "jobs", "commands", "domain"] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith(".ts") ? [full] : [];
  });
}

const SRC = projectPath("src");
/**
 * Every module a file names: static imports and re-exports in either quote, side-effect
 * imports, `import("…")`, and `require("…")`, as TypeScript's own pre-processor reads them
 * (so no spelling of an import slips past a pattern). A `require` through createRequire or a
 * computed import() specifier cannot be read that way, so any is counted as a problem below.
 */
function importsOf(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

const files = sourceFiles(SRC).map((file) => {
  const text = readFileSync(file, "utf8");
  return {
    file: path.relative(SRC, file),
    layer: path.relative(SRC, file).split(path.sep)[0] as (typeof LAYERS)[number],
    imports: importsOf(text),
    /** import(…) of anything but a plain string, and createRequire: modules no reading can name. */
    hidden: /\bimport\(\s*[^"'\s)]|\bcreateRequire\b/.test(text),
    text,
  };
});

describe("the layering of src/", () => {
  it("has files in every layer", () => {
    for (const layer of LAYERS) expect(files.some((f) => f.layer === layer), layer).toBe(true);
  });

  it("imports point downwards only", () => {
    const upward: string[] = [];
    for (const f of files) {
      for (const spec of f.imports.filter((s) => s.startsWith("."))) {
        const target = path.relative(SRC, path.resolve(SRC, path.dirname(f.file), spec)).split(path.sep)[0];
        if (!LAYERS.includes(target as never)) continue;
        if (LAYERS.indexOf(target as never) < LAYERS.indexOf(f.layer)) upward.push(`${f.file} -> ${spec}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("keeps the domain pure: no I/O, no platform or Prisma types, no clock reads", () => {
    const forbidden = /^(node:(fs|http|https|net|child_process|crypto)|@prisma\/|@slack\/|botbuilder|@microsoft\/|pg$|@electric-sql\/)|generated\/prisma/;
    const problems: string[] = [];
    for (const f of files.filter((x) => x.layer === "domain")) {
      for (const spec of f.imports) if (forbidden.test(spec)) problems.push(`${f.file} imports ${spec}`);
      if (/Date\.now\(\)|new Date\(\)|process\.env/.test(f.text)) problems.push(`${f.file} reads the clock or the environment`);
    }
    expect(problems).toEqual([]);
  });

  it("keeps commands and jobs off the data layer and the platforms: they see only their ports", () => {
    // What commands and jobs may import besides their own layer and those below: an allow-list,
    // so a driver, a platform SDK or the file system is refused whatever its name.
    const packages = new Set(["zod", "zod/v4", "node:crypto"]);
    const problems: string[] = [];
    for (const f of files.filter((x) => x.layer === "commands" || x.layer === "jobs")) {
      if (f.hidden) problems.push(`${f.file} imports a module no reading can name`);
      for (const spec of f.imports) {
        if (!spec.startsWith(".")) {
          if (!packages.has(spec)) problems.push(`${f.file} imports ${spec}`);
          continue;
        }
        const target = path.relative(SRC, path.resolve(SRC, path.dirname(f.file), spec)).split(path.sep)[0];
        if (!LAYERS.includes(target as never) || LAYERS.indexOf(target as never) < LAYERS.indexOf(f.layer)) problems.push(`${f.file} imports ${spec}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("reads every import a file can spell, so none slips past the layer checks", () => {
    const spellings = [
      `import { a } from '../adapters/db/audit.ts';`,
      `import "../adapters/x.ts"; import b from "pg";`,
      `export * from "../adapters/y.ts";`,
      `const c = await import('../adapters/z.ts');`,
      `const d = require("fs");`,
    ].join("\n");
    expect(importsOf(spellings)).toEqual(["../adapters/db/audit.ts", "../adapters/x.ts", "pg", "../adapters/y.ts", "../adapters/z.ts", "fs"]);
  });

  it("has one delivery writer: only adapters/db/deliveries.ts inserts into the outbox", () => {
    const writes = /INSERT\s+INTO\s+("?public"?\.)?"?delivery"?\b|insertInto\(\s*["'`](public\.)?delivery["'`]|\.delivery\.(create\w*|upsert)\b|deliveries\s*:\s*\{\s*(create|connectOrCreate|upsert)/i;
    const writers = files.filter((f) => writes.test(f.text)).map((f) => f.file);
    expect(writers).toEqual([path.join("adapters", "db", "deliveries.ts")]);
  });

  it("reads the environment only in the configuration and at the process edge", () => {
    const readers = files.filter((f) => /process\.env/.test(f.text)).map((f) => f.file);
    expect(readers.sort()).toEqual(["bot/config.ts", "bot/entry.ts"]);
  });

  it("writes audit events through the one audit writer only (adapters/db/audit.ts)", () => {
    // Raw SQL, Kysely, Prisma Client (a model call, or a nested write through a relation).
    const insertsAudit = /INSERT\s+INTO\s+("?public"?\.)?"?audit_event\b|insertInto\(\s*["'`](public\.)?audit_event\b|auditEvents?\s*\.\s*(create|createMany|createManyAndReturn|upsert)\b|auditEvents\s*:\s*\{\s*(create|createMany)\b/i;
    const writers = files.filter((f) => insertsAudit.test(f.text)).map((f) => f.file.split(path.sep).join("/"));
    expect(writers).toEqual(["adapters/db/audit.ts"]);
  });

  it("loads without import cycles: no module needs itself, through others, before it has run", () => {
    const graph = new Map(files.map((f) => [f.file, loadTimeImports(f.file, f.text)]));
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(" -> "));
        return;
      }
      state.set(file, "open");
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, "done");
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});

/**
 * The src/ files (relative to src/) a file imports when it loads: static imports and re-exports
 * that bring in a value. Type-only ones (`import type`, or every name marked `type`) are erased
 * by TypeScript, and `import("…")` runs later, so neither can make a cycle at load time.
 */
function loadTimeImports(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const bindings = clause?.namedBindings;
      const onlyTypes = clause !== undefined && (clause.isTypeOnly || (!clause.name && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.every((e) => e.isTypeOnly)));
      if (!onlyTypes) specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return specifiers.filter((s) => s.startsWith(".")).map((s) => path.relative(SRC, path.resolve(SRC, path.dirname(file), s)));
}
