import {
  MONTH_NAMES,
  calendarYearPeriod,
  daysInMonth,
  financialYearPeriod,
  isPlausibleYear,
  isRealDate,
  isoDate,
  monthPeriod,
  spanLabel,
  termPeriod,
  yearWithinSpan,
  type TermName,
} from "../dates/school-calendar.ts";
import { err, ok, type Result } from "../result.ts";
import type { Periodicity } from "./types.ts";

/**
 * The periods indicator readings are reported for, as the partnership writes them:
 * "2011-03" (a month), "30 June 2013" (a snapshot), "Q3 2011/12" (a financial quarter),
 * "2011/12" (a financial or academic year), "half term 4 2010/11", "autumn term 2011".
 * A reading is stored against its period's last day.
 */
export type PeriodKind = "day" | "month" | "quarter" | "half_term" | "term" | "financial_year" | "academic_year" | "calendar_year";

export interface IndicatorPeriod {
  label: string;
  kind: PeriodKind;
  start: string;
  end: string;
  /** Said back to the person when what they typed could have meant something else. */
  note?: string;
}

export type PeriodError = { message: string };

const SHORT_MONTHS = MONTH_NAMES.map((m) => m.slice(0, 3));
const MONTH_WORDS = new Map<string, number>(
  MONTH_NAMES.flatMap((name, i) => [[name.toLowerCase(), i + 1], [name.slice(0, 3).toLowerCase(), i + 1], ...(name === "September" ? [["sept", 9] as [string, number]] : [])]),
);

// Half terms in whole months, matching Curve's terms: autumn = HT1-2, spring = HT3-4, summer = HT5-6.
const HALF_TERM_MONTHS: readonly { first: number; count: number; inSecondYear: boolean }[] = [
  { first: 9, count: 2, inSecondYear: false },
  { first: 11, count: 2, inSecondYear: false },
  { first: 1, count: 2, inSecondYear: true },
  { first: 3, count: 1, inSecondYear: true },
  { first: 4, count: 2, inSecondYear: true },
  { first: 6, count: 2, inSecondYear: true },
];

const monthLabel = (year: number, month: number) => `${SHORT_MONTHS[month - 1]} ${year}`;
const lastDay = (year: number, month: number) => isoDate(year, month, daysInMonth(year, month));

/** "2011/12", "2011/2012", "11/12", "2011-12" as a span: the first year, if the second follows it. */
function readSpan(text: string): number | null {
  const m = /^(\d{2}|\d{4})\s*[/-]\s*(\d{2}|\d{4})$/.exec(text);
  if (!m) return null;
  const first = m[1]!.length === 2 ? 2000 + Number(m[1]) : Number(m[1]);
  const second = Number(m[2]);
  const follows = m[2]!.length === 2 ? second === (first + 1) % 100 : second === first + 1;
  return follows && isPlausibleYear(first) ? first : null;
}

export const academicYearPeriod = (first: number) => ({ start: isoDate(first, 9, 1), end: isoDate(first + 1, 7, 31) });

function halfTerms(from: number, to: number, first: number): { start: string; end: string } {
  const a = HALF_TERM_MONTHS[from - 1]!;
  const b = HALF_TERM_MONTHS[to - 1]!;
  const startYear = a.inSecondYear ? first + 1 : first;
  const endYear = b.inSecondYear ? first + 1 : first;
  const endMonth = b.first + b.count - 1;
  return { start: isoDate(startYear, a.first, 1), end: lastDay(endYear, endMonth) };
}

function financialQuarter(quarter: number, first: number) {
  // Q1 is April to June; Q4 is January to March of the second year.
  const month = ((quarter - 1) * 3 + 3) % 12 + 1;
  const year = quarter === 4 ? first + 1 : first;
  return { start: isoDate(year, month, 1), end: lastDay(year, month + 2) };
}

function day(year: number, month: number, d: number): Result<IndicatorPeriod, PeriodError> | null {
  if (!isPlausibleYear(year) || !isRealDate(year, month, d)) return null;
  const iso = isoDate(year, month, d);
  return ok({ label: `${d} ${SHORT_MONTHS[month - 1]} ${year}`, kind: "day", start: iso, end: iso });
}

function month(year: number, m: number, note?: string): Result<IndicatorPeriod, PeriodError> | null {
  if (!isPlausibleYear(year) || m < 1 || m > 12) return null;
  const p = monthPeriod(year, m);
  return ok({ label: monthLabel(year, m), kind: "month", start: p.start, end: p.due, ...(note ? { note } : {}) });
}

/** Reads a reading's period. `periodicity` decides whether a bare "2011/12" is a financial or an academic year. */
export function parsePeriod(input: string, options: { periodicity?: Periodicity | null } = {}): Result<IndicatorPeriod, PeriodError> {
  const text = input.trim().toLowerCase().replace(/\s+/g, " ").replace(/(\d)(st|nd|rd|th)\b/g, "$1").replace(/[.,]$/, "");
  const found = readPeriod(text, options.periodicity ?? null);
  if (found) return found;
  return err({
    message: `"${input.trim().slice(0, 40)}" is not a period Curve can read. Try 2011-03, 30 June 2013, Q3 2011/12, 2011/12 or half term 4 2010/11.`,
  });
}

