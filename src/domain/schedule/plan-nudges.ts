import { localDate } from "../dates/calendar.ts";
import { escalationDue, type EscalationLevel } from "./escalation.ts";
import { latestStage, type NudgeStage } from "./nudge-stages.ts";
import { isQuietTime, type QuietRules } from "./quiet-time.ts";

/** What a sweep knows, loaded in a fixed number of queries however many people there are. */
export interface SweepInput {
  now: Date;
  people: Map<number, QuietRules>;
  milestones: {
    id: number;
    dueDate: string | null;
    kind: "milestone" | "target";
    snoozedUntil: Date | null;
    snoozeCount: number;
    priorityId: number | null;
    ownerIds: number[];
  }[];
  /** "milestoneId:personId:stage:stageDate" for every stage already sent. */
  sent: Set<string>;
  overdueNudges: Map<number, number>;
  /** Milestone id -> the date (Europe/London) its owners were first nudged about it. */
  firstNudged: Map<number, string>;
  raised: Map<number, Partial<Record<EscalationLevel, string>>>;
  /** Priority id -> its leads and sponsors. */
  roles: Map<number, { lead: number[]; sponsor: number[] }>;
}

export interface NudgeItem {
  milestoneId: number;
  stage: NudgeStage;
  stageDate: string;
}

export interface EscalationItem {
  milestoneId: number;
  level: EscalationLevel;
  reason: string;
}

export interface SweepPlan {
  /** One message per person, listing all their items. */
  nudges: Map<number, NudgeItem[]>;
  escalations: Map<number, EscalationItem[]>;
  /** New escalation levels reached, each recorded once per milestone. */
  raised: EscalationItem[];
}

export const sentKey = (milestoneId: number, personId: number, stage: string, stageDate: string) => `${milestoneId}:${personId}:${stage}:${stageDate}`;

/**
 * Who should hear about what now. People in their quiet time are left out: their items
 * are still unsent, so the first sweep of their next working morning picks them up.
 */
export function planSweep(input: SweepInput): SweepPlan {
  const plan: SweepPlan = { nudges: new Map(), escalations: new Map(), raised: [] };
  const quiet = new Map<number, boolean>();
  const isQuiet = (personId: number) => {
    let value = quiet.get(personId);
    if (value === undefined) {
      const rules = input.people.get(personId);
      value = !rules || isQuietTime(input.now, rules);
      quiet.set(personId, value);
    }
    return value;
  };
  // Thousands of milestones share a few hundred due dates: work each stage out once.
  const stages = new Map<string, ReturnType<typeof latestStage>>();
  const stageOf = (dueDate: string | null, kind: "milestone" | "target", today: string) => {
    const key = `${dueDate}|${kind}|${today}`;
    if (!stages.has(key)) stages.set(key, latestStage({ dueDate, kind, done: false }, today));
    return stages.get(key)!;
  };
  const todays = new Map<string, string>();
  const todayIn = (timeZone: string) => {
    let today = todays.get(timeZone);
    if (!today) todays.set(timeZone, (today = localDate(input.now, timeZone)));
    return today;
  };
  const push = <T>(map: Map<number, T[]>, key: number, item: T) => {
    const list = map.get(key);
    if (list) list.push(item);
    else map.set(key, [item]);
  };

  for (const m of input.milestones) {
    // A snooze holds the owner's nudges; it does not hide the milestone from the lead.
    const snoozed = m.snoozedUntil !== null && m.snoozedUntil > input.now;
    for (const personId of snoozed ? [] : m.ownerIds) {
      if (isQuiet(personId)) continue;
      const reached = stageOf(m.dueDate, m.kind, todayIn(input.people.get(personId)!.timeZone));
      if (reached && !input.sent.has(sentKey(m.id, personId, reached.stage, reached.stageDate))) {
        push(plan.nudges, personId, { milestoneId: m.id, ...reached });
      }
    }
    if (m.priorityId === null || !m.dueDate) continue;
    // The partnership's calendar date decides escalation; London unless the owner says otherwise.
    const zone = input.people.get(m.ownerIds[0] ?? -1)?.timeZone ?? "Europe/London";
    const decision = escalationDue(
      {
        dueDate: m.dueDate,
        done: false,
        snoozeCount: m.snoozeCount,
        overdueNudges: input.overdueNudges.get(m.id) ?? 0,
        raised: input.raised.get(m.id) ?? {},
        firstNudged: input.firstNudged.get(m.id) ?? null,
      },
      todayIn(zone),
    );
    const recipients = decision ? (input.roles.get(m.priorityId)?.[decision.level] ?? []).filter((p) => !isQuiet(p)) : [];
    if (!decision || recipients.length === 0) continue;
    const item = { milestoneId: m.id, level: decision.level, reason: decision.reason };
    plan.raised.push(item);
    for (const personId of recipients) push(plan.escalations, personId, item);
  }
  return plan;
}
