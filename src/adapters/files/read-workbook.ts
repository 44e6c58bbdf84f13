import { createReadStream } from "node:fs";
import { basename, extname } from "node:path";
import { Readable } from "node:stream";
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
 * Each cell's letters are composed (Unicode NFC), as typed commands are (typed-text.ts): a
 * name saved on a Mac as "e" and a combining accent is then the name a person types.
 * Throws UnreadableFile, with one sentence, when the file is not what its name says.
 */
export async function readWorkbookFile(path: string, onProgress: ReadProgress = () => undefined): Promise<RawSheet[]> {
  const ext = extname(path).toLowerCase();
  if (ext === ".xlsx") return readXlsx(path, onProgress);
  if (ext === ".csv" || ext === ".tsv" || ext === ".txt") return [await readDelimited(path, ext, onProgress)];
  throw new UnreadableFile(`${basename(path)}: Curve imports .xlsx and .csv files (save the spreadsheet in one of those)`);
}

/** Streaming passes tried before the whole-file reader takes over. */
const STREAMING_ATTEMPTS = 3;

async function readXlsx(path: string, onProgress: ReadProgress): Promise<RawSheet[]> {
  let layout: WorkbookLayout;
  try {
    layout = await readWorkbookLayout(path);
  } catch (error) {
    throw new UnreadableFile(`${basename(path)} is not a readable .xlsx workbook (${(error as Error).message})`);
  }
  // exceljs's streaming pass sometimes ends before the zip's last entries (exceljs issues 2790
  // and 3064; more often on a busy machine). Which entries it loses varies: a sheet goes missing,
  // or xl/workbook.xml does and the reader throws ("reading 'sheets'") once it reaches the sheets
  // it held back. The file itself is sound (the layout above was read from all of it), so a
  // short or failed pass is tried again, and then the workbook is read whole, which does not race.
  for (let attempt = 1; attempt <= STREAMING_ATTEMPTS; attempt++) {
    const sheets = await readSheets(path, layout, onProgress).catch(() => null);
    if (sheets && sheets.length >= layout.nameByFile.size) return sheets;
  }
  return readXlsxWhole(path, layout, onProgress);
}

/**
 * Reads an .xlsx with exceljs's whole-file reader (the workbook is held in memory), giving the
 * same sheets as the streaming reader: names from the workbook's index, text cells, cells merged
 * downwards filled and marked from the layout, cells merged across left empty. The fallback when
 * streaming passes come up short; exported so tests can hold the two readers to the same result.
 * Throws UnreadableFile, with one sentence, when exceljs cannot read the file.
 */
export async function readXlsxWhole(path: string, layout?: WorkbookLayout, onProgress: ReadProgress = () => undefined): Promise<RawSheet[]> {
  const known = layout ?? (await readWorkbookLayout(path).catch((error: Error) => {
    throw new UnreadableFile(`${basename(path)} is not a readable .xlsx workbook (${error.message})`);
  }));
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(path);
  } catch (error) {
    throw new UnreadableFile(`${basename(path)} could not be read as a workbook (${(error as Error).message})`);
  }
  const sheets: RawSheet[] = [];
  for (const worksheet of workbook.worksheets) {
    const file = known.fileBySheetId.get(String(worksheet.id)) ?? String(worksheet.id);
    const name = known.nameByFile.get(file) ?? worksheet.name;
    const rows: RawRow[] = [];
    worksheet.eachRow({ includeEmpty: false }, (row, number) => {
      const cells = rowText(row);
      if (cells.length > 0) rows.push({ number, cells });
    });
    onProgress(name, rows.length);
    sheets.push(applyMerges(markUnreadable({ name, rows }, known.unreadableByFile.get(file)), known.mergesByFile.get(file) ?? []));
  }
  return sheets;
}

async function readSheets(path: string, layout: WorkbookLayout, onProgress: ReadProgress): Promise<RawSheet[]> {
  const sheets: RawSheet[] = [];
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { worksheets: "emit", sharedStrings: "cache", styles: "cache", hyperlinks: "ignore", entries: "ignore" });
  try {
    for await (const worksheet of reader) {
      const ws = worksheet as unknown as AsyncIterable<ExcelJS.Row> & { id: string | number; name: string };
      // exceljs names a sheet only when the workbook's index came first in the zip; otherwise its id is the file's number.
      const file = ws.name === `Sheet${ws.id}` ? String(ws.id) : (layout.fileBySheetId.get(String(ws.id)) ?? String(ws.id));
      const name = layout.nameByFile.get(file) ?? ws.name;
      const rows: RawRow[] = [];
      for await (const row of ws) {
        const cells = rowText(row);
        if (cells.length === 0) continue;
        rows.push({ number: row.number, cells });
        if (rows.length % 1000 === 0) onProgress(name, rows.length);
      }
      onProgress(name, rows.length);
      sheets.push(applyMerges(markUnreadable({ name, rows }, layout.unreadableByFile.get(file)), layout.mergesByFile.get(file) ?? []));
    }
  } catch (error) {
    if (error instanceof UnreadableFile) throw error;
    throw new UnreadableFile(`${basename(path)} could not be read as a workbook (${(error as Error).message})`);
  }
  return sheets;
}

