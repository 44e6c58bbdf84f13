import { addDays } from "../dates/calendar.ts";

/**
 * UK bank holidays for any year, from the standing rules of each of the three calendars
 * (Banking and Financial Dealings Act 1971 and its schedules, as gov.uk/bank-holidays
 * applies them) plus one-off changes made by royal proclamation (a jubilee, a funeral, a
 * moved May holiday). The one-off changes Curve knows of are built in; an operator adds new
 * ones with a data file (see src/bot/bank-holiday-file.ts), with no new release.
 */
export const REGIONS = ["england-and-wales", "scotland", "northern-ireland"] as const;
export type Region = (typeof REGIONS)[number];
export const DEFAULT_REGION: Region = "england-and-wales";

export const REGION_NAMES: Record<Region, string> = {
  "england-and-wales": "England and Wales",
  scotland: "Scotland",
  "northern-ireland": "Northern Ireland",
};

/** A proclaimed change to one region's calendar: a day added, or a standing holiday removed (moved). */
export interface OneOffChange {
  region: Region;
  date: string;
  change: "added" | "removed";
  title: string;
}

const EVERY_REGION = (date: string, change: OneOffChange["change"], title: string): OneOffChange[] => REGIONS.map((region) => ({ region, date, change, title }));

/** The proclaimed changes since 2010, as published on gov.uk/bank-holidays. */
export const BUILT_IN_CHANGES: OneOffChange[] = [
  ...EVERY_REGION("2011-04-29", "added", "Royal wedding"),
  ...EVERY_REGION("2012-05-28", "removed", "Spring bank holiday moved for the Diamond Jubilee"),
  ...EVERY_REGION("2012-06-04", "added", "Spring bank holiday (moved)"),
  ...EVERY_REGION("2012-06-05", "added", "Queen's Diamond Jubilee"),
  ...EVERY_REGION("2020-05-04", "removed", "Early May bank holiday moved to VE Day"),
  ...EVERY_REGION("2020-05-08", "added", "Early May bank holiday (VE day)"),
  ...EVERY_REGION("2022-05-30", "removed", "Spring bank holiday moved for the Platinum Jubilee"),
  ...EVERY_REGION("2022-06-02", "added", "Spring bank holiday (moved)"),
  ...EVERY_REGION("2022-06-03", "added", "Queen's Platinum Jubilee"),
  ...EVERY_REGION("2022-09-19", "added", "State funeral of Queen Elizabeth II"),
  ...EVERY_REGION("2023-05-08", "added", "Coronation of King Charles III"),
];

const iso = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday

/** Easter Sunday (Anonymous Gregorian algorithm). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return iso(year, month, day);
}

function firstMonday(year: number, month: number): string {
  const first = iso(year, month, 1);
  return addDays(first, (8 - weekday(first)) % 7);
}

function lastMonday(year: number, month: number): string {
  const last = iso(year, month + 1, 0);
  return addDays(last, -((weekday(last) + 6) % 7));
}

const isWeekendDate = (date: string) => weekday(date) === 0 || weekday(date) === 6;

/**
 * One region's standing holidays in a year. Holidays on a fixed date (1 and 2 January,
 * St Patrick's Day, 12 July, St Andrew's Day, Christmas, Boxing Day) that fall at a weekend
 * get a substitute: the next weekday that is not already a holiday, taken in date order
 * (so Christmas on a Saturday gives Monday 27th and Tuesday 28th, as gov.uk lists them).
 */
export function standingHolidays(year: number, region: Region): string[] {
  const easter = easterSunday(year);
  const movable = [addDays(easter, -2), firstMonday(year, 5), lastMonday(year, 5)];
  const fixed = [iso(year, 1, 1), iso(year, 12, 25), iso(year, 12, 26)];
  if (region === "scotland") {
    // Scotland: 2 January and St Andrew's Day; the summer holiday is early August; no Easter Monday.
    movable.push(firstMonday(year, 8));
    fixed.push(iso(year, 1, 2), iso(year, 11, 30));
  } else {
    movable.push(addDays(easter, 1), lastMonday(year, 8));
    // Northern Ireland: St Patrick's Day and the Battle of the Boyne (Orangemen's Day).
    if (region === "northern-ireland") fixed.push(iso(year, 3, 17), iso(year, 7, 12));
  }
  const days = new Set([...movable, ...fixed.filter((d) => !isWeekendDate(d))]);
  for (const date of fixed.filter(isWeekendDate).sort()) {
    let substitute = addDays(date, 1);
    while (isWeekendDate(substitute) || days.has(substitute)) substitute = addDays(substitute, 1);
    days.add(substitute);
  }
  return [...days].sort();
}

