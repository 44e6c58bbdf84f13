import { addDays, shortDate } from "../dates/calendar.ts";
import { actionRag, riskRag, RAG_ORDER, type ActionRag, type Rag, type RagRating, type Slip } from "../rag.ts";
import { factsAsAt, type ReportAction, type ReportChange, type ReportFacts, type ReportWindow } from "./facts.ts";
import { summariseIndicators, type IndicatorLine, type IndicatorSummary } from "./indicator-summary.ts";
import { reportDay } from "./window.ts";

/**
 * The exception report (seed 000 §8.1): "produced on an exception reporting basis … highlight
 * any key issues and risks arising … details of any changes made to the plan … a brief overview
 * of progress against key actions and those nearing completion".
 */
export interface ActionException {
  ref: string;
  title: string;
  owner: string | null;
  priority: string | null;
  rating: ActionRag;
}

export interface MilestoneException {
  ref: string;
  text: string;
  kind: "overdue" | "slipped";
  /** Overdue: its due date. Slipped: the old and the new date (null: to be agreed). */
  dueDate: string | null;
  from?: string | null;
  to?: string | null;
  reason: string;
}

export interface RiskLine {
  ref: string;
  description: string;
  owner: string;
  score: number;
  likelihood: number;
  impact: number;
  mitigation: string | null;
  reviewDate: string;
  priority: string | null;
  rating: RagRating;
}

export interface ChangeLine {
  /** ISO date it was made. */
  date: string;
  ref: string;
  what: string;
  who: string | null;
}

export interface ProgressLine {
  ref: string;
  text: string;
  /** "done 12 Sep 2011 by Jancis Andrew", "last milestone ATT-4.2 due 14 Oct 2011". */
  detail: string;
}

export interface ExceptionReport {
  title: string;
  partnership: string;
  plans: { key: string; title: string }[];
  window: ReportWindow;
  exceptions: {
    actions: ActionException[];
    milestones: MilestoneException[];
    indicators: IndicatorLine[];
  };
  risks: RiskLine[];
  changes: ChangeLine[];
  completed: ProgressLine[];
  nearing: ProgressLine[];
  indicators: IndicatorSummary;
  /** Every action, worst first, with its RAG: for the board pack's action sheet. */
  actions: ActionException[];
  /** True when there is nothing to report: such a report is recorded, not sent. */
  empty: boolean;
}

const TITLES = { monthly: "Monthly exception report", quarterly: "Quarterly report", obsessions: "Weekly Obsession Tracker", indicators: "Indicator summary" } as const;
/** Actions whose last open milestone falls within this many days are "nearing completion". */
export const NEARING_DAYS = 30;

const isOpen = (a: ReportAction) => a.state !== "done" && a.state !== "dropped";

/**
 * Milestones re-dated to later (or to "to be agreed") since the last report, from the audit
 * trail (`changes`, oldest first): one per milestone, from the date it had when the window
 * opened (or the first date it was given in it) to the date it has now. A milestone moved later
 * and then back, or earlier, has not slipped, however often it was re-dated.
 */
export function slipsOf(changes: readonly ReportChange[]): Slip[] {
  const chains = new Map<string, { from: string | null; to: string | null; at: Date }>();
  for (const c of changes) {
    if (c.event !== "milestone.dated") continue;
    const before = dateOf(c.before?.due);
    const after = dateOf(c.after?.due);
    const chain = chains.get(c.ref);
    // Undated when the window opened: the first date it was given is the one it can slip from.
    if (!chain) chains.set(c.ref, { from: before, to: after, at: c.at });
    else chains.set(c.ref, { from: chain.from ?? chain.to, to: after, at: c.at });
  }
  return [...chains].map(([ref, s]) => ({ ref, ...s })).filter((s) => s.from !== null && (s.to === null || s.to > s.from));
}

const dateOf = (value: unknown): string | null => (typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : null);

/**
 * The exception report over a window: the facts as they stood at the window's end (`factsAsAt`),
 * judged at `window.today`; every date shown is the day in Leeds.
 */
