import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { curve } from "../support/run-curve.ts";
import { startServeProcess } from "../support/serve-process.ts";

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-serve-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const listeningLine = (stderr: string) =>
  stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((entry) => entry.msg === "curve serve listening" || entry.message === "curve serve listening");

describe("curve serve's schedules switch", () => {
  it("runs the schedules by default", async () => {
    const on = await startServeProcess({ DATA_DIR: dataDir() });
    await on.stop();
    expect(listeningLine(on.stderr())).toMatchObject({ schedules: "on" });
  }, 180_000);

  it("runs none with CURVE_SCHEDULES=off", async () => {
    const off = await startServeProcess({ DATA_DIR: dataDir(), CURVE_SCHEDULES: "off" });
    await off.stop();
    expect(listeningLine(off.stderr())).toMatchObject({ schedules: "off" });
  }, 180_000);

  it("refuses a value that is not on or off, in one sentence naming the variable", async () => {
    const run = await curve(["serve"], { DATA_DIR: dataDir(), CURVE_SCHEDULES: "sometimes", PORT: "0" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("CURVE_SCHEDULES must be on or off");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
