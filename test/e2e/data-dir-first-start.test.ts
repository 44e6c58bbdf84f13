import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { curve } from "../support/run-curve.ts";
import { freePort } from "../support/serve-process.ts";

const BIN = fileURLToPath(new URL("../../bin/curve.js", import.meta.url));

/**
 * Starts `curve args` on a data directory that does not exist yet, and kills it with SIGKILL
 * the moment `file` appears anywhere in it: the embedded database is then being made, not yet whole.
 * Resolves once the process has gone.
 */
async function killWhileMaking(args: string[], dataDir: string, file: string): Promise<void> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...inherited, DATA_DIR: dataDir, PORT: String(await freePort()), CURVE_SCHEDULES: "off", LOG_LEVEL: "error" }, stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const written = () => existsSync(dataDir) && readdirSync(dataDir, { recursive: true }).some((entry) => path.basename(String(entry)) === file);
  while (!gone && !written()) await new Promise((resolve) => setImmediate(resolve));
  child.kill("SIGKILL");
  await exited;
}

/**
 * The first start makes the embedded database (a few hundred files). A first `npm start`
 * stopped with Ctrl-C, an out-of-memory kill or a power cut while it did left a directory PGlite
 * could never open again ("something went wrong inside Curve (Aborted())"), until someone
 * deleted it by hand. Nothing in it was ever acknowledged, so the next start makes it afresh.
 */
describe("a first start killed while it makes the embedded database", () => {
  const root = mkdtempSync(path.join(tmpdir(), "curve-first-start-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  for (const [command, file] of [
    ["migrate", "PG_VERSION"],
    ["serve", "PG_VERSION"],
    ["migrate", "global"],
  ] as const) {
    it(`curve ${command} killed once ${file} is written: the next command makes the database afresh`, { timeout: 180_000 }, async () => {
      const dataDir = path.join(root, `${command}-${file}`);
      await killWhileMaking([command], dataDir, file);
      const status = await curve(["status", "--json"], { DATA_DIR: dataDir });
      expect(status.stderr).toBe("");
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout).migrations.applied).toEqual([]);
      const migrated = await curve(["migrate"], { DATA_DIR: dataDir });
      expect(migrated.code, migrated.stderr).toBe(0);
      const again = await curve(["status", "--json"], { DATA_DIR: dataDir });
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).migrations.pending).toEqual([]);
    });
  }
});
