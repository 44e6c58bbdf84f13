import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { curve } from "../support/run-curve.ts";

/** chmod -R a-w (or u+w back) over a directory and everything in it. */
function setWritable(dir: string, writable: boolean): void {
  const walk = (entry: string) => {
    const stat = statSync(entry);
    chmodSync(entry, writable ? stat.mode | 0o200 : stat.mode & ~0o222);
    if (stat.isDirectory()) for (const name of readdirSync(entry)) walk(path.join(entry, name));
  };
  walk(dir);
}

/**
 * An embedded database whose directory Curve cannot use, as an operator meets it after a
 * restore from backup as another user, a volume mounted read-only, or DATA_DIR set to a file:
 * every command says what is wrong with DATA_DIR and what to do, in one line, exit 1, instead
 * of PGlite's "something went wrong inside Curve (unreachable)".
 */
describe("a data directory Curve cannot use, end to end", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-data-dir-unusable-"));
  const dataDir = path.join(dir, "data");
  beforeAll(async () => {
    const made = await curve(["migrate"], { DATA_DIR: dataDir });
    expect(made.code, made.stderr).toBe(0);
  });
  afterAll(() => {
    setWritable(dir, true);
    rmSync(dir, { recursive: true, force: true });
  });

  it("names a read-only file in it, for curve status and curve serve, and works again once it is writable", async () => {
    const base = path.join(dataDir, "base");
    setWritable(base, false);
    try {
      for (const args of [["status"], ["serve"]]) {
        const run = await curve(args, { DATA_DIR: dataDir, PORT: "0" });
        expect(run.code, args[0]).toBe(1);
        expect(run.stderr, args[0]).toMatch(
          new RegExp(`^curve: the embedded database in ${dataDir.replace(/[/.]/g, "\\$&")} cannot be written \\(${base.replace(/[/.]/g, "\\$&")}\\S* is read-only\\): Curve needs to write to DATA_DIR and everything in it: give it to the user Curve runs as \\(e\\.g\\. chown -R curve: .*\\)\\.\\n$`),
        );
      }
    } finally {
      setWritable(base, true);
    }
    const again = await curve(["status", "--json"], { DATA_DIR: dataDir });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).migrations.pending).toEqual([]);
  });

  it("says DATA_DIR names a file, not a folder", async () => {
    const file = path.join(dir, "curve.env");
    writeFileSync(file, "DATA_DIR=/var/lib/curve\n");
    for (const args of [["status"], ["serve"]]) {
      const run = await curve(args, { DATA_DIR: file, PORT: "0" });
      expect(run.code, args[0]).toBe(1);
      expect(run.stderr, args[0]).toBe(`curve: DATA_DIR ${file} is a file, not a folder: point DATA_DIR at a folder (Curve makes it if it is missing).\n`);
    }
  });
});
