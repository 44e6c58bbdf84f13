import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReportStore } from "../../src/adapters/db/report-store.ts";
import { reportFileBytes } from "../../src/adapters/files/report-files.ts";
import { buildReport } from "../../src/commands/report-store.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";

const REPORT_DAY = new Date("2011-10-03T08:00:00Z");

describe.each(kindsUnderTest())("the board pack workbook on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  it("wraps long titles and reasons in their columns, so a board member reads them whole", async () => {
    const partnershipId = await loadDemo(t.db);
    const built = await buildReport(createReportStore(t.db.prisma), partnershipId, "monthly", REPORT_DAY, "cypp-2011-15", null);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await reportFileBytes(built, "xlsx", { now: REPORT_DAY })) as unknown as ExcelJS.Buffer);
    // ATT-6's title runs to 330 characters; its column is 70 wide.
    const long = (sheet: string) => {
      const found: ExcelJS.Cell[] = [];
      workbook.getWorksheet(sheet)!.eachRow((row, n) => {
        if (n > 1) row.eachCell((cell) => typeof cell.value === "string" && cell.value.length > Number(workbook.getWorksheet(sheet)!.getColumn(cell.col).width ?? 10) && found.push(cell));
      });
      return found;
    };
    for (const sheet of ["Exceptions", "Actions", "Indicators", "Changes", "Risks"]) {
      for (const cell of long(sheet)) expect(cell.alignment?.wrapText, `${sheet}!${cell.address}: ${String(cell.value).slice(0, 40)}`).toBe(true);
    }
    expect(long("Exceptions").some((c) => String(c.value).startsWith("Develop an “attendance pledge”"))).toBe(true);
    const cover = workbook.getWorksheet("Cover")!;
    expect(cover.getCell("A2").alignment?.wrapText).toBe(true);
  });
});
