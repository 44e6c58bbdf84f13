// Calendar arithmetic on plain ISO dates ("YYYY-MM-DD"). Everything goes through Date.UTC so that
// no local time zone or daylight-saving change can move a date by a day.

export interface Period {
  start: string; // first day, ISO
  due: string; // last day, ISO
}

export type TermName = "autumn" | "spring" | "summer";
export type SeasonName = "spring" | "summer" | "autumn" | "winter";

// English school terms as Curve counts them (whole months, holidays included): autumn 1 Sep-31 Dec,
// spring 1 Jan-31 Mar, summer 1 Apr-31 Jul. August belongs to no term.
const TERM_MONTHS: Record<TermName, { first: number; count: number }> = {
  spring: { first: 1, count: 3 },
  summer: { first: 4, count: 4 },
  autumn: { first: 9, count: 4 },
};

// Meteorological seasons: spring Mar-May, summer Jun-Aug, autumn Sep-Nov, winter Dec-Feb (into the next year).
const SEASON_FIRST_MONTH: Record<SeasonName, number> = { spring: 3, summer: 6, autumn: 9, winter: 12 };

// Plans in these documents run 2009-2019; anything outside this window is a count, not a year.
export const FIRST_YEAR = 1990;
export const LAST_YEAR = 2100;

export const MONTH_NAMES = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
] as const;

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

export function isoDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

export function isPlausibleYear(year: number): boolean {
  return Number.isInteger(year) && year >= FIRST_YEAR && year <= LAST_YEAR;
}

export function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function isRealDate(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(month) && Number.isInteger(day) &&
    month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
  );
}

/** Reads a strict "YYYY-MM-DD" that names a real day; anything else is null. */
export function readIsoDate(iso: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isRealDate(year, month, day) ? { year, month, day } : null;
}

function toUtc(iso: string): number {
  return Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10)));
}

/** 0 = Sunday ... 6 = Saturday, as Date#getUTCDay. */
export function dayOfWeek(iso: string): number {
  return new Date(toUtc(iso)).getUTCDay();
}

/** A run of whole months; `month` may pass 12, and the year rolls over. */
function monthsPeriod(year: number, month: number, count: number): Period {
  const endMonth = month + count - 1;
  const endYear = year + Math.floor((endMonth - 1) / 12);
  const endMonthInYear = ((endMonth - 1) % 12) + 1;
  return {
    start: isoDate(year, month, 1),
    due: isoDate(endYear, endMonthInYear, daysInMonth(endYear, endMonthInYear)),
  };
}

export const dayPeriod = (iso: string): Period => ({ start: iso, due: iso });
export const monthPeriod = (year: number, month: number): Period => monthsPeriod(year, month, 1);
export const calendarYearPeriod = (year: number): Period => monthsPeriod(year, 1, 12);
// UK public-sector financial year: 1 April to 31 March, named "2011/12" by the year it starts in.
export const financialYearPeriod = (year: number): Period => monthsPeriod(year, 4, 12);

export function termPeriod(term: TermName, year: number): Period {
  const { first, count } = TERM_MONTHS[term];
  return monthsPeriod(year, first, count);
}

/** Winter of `year` starts in December of that year. */
export function seasonPeriod(season: SeasonName, year: number): Period {
  return monthsPeriod(year, SEASON_FIRST_MONTH[season], 3);
}

/**
 * For an academic or winter span written "2011/12": the calendar year its part of the span falls in.
 * Autumn terms and winters start in the first year; spring and summer fall in the second.
 */
export function yearWithinSpan(name: TermName | SeasonName, firstYear: number): number {
  return name === "autumn" || name === "winter" ? firstYear : firstYear + 1;
}

/** The first period, in date order, that ends on or after `today` (for phrases written without a year). */
export function nextEndingOnOrAfter(today: string, periodIn: (year: number) => Period): Period {
  const year = Number(today.slice(0, 4));
  // Winter starts in the previous December, so look one year back as well as one forward.
  for (const y of [year - 1, year, year + 1]) {
    const period = periodIn(y);
    if (period.due >= today) return period;
  }
  return periodIn(year + 1);
}

