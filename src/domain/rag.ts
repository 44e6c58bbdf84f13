import { addDays, daysBetween, shortDate } from "./dates/calendar.ts";
import { formatGap, formatValue } from "./indicators/report-card.ts";
import type { Polarity, Target } from "./indicators/types.ts";
import { plural } from "./milestone-status.ts";
import type { ActionState } from "./model.ts";
import { reportDay } from "./reports/window.ts";

/**
 * RAG (red/amber/green) ratings, derived and explained: the one place these rules live.
 * Seed 000 §8.1 and seed 004 report on an exception basis; a RAG is only useful to a board
 * when it says why, so every rating here carries a reason of a few words.
 *
 * Actions (`actionRag`):
 *  - done is green ("done"); dropped is grey ("dropped").
 *  - red: a milestone is overdue, or the action is set off track.
 *  - amber: the action is set at risk; a milestone has slipped (re-dated later) since the
 *    last report; or a milestone is due within 14 days with no progress (no milestone of
 *    the action done in the last 30 days).
 *  - green otherwise.
 *  The state set by hand (on track, at risk, off track) and the rating derived from the
 *  milestones are both kept; when they differ, the worse one is shown with its reason and
 *  `handSet` says what was set.
 *
 * Indicators (`indicatorRag`): the latest reading against its target.
 *  - The target is the next one due on or after the reading (else the last one). Before that
 *    date the reading is judged against the straight line from the baseline (or the target
 *    before) to it: the trajectory. On or after it, against the target itself.
 *  - green: at or better than expected; amber: worse by no more than the tolerance; red: worse
 *    by more. The tolerance is set per indicator (`/indicator tolerance <code> <value>`, in the
 *    indicator's own unit); by default it is 5% of the expected value (`DEFAULT_TOLERANCE_SHARE`).
 *  - With no target, the turn-the-curve verdict decides: turning is green, not turning amber.
 *  - grey: no reading since the baseline, or the plan does not say which way is better.
 */
export type Rag = "red" | "amber" | "green" | "grey";

export interface RagRating {
  rag: Rag;
  /** A few words: "ATT-1.1 overdue since 31 Mar 2011". */
  reason: string;
}

export const RAG_ORDER: Record<Rag, number> = { red: 0, amber: 1, green: 2, grey: 3 };
export const RAG_WORDS: Record<Rag, string> = { red: "Red", amber: "Amber", green: "Green", grey: "No rating" };

/** Days ahead that count as "due soon" for amber, and days back that count as recent progress. */
export const DUE_SOON_DAYS = 14;
export const PROGRESS_DAYS = 30;
/** The default indicator tolerance: 5% of the expected value, in the indicator's unit. */
export const DEFAULT_TOLERANCE_SHARE = 0.05;

export interface RagMilestone {
  ref: string;
  /** ISO date, null when to be agreed. */
  dueDate: string | null;
  doneAt: Date | null;
}

/** A milestone moved to a later date: its old and new dates (ISO, or null for "to be agreed"). */
export interface Slip {
  ref: string;
  from: string | null;
  to: string | null;
  at: Date;
}

export interface ActionRag extends RagRating {
  /** The state as set by hand, and what it means as a RAG (null when not started). */
  handSet: { state: ActionState; rag: Rag | null };
  /** The rating from the milestones alone. */
  derived: RagRating;
  /** True when the hand-set state and the milestones disagree (shown with the derived reason). */
  differs: boolean;
}

const STATE_RAG: Partial<Record<ActionState, Rag>> = { on_track: "green", at_risk: "amber", off_track: "red", done: "green", dropped: "grey" };
const STATE_WORDS: Record<ActionState, string> = {
  not_started: "not started",
  on_track: "on track",
  at_risk: "at risk",
  off_track: "off track",
  done: "done",
  dropped: "dropped",
};

/** The worse of two ratings; grey (unrated) never beats a rating. */
export function worse(a: RagRating, b: RagRating): RagRating {
  return RAG_ORDER[b.rag] < RAG_ORDER[a.rag] ? b : a;
}

