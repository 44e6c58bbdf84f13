import { addDays } from "../dates/calendar.ts";
import { MONTH_NAMES, daysInMonth, isoDate, spanLabel } from "../dates/school-calendar.ts";
import { parsePeriod, type IndicatorPeriod } from "./periods.ts";
import type { Periodicity, Reading } from "./types.ts";

/**
 * When readings are due. Each periodicity's periods end on fixed month ends: monthly on
 * every one, quarterly on financial quarters, termly on Curve's term ends (31 Dec, 31 Mar,
 * 31 Jul), annual on the financial year (31 Mar), academic_year on 31 Jul.
 */
const END_MONTHS: Record<Periodicity, readonly number[]> = {
  monthly: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  quarterly: [3, 6, 9, 12],
  termly: [3, 7, 12],
  annual: [3],
  academic_year: [7],
};

/** Days after a period ends before its figure can fairly be expected (published statistics lag). */
export const GRACE_DAYS: Record<Periodicity, number> = { monthly: 30, quarterly: 45, termly: 30, annual: 90, academic_year: 90 };

function periodEndingIn(periodicity: Periodicity, year: number, month: number): IndicatorPeriod {
  const label = (): string => {
    switch (periodicity) {
      case "monthly":
        return `${MONTH_NAMES[month - 1]} ${year}`;
      case "quarterly":
        return `Q${month === 3 ? 4 : month / 3 - 1} ${spanLabel(month === 3 ? year - 1 : year)}`;
      case "termly":
        return `${month === 12 ? "autumn" : month === 3 ? "spring" : "summer"} term ${year}`;
      case "annual":
        return spanLabel(year - 1);
      case "academic_year":
        return `academic year ${spanLabel(year - 1)}`;
    }
  };
  const parsed = parsePeriod(label(), { periodicity });
  if (!parsed.ok) throw new Error(`cadence produced an unreadable period ${label()}`);
  return parsed.value;
}

/** The periods of a periodicity whose last day falls after `after` and on or before `until`. */
export function periodsEndingBetween(periodicity: Periodicity, after: string, until: string): IndicatorPeriod[] {
  const out: IndicatorPeriod[] = [];
  let year = Number(after.slice(0, 4));
  let month = Number(after.slice(5, 7));
  for (;;) {
    const end = isoDate(year, month, daysInMonth(year, month));
    if (end > until) return out;
    if (end > after && END_MONTHS[periodicity].includes(month)) out.push(periodEndingIn(periodicity, year, month));
    month += 1;
    if (month > 12) [year, month] = [year + 1, 1];
  }
}

export interface DataDue {
  period: IndicatorPeriod;
  /** The day the reading became due (period end plus the grace). */
  dueSince: string;
}

/**
 * The reading a person should be reminded of: the latest period that has ended (with its
 * grace) and has no reading. Older gaps are not chased; the latest figure is what matters.
 */
export function dataDue(periodicity: Periodicity | null, readings: readonly Pick<Reading, "periodEnd">[], since: string, today: string): DataDue | null {
  if (!periodicity) return null;
  const graceEnd = addDays(today, -GRACE_DAYS[periodicity]);
  const periods = periodsEndingBetween(periodicity, since, graceEnd);
  const latest = periods[periods.length - 1];
  if (!latest) return null;
  const covered = readings.some((r) => r.periodEnd >= latest.start && r.periodEnd <= latest.end);
  return covered ? null : { period: latest, dueSince: addDays(latest.end, GRACE_DAYS[periodicity]) };
}
