import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importWorkbook } from "../../src/adapters/db/workbook-import.ts";
import { readWorkbookFile } from "../../src/adapters/files/read-workbook.ts";
import { projectPath } from "../../src/adapters/project-files.ts";
import { SHEETS } from "../../src/domain/workbook/columns.ts";
import { readPartnershipWorkbook } from "../../src/domain/workbook/read-partnership.ts";
import { openTestDatabase, type TestDatabase } from "../support/databases.ts";

const TEMPLATES = projectPath("templates");

describe("the templates a council starts from", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase("pglite");
  });
  afterAll(async () => t?.close());

  it("plan.xlsx has every sheet, headed with the columns curve import reads", async () => {
    const sheets = await readWorkbookFile(path.join(TEMPLATES, "plan.xlsx"));
    expect(sheets.map((s) => s.name)).toEqual(["Partnership", "Plans", "Outcomes", "Priorities", "Actions", "People", "Teams", "Indicators", "Readings"]);
    for (const sheet of sheets) {
      const spec = Object.values(SHEETS).find((s) => s.name === sheet.name)!;
      expect(sheet.rows[0]!.cells, sheet.name).toEqual(spec.columns.map((c) => c.heading));
    }
  });

  it.each([
    ["plan.xlsx", ["plan.xlsx"]],
    ["the CSVs", readdirSync(TEMPLATES).filter((f) => f.endsWith(".csv"))],
  ])("%s import with no problems and no unmatched names", async (_label, files) => {
    const sheets = (await Promise.all(files.map((f) => readWorkbookFile(path.join(TEMPLATES, f))))).flat();
    const reading = readPartnershipWorkbook(sheets, { fileName: files[0]! });
    expect(reading.ignored).toEqual([]);
    const report = await importWorkbook(t.db.prisma, reading, { fileName: files[0]!, dryRun: true, now: new Date("2011-04-01T09:00:00Z"), timeZone: "Europe/London" });
    expect(report.problems).toEqual([]);
    // The personal-data guard reads every free-text cell and holds none of them.
    expect(reading.freeText.length).toBeGreaterThanOrEqual(8);
    expect(report.held).toEqual([]);
    expect(report.unmatched).toEqual([]);
    expect(report.milestones.map((m) => [m.ref, m.precision, m.due])).toEqual([
      ["ATT-1.1", "month", "2011-03-31"],
      ["ATT-1.2", "term", "2011-07-31"],
      ["ATT-2.1", "month", "2012-03-31"],
    ]);
    expect(report.changes.filter((c) => c.kind === "create").map((c) => c.subject).sort()).toEqual(
      ["action", "action", "indicator", "outcome", "person", "person", "person", "person", "plan", "priority", "reading", "team", "team", "team", "team"].sort(),
    );
  });
});
