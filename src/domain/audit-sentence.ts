import { daysBetween, localDate, shortDate, shortDateTime } from "./dates/calendar.ts";
import { describeDue, type DuePrecision } from "./dates/due-phrase.ts";
import { plural } from "./milestone-status.ts";
import type { AuditEntry } from "./model.ts";

/**
 * Every audit event as a sentence a partner can read, after the actor's name: "moved ATT-4.1
 * from 30 September 2011 to 14 October 2011", "snoozed ATT-4.1 for 7 days, until 7 Oct 2011 09:00:
 * waiting for the cluster data". Dates are the dates Curve understood, never the phrase typed;
 * times are in `timeZone`. An event Curve does not know still reads as a sentence, never a raw name.
 */
export function describeAuditEvent(entry: Pick<AuditEntry, "event" | "subjectRef" | "before" | "after" | "at">, timeZone: string): string {
  const after = record(entry.after);
  const before = record(entry.before);
  const ref = entry.subjectRef ?? "";
  const quoted = (value: unknown) => `"${String(value)}"`;
  switch (entry.event) {
    case "milestone.done":
      return `marked ${ref} done${after.evidence ? `: ${quoted(after.evidence)}` : ""}`;
    case "milestone.reopened":
      return `reopened ${ref}`;
    case "milestone.evidence":
      return `added evidence to ${ref}${after.evidence ? `: ${quoted(after.evidence)}` : ""}`;
    case "milestone.dated":
      return `moved ${ref} from ${dueWords(before)} to ${dueWords(after)}`;
    case "milestone.snoozed":
      return snoozeWords(ref, after, entry.at, timeZone);
    case "action.status":
      return `set ${ref} ${stateWords(after.state)}${after.note ? `: ${quoted(after.note)}` : ""}`;
    case "action.note":
      return `noted on ${ref}: ${quoted(after.text)}`;
    case "action.created":
      return `created ${ref}${after.title ? ` (${String(after.title)})` : ""}${after.owner ? `, owned by ${String(after.owner)}` : ""}${after.indicator ? `, from a turn-the-curve workshop on ${String(after.indicator)}` : ""}`;
    case "action.carried":
      return `carried ${String(after.fromRef ?? ref)} over from ${String(after.fromPlan ?? "the earlier plan")} into ${String(after.toPlan ?? "the new plan")} as ${ref}`;
    case "plan.refreshed":
      return `refreshed ${String(after.fromPlan ?? ref)} into ${ref}`;
    case "identity.linked":
      return `linked a ${platformWords(after.platform)} account to ${ref}`;
    case "priority.channel":
      return after.channel ? `set where ${ref} is announced` : `stopped announcing ${ref} in a channel`;
    case "person.settings":
      return `changed ${ref}'s settings (${Object.keys(after).map(settingWords).join(", ")})`;
    case "indicator.reading":
      return `recorded ${ref} ${after.value === null || after.value === undefined ? "not known" : String(after.value)} for ${String(after.period ?? "a period")}${
        entry.before ? `, replacing ${before.value === null || before.value === undefined ? "not known" : String(before.value)}` : ""
      }`;
    case "indicator.target":
      return `set ${ref}'s target to ${String(after.value)} by ${typeof after.dueDate === "string" ? shortDate(after.dueDate) : "a date"}${entry.before ? `, replacing ${String(before.value)}` : ""}`;
    case "indicator.forecast":
      return `set ${ref}'s forecast${Array.isArray(after.forecast) ? ` (${plural(after.forecast.length, "period")})` : ""}`;
    case "indicator.periodicity":
      return `set ${ref} to be reported ${after.periodicity === "academic_year" ? "by academic year" : String(after.periodicity ?? "as it comes")}`;
    case "indicator.owner":
      return `made ${String(after.owner)} the owner of ${ref}`;
    case "indicator.tolerance":
      return after.tolerance === null || after.tolerance === undefined ? `set ${ref}'s tolerance back to the default` : `set ${ref}'s tolerance to ${String(after.tolerance)}`;
    case "person.added":
      return `added ${ref} to the partnership`;
    case "person.role": {
      const role = String(after.role ?? "a role").replace(/_/g, " ");
      return after.on === false ? `took the ${role} role from ${ref}` : `made ${ref} ${/^[aeiou]/.test(role) ? "an" : "a"} ${role}`;
    }
    case "team.created":
      return `created the team ${ref}`;
    case "team.member_added":
      return `added ${String(after.person ?? "someone")} to ${ref}`;
    case "team.member_removed":
      return `took ${String(after.person ?? "someone")} off ${ref}`;
    case "oba.logged":
      return `logged a turn-the-curve workshop on ${ref}${typeof after.heldOn === "string" ? ` held ${shortDate(after.heldOn)}` : ""}`;
    case "oba.notes":
      return `added to the workshop notes on ${ref}`;
    case "pledge.created":
      return `created pledge ${ref}${after.title ? ` (${String(after.title)})` : ""}`;
    case "pledge.signed":
      return `signed pledge ${ref}`;
    case "pledge.signature_changed":
      return `changed their signature on pledge ${ref}`;
    case "pledge.withdrawn":
      return `withdrew from pledge ${ref}`;
    case "pledge.followup":
      return `answered the follow-up on pledge ${ref}${after.answer ? `: ${String(after.answer).replace(/_/g, " ")}` : ""}`;
  }
  const [subject = "record", verb = "changed"] = entry.event.split(".");
  const imported: Record<string, string> = { imported: "imported", import_updated: "updated by import", import_removed: "removed by import" };
  const noun = subject.replace(/_/g, " ");
  return imported[verb] ? `${imported[verb]} ${noun} ${ref}`.trim() : `changed ${noun} ${ref}`.trim();
}