/**
 * A row's cells as text, by column (A is 0), up to its last cell with text; [] for a row with
 * none (rows without text mean nothing to an import, and the two readers disagree on whether
 * such rows exist). Only a merge's top-left cell is read: the streaming reader sees no other,
 * and applyMerges fills merges downwards from the layout for both readers.
 */
function rowText(row: ExcelJS.Row): string[] {
  const cells: string[] = [];
  row.eachCell({ includeEmpty: false }, (cell, col) => {
    if (cell.isMerged && cell.master !== cell) return;
    const text = shownText(cell).normalize("NFC");
    if (text !== "") cells[col - 1] = text;
  });
  for (let i = 0; i < cells.length; i++) cells[i] ??= "";
  return cells;
}

/**
 * A cell as the person sees it in Excel, not as Excel stores it: 95.1% is stored as 0.951 and
 * "March 2026" typed into a cell becomes the date 1 March 2026 shown as "Mar-26". So a number
 * shown as a percentage reads "95.1%"; a date shown without its day reads "March 2026" (a
 * month, not its first day); other dates read 2026-03-01. A formula reads as its saved result,
 * and one whose result is a date serial (the streaming reader gives 40724 for "=D3+30") as that
 * date. Serials count days from 1899-12-30 (Excel's 1900 system).
 */
function shownText(cell: ExcelJS.Cell): string {
  const raw = cell.value;
  const formula = raw !== null && typeof raw === "object" && ("formula" in raw || "sharedFormula" in raw);
  const value = formula ? ((raw as { result?: ExcelJS.CellValue }).result ?? null) : raw;
  const format = visibleFormat(cell.numFmt);
  if (typeof value === "number" && /%/.test(format)) return `${Number((value * 100).toPrecision(12))}%`;
  if (typeof value === "number" && formula && isDateFormat(format)) return dateText(new Date(Math.round((value - 25569) * 86_400_000)), format);
  if (value instanceof Date) return dateText(value, format);
  return cellText(value);
}

/** A number format without its quoted text, [colour]/[locale] parts and escaped characters: what decides how a value shows. */
const visibleFormat = (format: string | undefined): string => (format ?? "").replace(/\[[^\]]*]/g, "").replace(/"[^"]*"/g, "").replace(/\\./g, "");

