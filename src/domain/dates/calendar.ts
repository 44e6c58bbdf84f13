/** Calendar helpers on ISO dates ("2011-09-30"). Pure: the instant is always passed in. */

// Building an Intl formatter costs far more than using one; there are few zones, so keep them.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: "date" | "time", timeZone: string): Intl.DateTimeFormat {
  const key = `${kind}:${timeZone}`;
  let found = formatters.get(key);
  if (!found) {
    found =
      kind === "date"
        ? new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }) // en-CA gives YYYY-MM-DD
        : new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    formatters.set(key, found);
  }
  return found;
}

/** The calendar date of an instant in a time zone, e.g. 23:30 UTC on 31 March is 1 April in London (BST). */
export function localDate(instant: Date, timeZone: string): string {
  return formatter("date", timeZone).format(instant);
}

/**
 * Days from 1 January 1970 to a date written YYYY-MM-DD (years 1000 to 9999), counted in
 * whole numbers: the civil-date arithmetic of H. Hinnant's "chrono-compatible low-level date
 * algorithms", as a Date round trip costs ten times as much and a nudge sweep works out
 * hundreds of thousands of dates. An out-of-range day of the month runs on into the next
 * month, as Date.UTC does. Null for any other text.
 */
function dayNumber(isoDate: string): number | null {
  if (isoDate.length !== 10 || isoDate.charCodeAt(4) !== 45 || isoDate.charCodeAt(7) !== 45) return null;
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  const day = Number(isoDate.slice(8, 10));
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day) || year < 1000 || month < 1 || month > 12) return null;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The date (YYYY-MM-DD) a number of days after 1 January 1970 (dayNumber's inverse), or null outside years 1000 to 9999. */
function isoDateOf(days: number): string | null {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 1000 || year > 9999) return null;
  return `${year}-${month < 10 ? "0" : ""}${month}-${day < 10 ? "0" : ""}${day}`;
}

/** The date `days` days after an ISO date (before it when negative). Throws a RangeError for text that is not a date. */
export function addDays(isoDate: string, days: number): string {
  const start = Number.isInteger(days) ? dayNumber(isoDate) : null;
  const found = start === null ? null : isoDateOf(start + days);
  if (found !== null) return found;
  // Anything unusual is Date's to judge, as it always was.
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Whole days from a to b (positive when b is later); NaN when either is not a date. */
export function daysBetween(a: string, b: string): number {
  const from = dayNumber(a);
  const to = dayNumber(b);
  if (from !== null && to !== null) return to - from;
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "5 Sep 2011" */
export function shortDate(isoDate: string): string {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number];
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

/** "5 Sep 2011 14:02" in the given zone. */
export function shortDateTime(instant: Date, timeZone: string): string {
  const time = formatter("time", timeZone).format(instant);
  return `${shortDate(localDate(instant, timeZone))} ${time}`;
}
