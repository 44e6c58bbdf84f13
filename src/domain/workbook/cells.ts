import { parseDue } from "../dates/due-phrase.ts";
import { importedText } from "./free-text.ts";
import { cellOf, columnLetter, type HeaderMatch, type ImportProblem, type RawRow } from "./sheet.ts";

/**
 * Reads typed values out of one sheet's rows, recording each problem with the sheet, row and
 * column heading it was found in. Readers return null for a bad value, so one pass finds
 * every problem in the file rather than stopping at the first.
 */
export class CellReader<K extends string> {
  constructor(
    readonly sheet: string,
    readonly header: HeaderMatch<K>,
    private readonly problems: ImportProblem[],
  ) {}

  has(key: K): boolean {
    return this.header.columns.has(key);
  }

  heading(key: K): string {
    const column = this.header.columns.get(key);
    return column ? column.heading || columnLetter(column.index) : key;
  }

  problem(row: RawRow | number | null, key: K | null, message: string): void {
    this.problems.push({ sheet: this.sheet, row: typeof row === "number" || row === null ? row : row.number, column: key ? this.heading(key) : null, message });
  }

  /** Free text, tidied by importedText; null when empty or refused. */
  text(row: RawRow, key: K): string | null {
    const raw = cellOf(this.header, row, key);
    const checked = importedText(raw);
    if (!checked.ok) {
      this.problem(row, key, checked.message);
      return null;
    }
    return checked.text;
  }

  /** Text on one line (names, codes, titles). */
  line(row: RawRow, key: K): string | null {
    const t = this.text(row, key);
    return t === null ? null : t.replace(/\s*\n\s*/g, " ");
  }

  number(row: RawRow, key: K): number | null {
    const raw = cellOf(this.header, row, key).replace(/[,£%\s]/g, "");
    if (raw === "") return null;
    const n = Number(raw);
    if (!Number.isFinite(n)) {
      this.problem(row, key, `"${cellOf(this.header, row, key).slice(0, 40)}" is not a number`);
      return null;
    }
    return n;
  }

  /** A day: ISO 2011-04-01, 01/04/2011 (UK order), or a date phrase naming one day. */
  isoDate(row: RawRow, key: K): string | null {
    const raw = cellOf(this.header, row, key);
    if (raw === "") return null;
    const day = readDay(raw);
    if (!day) this.problem(row, key, `"${raw.slice(0, 40)}" is not a date; write it as 2011-04-01 or 1/4/2011`);
    return day;
  }

  /** One of the allowed words, compared loosely ("On track" = on_track). */
  choice<T extends string>(row: RawRow, key: K, allowed: readonly T[], aliases: Record<string, T> = {}): T | null {
    const raw = cellOf(this.header, row, key);
    if (raw === "") return null;
    const word = raw.toLowerCase().replace(/[\s-]+/g, "_");
    const found = allowed.find((a) => a === word) ?? aliases[word];
    if (!found) this.problem(row, key, `"${raw.slice(0, 40)}" is not one of ${allowed.map((a) => a.replace(/_/g, " ")).join(", ")}`);
    return found ?? null;
  }

  flag(row: RawRow, key: K): boolean {
    return /^(y|yes|true|1|x|✓)$/i.test(cellOf(this.header, row, key));
  }
}

/** A day from a cell: ISO, UK d/m/y, or any phrase Curve's date grammar reads as one day. */
export function readDay(raw: string): string | null {
  const text = raw.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (iso) return validDay(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const uk = /^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})$/.exec(text);
  if (uk) {
    const year = uk[3]!.length === 2 ? 2000 + Number(uk[3]) : Number(uk[3]);
    return validDay(year, Number(uk[2]), Number(uk[1]));
  }
  const phrase = parseDue(text);
  return phrase.ok && phrase.value.precision === "day" ? phrase.value.due : null;
}

function validDay(year: number, month: number, day: number): string | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

/** Splits a list cell ("Jane Held; Bridget Emery", one per line, or "A & B") into names. */
export function splitNames(cell: string | null, separators: RegExp = /\s*(?:\n|;|,|&|\/|\+|\band\b)\s*/i): string[] {
  if (!cell) return [];
  return cell
    .split(separators)
    .map((s) => s.replace(/^[-•*·]\s*/, "").trim())
    .filter((s) => s.length > 0);
}
