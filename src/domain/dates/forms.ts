// The table of date and period phrases Curve reads (README.md beside this file is the same
// table, with examples). Each form is a regex core plus a builder; due-phrase.ts scans free text
// and whole inputs with them. Pure: "today" is passed in, never read from a clock.
import { easterSunday, previousWorkingDay } from "../schedule/bank-holidays.ts";
import { addDays } from "./calendar.ts";
import {
  MONTH_NAMES, academicYearPeriod, calendarYearPeriod, dayOfWeek, dayPeriod, financialQuarterPeriod, financialYearPeriod,
  halfTermPeriod, halfTermsOfAcademicYear, isPlausibleYear, isRealDate, isoDate, mondayOf, monthPeriod, monthRangePeriod,
  lastStartingOnOrBefore, nextEndingOnOrAfter, seasonPeriod, spanLabel, termPeriod, yearWithinSpan,
  type HalfTermNumber, type Period, type SeasonName, type TermName,
} from "./school-calendar.ts";

export type DuePrecision = "day" | "week" | "month" | "half_term" | "term" | "quarter" | "season" | "year" | "range" | "tbc";

/** How a bare "2016/17" is read: the financial year (milestones, most indicators) or the academic year. */
export type SpanReading = "financial" | "academic";

export interface FormEnv {
  today: string | undefined;
  spans: SpanReading;
  /** Which way a year-less phrase looks from today: "ahead" (a deadline, the default) or "back" (a reading's period). */
  looking?: "ahead" | "back";
}

/** The period a year-less phrase names from `env.today` (set): the next one not yet over, or, looking back, the latest one begun. */
const yearlessPeriod = (env: FormEnv & { today: string }, periodIn: (y: number) => Period): Period =>
  env.looking === "back" ? lastStartingOnOrBefore(env.today, periodIn) : nextEndingOnOrAfter(env.today, periodIn);

export type Groups = Record<string, string | undefined>;
export type Dated = { precision: Exclude<DuePrecision, "tbc">; period: Period; note?: string; relative?: boolean };
export type Outcome =
  | { kind: "dated"; value: Dated }
  | { kind: "tbc"; note?: string }
  // `misread`: a date phrase for certain, wrongly written ("31 February 2027", "Q5 2026/27", a weekday
  // its date does not fall on), which text a person has just written must not be read past (readDueIn);
  // without it, something that only looks like a phrase ("1358 to 1200", "para 3.14.12").
  | { kind: "invalid"; why: string; misread?: true }
  // Needs today: a year-less phrase ("end of summer term") or a relative one ("tomorrow").
  | { kind: "needs_today"; relative: boolean };

export interface Form {
  core: string; // regex source; named groups are read by build
  build: (g: Groups, env: FormEnv) => Outcome;
  // In free text some forms are too easily a plain word ("may", "spring", "sun"); they count only when introduced.
  findable?: (g: Groups) => boolean;
}

const MONTH_WORDS = String.raw`jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?`;
const MONTH = String.raw`(?<mon>${MONTH_WORDS})\.?`;
const MONTH1 = String.raw`(?<mon1>${MONTH_WORDS})\.?`;
const WEEKDAY = String.raw`mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?`;
const ORDINAL = String.raw`(?:\s?(?:st|nd|rd|th))?`; // seed 000 writes "19 th January 2010"
const YEAR = String.raw`(?<y>\d{4})`;
const SPAN = String.raw`(?<y>\d{4})(?:[/-](?<y2>\d{2}(?:\d{2})?))?`; // "2011" or "2011/12"
// After an explicit "FY", "Q3" or "academic year" a two-digit first year is clear enough: "FY 16/17".
const SPAN_REQUIRED = String.raw`(?<y>\d{4}|\d{2})\s*[/-]\s*(?<y2>\d{2}(?:\d{2})?)`;
const SPAN_OR_YEAR = String.raw`(?<y>\d{4}|\d{2})(?:\s*[/-]\s*(?<y2>\d{2}(?:\d{2})?))?`;
const DASH = String.raw`\s*(?:-|–|—|to|until|till|through|thru)\s*`;
const TERM = String.raw`(?<term>autumn|spring|summer)`;