function readPeriod(text: string, periodicity: Periodicity | null): Result<IndicatorPeriod, PeriodError> | null {
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text))) return day(Number(m[1]), Number(m[2]), Number(m[3]));
  if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text))) return day(Number(m[3]), Number(m[2]), Number(m[1]));
  if ((m = /^(\d{1,2}) ([a-z]+) (\d{4})$/.exec(text)) && MONTH_WORDS.has(m[2]!)) return day(Number(m[3]), MONTH_WORDS.get(m[2]!)!, Number(m[1]));
  if ((m = /^(\d{4})-(\d{2})$/.exec(text))) {
    const [year, mm] = [Number(m[1]), Number(m[2])];
    // "2011-12" is written both for December 2011 and for the year 2011/12: say which Curve read.
    const note = mm === (year + 1) % 100 ? `Read as the month ${MONTH_NAMES[mm - 1]} ${year}; for the year write ${spanLabel(year)}.` : undefined;
    return month(year, mm, note);
  }
  if ((m = /^(\d{1,2})\/(\d{4})$/.exec(text))) return month(Number(m[2]), Number(m[1]));
  if ((m = /^([a-z]+) (\d{4})$/.exec(text)) && MONTH_WORDS.has(m[1]!)) return month(Number(m[2]), MONTH_WORDS.get(m[1]!)!);
  if ((m = /^(?:q|quarter )([1-4]) (\S+)$/.exec(text))) return quarter(Number(m[1]), m[2]!);
  if ((m = /^(\S+) (?:q|quarter )([1-4])$/.exec(text))) return quarter(Number(m[2]), m[1]!);
  if ((m = /^(?:half[- ]terms?|ht) ?([1-6])(?: ?- ?([1-6]))? (\S+)$/.exec(text))) {
    const first = readSpan(m[3]!);
    const [from, to] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (first === null || to < from) return null;
    const label = from === to ? `half term ${from} ${spanLabel(first)}` : `half terms ${from}-${to} ${spanLabel(first)}`;
    return ok({ label, kind: "half_term", ...halfTerms(from, to, first) });
  }
  if ((m = /^(autumn|spring|summer) term (\S+)$/.exec(text))) return term(m[1] as TermName, m[2]!);
  if ((m = /^(?:academic year|ay) (\S+)$/.exec(text)) || (m = /^(\S+) academic year$/.exec(text))) return year("academic_year", m[1]!);
  if ((m = /^(?:financial year|fy) (\S+)$/.exec(text)) || (m = /^(\S+) financial year$/.exec(text))) return year("financial_year", m[1]!);
  if ((m = /^(?:calendar year )?(\d{4})$/.exec(text)) && isPlausibleYear(Number(m[1]))) {
    const p = calendarYearPeriod(Number(m[1]));
    return ok({ label: m[1]!, kind: "calendar_year", start: p.start, end: p.due });
  }
  if (readSpan(text) !== null) return year(periodicity === "academic_year" || periodicity === "termly" ? "academic_year" : "financial_year", text);
  return null;
}

function quarter(q: number, spanOrYear: string): Result<IndicatorPeriod, PeriodError> | null {
  const first = readSpan(spanOrYear);
  if (first !== null) return ok({ label: `Q${q} ${spanLabel(first)}`, kind: "quarter", ...financialQuarter(q, first) });
  const y = /^\d{4}$/.test(spanOrYear) ? Number(spanOrYear) : NaN;
  if (!isPlausibleYear(y)) return null;
  // A quarter of a calendar year: Q1 is January to March.
  return ok({ label: `Q${q} ${y}`, kind: "quarter", start: isoDate(y, q * 3 - 2, 1), end: lastDay(y, q * 3) });
}

function term(name: TermName, spanOrYear: string): Result<IndicatorPeriod, PeriodError> | null {
  const first = readSpan(spanOrYear);
  const y = first !== null ? yearWithinSpan(name, first) : /^\d{4}$/.test(spanOrYear) ? Number(spanOrYear) : NaN;
  if (!isPlausibleYear(y)) return null;
  const p = termPeriod(name, y);
  return ok({ label: `${name} term ${y}`, kind: "term", start: p.start, end: p.due });
}

function year(kind: "academic_year" | "financial_year", span: string): Result<IndicatorPeriod, PeriodError> | null {
  const first = readSpan(span);
  if (first === null) return null;
  if (kind === "academic_year") return ok({ label: `academic year ${spanLabel(first)}`, kind, ...academicYearPeriod(first) });
  const p = financialYearPeriod(first);
  return ok({ label: spanLabel(first), kind, start: p.start, end: p.due });
}
