import { addDays } from "../dates/calendar.ts";
import { isWorkingDay, type Region } from "./bank-holidays.ts";

/**
 * The day of the ISO week starting `week` (a Monday, ISO date) on which a weekly digest chosen
 * for `weekday` (1 = Monday … 7 = Sunday) is written: that day, or when it is a bank holiday in
 * `region`, the next working day of the same week. Null when the rest of the week has none (a
 * Good Friday digest): the next week's digest covers both, as it counts from the last one sent.
 * A Saturday or Sunday someone chose is kept: written then, it goes on their next working
 * morning, as they asked.
 */
export function digestDay(week: string, weekday: number, region?: Region): string | null {
  if (weekday >= 6) return addDays(week, weekday - 1);
  for (let day = weekday; day <= 5; day++) {
    const date = addDays(week, day - 1);
    if (isWorkingDay(date, region)) return date;
  }
  return null;
}
