import { addDays, localDate } from "../dates/calendar.ts";

/** Local wall-clock facts of an instant in a time zone: the rules work on these, not on UTC. */
export interface LocalMoment {
  date: string;
  /** Minutes after local midnight. */
  minute: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const clocks = new Map<string, Intl.DateTimeFormat>();
function clock(timeZone: string): Intl.DateTimeFormat {
  let found = clocks.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    clocks.set(timeZone, found);
  }
  return found;
}

export function localMoment(instant: Date, timeZone: string): LocalMoment {
  const date = localDate(instant, timeZone);
  const [hour, minute] = clock(timeZone).format(instant).split(":").map(Number) as [number, number];
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return { date, minute: hour * 60 + minute, weekday: day === 0 ? 7 : day };
}

/**
 * The instant a local date and time happen in a zone. When the clocks go forward the
 * missing hour does not exist: the first instant after it is used. When they go back,
 * the first of the two is used. Either way a schedule neither skips nor doubles.
 */
export function instantAt(date: string, minute: number, timeZone: string): Date {
  const wanted = Date.parse(`${date}T00:00:00Z`) + minute * 60_000;
  // Guess with the zone's offset, then correct once for an offset change in between.
  let guess = wanted;
  for (let i = 0; i < 3; i++) {
    const local = localMoment(new Date(guess), timeZone);
    const seen = Date.parse(`${local.date}T00:00:00Z`) + local.minute * 60_000;
    if (seen === wanted) {
      // When the clocks go back the same local time happens twice: prefer the earlier.
      for (const back of [3_600_000, 1_800_000]) {
        const earlier = localMoment(new Date(guess - back), timeZone);
        if (Date.parse(`${earlier.date}T00:00:00Z`) + earlier.minute * 60_000 === wanted) return new Date(guess - back);
      }
      return new Date(guess);
    }
    guess += wanted - seen;
  }
  // In a spring-forward gap: take the first minute after it.
  for (let probe = guess - 3 * 3_600_000; probe <= guess + 3 * 3_600_000; probe += 60_000) {
    const local = localMoment(new Date(probe), timeZone);
    if (local.date > date || (local.date === date && local.minute >= minute)) return new Date(probe);
  }
  return new Date(guess);
}

/** Monday of the ISO week a date is in. */
export function weekStart(date: string): string {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((day + 6) % 7));
}
