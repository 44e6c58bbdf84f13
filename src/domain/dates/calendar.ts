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

export function addDays(isoDate: string, days: number): string {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Whole days from a to b (positive when b is later). */
export function daysBetween(a: string, b: string): number {
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
