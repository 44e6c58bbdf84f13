import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterAll, describe, expect, it } from "vitest";
import { readWorkbookFile, readXlsxWhole, UnreadableFile } from "../../src/adapters/files/read-workbook.ts";
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

describe("cells read as Excel shows them, by both readers", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-read-shown-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives percentages as shown, months typed into date cells as months, and marks cells that show an error or an uncalculated formula", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("Readings");
    sheet.addRows([
      ["Indicator", "Period", "Value", "Note"],
      ["NEET", new Date(Date.UTC(2011, 8, 1)), 0.081, { formula: "VLOOKUP(A2,Notes!A:B,2,FALSE)", result: { error: "#N/A" } }],
      ["ATT", new Date(Date.UTC(2011, 8, 1)), { formula: "0.9+0.016", result: 0.916 }, { formula: "Notes!B3" }],
      ["LAC", new Date(Date.UTC(2011, 0, 1)), 1420, { error: "#REF!" }],
    ]);
    sheet.getCell("B2").numFmt = "mmm-yy";
    sheet.getCell("B3").numFmt = "d mmmm yyyy";
    sheet.getCell("B4").numFmt = "yyyy";
    sheet.getCell("C2").numFmt = "0.0%";
    sheet.getCell("C3").numFmt = "0.0%";
    const file = path.join(dir, "shown.xlsx");
    await workbook.xlsx.writeFile(file);
    const streamed = await readWorkbookFile(file);
    expect(await readXlsxWhole(file)).toEqual(streamed);
    const rows = streamed[0]!.rows;
    expect(rows.map((r) => r.cells.slice(0, 3))).toEqual([
      ["Indicator", "Period", "Value"],
      ["NEET", "September 2011", "8.1%"],
      ["ATT", "2011-09-01", "91.6%"],
      ["LAC", "2011", "1420"],
    ]);
    expect(rows.map((r) => r.unreadable?.get(3))).toEqual([
      undefined,
      "shows the error #N/A, not a value: correct the formula or type the value in",
      "holds a formula whose result was never saved: open the file in Excel and save it, or type the value in",
      "shows the error #REF!, not a value: correct the formula or type the value in",
    ]);
  });
});

/**
 * A CSV's bytes are letters only in an encoding. Excel writes UTF-8 ("CSV UTF-8"), UTF-16 with a
 * byte-order mark ("Unicode Text") or, for plain "CSV (Comma delimited)", Windows-1252 on Windows
 * and Mac Roman on older Macs, where the same byte is a different letter. Curve reads the first
 * two exactly and refuses the rest, rather than store "Zo\uFFFD O'Brien" as an owner's name.
 */
describe("a CSV file's text encoding", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-read-csv-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const csv = "Plan,Ref,Action,Action Owner\r\nour-plan,ATT-1,Improve attendance in Siân's cluster,Zoë O'Brien\r\n";
  const write = (name: string, bytes: Buffer) => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };
  const cellsOf = async (file: string) => (await readWorkbookFile(file))[0]!.rows.map((r) => r.cells);
  const expected = [
    ["Plan", "Ref", "Action", "Action Owner"],
    ["our-plan", "ATT-1", "Improve attendance in Siân's cluster", "Zoë O'Brien"],
  ];

  it("composes letters typed as a base and a combining mark (NFC), so a name reads as people type it", async () => {
    const decomposed = csv.normalize("NFD");
    expect(decomposed).not.toBe(csv);
    expect(await cellsOf(write("decomposed.csv", Buffer.from(decomposed, "utf8")))).toEqual(expected);
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet("People").addRows(expected.map((row) => row.map((cell) => cell.normalize("NFD"))));
    const file = path.join(dir, "decomposed.xlsx");
    await workbook.xlsx.writeFile(file);
    expect((await readWorkbookFile(file))[0]!.rows.map((r) => r.cells)).toEqual(expected);
    expect((await readXlsxWhole(file))[0]!.rows.map((r) => r.cells)).toEqual(expected);
  });

  it("reads UTF-8, with or without its byte-order mark", async () => {
    expect(await cellsOf(write("plain.csv", Buffer.from(csv, "utf8")))).toEqual(expected);
    expect(await cellsOf(write("bom.csv", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv, "utf8")])))).toEqual(expected);
  });

  it("reads UTF-16 with its byte-order mark, little- and big-endian (Excel's Unicode Text)", async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, "utf16le")]);
    expect(await cellsOf(write("unicode-le.csv", le))).toEqual(expected);
    const be = Buffer.from(le);
    be.swap16();
    expect(await cellsOf(write("unicode-be.csv", be))).toEqual(expected);
    expect(await cellsOf(write("unicode.txt", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv.replaceAll(",", "\t"), "utf16le")])))).toEqual(expected);
  });

  it("refuses Windows-1252 and Mac Roman in one sentence naming the line, never reading a letter as \uFFFD", async () => {
    const latin = Buffer.from(csv, "latin1"); // â and ë are the same bytes in Windows-1252
    await expect(readWorkbookFile(write("windows.csv", latin))).rejects.toThrow(UnreadableFile);
    await expect(readWorkbookFile(write("windows.csv", latin))).rejects.toThrow(
      /^windows\.csv is not UTF-8 text \(line 2, just after "attendance in Si"\), so Curve cannot tell which letters it holds: save it from Excel as "CSV UTF-8 \(Comma delimited\)", or import the \.xlsx itself$/,
    );
    // A bad byte far into a large file, past the first chunk read, is found on its line.
    const long = Buffer.concat([Buffer.from(csv.split("\r\n")[0] + "\r\n" + "our-plan,ATT-9,Padding,Jo Bloggs\r\n".repeat(5000), "utf8"), Buffer.from("our-plan,ATT-10,Caf\x8e club,Jo Bloggs\r\n", "latin1")]);
    await expect(readWorkbookFile(write("mac.csv", long))).rejects.toThrow(/^mac\.csv is not UTF-8 text \(line 5002, just after "Caf"\)/);
  });
});