export const dated = (precision: Dated["precision"], period: Period, note?: string): Outcome => ({
  kind: "dated",
  value: { precision, period, ...(note ? { note } : {}) },
});
const relativeDated = (precision: Dated["precision"], period: Period): Outcome => ({ kind: "dated", value: { precision, period, relative: true } });
export const invalid = (why: string): Outcome => ({ kind: "invalid", why });
/** An impossible date that is a date phrase for certain (see Outcome's `misread`). */
const misread = (why: string): Outcome => ({ kind: "invalid", why, misread: true });
/** A day past its month's end that months elsewhere have (29 to 31): a slip, not a number that only looks like a day. */
const slippedDay = (day: number): boolean => day >= 29 && day <= 31;
// Weekday abbreviations that are also words ("tests sat 14 May", "sun"): never held against the date that follows.
const WEEKDAY_WORDS = new Set(["mon", "wed", "sat", "sun"]);
export const introduced = (g: Groups): boolean => g.lead !== undefined || g.endof !== undefined;
export const monthNumber = (name: string): number => "janfebmaraprmayjunjulaugsepoctnovdec".indexOf(name.slice(0, 3).toLowerCase()) / 3 + 1;
const weekdayNumber = (name: string): number => ["su", "mo", "tu", "we", "th", "fr", "sa"].indexOf(name.slice(0, 2).toLowerCase());
const WEEKDAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** "Friday 13 March 2026": a day as the reply echoes it. */
export function dayWithWeekday(iso: string): string {
  return `${WEEKDAY_NAMES[dayOfWeek(iso)]} ${Number(iso.slice(8, 10))} ${MONTH_NAMES[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
}

/** "12" is 2012 (plans here run 1990-2089); "2012" is 2012. */
function fullYear(text: string): number {
  if (text.length !== 2) return Number(text);
  const yy = Number(text);
  return yy < 90 ? 2000 + yy : 1900 + yy;
}

function withYear(text: string | undefined, then: (year: number) => Outcome): Outcome {
  const year = fullYear(text ?? "");
  return isPlausibleYear(year) ? then(year) : invalid(`${text} is not a year between 1990 and 2100`);
}

const followsYear = (year: number, next: string): boolean =>
  next.length === 2 ? Number(next) === (year + 1) % 100 : Number(next) === year + 1;

/** The first year of "2011/12", "2011-2012", "11/12"; the second must follow the first. */
function withSpan(g: Groups, then: (firstYear: number) => Outcome): Outcome {
  return withYear(g.y, (year) => (followsYear(year, g.y2 ?? "") ? then(year) : invalid(`${g.y}/${g.y2} is not two consecutive years`)));
}

/**
 * The day d/month/y. `certain` says the words are a date for certain (2025-13-01, 15/03/2026),
 * so an impossible one is `misread`, not passed over as other words; otherwise only a day 29-31
 * past its month's end is.
 */
function onDay(g: Groups, month: number, note?: string, certain = false): Outcome {
  return withYear(g.y, (year) => {
    const day = Number(g.d);
    const wrong = certain ? misread : invalid;
    if (month < 1 || month > 12) {
      // "03/15/2026" is a date written month first, as in the US; Curve reads numbers day first.
      const swapped = g.sep === "/" && day >= 1 && day <= 12 && month <= 31 ? `; Curve reads numeric dates day first, so write ${month} ${MONTH_NAMES[day - 1]} ${year}` : "";
      return wrong(`there is no month ${g.m ?? month}${swapped}`);
    }
    if (!isRealDate(year, month, day)) return (slippedDay(day) ? misread : wrong)(`${MONTH_NAMES[month - 1]} ${year} has no day ${day}`);
    return dated("day", dayPeriod(isoDate(year, month, day)), note);
  });
}

/**
 * A day written with its weekday ("Tuesday 30 April 2027") must fall on it: when the two
 * disagree, either may be the mistake, so the phrase is not read ("30 April 2027 is a Friday, not a Tuesday").
 */
function onTheWeekdayGiven(g: Groups, day: Outcome): Outcome {
  if (g.dow === undefined || day.kind !== "dated" || WEEKDAY_WORDS.has(g.dow.toLowerCase())) return day;
  const given = weekdayNumber(g.dow);
  const actual = dayOfWeek(day.value.period.start);
  if (given === actual) return day;
  const iso = day.value.period.start;
  return misread(`${Number(iso.slice(8, 10))} ${MONTH_NAMES[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)} is a ${WEEKDAY_NAMES[actual]}, not a ${WEEKDAY_NAMES[given]}`);
}

/** A term, half term or season written with "2011" (that calendar year) or "2011/12" (the academic or winter span). */
function inSpan(g: Groups, name: TermName | SeasonName, periodIn: (y: number) => Period, precision: Dated["precision"]): Outcome {
  if (g.y2 === undefined) return g.y?.length === 2 ? invalid(`${g.y} is not a year`) : withYear(g.y, (year) => dated(precision, periodIn(year)));
  return withSpan(g, (year) => dated(precision, periodIn(yearWithinSpan(name, year))));
}

function yearless(env: FormEnv, periodIn: (y: number) => Period, precision: Dated["precision"]): Outcome {
  return env.today === undefined ? { kind: "needs_today", relative: false } : relativeDated(precision, yearlessPeriod({ ...env, today: env.today }, periodIn));
}

function relative(env: FormEnv, period: (today: string) => Period, precision: Dated["precision"] = "day"): Outcome {
  return env.today === undefined ? { kind: "needs_today", relative: true } : relativeDated(precision, period(env.today));
}

const relativeDay = (env: FormEnv, dayFrom: (today: string) => string): Outcome => relative(env, (t) => dayPeriod(dayFrom(t)));

/** Strictly after today: on a Friday, "Friday" means a week later. */
function nextWeekday(today: string, weekday: number): string {
  return addDays(today, ((weekday - dayOfWeek(today) + 6) % 7) + 1);
}

function addMonths(iso: string, months: number): string {
  const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return isoDate(target.getUTCFullYear(), target.getUTCMonth() + 1, Math.min(d, last));
}

const goodFriday = (year: number): string => addDays(easterSunday(year), -2);
function festival(name: string, year: number): Period {
  const holiday = name === "easter" ? goodFriday(year) : isoDate(year, 12, 25);
  // The last working day before it: "by Easter" is done before the Good Friday bank holiday.
  return dayPeriod(previousWorkingDay(holiday));
}

/** The Monday-to-Friday working week a day is in. */
function workingWeek(day: string): Period {
  const monday = mondayOf(day);
  return { start: monday, due: addDays(monday, 4) };
}

/**
 * A day written without a year: the next one that has not yet passed (a week's grace for "w/c"),
 * or, looking back, the latest one on or before today.
 */
function dayWithoutYear(env: FormEnv, month: number, day: number, graceDays = 0): Outcome {
  if (env.today === undefined) return { kind: "needs_today", relative: false };
  const today = env.today;
  const year = Number(today.slice(0, 4));
  const back = env.looking === "back";
  // Looking back, 29 February may be up to four years ago.
  for (const y of back ? [year, year - 1, year - 2, year - 3, year - 4] : [year, year + 1]) {
    if (!isRealDate(y, month, day)) continue;
    const iso = isoDate(y, month, day);
    if (back ? iso <= today : addDays(iso, graceDays) >= today) return relativeDated("day", dayPeriod(iso));
  }
  return (slippedDay(day) ? misread : invalid)(`${MONTH_NAMES[month - 1]} has no day ${day}`);
}

/**
 * "Sept 27" written in December 2026 may be 27 September 2027 or September 2027 (UK writers
 * shorten years: "March '27", "Apr-27"), and "end of Sept 27" is surely the month. Two digits
 * with no "th" that could name this year or the next two are not guessed: the phrase is refused
 * (as a misread, so no shorter "Sept" is read instead) naming both readings. A year past or further
 * off ("Jan 15" or "Oct 30" in 2026), one digit ("Jan 6") or "27th" is a day.
 */
function dayOrTwoDigitYear(g: Groups, env: FormEnv): Outcome | null {
  if (env.today === undefined || !/^\d{2}$/.test(g.d ?? "") || (g.ord ?? "") !== "") return null;
  const thisYear = Number(env.today.slice(0, 4));
  const year = 2000 + Number(g.d);
  if (year < thisYear || year > thisYear + 2) return null;
  const month = MONTH_NAMES[monthNumber(g.mon ?? "") - 1];
  return misread(`it could be ${Number(g.d)} ${month} or ${month} ${year}: write "${Number(g.d)} ${month}" or "${month} ${year}"`);
}

const spanPeriod = (reading: SpanReading, firstYear: number): Period =>
  reading === "academic" ? academicYearPeriod(firstYear) : financialYearPeriod(firstYear);
const spanWords = (reading: SpanReading, firstYear: number): string => {
  const p = spanPeriod(reading, firstYear);
  return `the ${reading} year ${spanLabel(firstYear)} (${dayLong(p.start)} to ${dayLong(p.due)})`;
};
const dayLong = (iso: string) => `${Number(iso.slice(8, 10))} ${MONTH_NAMES[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;

function quarterOf(q: number, g: Groups): Outcome {
  if (q < 1 || q > 4) return misread(`there is no quarter ${q}: a year has Q1 to Q4`);
  const quarter = q as 1 | 2 | 3 | 4;
  if (g.y2 !== undefined) return withSpan(g, (first) => dated("quarter", financialQuarterPeriod(quarter, first)));
  if (g.y?.length !== 4) return invalid(`${g.y} is not a year`);
  return withYear(g.y, (year) => {
    // "Q3 2016" is read as a calendar quarter; the partnership's own quarters are financial ("Q3 2016/17").
    const period = monthRangePeriod(year, q * 3 - 2, year, q * 3);
    const fy = q === 1 ? year - 1 : year;
    const fq = q === 1 ? 4 : q - 1;
    return dated("quarter", period, `Read as ${MONTH_NAMES[q * 3 - 3]} to ${MONTH_NAMES[q * 3 - 1]} ${year}, the calendar quarter (financial quarter Q${fq} ${spanLabel(fy)}).`);
  });
}

/** The financial quarter a day falls in, shifted by `shift` quarters. */
function financialQuarterAround(today: string, shift: number): Period {
  const [y, m] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
  const index = (m >= 4 ? y : y - 1) * 4 + Math.floor(((m + 8) % 12) / 3) + shift;
  return financialQuarterPeriod(((index % 4) + 1) as 1 | 2 | 3 | 4, Math.floor(index / 4));
}

const shiftOf = (word: string | undefined): number => (word === "next" ? 1 : word === "last" || word === "previous" ? -1 : 0);

function namedYear(which: string, env: FormEnv, rel: string | undefined): Outcome {
  const periodIn = (y: number): Period => (which === "calendar" ? calendarYearPeriod(y) : spanPeriod(which === "academic" ? "academic" : "financial", y));
  if (env.today === undefined) return { kind: "needs_today", relative: true };
  const current = nextEndingOnOrAfter(env.today, periodIn);
  const firstYear = Number(current.start.slice(0, 4)) + shiftOf(rel);
  return relativeDated("year", periodIn(firstYear));
}

// Order matters twice: parseDue takes the first form that reads the whole input, and findDue breaks
// ties between equally long matches in this order.
export const FORMS: Form[] = [
  { core: String.raw`(?<y>\d{4})-(?<m>\d{1,2})-(?<d>\d{1,2})`, build: (g) => onDay(g, Number(g.m), undefined, true) },
  // Numeric dates are always UK order, day first: 03/04/2016 is 3 April; a two-digit year is 20xx.
  // With a four-digit year or slashes they are dates for certain; "2.13.10" may be a version.
  {
    core: String.raw`(?<d>\d{1,2})(?<sep>[/.-])(?<m>\d{1,2})\k<sep>(?<y>\d{4}|\d{2})`,
    build: (g) => {
      const [d, m] = [Number(g.d), Number(g.m)];
      const doubt = (d <= 12 && m <= 12 && d !== m) || g.y?.length === 2;
      const certain = g.y?.length === 4 || g.sep === "/";
      return onDay(g, m, doubt && m >= 1 && m <= 12 ? `Read as ${d} ${MONTH_NAMES[m - 1]} ${fullYear(g.y ?? "")} (day/month/year).` : undefined, certain);
    },
  },
  // Excel's own date formats, as a CSV saved from it writes them: "1-Mar-2026", "01-Mar-26" (d-mmm-yy)
  // and "Mar-26", "March-2026" (mmm-yy, a month); a two-digit year is 20xx.
  {
    core: String.raw`(?<d>\d{1,2})-${MONTH}-(?<y>\d{4}|\d{2})`,
    build: (g) => onDay(g, monthNumber(g.mon ?? ""), undefined, true),
  },
  {
    core: String.raw`${MONTH}-(?<y>\d{4}|\d{2})`,
    build: (g) => withYear(g.y, (y) => dated("month", monthPeriod(y, monthNumber(g.mon ?? "")), `Read as ${MONTH_NAMES[monthNumber(g.mon ?? "") - 1]} ${y}.`)),
  },
  // "w/c 5 September 2011" (seed 004 writes "w/c 23rd September"): due on the Friday of that week.
  {
    core: String.raw`(?:w\s*/\s*[cb]|w\.[cb]\.|wc|wb|week\s+(?:commencing|beginning|starting))\s+(?:(?<dow>${WEEKDAY}),?\s+)?(?:the\s+)?(?<d>\d{1,2})${ORDINAL}\s+(?:of\s+)?${MONTH}(?:,?\s+${YEAR})?`,
    build: (g, env) => {
      const month = monthNumber(g.mon ?? "");
      const day = onTheWeekdayGiven(g, g.y === undefined ? dayWithoutYear(env, month, Number(g.d), 6) : onDay(g, month));
      if (day.kind !== "dated") return day;
      const week = workingWeek(day.value.period.start);
      return dated("week", week, `Read as the week of ${dayWithWeekday(week.start)}, due ${dayWithWeekday(week.due)}.`);
    },
  },
  {
    core: String.raw`(?:w\s*/\s*[cb]|wc|wb|week\s+(?:commencing|beginning|starting))\s+(?<d>\d{1,2})(?<sep>[/.])(?<m>\d{1,2})\k<sep>(?<y>\d{4}|\d{2})`,
    build: (g) => {
      const day = onDay(g, Number(g.m));
      if (day.kind !== "dated") return day;
      const week = workingWeek(day.value.period.start);
      return dated("week", week, `Read as the week of ${dayWithWeekday(week.start)}, due ${dayWithWeekday(week.due)}.`);
    },
  },
  {
    core: String.raw`(?:(?<dow>${WEEKDAY}),?\s+)?(?<d>\d{1,2})${ORDINAL}\s+(?:of\s+)?${MONTH},?\s+${YEAR}`,
    build: (g) => onTheWeekdayGiven(g, onDay(g, monthNumber(g.mon ?? ""))),
  },
  {
    core: String.raw`(?:(?<dow>${WEEKDAY}),?\s+)?${MONTH}\s+(?<d>\d{1,2})${ORDINAL},?\s+${YEAR}`,
    build: (g) => onTheWeekdayGiven(g, onDay(g, monthNumber(g.mon ?? ""))),
  },
  // Ranges: due at the end. "April-June 2012", "Sept 2011 to March 2012", "1-5 April 2012".
  {
    core: String.raw`${MONTH1}(?:,?\s+(?<y1>\d{4}))?${DASH}${MONTH},?\s+${YEAR}`,
    build: (g) =>
      withYear(g.y, (toYear) => {
        const [from, to] = [monthNumber(g.mon1 ?? ""), monthNumber(g.mon ?? "")];
        const fromYear = g.y1 !== undefined ? Number(g.y1) : from <= to ? toYear : toYear - 1;
        if (!isPlausibleYear(fromYear) || fromYear * 12 + from >= toYear * 12 + to) return invalid("a range must end after it starts");
        return dated("range", monthRangePeriod(fromYear, from, toYear, to));
      }),
  },
  {
    core: String.raw`(?<d1>\d{1,2})${ORDINAL}(?:\s+(?:of\s+)?${MONTH1})?(?:,?\s+(?<y1>\d{4}))?${DASH}(?<d>\d{1,2})${ORDINAL}\s+(?:of\s+)?${MONTH},?\s+${YEAR}`,
    build: (g) => {
      const end = onDay(g, monthNumber(g.mon ?? ""));
      if (end.kind !== "dated") return end;
      const startMonth = g.mon1 ? monthNumber(g.mon1) : monthNumber(g.mon ?? "");
      const start = onDay({ d: g.d1, y: g.y1 ?? g.y }, startMonth);
      if (start.kind !== "dated") return start;
      if (start.value.period.start >= end.value.period.start) return invalid("a range must end after it starts");
      return dated("range", { start: start.value.period.start, due: end.value.period.due });
    },
  },
  { core: String.raw`(?<y1>\d{4})\s+(?:to|until|till|–|—)\s+${YEAR}`, build: (g) => withYear(g.y1, (from) => withYear(g.y, (to) => (from < to ? dated("range", { start: calendarYearPeriod(from).start, due: calendarYearPeriod(to).due }) : invalid("a range must end after it starts")))) },
  // "03/2011": a month, as statistical returns write it.
  { core: String.raw`(?<m>\d{1,2})/${YEAR}`, build: (g) => withYear(g.y, (y) => (Number(g.m) >= 1 && Number(g.m) <= 12 ? dated("month", monthPeriod(y, Number(g.m))) : invalid(`there is no month ${g.m}`))), findable: () => false },
  { core: String.raw`${MONTH},?\s+${YEAR}`, build: (g) => withYear(g.y, (y) => dated("month", monthPeriod(y, monthNumber(g.mon ?? "")))) },
  // Early (1st-10th), mid (the 15th) and late (21st to the end of the) month.
  {
    core: String.raw`(?<part>early|mid|middle\s+of|late|beginning\s+of|start\s+of)(?:\s*-\s*|\s+)(?:the\s+)?${MONTH}(?:,?\s+${YEAR})?`,
    build: (g, env) => {
      const month = monthNumber(g.mon ?? "");
      const part = (g.part ?? "").toLowerCase();
      const within = (y: number): Period => {
        const whole = monthPeriod(y, month);
        if (part.startsWith("mid")) return dayPeriod(isoDate(y, month, 15));
        if (part === "late") return { start: isoDate(y, month, 21), due: whole.due };
        return { start: whole.start, due: isoDate(y, month, 10) };
      };
      const precision = part.startsWith("mid") ? "day" : "range";
      return g.y === undefined ? yearless(env, within, precision) : withYear(g.y, (y) => dated(precision, within(y)));
    },
    findable: (g) => g.y !== undefined || introduced(g),
  },
  // Half terms: "spring 2", "autumn half term", "half term 4 2010/11", "HT1-2 2011/12".
  {
    core: String.raw`${TERM}\s+(?<half>[12])(?:\s+${SPAN_OR_YEAR})?`,
    build: (g, env) => {
      const term = (g.term ?? "").toLowerCase() as TermName;
      const n = ({ autumn: 0, spring: 2, summer: 4 }[term] + Number(g.half)) as HalfTermNumber;
      const periodIn = (y: number): Period => halfTermPeriod(n, y);
      return g.y === undefined ? yearless(env, periodIn, "half_term") : inSpan(g, term, periodIn, "half_term");
    },
    findable: (g) => g.y !== undefined && introduced(g),
  },
  {
    core: String.raw`(?:the\s+)?${TERM}\s+half[-\s]?term(?:\s+(?:holidays?|break))?(?:\s+${SPAN_OR_YEAR})?`,
    build: (g, env) => {
      const term = (g.term ?? "").toLowerCase() as TermName;
      const n = ({ autumn: 1, spring: 3, summer: 5 }[term]) as HalfTermNumber;
      const periodIn = (y: number): Period => halfTermPeriod(n, y);
      return g.y === undefined ? yearless(env, periodIn, "half_term") : inSpan(g, term, periodIn, "half_term");
    },
  },
  {
    core: String.raw`(?:half[-\s]?terms?|ht)\s*(?<h1>[1-6])(?:\s*-\s*(?:ht\s*)?(?<h2>[1-6]))?\s+${SPAN_REQUIRED}`,
    build: (g) =>
      withSpan(g, (first) => {
        const [from, to] = [Number(g.h1), Number(g.h2 ?? g.h1)] as [HalfTermNumber, HalfTermNumber];
        if (to < from) return invalid(`half term ${to} comes before half term ${from}`);
        return dated(from === to ? "half_term" : "range", halfTermsOfAcademicYear(from, to, first));
      }),
  },
  {
    core: String.raw`(?:the\s+)?${TERM}\s+term(?:\s+${SPAN})?`,
    build: (g, env) => {
      const term = (g.term ?? "").toLowerCase() as TermName;
      const periodIn = (y: number): Period => termPeriod(term, y);
      return g.y === undefined ? yearless(env, periodIn, "term") : inSpan(g, term, periodIn, "term");
    },
  },
  // Quarters are financial (Q1 April-June) when written with a span: "Q3 2016/17", "Q3 2016-17", "2016/17 Q3".
  { core: String.raw`(?:q|quarter\s*)(?<q>\d)\s*(?:of\s+)?(?:(?:fy|financial\s+year)\s*)?${SPAN_OR_YEAR}`, build: (g) => quarterOf(Number(g.q), g) },
  { core: String.raw`${SPAN_REQUIRED},?\s*(?:q|quarter\s*)(?<q>\d)`, build: (g) => quarterOf(Number(g.q), g) },
  { core: String.raw`(?:fy|financial\s+year)\s*${SPAN_REQUIRED}`, build: (g) => withSpan(g, (y) => dated("year", financialYearPeriod(y))) },
  { core: String.raw`${SPAN_REQUIRED}\s+financial\s+year`, build: (g) => withSpan(g, (y) => dated("year", financialYearPeriod(y))) },
  { core: String.raw`(?:(?:academic|school)\s+year|ay)\s*${SPAN_REQUIRED}`, build: (g) => withSpan(g, (y) => dated("year", academicYearPeriod(y))) },
  { core: String.raw`${SPAN_REQUIRED}\s+(?:academic|school)\s+year`, build: (g) => withSpan(g, (y) => dated("year", academicYearPeriod(y))) },
  // "end of the financial year", "next academic year", "this year": resolved against today.
  {
    core: String.raw`(?:the\s+)?(?:(?<rel>this|next|last|previous|current)\s+)?(?<which>financial|academic|school|calendar)?\s*year`,
    build: (g, env) => {
      const which = (g.which ?? "calendar").toLowerCase();
      if (g.rel === undefined && g.which === undefined && g.endof === undefined) return invalid("it does not say which year");
      return namedYear(which === "school" ? "academic" : which, env, g.rel?.toLowerCase());
    },
    findable: (g) => g.which !== undefined && introduced(g),
  },
  {
    core: String.raw`(?<season>spring|summer|autumn|winter)\s+${SPAN}`,
    build: (g) => {
      const season = (g.season ?? "").toLowerCase() as SeasonName;
      return inSpan(g, season, (y) => seasonPeriod(season, y), "season");
    },
  },
  // A bare "2011/12" or "2011-12" is one year: financial for milestones (and most indicators), academic
  // for indicators counted by school year. "2011-03" is the month March 2011.
  {
    core: String.raw`${YEAR}(?<sep>[/-])(?<y2>\d{2}(?:\d{2})?)`,
    build: (g, env) =>
      withYear(g.y, (y) => {
        if (followsYear(y, g.y2 ?? "")) {
          const dec = g.sep === "-" && g.y2?.length === 2 ? `; for December ${y} write Dec ${y}` : "";
          return dated("year", spanPeriod(env.spans, y), `Read as ${spanWords(env.spans, y)}${dec}.`);
        }
        const month = Number(g.y2);
        if (g.sep === "-" && g.y2?.length === 2 && month >= 1 && month <= 12) return dated("month", monthPeriod(y, month));
        return invalid(`${g.y}/${g.y2} is not two consecutive years`);
      }),
  },
  {
    core: String.raw`(?<fest>easter|christmas|xmas)(?:\s+(?:holidays?|break|hols))?(?:\s+${YEAR})?`,
    build: (g, env) => {
      const name = (g.fest ?? "").toLowerCase() === "easter" ? "easter" : "christmas";
      const explain = (p: Period) =>
        `Read as ${dayWithWeekday(p.due)}, the last working day before ${name === "easter" ? "Good Friday" : "Christmas Day"}.`;
      if (g.y === undefined) {
        if (env.today === undefined) return { kind: "needs_today", relative: false };
        const p = yearlessPeriod({ ...env, today: env.today }, (y) => festival(name, y));
        return dated("day", p, explain(p));
      }
      return withYear(g.y, (y) => dated("day", festival(name, y), explain(festival(name, y))));
    },
    findable: (g) => g.y !== undefined || introduced(g),
  },
  { core: YEAR, build: (g) => withYear(g.y, (y) => dated("year", calendarYearPeriod(y))) },
  {
    core: String.raw`(?:(?:the\s+)?dates?\s+)?(?<tb>x{3}|tb[cad]|to\s+be\s+(?:agreed|confirmed|decided|determined|arranged))`,
    // TBC is Curve's own word; any other ("TBA", "XXX", "to be decided") is echoed, so the person sees how it was read.
    build: (g) => (/^(?:tbc|to\s+be\s+confirmed)$/i.test(g.tb ?? "") ? { kind: "tbc" } : { kind: "tbc", note: `"${g.tb}" has no deadline yet, so Curve has it as TBC; set a date when one is agreed.` }),
  },
  // Words that say there is no deadline: kept as TBC, and the reply says so.
  {
    core: String.raw`(?<open>on-?\s?going|n\s?/\s?a|not\s+applicable|continuous(?:ly)?|as\s+(?:and\s+when\s+)?required|no\s+(?:end\s+)?date)`,
    build: (g) => ({ kind: "tbc", note: `"${g.open}" has no deadline, so Curve has it as TBC; set a date when one is agreed.` }),
    findable: () => false,
  },
  {
    core: String.raw`(?:in|within)\s+(?<n>\d{1,3}|an?|one|two|three|four|five|six)\s+(?<unit>days?|weeks?|fortnights?|months?)`,
    build: (g, env) => {
      const words: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6 };
      const n = /^\d+$/.test(g.n ?? "") ? Number(g.n) : (words[(g.n ?? "").toLowerCase()] ?? 1);
      const unit = (g.unit ?? "").toLowerCase();
      if (unit.startsWith("m")) return relativeDay(env, (t) => addMonths(t, n));
      return relativeDay(env, (t) => addDays(t, (unit.startsWith("f") ? 14 : unit.startsWith("w") ? 7 : 1) * n));
    },
  },
  // A working week: "next week" and "end of next week" both mean Friday of the coming Monday-to-Sunday week.
  { core: String.raw`next\s+week`, build: (_g, env) => relativeDay(env, (t) => addDays(nextWeekday(t, 1), 4)) },
  {
    core: String.raw`(?<thisweek>this\s+)?week`,
    build: (g, env) => (g.endof === undefined && g.thisweek === undefined ? invalid("it does not say which week") : relativeDay(env, (t) => (dayOfWeek(t) === 6 || dayOfWeek(t) === 0 ? addDays(nextWeekday(t, 1), 4) : addDays(mondayOf(t), 4)))),
    findable: () => false,
  },
  {
    core: String.raw`(?:(?<rel>this|next|last|previous)\s+)?month`,
    build: (g, env) => {
      if (g.rel === undefined && g.endof === undefined) return invalid("it does not say which month");
      return relative(env, (t) => {
        const day = addMonths(t, shiftOf(g.rel?.toLowerCase()));
        return monthPeriod(Number(day.slice(0, 4)), Number(day.slice(5, 7)));
      }, "month");
    },
    findable: (g) => g.rel !== undefined,
  },
  {
    core: String.raw`(?<rel>this|next|last|previous)\s+quarter`,
    build: (g, env) => relative(env, (t) => financialQuarterAround(t, shiftOf(g.rel?.toLowerCase())), "quarter"),
  },
  // "a week on Tuesday" and "Tuesday week": the Tuesday after next.
  {
    core: String.raw`(?<gap>a\s+week|a\s+fortnight|two\s+weeks)\s+(?:on|from)\s+(?<wd>${WEEKDAY})`,
    build: (g, env) => relativeDay(env, (t) => addDays(nextWeekday(t, weekdayNumber(g.wd ?? "")), /fortnight|two/i.test(g.gap ?? "") ? 14 : 7)),
  },
  {
    core: String.raw`(?<wd>${WEEKDAY})\s+week`,
    build: (g, env) => relativeDay(env, (t) => addDays(nextWeekday(t, weekdayNumber(g.wd ?? "")), 7)),
    findable: introduced,
  },
  {
    core: String.raw`(?:(?<next>next|this|coming)\s+)?(?<wd>${WEEKDAY})`,
    // "Friday" and "next Friday" are strictly after today; "this Friday" typed on a Friday is today.
    build: (g, env) =>
      relativeDay(env, (t) => {
        const weekday = weekdayNumber(g.wd ?? "");
        return g.next?.toLowerCase() === "this" && dayOfWeek(t) === weekday ? t : nextWeekday(t, weekday);
      }),
    findable: (g) => g.next !== undefined || introduced(g),
  },
  {
    core: String.raw`(?<rel>today|tomorrow)`,
    build: (g, env) => relativeDay(env, (t) => addDays(t, g.rel?.toLowerCase() === "today" ? 0 : 1)),
    findable: introduced,
  },
  // A day without a year ("23rd September", "September 23"): the next one that has not passed.
  {
    core: String.raw`(?:(?<dow>${WEEKDAY}),?\s+)?(?<d>\d{1,2})${ORDINAL}\s+(?:of\s+)?${MONTH}`,
    build: (g, env) => onTheWeekdayGiven(g, dayWithoutYear(env, monthNumber(g.mon ?? ""), Number(g.d))),
    findable: introduced,
  },
  {
    core: String.raw`${MONTH}\s+(?<d>\d{1,2})(?<ord>${ORDINAL})`,
    build: (g, env) => dayOrTwoDigitYear(g, env) ?? dayWithoutYear(env, monthNumber(g.mon ?? ""), Number(g.d)),
    findable: introduced,
  },
  {
    core: MONTH,
    build: (g, env) => yearless(env, (y) => monthPeriod(y, monthNumber(g.mon ?? "")), "month"),
    findable: introduced,
  },
  {
    core: String.raw`(?<season>spring|summer|autumn|winter)`,
    build: (g, env) => yearless(env, (y) => seasonPeriod((g.season ?? "").toLowerCase() as SeasonName, y), "season"),
    findable: introduced,
  },
];
