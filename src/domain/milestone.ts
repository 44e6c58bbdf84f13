import type { Due } from "./dates/due-phrase.ts";
import type { MilestoneView, PersonSummary } from "./model.ts";

/**
 * What can happen to a milestone (done, reopened, evidence added, rescheduled, snoozed), as
 * pure functions of its current state. Each returns either why nothing happens, or the
 * change: the milestone as it will be, the columns to write, the state the write must still
 * find (its lock guard), and the audit event that records it. The data layer only persists
 * a transition; it decides nothing.
 */

/** A milestone as its transitions see it: the view, plus its snooze state. */
export interface MilestoneState extends MilestoneView {
  snoozedUntil?: Date | null;
  snoozeCount?: number;
}

/** The stored fields a transition writes (as the milestone table holds them). */
export interface MilestoneWrite {
  doneAt?: Date | null;
  doneById?: number | null;
  evidence?: string | null;
  precision?: Due["precision"];
  dueDate?: string | null;
  dueStart?: string | null;
  duePhrase?: string | null;
  snoozedUntil?: Date;
  snoozeCount?: number;
}

/** The audit event of a transition: event name, and the fields before and after. */
export interface MilestoneAudit {
  event: "milestone.done" | "milestone.reopened" | "milestone.evidence" | "milestone.dated" | "milestone.snoozed";
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

export type Transition =
  | {
      applied: true;
      /** The milestone as it will be. */
      next: MilestoneState;
      write: MilestoneWrite;
      /** What the row must still be when written: open (not done) or done. */
      requires: "open" | "done";
      audit: MilestoneAudit;
      /** A snooze also records who asked, until when and why (the snooze history). */
      snooze?: { until: Date; reason: string; by: PersonSummary; at: Date };
    }
  | { applied: false; reason: "already_done" | "not_done" | "unchanged" };

/** Marks an open milestone done by `by` at `at`, with its evidence (or none yet). */
export function markDone(current: MilestoneState, by: PersonSummary, at: Date, evidence: string | null): Transition {
  if (current.doneAt) return { applied: false, reason: "already_done" };
  const doneBy = { id: by.id, name: by.name };
  return {
    applied: true,
    next: { ...current, doneAt: at, doneBy, evidence },
    write: { doneAt: at, doneById: by.id, evidence },
    requires: "open",
    audit: { event: "milestone.done", before: { doneAt: null }, after: { doneAt: at.toISOString(), doneBy: by.name, evidence } },
  };
}

/** Reopens a milestone marked done by mistake; its evidence goes with the mark (kept in the audit). */
export function reopen(current: MilestoneState): Transition {
  if (!current.doneAt) return { applied: false, reason: "not_done" };
  return {
    applied: true,
    next: { ...current, doneAt: null, doneBy: null, evidence: null },
    write: { doneAt: null, doneById: null, evidence: null },
    requires: "done",
    audit: {
      event: "milestone.reopened",
      before: { doneAt: current.doneAt.toISOString(), doneBy: current.doneBy?.name ?? null, evidence: current.evidence },
      after: { doneAt: null },
    },
  };
}

/** Adds a line of evidence to a done milestone; the same line twice changes nothing. */
export function addEvidence(current: MilestoneState, evidence: string): Transition {
  if (!current.doneAt) return { applied: false, reason: "not_done" };
  const lines = current.evidence ? current.evidence.split("\n") : [];
  if (lines.includes(evidence)) return { applied: false, reason: "unchanged" };
  const combined = [...lines, evidence].join("\n");
  return {
    applied: true,
    next: { ...current, evidence: combined },
    write: { evidence: combined },
    requires: "done",
    audit: { event: "milestone.evidence", before: { evidence: current.evidence }, after: { evidence: combined } },
  };
}

/** Gives an open milestone a new date (a parsed due phrase); the same date and precision changes nothing. */
export function reschedule(current: MilestoneState, due: Due): Transition {
  if (current.doneAt) return { applied: false, reason: "already_done" };
  if (current.dueDate === due.due && current.precision === due.precision) return { applied: false, reason: "unchanged" };
  return {
    applied: true,
    next: { ...current, precision: due.precision, dueDate: due.due, dueStart: due.start, duePhrase: due.phrase },
    write: { precision: due.precision, dueDate: due.due, dueStart: due.start, duePhrase: due.phrase },
    requires: "open",
    audit: {
      event: "milestone.dated",
      before: { due: current.dueDate, precision: current.precision, phrase: current.duePhrase },
      after: { due: due.due, precision: due.precision, phrase: due.phrase },
    },
  };
}

/**
 * Holds an open milestone's nudges until `until`, for a reason its lead and sponsors will
 * see. Counts snoozes: the third tells the priority's lead (src/domain/schedule/escalation.ts).
 */
export function snooze(current: MilestoneState, until: Date, reason: string, by: PersonSummary, at: Date): Transition {
  if (current.doneAt) return { applied: false, reason: "already_done" };
  const count = (current.snoozeCount ?? 0) + 1;
  return {
    applied: true,
    next: { ...current, snoozedUntil: until, snoozeCount: count },
    write: { snoozedUntil: until, snoozeCount: count },
    requires: "open",
    audit: { event: "milestone.snoozed", before: { snoozedUntil: current.snoozedUntil?.toISOString() ?? null }, after: { snoozedUntil: until.toISOString(), reason, count } },
    snooze: { until, reason, by: { id: by.id, name: by.name }, at },
  };
}
