import { addDays, localDate, shortDate } from "../dates/calendar.ts";
import { monthPeriod, MONTH_NAMES } from "../dates/school-calendar.ts";
import { parsePeriod } from "../indicators/periods.ts";
import { err, ok, type Result } from "../result.ts";
import { instantAt, weekStart } from "../schedule/zoned-time.ts";
import type { ReportKind, ReportWindow } from "./facts.ts";

/** Reports are dated in the partnership's zone; seed 000's board met in Leeds. */
export const REPORT_TIME_ZONE = "Europe/London";

/** The ISO day an instant falls on in Leeds: 00:30 BST on 1 September is 1 September, not 31 August. */
export const reportDay = (instant: Date): string => localDate(instant, REPORT_TIME_ZONE);

/** The instant an ISO day begins in Leeds: midnight GMT in winter, 23:00 UTC the evening before in summer. */
export const reportDayStart = (isoDate: string): Date => instantAt(isoDate, 0, REPORT_TIME_ZONE);

const monthLabel = (iso: string) => `${MONTH_NAMES[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;

/** The financial quarter (Q1 = April to June) that holds an ISO date: its label, start and end. */
function financialQuarterOf(iso: string): { label: string; start: string; end: string } {
  const year = Number(iso.slice(0, 4));
  const month = Number(iso.slice(5, 7));
  const first = month >= 4 ? year : year - 1;
  const quarter = month >= 4 ? Math.floor((month - 4) / 3) + 1 : 4;
  const startMonth = ((quarter - 1) * 3 + 3) % 12 + 1;
  const startYear = quarter === 4 ? first + 1 : first;
  const start = monthPeriod(startYear, startMonth).start;
  const end = monthPeriod(startYear, startMonth + 2).due;
  return { label: `Q${quarter} ${first}/${String((first + 1) % 100).padStart(2, "0")}`, start, end };
}

/**
 * The window a report covers at `today` (ISO, Europe/London), optionally for a period as
 * typed ("September 2011", "2011-09", "Q2 2011/12"). Without one: the monthly report covers
 * the month before (it goes out on the first working day), the quarterly the last whole
 * financial quarter, the Obsession Tracker the last seven days. Changes count from the last
 * report when there was one (`lastReport`), else from the period's start. `sentFor` (ISO, default
 * `today`) is the day whose month, quarter or week decides which one is reported: a scheduled
 * report moved by a weekend into the next month still covers the month before its own. Periods begin and
 * end at midnight in Leeds (BST or GMT), not in UTC.
 *
 * A period that has ended is read as at its last day: `until` is the midnight that ends it, so
 * nothing done later counts, and `today` (the day the rules judge from) is the day after it.
 */
export function reportWindow(kind: ReportKind, now: Date, today: string, period: string | null, lastReport: Date | null, sentFor: string = today): Result<ReportWindow, { message: string }> {
  const startOf = reportDayStart;
  if (period) {
    const parsed = parsePeriod(period);
    if (!parsed.ok) return err({ message: parsed.error.message });
    const p = parsed.value;
    if (p.start > today) return err({ message: `${p.label} has not started yet (today is ${shortDate(today)}).` });
    const label = p.kind === "month" ? monthLabel(p.start) : p.label;
    const ended = p.end < today;
    const end = startOf(addDays(p.end, 1));
    const since = lastReport && lastReport > startOf(p.start) ? lastReport : startOf(p.start);
    if (!ended) return ok({ kind, today, asAt: today, until: now, since, readingsUpTo: today, periodLabel: label });
    return ok({ kind, today: addDays(p.end, 1), asAt: p.end, until: end < now ? end : now, since, readingsUpTo: p.end, periodLabel: label });
  }
  switch (kind) {
    case "monthly": {
      const month = `${addDays(`${sentFor.slice(0, 7)}-01`, -1).slice(0, 7)}-01`;
      return ok({ kind, today, asAt: today, until: now, since: lastReport ?? startOf(month), readingsUpTo: today, periodLabel: monthLabel(month) });
    }
    case "quarterly": {
      const current = financialQuarterOf(sentFor);
      const q = financialQuarterOf(addDays(current.start, -1));
      return ok({ kind, today, asAt: today, until: now, since: lastReport ?? startOf(q.start), readingsUpTo: today, periodLabel: q.label });
    }
    case "obsessions": {
      const since = new Date(now.getTime() - 7 * 86_400_000);
      return ok({ kind, today, asAt: today, until: now, since, readingsUpTo: today, periodLabel: `week commencing ${shortDate(weekStart(sentFor))}` });
    }
    case "indicators":
      return ok({ kind, today, asAt: today, until: now, since: lastReport ?? startOf(addDays(today, -31)), readingsUpTo: today, periodLabel: `as at ${shortDate(today)}` });
  }
}
