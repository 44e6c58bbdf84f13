// The personal-data guard on imports: which cells of a plan workbook are free text, which of them
// the guard holds, and how a person names the cells they confirm ("Actions!E12"). Pure.
import { checkPersonalData, describeFindings, type Finding, type GuardPolicy, type KnownToPartnership } from "../privacy/guard.ts";
import type { SheetKind } from "./columns.ts";

/**
 * The columns of each sheet that hold free text a person wrote (titles, descriptions, milestones,
 * evidence, notes, where a reading's figure came from). Structured columns are not checked: refs,
 * plan keys, numbers, dates, states, people's names, emails and roles, team members, indicator
 * targets and forecasts, readings' codes, periods and values.
 */
export const FREE_TEXT_COLUMNS: Readonly<Record<SheetKind, readonly string[]>> = {
  partnership: [],
  plans: ["title"],
  outcomes: ["title"],
  priorities: ["title", "obsession", "startingPoint", "note"],
  actions: ["section", "title", "targeting", "milestones", "whatWeWillDo", "howWeWillDoIt", "howWeWillKnow", "note"],
  milestones: ["text", "evidence"],
  people: [],
  teams: [],
  indicators: ["name", "baselineText", "note"],
  readings: ["source"],
};

/** One free-text cell of a workbook, where a spreadsheet program shows it. */
export interface FreeTextCell {
  sheet: string;
  /** The row number as the spreadsheet shows it (1-based). */
  row: number;
  /** The column's letters ("E"). */
  column: string;
  /** The column's heading as the file writes it ("Milestone or Target"). */
  heading: string;
  /** The cell's text, tidied as the import stores it. */
  text: string;
}

/**
 * A free-text cell the guard holds. It carries the findings masked, never the cell's text.
 * "block": the file must be fixed (or the partnership's policy changed); "ask": the person may
 * confirm the cell with --confirm-personal-data.
 */
export interface HeldCell {
  /** The cell's address as a spreadsheet writes it: Actions!E12, 'Action plan'!C7. */
  ref: string;
  sheet: string;
  row: number;
  column: string;
  heading: string;
  outcome: "ask" | "block";
  /** Offsets are into the cell's tidied text; `masked` is safe to print. */
  findings: Finding[];
}

/** A cell's address as a spreadsheet writes it; the sheet's name is quoted when it needs to be. */
export function cellRef(sheet: string, column: string, row: number): string {
  const name = /^[A-Za-z_][A-Za-z0-9_.]*$/.test(sheet) ? sheet : `'${sheet.replace(/'/g, "''")}'`;
  return `${name}!${column}${row}`;
}

/**
 * Runs the guard over every free-text cell under a partnership's policy and returns the cells it
 * holds, in the order given (sheet by sheet, row by row), each cell's findings in reading order. `known` holds the partnership's people
 * (and the workbook's own People sheet), whose names and emails are exempt.
 */
export function findHeldCells(cells: readonly FreeTextCell[], known: KnownToPartnership, policy: GuardPolicy): HeldCell[] {
  const held: HeldCell[] = [];
  for (const cell of cells) {
    const verdict = checkPersonalData(cell.text, known, policy);
    if (verdict.outcome === "clear") continue;
    held.push({ ref: cellRef(cell.sheet, cell.column, cell.row), sheet: cell.sheet, row: cell.row, column: cell.column, heading: cell.heading, outcome: verdict.outcome, findings: [...verdict.findings].sort((a, b) => a.start - b.start) });
  }
  return held;
}

/**
 * The value to give --confirm-personal-data for these cells, quoted for a POSIX shell: in single
 * quotes, since in double quotes an interactive bash reads "!E12" as history. Sheet names are
 * quoted the spreadsheet's way only when they must be (a ', ! or , in the name), as the
 * parser reads "Action plan!E6" too: 'Action plan!E6,Milestones!D3'.
 */
export function confirmationArgument(cells: readonly Pick<HeldCell, "sheet" | "column" | "row">[]): string {
  const list = cells.map((c) => (/[',!]/.test(c.sheet) ? cellRef(c.sheet, c.column, c.row) : `${c.sheet.trim()}!${c.column}${c.row}`)).join(",");
  return `'${list.replace(/'/g, "'\\''")}'`;
}

/** A cell address as a person typed it, reduced to compare: sheet name in lower case, column and row. */
export interface ConfirmedCell {
  /** As typed, for messages. */
  written: string;
  key: string;
}

const cellKey = (sheet: string, column: string, row: number | string): string => `${sheet.toLowerCase()}!${column.toUpperCase()}${Number(row)}`;

/**
 * Reads the cells a person confirms: addresses separated by commas (or given in several flags),
 * each Sheet!E12 or 'Sheet name'!E12, with or without $ signs. Returns the cells, or one
 * sentence saying which part is not a cell address.
 */
export function parseConfirmedCells(values: readonly string[]): { ok: true; cells: ConfirmedCell[] } | { ok: false; message: string } {
  const cells: ConfirmedCell[] = [];
  const address = /\s*(?:'((?:[^']|'')+)'|([^!,']+?))\s*!\s*\$?([A-Za-z]{1,3})\$?([1-9]\d{0,6})\s*(?:,|$)/y;
  for (const value of values) {
    address.lastIndex = 0;
    while (address.lastIndex < value.length) {
      const start = address.lastIndex;
      const m = address.exec(value);
      if (!m) {
        const part = value.slice(start).split(",")[0]!.trim();
        return { ok: false, message: `"${part.slice(0, 60)}" is not a cell address; write each cell as Sheet!E12 ('Sheet name'!E12 when the name has spaces), separated by commas` };
      }
      const sheet = m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2]!.trim();
      cells.push({ written: m[0].replace(/,\s*$/, "").trim(), key: cellKey(sheet, m[3]!, m[4]!) });
    }
  }
  return { ok: true, cells };
}

/**
 * Matches confirmations to held cells. A held "ask" cell is released only when named exactly; a
 * "block" cell is never released by naming it (the file must be fixed); a named cell the guard
 * does not hold is returned as `unheld`, so a stale or mistyped list never passes unnoticed.
 */
export function settleHeldCells(held: readonly HeldCell[], confirmed: readonly ConfirmedCell[]): { released: HeldCell[]; stillHeld: HeldCell[]; unheld: string[] } {
  const named = new Map(confirmed.map((c) => [c.key, c]));
  const released: HeldCell[] = [];
  const stillHeld: HeldCell[] = [];
  for (const cell of held) {
    const key = cellKey(cell.sheet, cell.column, cell.row);
    const wasNamed = named.delete(key);
    if (wasNamed && cell.outcome === "ask") released.push(cell);
    else stillHeld.push(cell);
  }
  const heldKeys = new Set(held.map((c) => cellKey(c.sheet, c.column, c.row)));
  const unheld = [...named.values()].filter((c) => !heldKeys.has(c.key)).map((c) => c.written);
  return { released, stillHeld, unheld };
}

/**
 * One line per held cell: where it is, what was found (masked) and what it needs, e.g.
 * `Actions!E12 (row 12, column E "Milestone or Target"): an NHS number (••• ••• ••19); fix the file`.
 */
export function describeHeldCell(cell: HeldCell): string {
  const need = cell.outcome === "block" ? "fix the file" : "fix the file or confirm";
  return `${cell.ref} (row ${cell.row}, column ${cell.column} "${cell.heading}"): ${describeFindings(cell.findings).join("; ")}; ${need}`;
}