/**
 * A region's bank holidays: standing rules for any year, with one-off changes applied.
 * Years are computed on first use and kept.
 */
export class BankHolidayCalendar {
  private readonly years = new Map<string, Set<string>>();

  /**
   * Names these one-off changes, in their order (a date added then removed is not one removed
   * then added), as a short text: two calendars with the same fingerprint have the same bank
   * holidays. What a nudge sweep stores with each milestone it found nothing owed about, so a
   * new calendar (the operator's file changed) looks again.
   */
  readonly fingerprint: string;

  constructor(readonly changes: readonly OneOffChange[] = BUILT_IN_CHANGES) {
    const text = changes.map((c) => `${c.region}:${c.date}:${c.change}`).join(",");
    // FNV-1a, 32 bits: a name for the list, not a secret.
    let hash = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
    this.fingerprint = `${changes.length}:${hash.toString(16).padStart(8, "0")}`;
  }

  holidaysIn(year: number, region: Region = DEFAULT_REGION): string[] {
    return [...this.year(year, region)].sort();
  }

  isBankHoliday(date: string, region: Region = DEFAULT_REGION): boolean {
    return this.year(Number(date.slice(0, 4)), region).has(date);
  }

  isWorkingDay(date: string, region: Region = DEFAULT_REGION): boolean {
    return !isWeekendDate(date) && !this.isBankHoliday(date, region);
  }

  private year(year: number, region: Region): Set<string> {
    if (!Number.isInteger(year) || year < 1972 || year > 9999) throw new RangeError(`bank holidays are known from 1972 (the Banking and Financial Dealings Act 1971), not for ${year}`);
    const key = `${region}:${year}`;
    let days = this.years.get(key);
    if (!days) {
      days = new Set(standingHolidays(year, region));
      for (const change of this.changes) {
        if (change.region !== region || !change.date.startsWith(`${year}-`)) continue;
        if (change.change === "added") days.add(change.date);
        else days.delete(change.date);
      }
      this.years.set(key, days);
    }
    return days;
  }
}

/**
 * The calendar the schedules use. It starts with the built-in changes; the process edge
 * replaces it when the operator's data file of one-off changes is read (or changes).
 */
let current = new BankHolidayCalendar();

/** Installs the calendar with these one-off changes (the built-in ones plus the operator's file). */
export function useOneOffChanges(changes: readonly OneOffChange[]): void {
  current = new BankHolidayCalendar(changes);
}

export const currentCalendar = (): BankHolidayCalendar => current;

export function isBankHoliday(date: string, region: Region = DEFAULT_REGION): boolean {
  return current.isBankHoliday(date, region);
}

export const isWeekend = (date: string): boolean => isWeekendDate(date);

export const isWorkingDay = (date: string, region: Region = DEFAULT_REGION): boolean => current.isWorkingDay(date, region);

/** The working day before a date (for "1 working day before it is due"). */
export function previousWorkingDay(date: string, region: Region = DEFAULT_REGION): string {
  let day = addDays(date, -1);
  while (!isWorkingDay(day, region)) day = addDays(day, -1);
  return day;
}

/** The working day after a date. */
export function nextWorkingDay(date: string, region: Region = DEFAULT_REGION): string {
  return workingDayOnOrAfter(addDays(date, 1), region);
}

/** A date itself when it is a working day in `region`, else the next one (a month's first working day from its 1st). */
export function workingDayOnOrAfter(date: string, region: Region = DEFAULT_REGION): string {
  let day = date;
  while (!isWorkingDay(day, region)) day = addDays(day, 1);
  return day;
}

export const bankHolidaysIn = (year: number, region: Region = DEFAULT_REGION): string[] => current.holidaysIn(year, region);

/** A stored region, or null for anything else (a blank column: follow the partnership). */
export const asRegion = (value: string | null | undefined): Region | null => (REGIONS as readonly string[]).includes(value ?? "") ? (value as Region) : null;

/** Reads a region name as people write it: "scotland", "Northern Ireland", "NI", "england", "wales". */
export function parseRegion(text: string): Region | null {
  const key = text.trim().toLowerCase().replace(/[\s_]+/g, "-");
  if (["england-and-wales", "england", "wales", "e&w", "england-&-wales", "ew"].includes(key)) return "england-and-wales";
  if (["scotland", "scot"].includes(key)) return "scotland";
  if (["northern-ireland", "ni", "n-ireland", "n.-ireland"].includes(key)) return "northern-ireland";
  return null;
}
