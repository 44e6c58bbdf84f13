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
  /**
   * People whose items could not be worked out (a time zone or date Curve cannot read),
   * with why. Everyone else's nudges still go; these are recorded for a coordinator.
   */
  failures: Map<number, string>;
}

export const sentKey = (milestoneId: number, personId: number, stage: string, stageDate: string) => `${milestoneId}:${personId}:${stage}:${stageDate}`;

/**
 * Who should hear about what now. People in their quiet time are left out: their items
 * are still unsent, so the first sweep of their next working morning picks them up.
 */
export function planSweep(input: SweepInput): SweepPlan {
  const plan: SweepPlan = { nudges: new Map(), escalations: new Map(), raised: [], failures: new Map() };
  const failed = (personId: number, error: unknown) => {
    if (!plan.failures.has(personId)) plan.failures.set(personId, error instanceof Error ? error.message : String(error));
  };
  const quiet = new Map<number, boolean>();
  const isQuiet = (personId: number) => {
    let value = quiet.get(personId);
    if (value === undefined) {
      const rules = input.people.get(personId);
      try {
        value = !rules || isQuietTime(input.now, rules);
      } catch (error) {
        failed(personId, error);
        value = true;
      }
      quiet.set(personId, value);
    }
    return value;
  };
  // Thousands of milestones share a few hundred due dates: work each stage out once.
  const stages = new Map<string, ReturnType<typeof latestStage>>();
  const stageOf = (dueDate: string | null, kind: "milestone" | "target", today: string, region: QuietRules["region"]) => {
    const key = `${dueDate}|${kind}|${today}|${region ?? ""}`;
    if (!stages.has(key)) stages.set(key, latestStage({ dueDate, kind, done: false }, today, region));
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
      try {
        const rules = input.people.get(personId)!;
        const reached = stageOf(m.dueDate, m.kind, todayIn(rules.timeZone), rules.region);
        if (reached && !input.sent.has(sentKey(m.id, personId, reached.stage, reached.stageDate))) {
          push(plan.nudges, personId, { milestoneId: m.id, ...reached });
        }
      } catch (error) {
        // One person's unreadable data never stops the sweep for the others.
        failed(personId, error);
      }
    }
    if (m.priorityId === null || !m.dueDate) continue;
    // The partnership's calendar date decides escalation; London unless the owner says otherwise.
    const zone = input.people.get(m.ownerIds[0] ?? -1)?.timeZone ?? "Europe/London";
    let today: string;
    try {
      today = todayIn(zone);
    } catch (error) {
      failed(m.ownerIds[0] ?? -1, error);
      continue;
    }
    const decision = escalationDue(
      {
        dueDate: m.dueDate,
        done: false,
        snoozeCount: m.snoozeCount,
        overdueNudges: input.overdueNudges.get(m.id) ?? 0,
        raised: input.raised.get(m.id) ?? {},
        firstNudged: input.firstNudged.get(m.id) ?? null,
      },
      today,
    );
    const recipients = decision ? (input.roles.get(m.priorityId)?.[decision.level] ?? []).filter((p) => !isQuiet(p)) : [];
    if (!decision || recipients.length === 0) continue;
    const item = { milestoneId: m.id, level: decision.level, reason: decision.reason };
    plan.raised.push(item);
    for (const personId of recipients) push(plan.escalations, personId, item);
  }
  return plan;
}
