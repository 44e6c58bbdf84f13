/**
 * A spreadsheet as the import sees it: sheets of rows of text cells, whatever the file was
 * (.xlsx through exceljs, .csv through csv-parse). Row numbers are the file's own (1-based),
 * so every problem can name the sheet, row and column a person would look at.
 */
export interface RawRow {
  /** The row number in the file, 1-based. */
  number: number;
  /** Cell text by 0-based column; "" for an empty cell. */
  cells: string[];
  /** 0-based columns whose cell is covered by a merge started in an earlier row. */
  mergedFromAbove?: ReadonlySet<number>;
  /** 0-based columns whose cell shows no value (an error such as #N/A), with what is wrong as the end of a sentence ("shows the error #N/A, not a value: …"): read as "" but never to be taken as empty. */
  unreadable?: ReadonlyMap<number, string>;
}

export interface RawSheet {
  /** The sheet's name, or the CSV file's name. */
  name: string;
  rows: RawRow[];
}

/** One problem in the file: where it is and what is wrong, as one line. */
export interface ImportProblem {
  sheet: string;
  row: number | null;
  column: string | null;
  message: string;
}

/** "Actions row 12, column Action Owner: …": one line a person can act on. */
export function describeProblem(p: ImportProblem): string {
  const where = [p.sheet, p.row !== null ? `row ${p.row}` : null].filter(Boolean).join(" ");
  return `${where}${p.column ? `, column ${p.column}` : ""}: ${p.message}`;
}

/** Excel's column letters for a 0-based index: 0 → A, 27 → AB. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let out = "";
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(65 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** Header text reduced to compare variants: "Action owner(s)" and "ACTION OWNERS" both → "action owners". */
export function normaliseHeader(text: string): string {
  return text
    .toLowerCase()
    .replace(/\(s\)/g, "s")
    .replace(/&/g, " and ")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/** A column a sheet may have: its name in Curve's templates and the other ways partners head it. */
export interface ColumnSpec<K extends string = string> {
  key: K;
  /** The heading Curve writes in its templates and exports. */
  heading: string;
  variants: readonly string[];
}

export interface HeaderMatch<K extends string> {
  /** The row the headings are on. */
  row: number;
  index: number;
  columns: Map<K, { index: number; heading: string }>;
}

/**
 * Finds the heading row among a sheet's first rows (plans often have a title above the table)
 * and which column holds what. A row counts when it names at least `minimum` known columns,
 * including every one in `required`. Returns null when no row does.
 */
export function matchHeaders<K extends string>(
  rows: readonly RawRow[],
  specs: readonly ColumnSpec<K>[],
  required: readonly K[],
  minimum = 2,
  scanRows = 20,
): HeaderMatch<K> | null {
  const lookup = new Map<string, K>();
  for (const spec of specs) for (const v of [spec.heading, ...spec.variants]) lookup.set(normaliseHeader(v), spec.key);
  for (const [index, row] of rows.slice(0, scanRows).entries()) {
    const columns = new Map<K, { index: number; heading: string }>();
    row.cells.forEach((cell, i) => {
      const n = normaliseHeader(cell);
      const key = lookup.get(n) ?? lookup.get(n.replace(/s$/, "")) ?? lookup.get(`${n}s`);
      if (key && !columns.has(key)) columns.set(key, { index: i, heading: cell.trim() });
    });
    if (columns.size >= minimum && required.every((k) => columns.has(k))) return { row: row.number, index, columns };
  }
  return null;
}

/** Reads cell text by column key from a row, "" when the column is absent. */
export function cellOf<K extends string>(match: HeaderMatch<K>, row: RawRow, key: K): string {
  const column = match.columns.get(key);
  return column ? (row.cells[column.index] ?? "").trim() : "";
}
