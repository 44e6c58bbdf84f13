import { escalationRecipients, nudgeRecipients, type Hearer, type HearingStanding, type MilestoneParties } from "../access.ts";
import { addDays, localDate } from "../dates/calendar.ts";
import { escalationDue, nextEscalationDate, type EscalationFacts, type EscalationLevel } from "./escalation.ts";
import { latestStage, type NudgeStage, type NudgeableMilestone } from "./nudge-stages.ts";
import { isQuietTime, type QuietRules } from "./quiet-time.ts";
import { instantAt } from "./zoned-time.ts";

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
    /** People named as its action's owners. */
    ownerIds: number[];
    /** Members of the teams named as its action's owners. */
    teamMemberIds: number[];
  }[];
  /** "milestoneId:personId:stage:stageDate" for every stage already sent. */
  sent: Set<string>;
  overdueNudges: Map<number, number>;
  /** Milestone id -> the date (Europe/London) its owners were first nudged about it. */
  firstNudged: Map<number, string>;
  raised: Map<number, Partial<Record<EscalationLevel, string>>>;
  /** Priority id -> its leads and sponsors. */
  roles: Map<number, { lead: number[]; sponsor: number[] }>;
  /** The partnership's coordinators: who hears when a priority has no lead. */
  coordinatorIds: number[];
}

export interface NudgeItem {
  milestoneId: number;
  stage: NudgeStage;
  stageDate: string;
  /** Why this person hears of it: owner, team member, or (for nobody's work) lead or coordinator. */
  because: HearingStanding;
}

export interface RaisedEscalation {
  milestoneId: number;
  level: EscalationLevel;
  reason: string;
}

export interface EscalationItem extends RaisedEscalation {
  /** Why this person is told: lead, sponsor, or coordinator when the priority has no lead. */
  because: HearingStanding;
}

/** Everything one person hears in one sweep, sent as one message. */
export interface PersonItems {
  nudges: NudgeItem[];
  escalations: EscalationItem[];
}

/**
 * A milestone a sweep found nothing owed about, and the instant before which nothing can
 * be, as things stand: no nudge stage and no escalation level is reached sooner, for any of
 * the people who would hear of it. Later sweeps need not read it before `until`, unless what
 * the rest was worked out from changes (its due date, kind or snoozes; who would hear of it;
 * the bank holidays).
 */
export interface MilestoneRest {
  milestone: SweepMilestone;
  until: Date;
}

/** How far ahead a rest looks: a rest ends this many days on at the latest, and is worked out again. */
export const REST_HORIZON_DAYS = 8;

export interface SweepPlan {
  /** One message per person: their nudges, their teams' items and their escalations together. */
  messages: Map<number, PersonItems>;
  /** The milestones with nothing owed, in milestone order, and until when (see MilestoneRest). */
  rests: MilestoneRest[];
  /** New escalation levels reached, each recorded once per milestone. */
  raised: RaisedEscalation[];
  /**
   * People whose items could not be worked out (a time zone or date Curve cannot read),
   * with why. Everyone else's nudges still go; these are recorded for a coordinator.
   */
  failures: Map<number, string>;
}

/** A stage sent, as `SweepInput.sent` holds it (adapters/db/milestone-nudges.ts writes the same text in SQL). */
export const sentKey = (milestoneId: number, personId: number, stage: string, stageDate: string) => `${milestoneId}:${personId}:${stage}:${stageDate}`;

/**
 * Who should hear about what now. People in their quiet time are left out of nudges: their
 * items are still unsent, so the first sweep of their next working morning picks them up. An
 * escalation, raised once per level, is the exception: raised when someone at its level may
 * hear it, it is in the message of everyone at that level, quiet or not (the outbox holds a
 * quiet person's message until their morning).
 */
export function planSweep(input: SweepInput): SweepPlan {
  const planner = sweepPlanner(input);
  planner.add(input.milestones);
  return planner.plan;
}