/** Whether a number format shows a date or time: y, m, d, h, s or b. */
const isDateFormat = (format: string): boolean => /[ymdhsb]/i.test(format.replace(/general/gi, ""));

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** A date as its format shows it: a month ("mmm-yy", "mmmm yyyy") as "March 2026", a year alone as "2026", else as cellText gives it. */
function dateText(date: Date, format: string): string {
  const f = format.toLowerCase();
  if (/[hs]|am\/pm|a\/p/.test(f) || /d/.test(f)) return cellText(date);
  if (/m/.test(f)) return `${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  if (/y/.test(f)) return String(date.getUTCFullYear());
  return cellText(date);
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

/** What Curve reads of a workbook's zip before its cells (see readWorkbookLayout). */
export interface WorkbookLayout {
  /** Merged ranges ("A2:A4") by worksheet file number (xl/worksheets/sheet3.xml → "3"). */
  mergesByFile: Map<string, string[]>;
  /** Cells that show no value Curve can read, by file number: address ("D7") → what is wrong and what to do, as the end of a sentence. */
  unreadableByFile: Map<string, Map<string, string>>;
  nameByFile: Map<string, string>;
  fileBySheetId: Map<string, string>;
}

/**
 * What exceljs's streaming reader does not give reliably: each sheet's name (it knows it only
 * when the workbook's index comes before the sheets in the zip) and merged ranges (it skips
 * them, and they come after the rows). One streaming pass through fflate, holding no sheet.
 */
async function readWorkbookLayout(path: string): Promise<WorkbookLayout> {
  const mergesByFile = new Map<string, string[]>();
  const unreadableByFile = new Map<string, Map<string, string>>();
  let workbookXml = "";
  let relsXml = "";
  await new Promise<void>((resolve, reject) => {
    const unzip = new Unzip((file) => {
      const sheet = /^xl\/worksheets\/sheet(\d+)\.xml$/.exec(file.name);
      const index = file.name === "xl/workbook.xml" ? "workbook" : file.name === "xl/_rels/workbook.xml.rels" ? "rels" : null;
      if (!sheet && !index) return;
      const decoder = new TextDecoder();
      const found: string[] = [];
      const unreadable = new Map<string, string>();
      let tail = "";
      file.ondata = (error, chunk, final) => {
        if (error) return reject(error);
        const text = tail + decoder.decode(chunk, { stream: !final });
        if (index === "workbook") workbookXml += decoder.decode(chunk, { stream: !final });
        else if (index === "rels") relsXml += decoder.decode(chunk, { stream: !final });
        else {
          for (const hit of text.matchAll(/<mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"/g)) found.push(hit[1]!);
          for (const [address, why] of unreadableCells(text)) unreadable.set(address, why);
          tail = text.slice(-TAIL);
          // A tag split across chunks is found again in the tail; drop repeats.
          if (final) {
            mergesByFile.set(sheet![1]!, [...new Set(found)]);
            if (unreadable.size > 0) unreadableByFile.set(sheet![1]!, unreadable);
          }
        }
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
  if (!workbookXml) throw new Error("it has no xl/workbook.xml");
  const fileByRel = new Map<string, string>();
  for (const rel of relsXml.matchAll(/<Relationship\b[^>]*>/g)) {
    const id = /\bId="([^"]+)"/.exec(rel[0])?.[1];
    const target = /\bTarget="[^"]*?worksheets\/sheet(\d+)\.xml"/.exec(rel[0])?.[1];
    if (id && target) fileByRel.set(id, target);
  }
  const nameByFile = new Map<string, string>();
  const fileBySheetId = new Map<string, string>();
  for (const tag of workbookXml.matchAll(/<sheet\b[^>]*>/g)) {
    const name = /\bname="([^"]*)"/.exec(tag[0])?.[1];
    const sheetId = /\bsheetId="([^"]*)"/.exec(tag[0])?.[1];
    const file = fileByRel.get(/\br:id="([^"]*)"/.exec(tag[0])?.[1] ?? "");
    if (!name || !file) continue;
    nameByFile.set(file, decodeXml(name));
    if (sheetId) fileBySheetId.set(sheetId, file);
  }
  return { mergesByFile, unreadableByFile, nameByFile, fileBySheetId };
}

/** Characters of a sheet's XML kept from one chunk to the next, so a cell split across two is still found whole. */
const TAIL = 8192;

/**
 * The cells in a piece of sheet XML that show no value: an error (t="e": #N/A, #REF!, #DIV/0!,
 * typed or a formula's result) and a formula saved without its result (a file written by a
 * program, not by Excel, that never calculated it). exceljs's streaming reader gives both as an
 * empty cell, which an import would read as "nothing here" (a milestone dropped, no owner).
 */
function* unreadableCells(xml: string): Generator<[string, string]> {
  for (const cell of xml.matchAll(/<c\b([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
    const attributes = cell[1]!;
    const body = cell[2] ?? "";
    const address = /\br="([A-Z]+\d+)"/.exec(attributes)?.[1];
    if (!address) continue;
    if (/\bt="e"/.test(attributes)) {
      const code = /<v>([^<]*)<\/v>/.exec(body)?.[1];
      yield [address, `shows ${code ? `the error ${decodeXml(code)}` : "an error"}, not a value: correct the formula or type the value in`];
    } else if (/<f\b/.test(body) && !/<v\b/.test(body)) yield [address, "holds a formula whose result was never saved: open the file in Excel and save it, or type the value in"];
  }
}

const decodeXml = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");

function decodeAddress(address: string): { row: number; col: number } {
  const m = /^([A-Z]+)(\d+)$/.exec(address)!;
  let col = 0;
  for (const ch of m[1]!) col = col * 26 + (ch.charCodeAt(0) - 64);
  return { row: Number(m[2]), col: col - 1 };
}

/** Marks the cells that show no value (see unreadableCells) on the rows read; a row with no text is no row to an import, so it is not added. */
function markUnreadable(sheet: RawSheet, cells: Map<string, string> | undefined): RawSheet {
  if (!cells) return sheet;
  const byNumber = new Map(sheet.rows.map((r) => [r.number, r]));
  for (const [address, why] of cells) {
    const { row, col } = decodeAddress(address);
    const found = byNumber.get(row);
    if (!found) continue;
    found.unreadable = new Map(found.unreadable ?? []).set(col, why);
  }
  return sheet;
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
        const why = master?.unreadable?.get(c);
        if (why) row.unreadable = new Map(row.unreadable ?? []).set(c, why);
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
  const encoding = await textEncodingOf(path);
  const delimiter = ext === ".csv" ? await sniffDelimiter(path, encoding) : "\t";
  const text = Readable.from(decodedText(path, encoding));
  const parser = text.pipe(parseCsv({ bom: true, delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, info: true }));
  // pipe() does not pass a source's error on: a byte the encoding cannot hold must end the parse.
  text.on("error", (error) => parser.destroy(error));
  try {
    for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      rows.push({ number: rows.length + 1, cells: record.record.map((c) => (c ?? "").normalize("NFC")) });
      if (rows.length % 1000 === 0) onProgress(name, rows.length);
    }
  } catch (error) {
    if (error instanceof TypeError && (error as NodeJS.ErrnoException).code === "ERR_ENCODING_INVALID_ENCODED_DATA") throw await notUtf8(path, encoding);
    throw new UnreadableFile(`${basename(path)} line ${rows.length + 1}: ${(error as Error).message}`);
  }
  onProgress(name, rows.length);
  return { name, rows };
}

/** The text encodings a CSV may be read in: UTF-8, or UTF-16 when the file starts with its byte-order mark. */
type TextEncoding = "utf-8" | "utf-16le" | "utf-16be";

/**
 * A text file's encoding from its byte-order mark: UTF-16 (Excel's "Unicode Text", little- or
 * big-endian) when it starts with one, else UTF-8 (with or without its mark). Anything else,
 * such as Windows-1252 (Excel's plain "CSV (Comma delimited)") or Mac Roman, is not guessed:
 * the same bytes spell different letters in each, so decodedText refuses it.
 */
async function textEncodingOf(path: string): Promise<TextEncoding> {
  const head = await readHead(path, 2);
  if (head[0] === 0xff && head[1] === 0xfe) return "utf-16le";
  if (head[0] === 0xfe && head[1] === 0xff) return "utf-16be";
  return "utf-8";
}

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The file's text, decoded strictly: bytes the encoding cannot hold throw (ERR_ENCODING_INVALID_ENCODED_DATA), never become "\uFFFD". */
async function* decodedText(path: string, encoding: TextEncoding): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  for await (const chunk of createReadStream(path)) yield decoder.decode(chunk as Buffer, { stream: true });
  yield decoder.decode();
}

/**
 * The one sentence for a CSV that is not in the encoding it was read as, naming the first line
 * with such a byte and the text just before it, so the person can see which letter it was.
 */
async function notUtf8(path: string, encoding: TextEncoding): Promise<UnreadableFile> {
  const decoder = new TextDecoder(encoding);
  let line = 1;
  let before = "";
  for await (const chunk of createReadStream(path)) {
    const text = decoder.decode(chunk as Buffer, { stream: true });
    const bad = text.indexOf("\uFFFD");
    const upTo = bad === -1 ? text : text.slice(0, bad);
    const lines = upTo.split(/\r\n|\n|\r/);
    line += lines.length - 1;
    before = lines.length > 1 ? lines.at(-1)! : before + upTo;
    if (bad !== -1) break;
  }
  const near = before.trim().split(/[,;\t]/).at(-1)!.trim().replace(/^"+/, "").split(/\s+/).slice(-3).join(" ").slice(-30);
  const saveAs = 'save it from Excel as "CSV UTF-8 (Comma delimited)", or import the .xlsx itself';
  return new UnreadableFile(
    `${basename(path)} is not ${encoding === "utf-8" ? "UTF-8" : "UTF-16"} text (line ${line}${near ? `, just after "${near}"` : ""}), so Curve cannot tell which letters it holds: ${saveAs}`,
  );
}

/** Commas, unless the first line has more semicolons (Excel in some locales) or tabs. */
async function sniffDelimiter(path: string, encoding: TextEncoding): Promise<string> {
  const head = new TextDecoder(encoding).decode(await readHead(path, 4096));
  const first = head.split(/\r?\n/)[0] ?? "";
  const count = (ch: string) => first.split(ch).length - 1;
  const best = [",", ";", "\t"].sort((a, b) => count(b) - count(a))[0]!;
  return count(best) > 0 ? best : ",";
}
