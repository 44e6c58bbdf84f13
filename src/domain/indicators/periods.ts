import { parseDue, type Due } from "../dates/due-phrase.ts";
import { MONTH_NAMES, academicYearPeriod as academicYear, halfTermEndingIn, halfTermStartingIn, spanLabel, termStartingIn } from "../dates/school-calendar.ts";
import { describeDue } from "../dates/due-phrase.ts";
import { err, ok, type Result } from "../result.ts";
import type { Periodicity } from "./types.ts";

/**
 * The periods indicator readings are reported for, read with the one date grammar
 * (src/domain/dates/README.md): "Dec 2011" (a month), "30 June 2013" (a snapshot),
 * "Q3 2011/12" (a financial quarter), "2011/12" (a financial or academic year, by the
 * indicator's periodicity), "half term 4 2010/11", "autumn term 2011", "last quarter".
 * A reading is stored against its period's label, which names the period exactly.
 */
export type PeriodKind =
  | "day" | "week" | "month" | "quarter" | "half_term" | "term" | "season" | "range"
  | "financial_year" | "academic_year" | "calendar_year";

export interface IndicatorPeriod {
  label: string;
  kind: PeriodKind;
  start: string;
  end: string;
  /** Said back to the person when what they typed could have meant something else. */
  note?: string;
}

/** Why a period does not read; `misread` as for DateError (a period phrase for certain, wrongly written or ambiguous). */
export type PeriodError = { message: string; misread?: string };

export interface PeriodOptions {
  /** Decides whether a bare "2011/12" is a financial year or an academic one (termly and academic_year indicators). */
  periodicity?: Periodicity | null;
  /** For relative phrases ("last quarter", "last month"); without it they are refused. */
  today?: string;
  /** Which way a phrase without a year looks from `today`: "back" (a reading's period, the default) or "ahead" (a forecast's). */
  looking?: "back" | "ahead";
}

const SHORT_MONTHS = MONTH_NAMES.map((m) => m.slice(0, 3));
const shortDay = (iso: string) => `${Number(iso.slice(8, 10))} ${SHORT_MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
const shortMonth = (iso: string) => `${SHORT_MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;

/** An English academic year, 1 September to 31 July. Kept for callers of the old name. */
export const academicYearPeriod = (first: number) => {
  const p = academicYear(first);
  return { start: p.start, end: p.due };
};

/** How readings name a period: short months, half terms by number, years by kind. */
function periodOf(due: Due): { kind: PeriodKind; label: string } | null {
  const { start, due: end } = due;
  if (start === null || end === null) return null;
  const startYear = Number(start.slice(0, 4));
  const startMonth = Number(start.slice(5, 7));
  const academicFirst = startMonth >= 9 ? startYear : startYear - 1;
  switch (due.precision) {
    case "day":
      return { kind: "day", label: shortDay(end) };
    case "month":
      return { kind: "month", label: shortMonth(end) };
    case "half_term":
      return { kind: "half_term", label: `half term ${halfTermStartingIn(startMonth)} ${spanLabel(academicFirst)}` };
    case "term":
      return { kind: "term", label: `${termStartingIn(startMonth)} term ${startYear}` };
    case "year":
      if (startMonth === 4) return { kind: "financial_year", label: spanLabel(startYear) };
      if (startMonth === 9) return { kind: "academic_year", label: `academic year ${spanLabel(startYear)}` };
      return { kind: "calendar_year", label: `${startYear}` };
    case "range": {
      const from = halfTermStartingIn(startMonth);
      const to = halfTermEndingIn(Number(end.slice(5, 7)));
      const withinYear = end <= `${academicFirst + 1}-07-31` && start.endsWith("-01");
      if (from && to && withinYear && from < to) return { kind: "half_term", label: `half terms ${from}-${to} ${spanLabel(academicFirst)}` };
      return { kind: "range", label: describeDue(due) };
    }
    case "week":
    case "quarter":
    case "season":
      return { kind: due.precision, label: describeDue(due) };
    case "tbc":
      return null;
  }
}

/**
 * Reads a reading's period. `periodicity` decides whether a bare "2011/12" is a financial or an
 * academic year; a phrase without a year is the latest such period begun by `today` ("Sep" in
 * October 2013 is Sep 2013, not Sep 2014), or the next not yet over when `looking` is "ahead".
 */
export function parsePeriod(input: string, options: PeriodOptions = {}): Result<IndicatorPeriod, PeriodError> {
  const spans = options.periodicity === "academic_year" || options.periodicity === "termly" ? "academic" : "financial";
  // A reading is for a period begun: a month or day without a year is the latest one, not the next.
  const parsed = parseDue(input, { spans, starts: "refuse", looking: options.looking ?? "back", ...(options.today ? { today: options.today } : {}) });
  const period = parsed.ok ? periodOf(parsed.value) : null;
  if (parsed.ok && period) {
    const { start, due: end, note } = parsed.value;
    return ok({ ...period, start: start!, end: end!, ...(note ? { note } : {}) });
  }
  // A period phrase wrongly written or open to two readings ("Sep 31", "Sept 27") says why.
  const misread = parsed.ok ? undefined : parsed.error.misread;
  return err({
    ...(misread ? { misread } : {}),
    message: `"${input.trim().slice(0, 40)}" is not a period Curve can read${misread ? ` (${misread})` : ""}. Try Dec 2011, 30 June 2013, Q3 2011/12, 2011/12 or half term 4 2010/11.`,
  });
}

/**
 * How to write a stored period `label` so that parsePeriod reads it back as the same label
 * for an indicator of this periodicity: the label itself, or, for a financial year stored on
 * a termly or academic-year indicator (where a bare "2016/17" reads as the school year),
 * "financial year 2016/17". A label nothing reads back (none should exist) is returned as it is.
 */
export function periodAsWritten(label: string, periodicity: Periodicity | null): string {
  for (const text of [label, `financial year ${label}`]) {
    const read = parsePeriod(text, { periodicity });
    if (read.ok && read.value.label === label) return text;
  }
  return label;
}
