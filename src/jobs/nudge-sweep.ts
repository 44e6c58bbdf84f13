import type { HearingStanding } from "../domain/access.ts";
import { planSweepInSlices, someoneMayHear, sweepPlanner, type SweepPlan, type SweepPlanner } from "../domain/schedule/plan-nudges.ts";
import type { EscalationLevel } from "../domain/schedule/escalation.ts";
import type { NudgeStage } from "../domain/schedule/nudge-stages.ts";
import { currentCalendar } from "../domain/schedule/bank-holidays.ts";
import type { NudgeMessage, NudgeSweepStore, RestBasis } from "./ports.ts";
import { inTimedSlices, nextTurn, pacer, sortInTurns } from "./turns.ts";

/** One item of a person's message, and why it reaches them. */
export type PlannedItem =
  | { ref: string; kind: "nudge"; stage: NudgeStage; because: HearingStanding }
  | { ref: string; kind: "escalation"; level: EscalationLevel; reason: string; because: HearingStanding };

/**
 * One person's message from one sweep: their own nudges, their teams' items, and what is
 * raised with them as a lead, sponsor or coordinator, together. `refs` lists every item's
 * milestone ref once.
 */
export interface PlannedDelivery {
  key: string;
  personId: number;
  person: string;
  kind: "nudge";
  refs: string[];
  items: PlannedItem[];
}

export interface SweepReport {
  deliveries: PlannedDelivery[];
}

/** Milestones planned between two looks at the clock by a preview (see pacer). */
const PREVIEW_SLICE = 20;

/** A sweep's deliveries are keyed to its 15-minute slot: running it twice adds nothing. */
export const sweepSlot = (now: Date): string => new Date(Math.floor(now.getTime() / 900_000) * 900_000).toISOString();

// Names sorted as people read them; one collator, as comparing with localeCompare builds one each time.
const byName = new Intl.Collator("en-GB");

/** Each person's message from a plan, in name order, made and sorted with turns of the event loop as time passes (inTimedSlices, sortInTurns). */
async function describe(plan: SweepPlan, slot: string, refs: Map<number, string>, names: Map<number, string>): Promise<PlannedDelivery[]> {
  const out: PlannedDelivery[] = [];
  await inTimedSlices(
    [...plan.messages],
    (slice) => {
      for (const [personId, { nudges, escalations }] of slice) {
        const items: PlannedItem[] = [
          ...nudges.map((i) => ({ ref: refs.get(i.milestoneId) ?? "", kind: "nudge" as const, stage: i.stage, because: i.because })),
          ...escalations.map((i) => ({ ref: refs.get(i.milestoneId) ?? "", kind: "escalation" as const, level: i.level, reason: i.reason, because: i.because })),
        ];
        out.push({ key: `nudge:person:${personId}:${slot}`, personId, person: names.get(personId) ?? "", kind: "nudge", refs: [...new Set(items.map((i) => i.ref))], items });
      }
    },
    100,
  );
  await nextTurn();
  return sortInTurns(out, (a, b) => byName.compare(a.person, b.person) || a.personId - b.personId);
}

/**
 * The outbox row's kind. A message that raises something stays in the person's chat as a
 * record: it is stored as "escalation", which neither replaces their last nudge nor is
 * replaced by the next; a message of nudges alone replaces their last nudge in place.
 */
const rowKind = (d: PlannedDelivery): "nudge" | "escalation" => (d.items.some((i) => i.kind === "escalation") ? "escalation" : "nudge");

/**
 * Each planned message as its outbox row, with the stages it carries (enqueueNudges), made a
 * slice at a time: 20,000 people's in one go, with the first statement built after, held the
 * thread for 50 ms.
 */
async function messagesOf(plan: SweepPlan, planned: readonly PlannedDelivery[], partnershipId: number, now: Date): Promise<NudgeMessage[]> {
  const messages: NudgeMessage[] = [];
  await inTimedSlices(
    planned,
    (slice) => {
      for (const d of slice) {
        const { nudges, escalations } = plan.messages.get(d.personId)!;
        // As commands/nudge-messages.ts reads it (NudgePayload).
        messages.push({ partnershipId, personId: d.personId, key: d.key, kind: rowKind(d), payload: { items: nudges, escalations }, dueAt: now, nudges });
      }
    },
    200,
  );
  return messages;
}