/**
 * An action's RAG from its state and milestones at `today` (ISO date). `now` is the instant of
 * `today`, for "done in the last 30 days"; `slips` are its milestones re-dated later since the
 * last report. Pure: no clock.
 */
export function actionRag(
  action: { state: ActionState; milestones: readonly RagMilestone[] },
  today: string,
  slips: readonly Slip[] = [],
): ActionRag {
  const handRag = STATE_RAG[action.state] ?? null;
  const handSet = { state: action.state, rag: handRag };
  if (action.state === "done" || action.state === "dropped") {
    const rating = { rag: handRag!, reason: STATE_WORDS[action.state] };
    return { ...rating, handSet, derived: rating, differs: false };
  }
  const derived = milestoneRag(action.milestones, today, slips);
  const hand: RagRating | null = handRag ? { rag: handRag, reason: `set ${STATE_WORDS[action.state]}` } : null;
  // On a tie the milestones' reason says more than "set on track".
  const shown = hand && RAG_ORDER[hand.rag] < RAG_ORDER[derived.rag] ? hand : derived;
  const differs = hand !== null && hand.rag !== derived.rag && RAG_ORDER[derived.rag] < RAG_ORDER[hand.rag];
  return { ...shown, handSet, derived, differs };
}

function milestoneRag(milestones: readonly RagMilestone[], today: string, slips: readonly Slip[]): RagRating {
  const open = milestones.filter((m) => !m.doneAt);
  const overdue = open.filter((m) => m.dueDate !== null && m.dueDate < today).sort((a, b) => a.dueDate!.localeCompare(b.dueDate!));
  if (overdue.length) {
    const first = overdue[0]!;
    const more = overdue.length > 1 ? ` (+${overdue.length - 1} more)` : "";
    return { rag: "red", reason: `${first.ref} overdue since ${shortDate(first.dueDate!)}${more}` };
  }
  const slip = [...slips].filter((s) => open.some((m) => m.ref === s.ref)).sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  if (slip) return { rag: "amber", reason: `${slip.ref} slipped from ${slipDate(slip.from)} to ${slipDate(slip.to)}` };
  const horizon = addDays(today, DUE_SOON_DAYS);
  const dueSoon = open.filter((m) => m.dueDate !== null && m.dueDate >= today && m.dueDate <= horizon).sort((a, b) => a.dueDate!.localeCompare(b.dueDate!));
  const recentSince = addDays(today, -PROGRESS_DAYS);
  const recentProgress = milestones.some((m) => m.doneAt !== null && reportDay(m.doneAt) >= recentSince);
  if (dueSoon.length && !recentProgress) {
    const first = dueSoon[0]!;
    const days = daysBetween(today, first.dueDate!);
    return { rag: "amber", reason: `${first.ref} due ${days === 0 ? "today" : `in ${plural(days, "day")}`}, no progress in ${PROGRESS_DAYS} days` };
  }
  if (milestones.length === 0) return { rag: "green", reason: "no milestones set" };
  if (open.length === 0) return { rag: "green", reason: "all milestones done" };
  const next = open.filter((m) => m.dueDate !== null).sort((a, b) => a.dueDate!.localeCompare(b.dueDate!))[0];
  if (!next) return { rag: "green", reason: "nothing overdue; dates to be agreed" };
  return { rag: "green", reason: `nothing overdue; next ${next.ref} ${shortDate(next.dueDate!)}` };
}

const slipDate = (date: string | null) => (date ? shortDate(date) : "no date");

/** How the shown rating reads, with the hand-set state when it differs: "Red: ATT-1.1 overdue since 31 Mar 2011 (set on track)". */
export function describeActionRag(rating: ActionRag): string {
  const base = `${RAG_WORDS[rating.rag]}: ${rating.reason}`;
  return rating.differs ? `${base} (set ${STATE_WORDS[rating.handSet.state]} by hand)` : base;
}

