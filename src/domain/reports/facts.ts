import type { IndicatorFacts } from "../indicators/types.ts";
import type { ActionState } from "../model.ts";

/**
 * What every report reads: a plan's (or every plan's) actions, milestones, the changes
 * recorded since the last report, indicators and risks. Loaded in one go by the database
 * adapter; the report rules here are pure.
 */
export interface ReportMilestone {
  ref: string;
  text: string;
  /** ISO date; null when to be agreed. */
  dueDate: string | null;
  doneAt: Date | null;
  evidence: string | null;
}

export interface ReportPriority {
  id: number;
  /** "3. Improve behaviour, attendance and achievement" */
  label: string;
  obsession: string | null;
}

export interface ReportAction {
  id: number;
  ref: string;
  title: string;
  planKey: string;
  state: ActionState;
  /** The owners as the plan names them. */
  owner: string | null;
  priority: ReportPriority | null;
  milestones: ReportMilestone[];
}

/** One audit event: what changed, on which ref, when and by whom. */
export interface ReportChange {
  at: Date;
  event: string;
  ref: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  actor: string | null;
}

export interface ReportIndicator extends IndicatorFacts {
  /** In the indicator's unit; null for the default (see rag.ts). */
  tolerance: number | null;
  obsession: boolean;
  priority: ReportPriority | null;
}

export interface ReportRisk {
  /** "R3" */
  ref: string;
  description: string;
  owner: string;
  likelihood: number;
  impact: number;
  mitigation: string | null;
  /** ISO date. */
  reviewDate: string;
  planKey: string;
  priority: string | null;
  /** When it was recorded and when it was closed (null while open). */
  openedAt: Date;
  closedAt: Date | null;
}

export interface ReportFacts {
  partnership: string;
  /** The plans reported on: one, or all of the partnership's. */
  plans: { key: string; title: string }[];
  actions: ReportAction[];
  /** Changes since the window's `since`, oldest first. */
  changes: ReportChange[];
  indicators: ReportIndicator[];
  risks: ReportRisk[];
}

export type ReportKind = "monthly" | "quarterly" | "obsessions" | "indicators";
export const REPORT_KINDS: readonly ReportKind[] = ["monthly", "quarterly", "obsessions", "indicators"];

/** The time a report covers. Dates are ISO days in Europe/London (`REPORT_TIME_ZONE`). */
export interface ReportWindow {
  kind: ReportKind;
  /**
   * The day the rules judge from (overdue, due soon, review dates): the report's date, or for a
   * period that has ended, the day after its last day, so that what fell due on that last day
   * and was not done by its end reads as overdue.
   */
  today: string;
  /** The day the report is "as at": the report's date, or the last day of a period that has ended. */
  asAt: string;
  /** Changes and completions from this instant (the last report, or the period's start). */
  since: Date;
  /** …up to this instant (exclusive): now, or the midnight that ends the period asked for. */
  until: Date;
  /** Readings up to this date count ("as at"). */
  readingsUpTo: string;
  /** "September 2011", "Q2 2011/12", "week commencing 26 Sep 2011". */
  periodLabel: string;
}

/**
 * The facts as they stood just before `until` (a window's exclusive end): a milestone done at or
 * after it is open again (without its evidence), a risk recorded at or after it is left out, and
 * one closed at or after it is open. So a report on a month that has ended reads as the board
 * would have read it at the month's end. Due dates and action states are today's: the audit
 * trail, not these facts, holds what they were.
 */
export function factsAsAt(facts: ReportFacts, until: Date): ReportFacts {
  const later = (d: Date | null) => d !== null && d >= until;
  return {
    ...facts,
    actions: facts.actions.map((a) => ({
      ...a,
      milestones: a.milestones.map((m) => (later(m.doneAt) ? { ...m, doneAt: null, evidence: null } : m)),
    })),
    risks: facts.risks.filter((r) => r.openedAt < until).map((r) => (later(r.closedAt) ? { ...r, closedAt: null } : r)),
  };
}