/** One open milestone as a sweep reads it. */
export type SweepMilestone = SweepInput["milestones"][number];

/**
 * A sweep's input but its milestones: what must be known before any milestone is planned.
 * `overdueNudges` and `firstNudged` need only hold each milestone's entry by the time the
 * milestone is planned (a sweep reading milestones in batches fills them batch by batch).
 */
export type SweepFacts = Omit<SweepInput, "milestones">;

/** A sweep planned a batch of milestones at a time (see sweepPlanner). */
export interface SweepPlanner {
  /** The plan so far: after the last batch, planSweep's plan over every batch in order. */
  plan: SweepPlan;
  /** Plans these milestones into `plan`. */
  add(milestones: readonly SweepMilestone[]): void;
}

/**
 * The work of planSweep, milestone by milestone: `add` plans some milestones into `plan`,
 * keeping what it has worked out (who is quiet, each due date's stage, each time zone's
 * date) for the next call. A sweep hands it each batch of milestones as the batch is read,
 * so a city's milestones are never all held at once.
 */
export function sweepPlanner(input: SweepFacts): SweepPlanner {
  const plan: SweepPlan = { messages: new Map(), rests: [], raised: [], failures: new Map() };
  const failed = (personId: number, error: unknown) => {
    if (!plan.failures.has(personId)) plan.failures.set(personId, error instanceof Error ? error.message : String(error));
  };
  const quietAt = quietJudge(input.now);
  const quiet = new Map<number, boolean>();
  const isQuiet = (personId: number) => {
    let value = quiet.get(personId);
    if (value === undefined) {
      const rules = input.people.get(personId);
      if (!rules) value = true;
      else {
        const known = quietAt(rules);
        if (typeof known === "boolean") value = known;
        else {
          failed(personId, known.error);
          value = true;
        }
      }
      quiet.set(personId, value);
    }
    return value;
  };
  // Thousands of milestones share a few hundred due dates, and people a few calendars (their
  // date today and their region's bank holidays): each stage is worked out once per calendar,
  // and each person's calendar once.
  type Stages = Map<string | null, ReturnType<typeof latestStage>>;
  type Changes = Map<string | null, string>;
  type Calendar = { today: string; region: QuietRules["region"]; milestone: Stages; target: Stages; changes: { milestone: Changes; target: Changes } };
  const calendars = new Map<string, Calendar>();
  const todays = new Map<string, string>();
  const todayIn = (timeZone: string) => {
    let today = todays.get(timeZone);
    if (!today) todays.set(timeZone, (today = localDate(input.now, timeZone)));
    return today;
  };
  const calendarOf = new Map<number, Calendar>();
  const calendarFor = (personId: number) => {
    let calendar = calendarOf.get(personId);
    if (!calendar) {
      const rules = input.people.get(personId)!;
      const today = todayIn(rules.timeZone);
      const key = `${today}|${rules.region ?? ""}`;
      calendar = calendars.get(key);
      if (!calendar) calendars.set(key, (calendar = { today, region: rules.region, milestone: new Map(), target: new Map(), changes: { milestone: new Map(), target: new Map() } }));
      calendarOf.set(personId, calendar);
    }
    return calendar;
  };
  const stageFor = (personId: number, dueDate: string | null, kind: "milestone" | "target") => {
    const calendar = calendarFor(personId);
    const stages = calendar[kind];
    let reached = stages.get(dueDate);
    if (reached === undefined) stages.set(dueDate, (reached = latestStage({ dueDate, kind, done: false }, calendar.today, calendar.region)));
    return reached;
  };
  // The first date after today on which a person's latest stage of a milestone changes, once per calendar, kind and due date.
  const stageChangeFor = (personId: number, dueDate: string | null, kind: "milestone" | "target") => {
    const calendar = calendarFor(personId);
    const changes = calendar.changes[kind];
    let on = changes.get(dueDate);
    if (on === undefined) changes.set(dueDate, (on = nextStageChange({ dueDate, kind, done: false }, calendar.today, calendar.region)));
    return on;
  };
  // The first instant of a local date in a zone, once per date and zone.
  const midnights = new Map<string, Map<string, number>>();
  const midnightOf = (date: string, timeZone: string) => {
    let zone = midnights.get(timeZone);
    if (!zone) midnights.set(timeZone, (zone = new Map()));
    let at = zone.get(date);
    if (at === undefined) zone.set(date, (at = instantAt(date, 0, timeZone).getTime()));
    return at;
  };
  // An action's milestones share its owners (the same lists, as loaded) and priority: who is
  // nudged about them is worked out once per action.
  const recipientsOf = new WeakMap<readonly number[], { teamMemberIds: readonly number[]; priorityId: number | null; parties: MilestoneParties; nudged: Hearer[] }>();
  const itemsOf = (personId: number) => {
    let items = plan.messages.get(personId);
    if (!items) plan.messages.set(personId, (items = { nudges: [], escalations: [] }));
    return items;
  };

  const add = (milestones: readonly SweepMilestone[]) => {
    for (const m of milestones) {
      let known = recipientsOf.get(m.ownerIds);
      if (!known || known.teamMemberIds !== m.teamMemberIds || known.priorityId !== m.priorityId) {
        const roles = m.priorityId === null ? undefined : input.roles.get(m.priorityId);
        const parties: MilestoneParties = {
          ownerIds: m.ownerIds,
          teamMemberIds: m.teamMemberIds,
          leadIds: roles?.lead ?? [],
          sponsorIds: roles?.sponsor ?? [],
          coordinatorIds: input.coordinatorIds,
        };
        known = { teamMemberIds: m.teamMemberIds, priorityId: m.priorityId, parties, nudged: nudgeRecipients(parties) };
        recipientsOf.set(m.ownerIds, known);
      }
      const { parties, nudged } = known;
      // A snooze holds the nudges; it does not hide the milestone from the lead. Something is
      // owed while it is snoozed, or while anyone who would hear of it is quiet, cannot be
      // worked out, or has not yet heard of its latest stage.
      const snoozed = m.snoozedUntil !== null && m.snoozedUntil > input.now;
      let owed = snoozed;
      let until = Number.POSITIVE_INFINITY;
      for (const { personId, because } of snoozed ? [] : nudged) {
        if (isQuiet(personId)) {
          owed = true;
          continue;
        }
        try {
          const reached = stageFor(personId, m.dueDate, m.kind);
          if (reached && !input.sent.has(sentKey(m.id, personId, reached.stage, reached.stageDate))) {
            itemsOf(personId).nudges.push({ milestoneId: m.id, ...reached, because });
            owed = true;
          } else if (!owed) {
            until = Math.min(until, midnightOf(stageChangeFor(personId, m.dueDate, m.kind), input.people.get(personId)!.timeZone));
          }
        } catch (error) {
          // One person's unreadable data never stops the sweep for the others.
          failed(personId, error);
          owed = true;
        }
      }
      // The partnership's calendar date decides escalation; London unless the first person nudged says otherwise.
      const first = nudged[0]?.personId ?? -1;
      const zone = input.people.get(first)?.timeZone ?? "Europe/London";
      let today: string;
      try {
        today = todayIn(zone);
      } catch (error) {
        failed(first, error);
        continue;
      }
      const facts: EscalationFacts | null = m.dueDate
        ? {
            dueDate: m.dueDate,
            done: false,
            snoozeCount: m.snoozeCount,
            overdueNudges: input.overdueNudges.get(m.id) ?? 0,
            raised: input.raised.get(m.id) ?? {},
            firstNudged: input.firstNudged.get(m.id) ?? null,
          }
        : null;
      const decision = facts ? escalationDue(facts, today) : null;
      if (!decision) {
        if (!owed) {
          const horizon = addDays(today, REST_HORIZON_DAYS);
          const escalates = facts && nextEscalationDate(facts, today);
          plan.rests.push({ milestone: m, until: new Date(Math.min(until, midnightOf(escalates && escalates < horizon ? escalates : horizon, zone))) });
        }
        continue;
      }
      // A level is raised once, so it must reach everyone at that level: it is raised when one of
      // them may hear it now, and those in their quiet time (another region's bank holiday, another
      // zone's night) get it too, held in the outbox until their next working morning (the
      // delivery worker's quiet rule). Left out, they would never hear of it.
      const recipients = escalationRecipients(decision.level, parties);
      const awake = recipients.filter((h) => !isQuiet(h.personId));
      if (awake.length === 0) continue;
      const raised = { milestoneId: m.id, level: decision.level, reason: decision.reason };
      plan.raised.push(raised);
      // Not those with no readable rules: their failure is recorded instead (plan.failures).
      const told = recipients.filter((h) => input.people.has(h.personId) && !plan.failures.has(h.personId));
      for (const { personId, because } of told) itemsOf(personId).escalations.push({ ...raised, because });
    }
  };
  return { plan, add };
}

