/**
 * Refreshing a plan into its successor (seed 003: CYPP 2011-15 became CYPP 2015-19): the new
 * plan's period and title, and the sentence that refuses a change to the closed plan. Pure.
 */

/** A new plan's period as ISO dates, e.g. { start: "2015-04-01", end: "2019-03-31" }. */
export interface PlanPeriod {
  label: string;
  start: string;
  end: string;
}

/**
 * Reads a period such as "2015-19", "2015-2019" or "2015/19" as years running from the old
 * plan's own start day: a plan that started on 1 April (financial years, as the CYPP did)
 * gives 1 Apr 2015 – 31 Mar 2019; one that started on 1 January gives calendar years,
 * 1 Jan 2015 – 31 Dec 2019. With no old start, financial years. Null when it is not a period
 * of one to ten years.
 */
export function readPlanPeriod(text: string, oldStart: string | null): PlanPeriod | null {
  const match = /^(\d{4})\s*[-–/]\s*(\d{2}|\d{4})$/.exec(text.trim());
  if (!match) return null;
  const first = Number(match[1]);
  let last = Number(match[2]);
  if (match[2]!.length === 2) last = Math.floor(first / 100) * 100 + last + (last < first % 100 ? 100 : 0);
  if (last <= first || last - first > 10) return null;
  const monthDay = oldStart ? oldStart.slice(5) : "04-01";
  const label = `${first}-${String(last).slice(2)}`;
  if (monthDay === "01-01") return { label, start: `${first}-01-01`, end: `${last}-12-31` };
  const start = `${first}-${monthDay}`;
  const dayBefore = new Date(Date.UTC(last, Number(monthDay.slice(0, 2)) - 1, Number(monthDay.slice(3)) - 1));
  return { label, start, end: dayBefore.toISOString().slice(0, 10) };
}

/**
 * Why `period` cannot follow a plan that ran `old` (ISO dates; either end may be unknown):
 * a successor carries the plan's open work forward, so it must end after the old plan ends
 * and not start before the old plan started (seed 003: CYPP 2011-15, then 2015-19). Null when it can.
 */
export function successorPeriodProblem(old: { title: string; start: string | null; end: string | null }, period: PlanPeriod): string | null {
  const day = (iso: string) => new Date(`${iso}T00:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  if (old.end && period.end <= old.end) {
    return `${period.label} ends on ${day(period.end)}, no later than ${old.title} (${day(old.end)}): the plan that replaces it must run on after it, e.g. --period ${Number(old.end.slice(0, 4))}-${String(Number(old.end.slice(0, 4)) + 4).slice(2)}.`;
  }
  if (old.start && period.start < old.start) return `${period.label} starts on ${day(period.start)}, before ${old.title} began (${day(old.start)}): give the years the new plan runs.`;
  return null;
}

/** "Children and Young People's Plan 2011-15" → "… 2015-19": the old period swapped, or the new one added. */
export function refreshedTitle(oldTitle: string, period: PlanPeriod): string {
  const swapped = oldTitle.replace(/\b\d{4}\s*[-–/]\s*(\d{2}|\d{4})\b/, period.label);
  return swapped !== oldTitle ? swapped : `${oldTitle} ${period.label}`;
}

/** A refreshed plan: its title, the ISO date it closed, and the key of the plan it was refreshed into. */
export interface ClosedPlan {
  title: string;
  closedOn: string;
  into: string;
}

/** What an action needs to say whether its plan is closed, and where its work went. */
export interface ClosedPlanSubject {
  ref: string;
  closedPlan: (ClosedPlan & { carriedRef: string | null }) | null;
}

/** "CYPP 2011-15 was refreshed into cypp-2015-19 on 1 Apr 2015". */
export function refreshedWords(closed: ClosedPlan): string {
  const on = new Date(`${closed.closedOn}T12:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  return `${closed.title} was refreshed into ${closed.into} on ${on}`;
}

/**
 * The one sentence that refuses a change to a refreshed plan's action, or null when its plan
 * is open: "CYPP 2011-15 was refreshed into cypp-2015-19 on 1 Apr 2015; ATT-4 is carried over
 * as ATT-4 there." (`closedOn` is an ISO date.)
 */
export function closedPlanRefusal(subject: ClosedPlanSubject): string | null {
  const closed = subject.closedPlan;
  if (!closed) return null;
  const where = closed.carriedRef
    ? `${subject.ref} is carried over as ${closed.carriedRef} there.`
    : `${subject.ref} was not carried over (it was done or dropped).`;
  return `${refreshedWords(closed)}; ${where}`;
}