const record = (value: unknown): Record<string, unknown> => (value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {});
const stateWords = (state: unknown) => String(state ?? "").replace(/_/g, " ");
const platformWords = (platform: unknown) => ({ slack: "Slack", teams: "Teams", shell: "shell" })[String(platform)] ?? "chat";
const settingWords = (column: string) =>
  ({ time_zone: "time zone", quiet_start_minute: "quiet hours", quiet_end_minute: "quiet hours", digest_weekday: "digest day", digest_minute: "digest time" })[column] ?? column.replace(/_/g, " ");

const PRECISIONS: readonly DuePrecision[] = ["day", "week", "month", "half_term", "term", "quarter", "season", "year", "range", "tbc"];

/** A due date as recorded in an audit event ({ due, start?, precision, phrase }): the period understood, and its last day. */
function dueWords(value: Record<string, unknown>): string {
  const due = typeof value.due === "string" ? value.due.slice(0, 10) : null;
  // "from to be agreed to …" misreads; TBC is how the plans themselves write it.
  if (!due) return "TBC";
  const precision = PRECISIONS.includes(value.precision as DuePrecision) ? (value.precision as DuePrecision) : "day";
  const start = typeof value.start === "string" ? value.start.slice(0, 10) : precision === "day" ? due : precision === "month" ? `${due.slice(0, 8)}01` : null;
  if (start === null) return shortDate(due);
  const label = describeDue({ precision, start, due });
  return precision === "day" ? label : `${label} (due ${shortDate(due)})`;
}

function snoozeWords(ref: string, after: Record<string, unknown>, at: Date, timeZone: string): string {
  const until = typeof after.snoozedUntil === "string" ? new Date(after.snoozedUntil) : null;
  const valid = until !== null && !Number.isNaN(until.getTime());
  const days = valid ? daysBetween(localDate(at, timeZone), localDate(until, timeZone)) : null;
  const length = days !== null && days > 0 ? ` for ${plural(days, "day")}` : "";
  const when = valid ? `, until ${shortDateTime(until, timeZone)}` : "";
  const count = typeof after.count === "number" && after.count > 1 ? ` (snooze ${after.count})` : "";
  return `snoozed ${ref}${length}${when}${after.reason ? `: "${String(after.reason)}"` : ""}${count}`;
}
