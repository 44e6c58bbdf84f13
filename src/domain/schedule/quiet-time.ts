import { isWorkingDay, nextWorkingDay, type Region } from "./bank-holidays.ts";
import { instantAt, localMoment } from "./zoned-time.ts";

/** When a person does not want messages: their quiet hours, weekends and bank holidays. */
export interface QuietRules {
  timeZone: string;
  /** Minutes after local midnight; 18:00 to 08:00 by default. Equal values mean no quiet hours. */
  quietStartMinute: number;
  quietEndMinute: number;
  /** Whose bank holidays count: the person's region, else their partnership's; England and Wales by default. */
  region?: Region;
}

export const DEFAULT_QUIET: Omit<QuietRules, "timeZone"> = { quietStartMinute: 18 * 60, quietEndMinute: 8 * 60 };

function inQuietHours(minute: number, rules: QuietRules): boolean {
  const { quietStartMinute: start, quietEndMinute: end } = rules;
  if (start === end) return false;
  // A window that wraps midnight (18:00 to 08:00) is two ranges.
  return start > end ? minute >= start || minute < end : minute >= start && minute < end;
}

export function isQuietTime(instant: Date, rules: QuietRules): boolean {
  const local = localMoment(instant, rules.timeZone);
  return !isWorkingDay(local.date, rules.region) || inQuietHours(local.minute, rules);
}

/** The instant itself when a message may go now; otherwise the start of the next working morning. */
export function nextSendableInstant(instant: Date, rules: QuietRules): Date {
  if (!isQuietTime(instant, rules)) return instant;
  const local = localMoment(instant, rules.timeZone);
  const morning = rules.quietStartMinute === rules.quietEndMinute ? 0 : rules.quietEndMinute;
  const date = isWorkingDay(local.date, rules.region) && local.minute < morning ? local.date : nextWorkingDay(local.date, rules.region);
  return instantAt(date, morning, rules.timeZone);
}