/** What a sweep at `now` would send, without writing anything. */
export async function previewNudgeSweep(store: NudgeSweepStore, partnershipId: number, now: Date): Promise<SweepReport> {
  const { input, refs, names } = await store.sweepData(partnershipId, now);
  return { deliveries: await describe(await planSweepInSlices(input, PREVIEW_SLICE, pacer()), sweepSlot(now), refs, names) };
}

/**
 * Enqueues the sweep's deliveries, and records which stage reached whom in which delivery,
 * in one transaction (each message and its stages in one statement). A second run for the
 * same time, or on another instance, adds nothing.
 */
export async function runNudgeSweep(store: NudgeSweepStore, partnershipId: number, now: Date): Promise<SweepReport> {
  return store.inNudgeSweep(partnershipId, async (tx) => {
    // What rests are worked out from besides the milestones themselves.
    const basis: RestBasis = { hearersVersion: tx.hearersVersion, calendar: currentCalendar().fingerprint };
    // Who may hear anything is decided first: at night, at weekends and on bank holidays nobody
    // may, and nothing more is read.
    const people = await tx.sweepPeople(partnershipId);
    if (!someoneMayHear(people.map((p) => p.rules), now)) return { deliveries: [] };
    // Each batch of milestones is planned as it is read, and let go; milestones at rest are not read.
    let planner: SweepPlanner | undefined;
    const { refs, names, outOfDate } = await tx.sweepData(partnershipId, now, people, basis, (facts) => {
      const started = sweepPlanner(facts);
      planner = started;
      return (batch) => started.add(batch);
    });
    if (!planner) throw new Error("the sweep's data was read without its facts");
    const plan = planner.plan;
    const slot = sweepSlot(now);
    // Nothing is owed about these until their rest ends: later sweeps need not read them till then.
    // Out-of-date rests not renewed go. Written while the messages are made, which runs no statement.
    const resting = tx.recordRests(plan.rests, basis, now, outOfDate);
    // Its failure is handled where it is awaited, below, not reported as unhandled meanwhile.
    resting.catch(() => undefined);
    let planned: PlannedDelivery[];
    let messages: NudgeMessage[];
    try {
      // A turn first: the last batch's planning and the rests' statement, built above, have just
      // held the thread, and describe's first slice would have added to that hold (36 ms with a
      // 20,000-person first sweep at 100,000 actions).
      await nextTurn();
      planned = await describe(plan, slot, refs, names);
      messages = await messagesOf(plan, planned, partnershipId, now);
    } catch (error) {
      // Not while the rests are written: the transaction would be rolled back under them. Their own failure comes first.
      await resting;
      throw error;
    }
    await resting;
    if (plan.failures.size) {
      // Recorded where coordinators look (/curve deliveries failed), once per person per slot.
      const failures = [...plan.failures].filter(([personId]) => names.has(personId));
      await tx.enqueue(
        failures.map(([personId, reason]) => ({
          partnershipId,
          personId,
          key: `nudge-failed:person:${personId}:${slot}`,
          kind: "nudge",
          payload: {},
          dueAt: now,
          status: "failed" as const,
          lastError: `Curve could not work out this person's nudges: ${reason}`,
        })),
      );
    }
    if (planned.length === 0) return { deliveries: [] };
    // Each message and the stages it carries reach the database together.
    await nextTurn();
    const inserted = await tx.enqueueNudges(messages, now);
    const added = new Set(inserted.map((r) => r.key));
    if (plan.raised.length && inserted.some((r) => plan.messages.get(r.personId)?.escalations.length)) await tx.recordEscalations(plan.raised, now);
    return { deliveries: planned.filter((d) => added.has(d.key)) };
  });
}
