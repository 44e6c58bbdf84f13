import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
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

  it("leaves a folder of other files alone, and names a database it cannot open, instead of something gone wrong inside Curve", async () => {
    const others = path.join(dir, "documents");
    mkdirSync(path.join(others, "minutes"), { recursive: true });
    writeFileSync(path.join(others, "notes.txt"), "board minutes\n");
    const damaged = path.join(dir, "damaged");
    mkdirSync(damaged);
    writeFileSync(path.join(damaged, "PG_VERSION"), "17\n");
    for (const args of [["status"], ["serve"]]) {
      const run = await curve(args, { DATA_DIR: others, PORT: "0" });
      expect(run.code, args[0]).toBe(1);
      expect(run.stderr, args[0]).toBe(`curve: DATA_DIR ${others} holds other files and no embedded database (minutes, notes.txt): point DATA_DIR at an empty folder, or at one Curve made.\n`);
      const broken = await curve(args, { DATA_DIR: damaged, PORT: "0" });
      expect(broken.code, args[0]).toBe(1);
      expect(broken.stderr, args[0]).toMatch(new RegExp(`^curve: the embedded database in ${damaged.replace(/[/.]/g, "\\$&")} could not be opened \\(PGlite said: [^\n]+\\): it may be damaged, or made by another version of Curve\\. Restore DATA_DIR from a backup, or move it aside and start afresh\\.\\n$`));
    }
    expect(readdirSync(others).sort()).toEqual(["minutes", "notes.txt"]);
    expect(readdirSync(damaged)).toEqual(["PG_VERSION"]);
  });

  it("says which part of a DATA_DIR it must make is a file, a link to nowhere, or a place that takes no folders, and makes nothing", async () => {
    const file = path.join(dir, "settings.txt");
    writeFileSync(file, "not a folder\n");
    const dangling = path.join(dir, "dangling");
    symlinkSync(path.join(dir, "unmounted-volume"), dangling);
    const cases: [string, string][] = [
      [path.join(file, "data"), `DATA_DIR ${path.join(file, "data")} cannot be made: ${file} is a file, not a folder. Point DATA_DIR at a folder (Curve makes it if it is missing).`],
      [path.join(file, "a", "b"), `DATA_DIR ${path.join(file, "a", "b")} cannot be made: ${file} is a file, not a folder. Point DATA_DIR at a folder (Curve makes it if it is missing).`],
      [dangling, `DATA_DIR ${dangling} cannot be made: ${dangling} is a link to ${path.join(dir, "unmounted-volume")}, which does not exist. Make that folder (or mount its volume), or point DATA_DIR at a folder that exists.`],
      // /proc and /sys hold the kernel's files, not folders of ours: one refuses with ENOENT, the other EPERM.
      ["/proc/curve-data", "DATA_DIR /proc/curve-data cannot be made: /proc does not take new folders. Point DATA_DIR at a folder on an ordinary disk."],
      ["/sys/curve-data", "DATA_DIR /sys/curve-data cannot be made: /sys does not take new folders. Point DATA_DIR at a folder on an ordinary disk."],
    ];
    for (const [dataDir, sentence] of cases) {
      for (const args of [["status"], ["serve"]]) {
        const run = await curve(args, { DATA_DIR: dataDir, PORT: "0" });
        expect(run.code, `${args[0]} ${dataDir}`).toBe(1);
        expect(run.stderr, `${args[0]} ${dataDir}`).toBe(`curve: ${sentence}\n`);
      }
    }
    expect(existsSync(path.join(dir, "unmounted-volume"))).toBe(false);
    rmSync(dangling);
  });
});
