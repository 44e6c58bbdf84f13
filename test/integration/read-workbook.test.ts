import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterAll, describe, expect, it } from "vitest";
import { readWorkbookFile, readXlsxWhole } from "../../src/adapters/files/read-workbook.ts";
import { writeWorkbook } from "../../src/adapters/files/write-workbook.ts";

const TEMPLATES = path.join(import.meta.dirname, "..", "..", "templates");

/**
 * exceljs's streaming reader now and then ends before a zip's last entries; Curve then reads
 * the workbook whole. Both readers must give the same sheets, or a busy machine would change
 * what an import sees.
 */
describe("the whole-file reader, Curve's fallback when a streaming pass comes up short", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-read-workbook-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const same = async (file: string) => {
    const streamed = await readWorkbookFile(file);
    const whole = await readXlsxWhole(file);
    expect(whole).toEqual(streamed);
    return streamed;
  };

  it("reads the plan template as the streaming reader does", async () => {
    const sheets = await same(path.join(TEMPLATES, "plan.xlsx"));
    expect(sheets.length).toBeGreaterThan(3);
  });

  it("reads a workbook Curve exported (streamed, hyperlinked evidence) as the streaming reader does", async () => {
    const file = path.join(dir, "export.xlsx");
    await writeWorkbook(file, [
      { kind: "actions", rows: [{ ref: "ATT-4", title: "Develop a model of attendance support", owner: "Jancis Andrew", milestones: "Model agreed by March 2012" }] },
      { kind: "milestones", rows: [{ ref: "ATT-4.1", text: "Model agreed", due: "March 2012", evidence: "Signed off, see https://example.org/minutes" }] },
    ]);
    const sheets = await same(file);
    expect(sheets.map((s) => s.name)).toEqual(["Actions", "Milestones"]);
    expect(sheets[1]!.rows[1]!.cells).toContain("Signed off, see https://example.org/minutes");
  });

  it("keeps sheet names, dates, rich text, formulas and merges (down filled and marked, across left empty) as the streaming reader does", async () => {
    const workbook = new ExcelJS.Workbook();
    const people = workbook.addWorksheet("People & teams");
    people.addRows([["Name", "Email"], ["Jancis Andrew", "jancis.andrew@example.org"]]);
    const lac = workbook.addWorksheet("LAC <2011>");
    lac.addRows([
      ["Priority partnership action plan 2011/12"],
      ["Action", "Targeting", "Action Owner", "Due", "Milestone or Target"],
      ["6. Develop assertive outreach", "City Wide", "Saleem Tariq", new Date(Date.UTC(2011, 4, 31)), { richText: [{ text: "Portfolio " }, { text: "by May 2011", font: { bold: true } }] }],
      ["7. Develop Intensive Prevention Team", "Children 10+", null, { formula: "D3+30", result: new Date(Date.UTC(2011, 5, 30)) }, "Team in post by Sept. 2011"],
    ]);
    lac.mergeCells("C3:C4");
    lac.mergeCells("A1:E1");
    const file = path.join(dir, "merged.xlsx");
    await workbook.xlsx.writeFile(file);
    const sheets = await same(file);
    expect(sheets.map((s) => s.name)).toEqual(["People & teams", "LAC <2011>"]);
    const rows = sheets[1]!.rows;
    expect(rows[0]!.cells).toEqual(["Priority partnership action plan 2011/12"]);
    expect(rows[2]!.cells.slice(3)).toEqual(["2011-05-31", "Portfolio by May 2011"]);
    expect(rows[3]!.cells.slice(2, 4)).toEqual(["Saleem Tariq", "2011-06-30"]);
    expect(rows[3]!.mergedFromAbove).toEqual(new Set([2]));
  });
});
