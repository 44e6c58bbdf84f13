import { daysBetween } from "../dates/calendar.ts";

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
}

export interface EscalationDecision {
  level: EscalationLevel;
  reason: string;
}

export function escalationDue(facts: EscalationFacts, today: string): EscalationDecision | null {
  if (facts.done) return null;
  const overdue = facts.dueDate ? daysBetween(facts.dueDate, today) : 0;
  const reason =
    facts.snoozeCount >= ESCALATION_RULES.snoozes
      ? `snoozed ${facts.snoozeCount} times`
      : facts.overdueNudges >= ESCALATION_RULES.unansweredOverdueNudges && overdue > 0
        ? `${facts.overdueNudges} overdue reminders unanswered`
        : overdue >= ESCALATION_RULES.daysOverdue
          ? `${overdue} days overdue`
          : null;
  if (!reason) return null;
  if (!facts.raised.lead) return { level: "lead", reason };
  if (!facts.raised.sponsor && daysBetween(facts.raised.lead, today) >= ESCALATION_RULES.daysBeforeSponsors) {
    return { level: "sponsor", reason: `${reason}, and still open a week after the lead was told` };
  }
  return null;
}