/**
 * The first date after `today` (ISO dates, the person's local calendar) on which the latest
 * stage of `milestone` (latestStage) is another, or `today` + REST_HORIZON_DAYS if none is
 * sooner.
 */
export function nextStageChange(milestone: NudgeableMilestone, today: string, region?: QuietRules["region"]): string {
  const now = latestStage(milestone, today, region);
  for (let days = 1; days < REST_HORIZON_DAYS; days++) {
    const date = addDays(today, days);
    const then = latestStage(milestone, date, region);
    if (then?.stage !== now?.stage || then?.stageDate !== now?.stageDate) return date;
  }
  return addDays(today, REST_HORIZON_DAYS);
}

/**
 * planSweep over the milestones `size` at a time, awaiting `pause()` between slices, so a
 * sweep of many thousands never holds its thread for long (the caller's pause is, say, a
 * turn of the event loop). The plan is planSweep's over all the milestones at once: each
 * person's items in milestone order, escalations raised in milestone order, and a person's
 * first failure kept.
 */
export async function planSweepInSlices(input: SweepInput, size: number, pause: () => Promise<void>): Promise<SweepPlan> {
  const planner = sweepPlanner(input);
  for (let i = 0; i < input.milestones.length; i += size) {
    if (i > 0) await pause();
    planner.add(input.milestones.slice(i, i + size));
  }
  return planner.plan;
}

/**
 * Whether anyone of these may hear anything at `now`: someone outside their quiet time, or
 * someone whose rules cannot be read (the sweep must run to record why). When nobody may,
 * a sweep has nothing to send and need read nothing more.
 */
export function someoneMayHear(rules: Iterable<QuietRules>, now: Date): boolean {
  const quietAt = quietJudge(now);
  for (const r of rules) if (quietAt(r) !== true) return true;
  return false;
}

/**
 * Whether rules are in quiet time at `now` (isQuietTime), or the error that says they cannot
 * be read. Most people share a handful of rules (zone, quiet hours, region), so each set is
 * judged once: judged per person, 20,000 people held the thread for over 100 ms.
 */
function quietJudge(now: Date): (rules: QuietRules) => boolean | { error: unknown } {
  const byRules = new Map<string, boolean | { error: unknown }>();
  return (rules) => {
    const key = `${rules.timeZone}|${rules.quietStartMinute}|${rules.quietEndMinute}|${rules.region ?? ""}`;
    let known = byRules.get(key);
    if (known === undefined) {
      try {
        known = isQuietTime(now, rules);
      } catch (error) {
        known = { error };
      }
      byRules.set(key, known);
    }
    return known;
  };
}
