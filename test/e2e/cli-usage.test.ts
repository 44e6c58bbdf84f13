import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { curve } from "../support/run-curve.ts";

describe("curve's usage and its one-line refusals, end to end", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-usage-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { DATA_DIR: path.join(dir, "data") };

  it("answers <command> --help with that command's usage and exit 0, not an unknown option", async () => {
    for (const [args, says] of [
      [["import", "--help"], "import FILE… [--dry-run]"],
      [["shell", "-h"], "shell [--as NAME] [--now TIME]"],
      [["report", "monthly", "--help"], "report board-pack --now TIME"],
      [["nudge", "--help"], "nudge --now TIME [--dry-run]"],
    ] as const) {
      const run = await curve([...args], env);
      expect(run.code, args.join(" ")).toBe(0);
      expect(run.stdout, args.join(" ")).toContain(says);
      expect(run.stderr, args.join(" ")).toBe("");
    }
    // After "--" it is a file's name, not a flag.
    const file = await curve(["import", "--", "--help"], env);
    expect(file.code).toBe(1);
    expect(file.stderr).toBe("--help: Curve imports .xlsx and .csv files (save the spreadsheet in one of those)\n");
  });

  it("refuses a CSV saved as Windows-1252 in one line, exit 1, before opening the database", async () => {
    const file = path.join(dir, "plan.csv");
    writeFileSync(file, Buffer.from("Plan,Ref,Action,Action Owner\nour-plan,ATT-1,Attendance,Zoë O'Brien\n", "latin1"));
    const run = await curve(["import", file, "--dry-run"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('plan.csv is not UTF-8 text (line 2, just after "Zo"), so Curve cannot tell which letters it holds: save it from Excel as "CSV UTF-8 (Comma delimited)", or import the .xlsx itself\n');
  });
});
