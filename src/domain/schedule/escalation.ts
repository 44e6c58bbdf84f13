import { addDays, daysBetween } from "../dates/calendar.ts";

/**
 * When an overdue milestone is raised with the people above its owner: the priority's lead
 * first, then its CTB sponsors, each once per milestone.
 */
export type EscalationLevel = "lead" | "sponsor";

export const ESCALATION_RULES = {
  snoozes: 3,
  unansweredOverdueNudges: 2,
  daysOverdue: 14,
  /** How long the lead has before the sponsors are told. */
  daysBeforeSponsors: 7,
} as const;

export interface EscalationFacts {
  dueDate: string | null;
  done: boolean;
  snoozeCount: number;
  /** Overdue nudges already sent about it while it stayed open. */
  overdueNudges: number;
  /** Levels already raised, with the date each was. */
  raised: Partial<Record<EscalationLevel, string>>;
  /**
   * The date Curve first nudged an owner about it, or null if it never has. Days overdue
   * count from then at the earliest, so an item that fell due long before Curve came along
   * is not escalated on the first sweep: the owner gets their fair warning first.
   */
  firstNudged: string | null;
}

export interface EscalationDecision {
  level: EscalationLevel;
  reason: string;
}

/** Days from the due date to `today` (ISO dates); 0 with no due date. */
function daysOverdue(facts: EscalationFacts, today: string): number {
  return facts.dueDate ? daysBetween(facts.dueDate, today) : 0;
}

export function escalationDue(facts: EscalationFacts, today: string): EscalationDecision | null {
  if (facts.done) return null;
  // A sweep asks this of every open milestone and almost all answer no: each count of days is
  // worked out only when the rule before it has not decided.
  let reason: string | null = null;
  if (facts.snoozeCount >= ESCALATION_RULES.snoozes) reason = `snoozed ${facts.snoozeCount} times`;
  else if (facts.overdueNudges >= ESCALATION_RULES.unansweredOverdueNudges && daysOverdue(facts, today) > 0) reason = `${facts.overdueNudges} overdue reminders unanswered`;
  else {
    // Overdue since the later of the due date and the first nudge: what the owner was warned of.
    const counted = facts.dueDate && facts.firstNudged ? daysBetween(facts.firstNudged > facts.dueDate ? facts.firstNudged : facts.dueDate, today) : 0;
    if (counted >= ESCALATION_RULES.daysOverdue) {
      const overdue = daysOverdue(facts, today);
      reason = counted === overdue ? `${overdue} days overdue` : `${overdue} days overdue, ${counted} days since Curve first reminded the owner`;
    }
  }
  if (!reason) return null;
  if (!facts.raised.lead) return { level: "lead", reason };
  if (!facts.raised.sponsor && daysBetween(facts.raised.lead, today) >= ESCALATION_RULES.daysBeforeSponsors) {
    return { level: "sponsor", reason: `${reason}, and still open a week after the lead was told` };
  }
  return null;
}

/**
 * The first date after `today` (ISO dates) on which escalationDue answers for these facts as
 * they stand, or null if it never will (done, every level raised, or no rule can ever hold).
 * Each rule's reason, once it holds, holds on every later day, so this is the later of the
 * day a reason first holds and the day the next level may be raised: worked out, not tried
 * day by day (a sweep asks it of every milestone it finds nothing owed about). Agrees with
 * escalationDue (test/unit/nudge-rests.test.ts tries it against every day of two months).
 */
export function nextEscalationDate(facts: EscalationFacts, today: string): string | null {
  if (facts.done || (facts.raised.lead && facts.raised.sponsor)) return null;
  const tomorrow = addDays(today, 1);
  const starts: string[] = [];
  if (facts.snoozeCount >= ESCALATION_RULES.snoozes) starts.push(tomorrow);
  if (facts.dueDate && facts.overdueNudges >= ESCALATION_RULES.unansweredOverdueNudges) starts.push(addDays(facts.dueDate, 1));
  if (facts.dueDate && facts.firstNudged) starts.push(addDays(facts.firstNudged > facts.dueDate ? facts.firstNudged : facts.dueDate, ESCALATION_RULES.daysOverdue));
  if (starts.length === 0) return null;
  let first = starts.reduce((a, b) => (a < b ? a : b));
  if (facts.raised.lead) {
    const sponsorsFrom = addDays(facts.raised.lead, ESCALATION_RULES.daysBeforeSponsors);
    if (sponsorsFrom > first) first = sponsorsFrom;
  }
  return first > today ? first : tomorrow;
}
