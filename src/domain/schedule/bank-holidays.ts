import { addDays } from "../dates/calendar.ts";

/**
 * Bank holidays in England and Wales, 2010 to 2030: the standing rules (with substitute
 * days when a holiday falls at a weekend) plus the one-off changes proclaimed by royal
 * proclamation, as published on gov.uk/bank-holidays.
 */
export const FIRST_YEAR = 2010;
export const LAST_YEAR = 2030;

// Proclaimed changes: [date removed or null, date added or null, why].
const PROCLAIMED: [string | null, string | null, string][] = [
  [null, "2011-04-29", "Royal wedding"],
  ["2012-05-28", "2012-06-04", "Spring bank holiday moved for the Diamond Jubilee"],
  [null, "2012-06-05", "Queen's Diamond Jubilee"],
  ["2020-05-04", "2020-05-08", "Early May bank holiday moved to VE Day"],
  ["2022-05-30", "2022-06-02", "Spring bank holiday moved for the Platinum Jubilee"],
  [null, "2022-06-03", "Queen's Platinum Jubilee"],
  [null, "2022-09-19", "State funeral of Queen Elizabeth II"],
  [null, "2023-05-08", "Coronation of King Charles III"],
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

function standingHolidays(year: number): string[] {
  const newYear = iso(year, 1, 1);
  const easter = easterSunday(year);
  const christmas = iso(year, 12, 25);
  const days = [
    // A weekend New Year's Day moves to the Monday.
    weekday(newYear) === 6 ? addDays(newYear, 2) : weekday(newYear) === 0 ? addDays(newYear, 1) : newYear,
    addDays(easter, -2),
    addDays(easter, 1),
    firstMonday(year, 5),
    lastMonday(year, 5),
    lastMonday(year, 8),
  ];
  // Christmas and Boxing Day at a weekend are followed by substitute weekdays.
  switch (weekday(christmas)) {
    case 5: // Friday: Boxing Day (Saturday) moves to Monday
      days.push(christmas, addDays(christmas, 3));
      break;
    case 6: // Saturday: both move, to Monday and Tuesday
      days.push(addDays(christmas, 2), addDays(christmas, 3));
      break;
    case 0: // Sunday: Boxing Day on Monday, Christmas substitute on Tuesday
      days.push(addDays(christmas, 1), addDays(christmas, 2));
      break;
    default:
      days.push(christmas, addDays(christmas, 1));
  }
  return days;
}

function buildCalendar(): Set<string> {
  const days = new Set<string>();
  for (let year = FIRST_YEAR; year <= LAST_YEAR; year++) for (const day of standingHolidays(year)) days.add(day);
  for (const [removed, added] of PROCLAIMED) {
    if (removed) days.delete(removed);
    if (added) days.add(added);
  }
  return days;
}

const HOLIDAYS = buildCalendar();

export function isBankHoliday(date: string): boolean {
  const year = Number(date.slice(0, 4));
  if (year < FIRST_YEAR || year > LAST_YEAR) throw new RangeError(`Curve's bank holiday calendar covers ${FIRST_YEAR} to ${LAST_YEAR}, not ${year}`);
  return HOLIDAYS.has(date);
}

export const isWeekend = (date: string): boolean => weekday(date) === 0 || weekday(date) === 6;

export const isWorkingDay = (date: string): boolean => !isWeekend(date) && !isBankHoliday(date);

/** The working day before a date (for "1 working day before it is due"). */
export function previousWorkingDay(date: string): string {
  let day = addDays(date, -1);
  while (!isWorkingDay(day)) day = addDays(day, -1);
  return day;
}

export function nextWorkingDay(date: string): string {
  let day = addDays(date, 1);
  while (!isWorkingDay(day)) day = addDays(day, 1);
  return day;
}

export const bankHolidaysIn = (year: number): string[] => [...HOLIDAYS].filter((d) => d.startsWith(`${year}-`)).sort();
