import { createWriteStream } from "node:fs";
import ExcelJS from "exceljs";
import { SHEETS, type SheetKind } from "../../domain/workbook/columns.ts";

/** One sheet to write: its kind (which fixes its name and headings) and its rows, keyed by column. */
export interface SheetRows {
  kind: SheetKind;
  rows: Iterable<Record<string, string | number | null>>;
}

const WIDE = new Set(["title", "text", "milestones", "whatWeWillDo", "howWeWillDoIt", "howWeWillKnow", "note", "evidence", "targeting", "owner", "contributors", "name", "members"]);

/**
 * Writes sheets as an .xlsx with exceljs's streaming writer (rows go to disk as they are
 * added), headed with the same headings `curve import` reads, long text wrapped.
 */
export async function writeWorkbook(path: string, sheets: SheetRows[]): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: createWriteStream(path), useSharedStrings: false, useStyles: true });
  for (const sheet of sheets) {
    const spec = SHEETS[sheet.kind];
    const ws = workbook.addWorksheet(spec.name, { views: [{ state: "frozen", ySplit: 1 }] });
    ws.columns = spec.columns.map((c) => ({
      header: c.heading,
      key: c.key,
      width: WIDE.has(c.key) ? 48 : Math.max(12, c.heading.length + 2),
      style: WIDE.has(c.key) ? { alignment: { wrapText: true, vertical: "top" } } : { alignment: { vertical: "top" } },
    }));
    ws.getRow(1).font = { bold: true };
    ws.getRow(1).commit();
    for (const row of sheet.rows) ws.addRow(row).commit();
    ws.commit();
  }
  await workbook.commit();
}

/** The same sheet as CSV text, headings first: what a template's CSVs hold. */
export function sheetCsv(sheet: SheetRows): string {
  const spec = SHEETS[sheet.kind];
  const rows = [...sheet.rows].map((r) => spec.columns.map((c) => (r[c.key] === null || r[c.key] === undefined ? "" : String(r[c.key]))));
  // RFC 4180: quote a field holding a comma, quote or line break, doubling its quotes.
  const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [spec.columns.map((c) => c.heading), ...rows].map((r) => r.map(field).join(",")).join("\r\n") + "\r\n";
}
