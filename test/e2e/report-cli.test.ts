import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { beforeAll, describe, expect, it } from "vitest";
import { curve } from "../support/run-curve.ts";

const NOW = "2011-10-03T09:00:00+01:00";

describe("curve report on the Leeds demo", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-report-"));
  const env = { DATA_DIR: path.join(dir, "data") };
  beforeAll(async () => {
    expect((await curve(["seed", "--demo"], env)).code).toBe(0);
    const lines = ["/indicator record LAC 1,420 2011-03", "/indicator record LAC 1,380 2011-06", "/indicator record NEET 8.9 2011-06"].join("\n");
    const shell = await curve(["shell", "--as", "Nigel Richardson"], env, `${lines}\n`);
    expect(shell.code).toBe(0);
  });

  it("lists the monthly exceptions of the first working day of October 2011, each with its reason", async () => {
    const run = await curve(["report", "monthly", "--now", NOW, "--plan", "cypp-2011-15"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^# Monthly exception report, September 2011\n/);
    const exceptions = run.stdout.slice(run.stdout.indexOf("## Exceptions: actions"), run.stdout.indexOf("## Key issues"));
    const items = exceptions.split("\n").filter((l) => l.startsWith("- "));
    expect(items.length).toBeGreaterThan(20);
    // Every exception line carries its reason after the dash.
    for (const item of items) expect(item, item).toMatch(/ — (Red|Amber): .+|overdue since \d+ \w{3} \d{4}|slipped from|short of/);
    expect(run.stdout).toContain("- ATT-4.1 · Intervention model developed by September 2011 — overdue since 30 Sep 2011");
    expect(run.stdout).toMatch(/- ATT-4 · Engage with Police[^\n]* — Red: ATT-4\.1 overdue since 30 Sep 2011/);
    expect(run.stdout).toContain("2 of 3 indicators improved on their baseline");
  });

  it("writes a board pack workbook that reopens with its sheets and charts", async () => {
    const file = path.join(dir, "pack.xlsx");
    const run = await curve(["report", "board-pack", "--now", NOW, "--plan", "cypp-2011-15", "--xlsx", file], env);
    expect(run.code, run.stderr).toBe(0);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(["Cover", "Exceptions", "Indicators", "Actions", "Risks", "Changes"]);
    const exceptions = workbook.getWorksheet("Exceptions")!;
    const rows = exceptions.getSheetValues().slice(2).map((r) => (r as unknown[]).slice(1));
    expect(rows).toContainEqual(["Overdue", "ATT-4.1", "Intervention model developed by September 2011", "Red", "overdue since 30 Sep 2011"]);
    const indicators = workbook.getWorksheet("Indicators")!;
    // A chart for each indicator with two figures or more: the two given readings here, and primary attendance's two from the plan.
    expect(indicators.getImages()).toHaveLength(3);
    const lac = indicators.getSheetValues().find((r) => Array.isArray(r) && r[1] === "LAC") as unknown[];
    expect(lac.slice(1, 5)).toEqual(["LAC", "Number of looked after children", "1,380", "Jun 2011"]);
    expect(workbook.getWorksheet("Actions")!.rowCount).toBeGreaterThan(40);
  });

  it("writes a board pack PDF that renders to pages with the charts and holds the exceptions' text", async () => {
    const file = path.join(dir, "pack.pdf");
    const run = await curve(["report", "board-pack", "--now", NOW, "--plan", "cypp-2011-15", "--pdf", file], env);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe("%PDF-");
    const text = execFileSync("/usr/bin/pdftotext", ["-layout", file, "-"]).toString();
    expect(text).toContain("Exceptions: milestones overdue or slipped");
    expect(text).toContain("ATT-4.1 · Intervention model developed by September 2011");
    expect(text).toContain("Indicator charts");
    const pages = path.join(dir, "page");
    execFileSync("/usr/bin/pdftoppm", ["-png", "-r", "40", file, pages]);
    const pngs = readdirSync(dir).filter((f) => f.startsWith("page") && f.endsWith(".png"));
    expect(pngs.length).toBeGreaterThan(1);
    // The charts are images on a page: pdfimages lists them.
    const images = execFileSync("/usr/bin/pdfimages", ["-list", file]).toString().trim().split("\n").slice(2);
    expect(images.length).toBeGreaterThanOrEqual(2);
  });

  it("refuses what it cannot do in one line with exit code 2", async () => {
    const bad = [
      ["report", "weekly", "--now", NOW],
      ["report", "monthly"],
      ["report", "monthly", "--now", NOW, "--format", "docx"],
      ["report", "monthly", "--now", NOW, "--format", "xlsx"],
      ["report", "board-pack", "--now", NOW],
      ["report", "obsessions", "--now", NOW, "--format", "pdf", "--out", path.join(dir, "x.pdf")],
      ["report", "monthly", "--now", NOW, "--plan", "nope"],
      ["report", "monthly", "--now", NOW, "--period", "Smarch 2011"],
      ["report", "monthly", "--now", NOW, "--bogus"],
    ];
    for (const args of bad) {
      const run = await curve(args, env);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr.trim().length, args.join(" ")).toBeGreaterThan(0);
      expect(run.stderr, args.join(" ")).not.toMatch(/\n\s+at /);
    }
  });

  it("refuses a --now on a day the calendar does not have, rather than reading 30 February as 2 March", async () => {
    for (const args of [
      ["report", "monthly", "--now", "2011-02-30T09:00:00Z"],
      ["report", "board-pack", "--now", "2012-02-30T09:00:00+00:00", "--xlsx", path.join(dir, "never.xlsx")],
      ["nudge", "--now", "2011-04-31T09:00:00+01:00", "--dry-run"],
      ["plan", "refresh", "cypp-2011-15", "--to", "cypp-2015-19", "--period", "2015-19", "--dry-run", "--now", "2015-02-29T09:00:00Z"],
    ]) {
      const run = await curve(args, env);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(/^Give the time with --now as ISO 8601 with an offset/);
      expect(run.stdout, args.join(" ")).toBe("");
    }
    // 29 February in a leap year is a day.
    expect((await curve(["report", "monthly", "--now", "2012-02-29T09:00:00Z", "--plan", "cypp-2011-15"], env)).stdout).toMatch(/^# Monthly exception report, January 2012\n/);
  });
});