export function composeExceptionReport(all: ReportFacts, window: ReportWindow): ExceptionReport {
  const facts = factsAsAt(all, window.until);
  const { today } = window;
  const slips = slipsOf(facts.changes);
  const rated: ActionException[] = facts.actions.map((a) => ({
    ref: a.ref,
    title: a.title,
    owner: a.owner,
    priority: a.priority?.label ?? null,
    rating: actionRag(a, today, slips.filter((s) => s.ref.startsWith(`${a.ref}.`))),
  }));
  const byWorst = (x: { rating: RagRating; ref: string }, y: { rating: RagRating; ref: string }) =>
    RAG_ORDER[x.rating.rag] - RAG_ORDER[y.rating.rag] || x.ref.localeCompare(y.ref, "en", { numeric: true });
  const exceptionActions = rated.filter((a) => a.rating.rag === "red" || a.rating.rag === "amber").sort(byWorst);

  const milestones: MilestoneException[] = [];
  for (const a of facts.actions.filter(isOpen)) {
    for (const m of a.milestones) {
      if (!m.doneAt && m.dueDate && m.dueDate < today) milestones.push({ ref: m.ref, text: m.text, kind: "overdue", dueDate: m.dueDate, reason: `overdue since ${shortDate(m.dueDate)}` });
    }
  }
  const openMilestones = new Map(facts.actions.filter(isOpen).flatMap((a) => a.milestones.filter((m) => !m.doneAt).map((m) => [m.ref, m] as const)));
  for (const s of slips) {
    const m = openMilestones.get(s.ref);
    if (!m) continue;
    milestones.push({ ref: s.ref, text: m.text, kind: "slipped", dueDate: s.to, from: s.from, to: s.to, reason: `slipped from ${shortDate(s.from!)} to ${s.to ? shortDate(s.to) : "a date to be agreed"}` });
  }
  milestones.sort((x, y) => (x.kind === y.kind ? (x.dueDate ?? "9999").localeCompare(y.dueDate ?? "9999") || x.ref.localeCompare(y.ref, "en", { numeric: true }) : x.kind === "overdue" ? -1 : 1));

  const indicators = summariseIndicators(facts.indicators, window.readingsUpTo);
  const offTarget = indicators.lines.filter((l) => l.rag.rag === "red" || l.rag.rag === "amber").sort((x, y) => RAG_ORDER[x.rag.rag] - RAG_ORDER[y.rag.rag]);

  const risks: RiskLine[] = facts.risks
    .filter((r) => r.closedAt === null)
    .map(({ openedAt: _opened, closedAt: _closed, ...r }) => ({ ...r, score: r.likelihood * r.impact, rating: riskRag(r, today) }))
    .sort((x, y) => y.score - x.score || x.ref.localeCompare(y.ref, "en", { numeric: true }));

  const changes = facts.changes.map(describeChange).filter((c): c is ChangeLine => c !== null);

  const completed: ProgressLine[] = [];
  for (const a of facts.actions) {
    for (const m of a.milestones) {
      if (m.doneAt && m.doneAt >= window.since) completed.push({ ref: m.ref, text: m.text, detail: `done ${shortDate(reportDay(m.doneAt))}${m.evidence ? `; evidence: ${m.evidence}` : "; no evidence given"}` });
    }
  }
  for (const c of facts.changes) {
    if (c.event === "action.status" && c.after?.state === "done") {
      const a = facts.actions.find((x) => x.ref === c.ref);
      completed.push({ ref: c.ref, text: a?.title ?? c.ref, detail: `action completed ${shortDate(reportDay(c.at))}` });
    }
  }
  const nearing: ProgressLine[] = [];
  const horizon = addDays(today, NEARING_DAYS);
  for (const a of facts.actions.filter(isOpen)) {
    const open = a.milestones.filter((m) => !m.doneAt);
    const done = a.milestones.length - open.length;
    // Nearing completion: every milestone left is dated, and the last of them is due within NEARING_DAYS.
    const last = open.every((m) => m.dueDate) ? [...open].sort((x, y) => x.dueDate!.localeCompare(y.dueDate!) || x.ref.localeCompare(y.ref, "en", { numeric: true })).at(-1) : undefined;
    if (open.length === 0 && a.milestones.length > 0) {
      nearing.push({ ref: a.ref, text: a.title, detail: `all ${a.milestones.length} milestones done; not yet marked complete` });
    } else if (last && last.dueDate! >= today && last.dueDate! <= horizon) {
      nearing.push({ ref: a.ref, text: a.title, detail: `last milestone ${last.ref} due ${shortDate(last.dueDate!)}${done ? `; ${done} of ${a.milestones.length} done` : ""}` });
    }
  }

  const empty = exceptionActions.length + milestones.length + offTarget.length + risks.length + changes.length + completed.length + nearing.length === 0;
  return {
    title: `${TITLES[window.kind]}, ${window.periodLabel}`,
    partnership: facts.partnership,
    plans: facts.plans,
    window,
    exceptions: { actions: exceptionActions, milestones, indicators: offTarget },
    risks,
    changes,
    completed,
    nearing,
    indicators,
    actions: [...rated].sort(byWorst),
    empty,
  };
}

const STATE_WORDS: Record<string, string> = { not_started: "not started", on_track: "on track", at_risk: "at risk", off_track: "off track", done: "done", dropped: "dropped" };
const str = (v: unknown) => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));
const day = (v: unknown) => {
  const d = dateOf(v);
  return d ? shortDate(d) : "a date to be agreed";
};

/** A change in the audit trail as the board reads it: dates, not phrases. Null for changes a board need not see. */
export function describeChange(c: ReportChange): ChangeLine | null {
  const base = { date: reportDay(c.at), ref: c.ref, who: c.actor };
  switch (c.event) {
    case "milestone.dated":
      return { ...base, what: `re-dated from ${day(c.before?.due)} to ${day(c.after?.due)}` };
    case "action.status":
      return { ...base, what: `set ${STATE_WORDS[str(c.after?.state)] ?? str(c.after?.state)}${c.before?.state ? ` (was ${STATE_WORDS[str(c.before.state)] ?? str(c.before.state)})` : ""}${c.after?.note ? `: ${str(c.after.note)}` : ""}` };
    case "milestone.done":
      return { ...base, what: "marked done" };
    case "milestone.reopened":
      return { ...base, what: "reopened" };
    case "action.created":
      return { ...base, what: `added to the plan${c.after?.title ? `: ${str(c.after.title)}` : ""}` };
    case "risk.added":
      return { ...base, what: `risk added: ${str(c.after?.description)}` };
    case "risk.reviewed":
      return { ...base, what: `risk reviewed: score ${str(c.before?.score)} to ${str(c.after?.score)}, next review ${day(c.after?.reviewDate)}` };
    case "risk.closed":
      return { ...base, what: `risk closed${c.after?.reason ? `: ${str(c.after.reason)}` : ""}` };
    case "indicator.tolerance":
      return { ...base, what: `tolerance set to ${str(c.after?.tolerance) || "the default"}` };
    default:
      return null;
  }
}

/** Counts by RAG, for headlines: { red: 3, amber: 5, … }. */
export function ragCounts(items: readonly { rating: RagRating }[]): Record<Rag, number> {
  const counts: Record<Rag, number> = { red: 0, amber: 0, green: 0, grey: 0 };
  for (const i of items) counts[i.rating.rag] += 1;
  return counts;
}
