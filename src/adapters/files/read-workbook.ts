import { createReadStream } from "node:fs";
import { basename, extname } from "node:path";
import { parse as parseCsv } from "csv-parse";
import ExcelJS from "exceljs";
import { Unzip, UnzipInflate } from "fflate";
import type { RawRow, RawSheet } from "../../domain/workbook/sheet.ts";

/** Called as rows are read: the sheet and how many of its rows so far. */
export type ReadProgress = (sheet: string, rows: number) => void;

export class UnreadableFile extends Error {}

/**
 * Reads .xlsx (exceljs's streaming reader, so a large workbook is never held as a whole
 * model) or .csv/.tsv (csv-parse) into plain text cells. Cells merged downwards take the
 * merge's value and are marked, so the import can tell a merged cell from a wrapped row.
 * Throws UnreadableFile, with one sentence, when the file is not what its name says.
 */
export async function readWorkbookFile(path: string, onProgress: ReadProgress = () => undefined): Promise<RawSheet[]> {
  const ext = extname(path).toLowerCase();
  if (ext === ".xlsx") return readXlsx(path, onProgress);
  if (ext === ".csv" || ext === ".tsv" || ext === ".txt") return [await readDelimited(path, ext, onProgress)];
  throw new UnreadableFile(`${basename(path)}: Curve imports .xlsx and .csv files (save the spreadsheet in one of those)`);
}

async function readXlsx(path: string, onProgress: ReadProgress): Promise<RawSheet[]> {
  let merges: Map<string, string[]>;
  try {
    merges = await readMergeRanges(path);
  } catch (error) {
    throw new UnreadableFile(`${basename(path)} is not a readable .xlsx workbook (${(error as Error).message})`);
  }
  const sheets: RawSheet[] = [];
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { worksheets: "emit", sharedStrings: "cache", styles: "cache", hyperlinks: "ignore", entries: "ignore" });
  try {
    for await (const worksheet of reader) {
      const ws = worksheet as unknown as AsyncIterable<ExcelJS.Row> & { id: string | number; name: string };
      const rows: RawRow[] = [];
      for await (const row of ws) {
        const cells: string[] = [];
        row.eachCell({ includeEmpty: false }, (cell, col) => {
          cells[col - 1] = cellText(cell.value);
        });
        for (let i = 0; i < cells.length; i++) cells[i] ??= "";
        rows.push({ number: row.number, cells });
        if (rows.length % 1000 === 0) onProgress(ws.name, rows.length);
      }
      onProgress(ws.name, rows.length);
      sheets.push(applyMerges({ name: ws.name, rows }, merges.get(String(ws.id)) ?? []));
    }
  } catch (error) {
    if (error instanceof UnreadableFile) throw error;
    throw new UnreadableFile(`${basename(path)} could not be read as a workbook (${(error as Error).message})`);
  }
  return sheets;
}

/** exceljs cell values as the text a person sees. Dates at midnight are days (2011-04-01). */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
  }
  if (typeof value === "object") {
    if ("richText" in value && Array.isArray(value.richText)) return value.richText.map((r) => r.text).join("");
    if ("formula" in value || "sharedFormula" in value) return cellText((value as { result?: ExcelJS.CellValue }).result ?? null);
    if ("text" in value) return cellText((value as { text: ExcelJS.CellValue }).text);
    if ("error" in value) return "";
  }
  return String(value);
}

/**
 * The merged ranges of each worksheet ("A2:A4"), by sheet number. exceljs's streaming reader
 * skips them, and they come after the rows in the file, so they are read first, streaming the
 * sheets' XML through fflate without holding it.
 */
async function readMergeRanges(path: string): Promise<Map<string, string[]>> {
  const ranges = new Map<string, string[]>();
  await new Promise<void>((resolve, reject) => {
    const unzip = new Unzip((file) => {
      const m = /^xl\/worksheets\/sheet(\d+)\.xml$/.exec(file.name);
      if (!m) return;
      const found: string[] = [];
      ranges.set(m[1]!, found);
      const decoder = new TextDecoder();
      let tail = "";
      file.ondata = (error, chunk, final) => {
        if (error) return reject(error);
        const text = tail + decoder.decode(chunk, { stream: !final });
        for (const hit of text.matchAll(/<mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"/g)) found.push(hit[1]!);
        tail = text.slice(-200);
        // A tag split across chunks is found again in the tail; drop repeats.
        if (final) ranges.set(m[1]!, [...new Set(found)]);
      };
      file.start();
    });
    unzip.register(UnzipInflate);
    const stream = createReadStream(path);
    stream.on("data", (chunk) => {
      try {
        unzip.push(chunk as Buffer);
      } catch (error) {
        reject(error);
      }
    });
    stream.on("end", () => {
      try {
        unzip.push(new Uint8Array(0), true);
        resolve();
      } catch (error) {
        reject(error);
      }
    });
    stream.on("error", reject);
  });
  return ranges;
}

function decodeAddress(address: string): { row: number; col: number } {
  const m = /^([A-Z]+)(\d+)$/.exec(address)!;
  let col = 0;
  for (const ch of m[1]!) col = col * 26 + (ch.charCodeAt(0) - 64);
  return { row: Number(m[2]), col: col - 1 };
}

/** Cells under the top row of a merge take its value and are marked as merged from above. */
function applyMerges(sheet: RawSheet, ranges: string[]): RawSheet {
  if (ranges.length === 0) return sheet;
  const byNumber = new Map(sheet.rows.map((r) => [r.number, r]));
  for (const range of ranges) {
    const [from, to] = range.split(":").map(decodeAddress) as [{ row: number; col: number }, { row: number; col: number }];
    if (to.row <= from.row) continue;
    const master = byNumber.get(from.row);
    for (let r = from.row + 1; r <= to.row; r++) {
      let row = byNumber.get(r);
      if (!row) {
        row = { number: r, cells: [] };
        byNumber.set(r, row);
        sheet.rows.push(row);
      }
      const marked = new Set(row.mergedFromAbove ?? []);
      for (let c = from.col; c <= to.col; c++) {
        while (row.cells.length <= c) row.cells.push("");
        row.cells[c] = master?.cells[c] ?? "";
        marked.add(c);
      }
      row.mergedFromAbove = marked;
    }
  }
  sheet.rows.sort((a, b) => a.number - b.number);
  return sheet;
}

async function readDelimited(path: string, ext: string, onProgress: ReadProgress): Promise<RawSheet> {
  const name = basename(path, ext);
  const rows: RawRow[] = [];
  const delimiter = ext === ".csv" ? await sniffDelimiter(path) : "\t";
  const parser = createReadStream(path).pipe(
    parseCsv({ bom: true, delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, info: true }),
  );
  try {
    for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      rows.push({ number: rows.length + 1, cells: record.record.map((c) => c ?? "") });
      if (rows.length % 1000 === 0) onProgress(name, rows.length);
    }
  } catch (error) {
    throw new UnreadableFile(`${basename(path)} line ${rows.length + 1}: ${(error as Error).message}`);
  }
  onProgress(name, rows.length);
  return { name, rows };
}

/** Commas, unless the first line has more semicolons (Excel in some locales) or tabs. */
async function sniffDelimiter(path: string): Promise<string> {
  const stream = createReadStream(path, { start: 0, end: 4095, encoding: "utf8" });
  let head = "";
  for await (const chunk of stream) head += chunk as string;
  const first = head.split(/\r?\n/)[0] ?? "";
  const count = (ch: string) => first.split(ch).length - 1;
  const best = [",", ";", "\t"].sort((a, b) => count(b) - count(a))[0]!;
  return count(best) > 0 ? best : ",";
}