/**
 * The latest period `periodIn` gives (one per year) that has started by `today` (ISO date): how a
 * year-less phrase is read when it names something past, like a reading's period ("Sep" in
 * October is the September just gone). Looks from the year after today's back three years.
 */
export function lastStartingOnOrBefore(today: string, periodIn: (year: number) => Period): Period {
  const year = Number(today.slice(0, 4));
  for (const y of [year + 1, year, year - 1, year - 2]) {
    const period = periodIn(y);
    if (period.start <= today) return period;
  }
  return periodIn(year - 2);
}

export function termStartingIn(month: number): TermName | null {
  const hit = (Object.keys(TERM_MONTHS) as TermName[]).find((t) => TERM_MONTHS[t].first === month);
  return hit ?? null;
}

export function seasonStartingIn(month: number): SeasonName | null {
  const hit = (Object.keys(SEASON_FIRST_MONTH) as SeasonName[]).find((s) => SEASON_FIRST_MONTH[s] === month);
  return hit ?? null;
}

/** "2011/12": how the partnership writes academic, financial and winter spans. */
export function spanLabel(firstYear: number): string {
  return `${firstYear}/${pad((firstYear + 1) % 100)}`;
}

export type HalfTermNumber = 1 | 2 | 3 | 4 | 5 | 6;

// Half terms in whole months, matching the terms above: autumn = half terms 1-2 (Sep-Oct, Nov-Dec),
// spring = 3-4 (Jan-Feb, Mar), summer = 5-6 (Apr-May, Jun-Jul).
const HALF_TERM_MONTHS: readonly { first: number; count: number }[] = [
  { first: 9, count: 2 }, { first: 11, count: 2 }, { first: 1, count: 2 }, { first: 3, count: 1 }, { first: 4, count: 2 }, { first: 6, count: 2 },
];

/** Half term `n` (1-6) of the calendar year it falls in: half term 4 of 2011 is March 2011. */
export function halfTermPeriod(n: HalfTermNumber, year: number): Period {
  const { first, count } = HALF_TERM_MONTHS[n - 1]!;
  return monthsPeriod(year, first, count);
}

/** Half terms `from`-`to` of the academic year starting in September `firstYear`. */
export function halfTermsOfAcademicYear(from: HalfTermNumber, to: HalfTermNumber, firstYear: number): Period {
  const yearOf = (n: number) => (n <= 2 ? firstYear : firstYear + 1);
  return { start: halfTermPeriod(from, yearOf(from)).start, due: halfTermPeriod(to, yearOf(to)).due };
}

/** Which half term (1-6) starts in a month, or null. */
export function halfTermStartingIn(month: number): HalfTermNumber | null {
  const i = HALF_TERM_MONTHS.findIndex((h) => h.first === month);
  return i < 0 ? null : ((i + 1) as HalfTermNumber);
}

/** Which half term (1-6) ends in a month, or null. */
export function halfTermEndingIn(month: number): HalfTermNumber | null {
  const i = HALF_TERM_MONTHS.findIndex((h) => h.first + h.count - 1 === month);
  return i < 0 ? null : ((i + 1) as HalfTermNumber);
}

/** Financial quarter `q` of the year starting 1 April `firstYear`: Q1 April-June ... Q4 January-March. */
export function financialQuarterPeriod(q: 1 | 2 | 3 | 4, firstYear: number): Period {
  return q === 4 ? monthsPeriod(firstYear + 1, 1, 3) : monthsPeriod(firstYear, q * 3 + 1, 3);
}

/** English school academic year: 1 September `firstYear` to 31 July the next year. */
export const academicYearPeriod = (firstYear: number): Period => monthsPeriod(firstYear, 9, 11);

/** A run of whole months from one month to another (inclusive). */
export function monthRangePeriod(fromYear: number, fromMonth: number, toYear: number, toMonth: number): Period {
  return monthsPeriod(fromYear, fromMonth, (toYear - fromYear) * 12 + toMonth - fromMonth + 1);
}

/** Monday of the Monday-to-Sunday week a date is in. */
export function mondayOf(iso: string): string {
  const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d - ((dayOfWeek(iso) + 6) % 7))).toISOString().slice(0, 10);
}