export interface RagIndicator {
  unit: string;
  polarity: Polarity;
  baseline: { value: number; date: string | null } | null;
  targets: readonly Target[];
  /** In the indicator's unit; null means the default. */
  tolerance: number | null;
}

export interface IndicatorRag extends RagRating {
  /** What the reading was judged against, and the tolerance used. */
  expected: number | null;
  tolerance: number | null;
  target: Target | null;
}

/**
 * An indicator's RAG from its latest reading (null when there is none since the baseline)
 * and, with no target, the turn-the-curve verdict ("turning" | "not_turning" | other).
 */
export function indicatorRag(
  indicator: RagIndicator,
  latest: { date: string; value: number } | null,
  verdict: "turning" | "not_turning" | "on_forecast" | "no_direction" | "too_early" = "too_early",
): IndicatorRag {
  const none = { expected: null, tolerance: null, target: null };
  if (!latest) return { rag: "grey", reason: "no data since the baseline", ...none };
  if (indicator.polarity === "unknown") return { rag: "grey", reason: "the plan sets no direction", ...none };
  const targets = [...indicator.targets].sort((a, b) => a.dueDate.localeCompare(b.dueDate));
  const target = targets.find((t) => t.dueDate >= latest.date) ?? targets[targets.length - 1] ?? null;
  if (!target) {
    if (verdict === "turning") return { rag: "green", reason: "no target; turning the curve", ...none };
    if (verdict === "not_turning") return { rag: "amber", reason: "no target; not turning the curve", ...none };
    return { rag: "grey", reason: "no target set", ...none };
  }
  const expected = expectedAt(indicator, targets, target, latest.date);
  const tolerance = indicator.tolerance ?? Math.abs(expected) * DEFAULT_TOLERANCE_SHARE;
  const better = indicator.polarity === "higher_is_better" ? latest.value - expected : expected - latest.value;
  const goal = `${formatValue(target.value, indicator.unit)} by ${shortDate(target.dueDate)}`;
  const onTrajectory = target.dueDate > latest.date && expected !== target.value;
  const against = onTrajectory ? `the path to ${goal}` : `target ${goal}`;
  const rating = { expected, tolerance, target };
  if (better >= -1e-9) return { rag: "green", reason: onTrajectory ? `on the path to ${goal}` : `meets target ${goal}`, ...rating };
  const gap = formatGap(-better, indicator.unit);
  if (-better <= tolerance + 1e-9) return { rag: "amber", reason: `${gap} short of ${against}, within tolerance`, ...rating };
  return { rag: "red", reason: `${gap} short of ${against}`, ...rating };
}

/** The value expected at `date`: on or after the target's date, the target; before it, the line from the previous anchor. */
function expectedAt(indicator: RagIndicator, targets: readonly Target[], target: Target, date: string): number {
  if (date >= target.dueDate) return target.value;
  const previous = [...targets].reverse().find((t) => t.dueDate < target.dueDate && t.dueDate <= date);
  const anchor = previous
    ? { date: previous.dueDate, value: previous.value }
    : indicator.baseline?.date && indicator.baseline.date < target.dueDate
      ? { date: indicator.baseline.date, value: indicator.baseline.value }
      : null;
  if (!anchor || anchor.date > date) return target.value;
  const span = daysBetween(anchor.date, target.dueDate);
  return span <= 0 ? target.value : anchor.value + ((target.value - anchor.value) * daysBetween(anchor.date, date)) / span;
}

/**
 * A risk's RAG from its score (likelihood × impact, each 1–5): 15 or more is red, 8 to 14
 * amber, 7 or less green; a review date that has passed is said in the reason.
 */
export function riskRag(risk: { likelihood: number; impact: number; reviewDate: string }, today: string): RagRating {
  const score = risk.likelihood * risk.impact;
  const rag: Rag = score >= 15 ? "red" : score >= 8 ? "amber" : "green";
  const review = risk.reviewDate < today ? `; review overdue since ${shortDate(risk.reviewDate)}` : "";
  return { rag, reason: `score ${score} (likelihood ${risk.likelihood} × impact ${risk.impact})${review}` };
}
