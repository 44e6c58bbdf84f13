import { addDays, shortDate } from "../dates/calendar.ts";
import { daysInMonth } from "../dates/school-calendar.ts";
import { err, ok, type Result } from "../result.ts";
import { DEFAULT_REGION, isWorkingDay, previousWorkingDay, workingDayOnOrAfter, type Region } from "../schedule/bank-holidays.ts";
import { weekStart } from "../schedule/zoned-time.ts";
import type { ReportKind } from "./facts.ts";

/**
 * The reporting calendar (seed 000 §8: monthly to the board, quarterly to scrutiny), held as
 * data: each report's kind, the rule for its day, a time and a channel. The monthly report and
 * the indicator summary come each month, the quarterly report each financial quarter (April,
 * July, October, January) and the Weekly Obsession Tracker each week.
 *
 * Rules: `first-working-day`, `last-working-day`, a day of the month (`1st`, `15`), or a weekday
 * (`monday`; weekly reports only). A day that is not a working day (a weekend, or a bank holiday
 * in England and Wales) moves to the next working day; the working-day rules never need to.
 */
export type CalendarRule = { kind: "first-working-day" } | { kind: "last-working-day" } | { kind: "day"; day: number } | { kind: "weekday"; weekday: number };

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

export function parseRule(text: string, kind: ReportKind): Result<CalendarRule, string> {
  const t = text.trim().toLowerCase();
  const weekly = kind === "obsessions";
  if (t === "first-working-day" || t === "first working day") return ok({ kind: "first-working-day" });
  if (t === "last-working-day" || t === "last working day") return ok({ kind: "last-working-day" });
  const weekday = WEEKDAYS.findIndex((d) => d === t || d.slice(0, 3) === t);
  if (weekday >= 0) return weekly ? ok({ kind: "weekday", weekday: weekday + 1 }) : err(`A ${kind} report goes out on a day of the month, not every ${WEEKDAYS[weekday]}.`);
  const m = /^(\d{1,2})(st|nd|rd|th)?$/.exec(t);
  if (m && !weekly) {
    const day = Number(m[1]);
    return day >= 1 && day <= 28 ? ok({ kind: "day", day }) : err("Give a day of the month from 1st to 28th (every month has one), or first-working-day or last-working-day.");
  }
  return err(`"${text.slice(0, 30)}" is not a day Curve knows: try first-working-day, last-working-day${weekly ? " or a weekday like monday" : " or a day like 1st"}.`);
}

export function describeRule(rule: CalendarRule): string {
  switch (rule.kind) {
    case "first-working-day":
      return "first-working-day";
    case "last-working-day":
      return "last-working-day";
    case "day":
      return `${rule.day}${rule.day % 10 === 1 && rule.day !== 11 ? "st" : rule.day % 10 === 2 && rule.day !== 12 ? "nd" : rule.day % 10 === 3 && rule.day !== 13 ? "rd" : "th"}`;
    case "weekday":
      return WEEKDAYS[rule.weekday - 1]!;
  }
}

/** The period an ISO date falls in for a report kind: its key, first and last day. */
export function periodOf(kind: ReportKind, date: string): { key: string; start: string; end: string } {
  if (kind === "obsessions") {
    const start = weekStart(date);
    return { key: start, start, end: addDays(start, 6) };
  }
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  if (kind === "quarterly") {
    // Financial quarters: Q1 is April to June.
    const first = [1, 4, 7, 10][Math.floor((month - 1) / 3)]!;
    const start = `${year}-${String(first).padStart(2, "0")}-01`;
    const last = first + 2;
    return { key: `${year}-${String(first).padStart(2, "0")}q`, start, end: `${year}-${String(last).padStart(2, "0")}-${daysInMonth(year, last)}` };
  }
  return { key: date.slice(0, 7), start: `${date.slice(0, 7)}-01`, end: `${date.slice(0, 7)}-${daysInMonth(year, month)}` };
}

/** The day a period's report goes out under a rule: always a working day in the partnership's `region` (its bank holidays). */
export function sendDay(rule: CalendarRule, period: { start: string; end: string }, region: Region = DEFAULT_REGION): string {
  const working = (d: string) => workingDayOnOrAfter(d, region);
  switch (rule.kind) {
    case "first-working-day":
      return working(period.start);
    case "last-working-day":
      return isWorkingDay(period.end, region) ? period.end : previousWorkingDay(period.end, region);
    case "day":
      return working(`${period.start.slice(0, 7)}-${String(rule.day).padStart(2, "0")}`);
    case "weekday":
      return working(addDays(period.start, rule.weekday - 1));
  }
}

/** A period of a scheduled report that is due: its key, first day, and the working day it goes out. */
export interface DueReport {
  periodKey: string;
  /** ISO: the period's first day; the report is built as of it (the month before it, the week it begins). */
  start: string;
  /** ISO: the working day it goes out (on or after its rule's day). */
  day: string;
}

/**
 * The periods of a scheduled report due at a local date and minute (Europe/London), oldest
 * first: the current period once its day and time have come, and the period before it when its
 * day was moved past its own end (a 28th on a weekend at the end of February goes on Monday
 * 2 March; a Friday tracker in Easter week goes on the Tuesday after), so that no period's report
 * is lost. A report whose moment passed while Curve was down goes out late, once, within its
 * period (the caller records each period's run); periods whose day came before the schedule was
 * set (`setOn`, ISO) are never due. Working days are those of the partnership's `region`.
 */
export function dueReports(kind: ReportKind, rule: CalendarRule, minute: number, local: { date: string; minute: number }, setOn: string, region: Region = DEFAULT_REGION): DueReport[] {
  const current = periodOf(kind, local.date);
  const previous = periodOf(kind, addDays(current.start, -1));
  const due: DueReport[] = [];
  for (const period of [previous, current]) {
    const day = sendDay(rule, period, region);
    if (period === previous && day <= period.end) continue;
    if (day < setOn) continue;
    if (local.date < day || (local.date === day && local.minute < minute)) continue;
    due.push({ periodKey: period.key, start: period.start, day });
  }
  return due;
}

export const describeCalendarDay = (rule: CalendarRule, minute: number): string =>
  `${describeRule(rule)} at ${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

/** "09:00" or "9:30" into minutes after midnight; null when it is not a time. */
export function parseTimeOfDay(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [h, mm] = [Number(m[1]), Number(m[2])];
  return h <= 23 && mm <= 59 ? h * 60 + mm : null;
}

/** The next day (ISO, on or after `from`) a report on a rule goes out, counting one moved into this period from the last. */
export const nextOccurrence = (kind: ReportKind, rule: CalendarRule, from: string, region: Region = DEFAULT_REGION): string => {
  const spilled = sendDay(rule, periodOf(kind, addDays(periodOf(kind, from).start, -1)), region);
  if (spilled >= from) return spilled;
  const here = sendDay(rule, periodOf(kind, from), region);
  if (here >= from) return here;
  const next = periodOf(kind, addDays(periodOf(kind, from).end, 1));
  return sendDay(rule, next, region);
};

export const describeNext = (kind: ReportKind, rule: CalendarRule, from: string, region: Region = DEFAULT_REGION): string => shortDate(nextOccurrence(kind, rule, from, region));
