import type { PlanSummary, PrioritySummary } from "../../commands/store.ts";
import { localDate, shortDate, shortDateTime } from "../../domain/dates/calendar.ts";
import { plural } from "../../domain/milestone-status.ts";
import { chartModel } from "../../domain/indicators/chart-model.ts";
import {
  POLARITY_WORDS, buildReportCard, describeBaseline, describeLatest, describeTarget, describeTrend, describeVerdict, formatValue, reportCardLine,
} from "../../domain/indicators/report-card.ts";
import type { IndicatorView } from "../../domain/indicators/types.ts";
import { RAG_WORDS, actionRag, describeActionRag, indicatorRag, type Rag } from "../../domain/rag.ts";
import { ACTION_STATES, type ActionState } from "../../domain/model.ts";
import { KIND_LABELS, signingState, type PledgeView } from "../../domain/pledges/pledge.ts";
import { publicOwnerText, type Publication } from "../../domain/web/publishing.ts";
import type { PlanPage, PublicRegister } from "../db/scorecards.ts";

/**
 * What each page shows, as plain values for the templates: every string here is escaped by
 * the template engine on the way out. Nothing private is ever put into a model: evidence,
 * notes, emails and private signers are not read for the web at all.
 */

// The partnership's day and clock (seed documents: Leeds); pages say when in UK time.
export const PAGE_ZONE = "Europe/London";

export const STATE_LABELS: Record<ActionState, string> = {
  not_started: "Not started",
  on_track: "On track",
  at_risk: "At risk",
  off_track: "Off track",
  done: "Done",
  dropped: "Dropped",
};

/** A status as text plus a tone for its badge: the words carry the meaning, never the colour alone. */
export interface Status {
  label: string;
  tone: "green" | "amber" | "red" | "grey" | "blue";
}

const STATE_TONES: Record<ActionState, Status["tone"]> = {
  not_started: "grey",
  on_track: "green",
  at_risk: "amber",
  off_track: "red",
  done: "blue",
  dropped: "grey",
};

export const actionStatus = (state: ActionState): Status => ({ label: STATE_LABELS[state], tone: STATE_TONES[state] });

/** A RAG rating as a badge: the word ("Red", "Amber", "Green", "No rating") is always written. */
export const ragStatus = (rag: Rag): Status => ({ label: RAG_WORDS[rag], tone: rag });

export interface StateCount extends Status {
  state: ActionState;
  count: number;
}

export function stateCounts(byState: Partial<Record<ActionState, number>>): StateCount[] {
  return ACTION_STATES.map((state) => ({ state, count: byState[state] ?? 0, ...actionStatus(state) }));
}

export interface IndicatorCardModel {
  code: string;
  /** A safe element id for the card's heading. */
  anchor: string;
  name: string;
  href: string;
  chartHref: string | null;
  chartAlt: string;
  /** The indicator's RAG against its target (src/domain/rag.ts), with its reason. */
  status: Status;
  ragReason: string;
  facts: { label: string; value: string }[];
  verdict: string;
  line: string;
}

/** An indicator's report card, as the scorecard and its own page show it. */
export function indicatorCard(indicator: IndicatorView, today: string, root: string): IndicatorCardModel {
  const card = buildReportCard(indicator, today);
  const href = `${root}indicators/${encodeURIComponent(indicator.code)}`;
  const latest = card.latest && !card.latest.isBaseline ? { date: card.latest.date, value: card.latest.value } : null;
  const rag = indicatorRag({ unit: indicator.unit, polarity: indicator.polarity, baseline: indicator.baseline, targets: indicator.targets, tolerance: indicator.tolerance }, latest, card.verdict.kind);
  return {
    code: indicator.code,
    anchor: `indicator-${indicator.id}`,
    name: indicator.name,
    href,
    // One point (a baseline alone) is not a curve: the card says so in words instead.
    chartHref: card.points.length >= 2 ? `${href}/chart.svg` : null,
    chartAlt: `Turn-the-curve chart for ${indicator.code}: ${reportCardLine(card)}. The readings are also in a table on the indicator's page.`,
    status: ragStatus(rag.rag),
    ragReason: rag.reason,
    facts: [
      { label: "Latest", value: describeLatest(card) },
      { label: "Baseline", value: describeBaseline(card) },
      { label: "Target", value: describeTarget(card) },
      { label: "Trend", value: describeTrend(card.trend) },
    ],
    verdict: describeVerdict(card),
    line: reportCardLine(card),
  };
}

export interface ScorecardModel {
  plans: {
    key: string;
    title: string;
    href: string | null;
    period: string;
    summary: string;
    priorities: {
      heading: string;
      obsession: string | null;
      sponsors: string;
      leads: string;
      total: number;
      states: StateCount[];
      indicators: IndicatorCardModel[];
    }[];
  }[];
  /** Indicators not under any priority shown above (when plans are not public, all of them). */
  otherIndicators: IndicatorCardModel[];
  pledges: { title: string; href: string; signers: string }[] | null;
}

const period = (p: { periodStart: string | null; periodEnd: string | null }) =>
  p.periodStart && p.periodEnd ? `${shortDate(p.periodStart)} to ${shortDate(p.periodEnd)}` : "";

const priorityHeading = (p: { number: number | null; title: string }) => `${p.number ? `${p.number}. ` : ""}${p.title}`;

/**
 * The scorecard: plans, then priorities (CTB sponsors, leads and action counts by state),
 * then each priority's indicators with their report cards. Sections that are not public
 * are left out entirely; `show` says which are.
 */
export function scorecardModel(
  data: { plans: PlanSummary[]; priorities: PrioritySummary[]; indicators: IndicatorView[]; pledges: { id: number; title: string; signers: number }[] },
  show: Publication,
  today: string,
  root: string,
): ScorecardModel {
  const cards = new Map(show.indicators ? data.indicators.map((i) => [i.code, indicatorCard(i, today, root)] as const) : []);
  const placed = new Set<string>();
  const plans = show.plans
    ? data.plans.map((plan) => ({
        key: plan.key,
        title: plan.title,
        href: `${root}plans/${encodeURIComponent(plan.key)}`,
        period: period(plan),
        summary: `${plural(plan.actions, "action")}; ${plan.milestonesDone.toLocaleString("en-GB")} of ${plural(plan.milestones, "milestone")} done.`,
        priorities: data.priorities
          .filter((p) => p.planKey === plan.key)
          .map((p) => {
            const indicators = p.indicators.map((i) => cards.get(i.code)).filter((c): c is IndicatorCardModel => Boolean(c));
            for (const c of indicators) placed.add(c.code);
            return {
              heading: priorityHeading(p),
              obsession: p.obsession,
              sponsors: p.sponsors.map((s) => s.name).join(", "),
              leads: p.leads.map((s) => s.name).join(", "),
              total: p.actions,
              states: stateCounts(p.actionsByState),
              indicators,
            };
          }),
      }))
    : [];
  return {
    plans,
    otherIndicators: [...cards.values()].filter((c) => !placed.has(c.code)),
    pledges: show.pledges ? data.pledges.map((p) => ({ title: p.title, href: `${root}pledges/${p.id}`, signers: plural(p.signers, "signer") })) : null,
  };
}

export interface Pager {
  page: number;
  pages: number;
  previous: string | null;
  next: string | null;
  summary: string;
}

/** "Showing 51 to 100 of 10,000 actions", with links to the pages either side. */
export function pager(href: string, page: number, perPage: number, total: number, noun: string): Pager {
  const pages = Math.max(1, Math.ceil(total / perPage));
  const first = total === 0 ? 0 : (page - 1) * perPage + 1;
  const last = Math.min(total, page * perPage);
  return {
    page,
    pages,
    previous: page > 1 ? `${href}?page=${page - 1}` : null,
    next: page < pages ? `${href}?page=${page + 1}` : null,
    summary: total === 0 ? `No ${noun}s yet.` : `Showing ${first.toLocaleString("en-GB")} to ${last.toLocaleString("en-GB")} of ${plural(total, noun)}, page ${page} of ${pages}.`,
  };
}

/** A plan's page: its priorities' counts and one page of its actions. */
export function planModel(data: PlanPage, priorities: PrioritySummary[], page: number, perPage: number, today: string, root: string) {
  const href = `${root}plans/${encodeURIComponent(data.plan.key)}`;
  return {
    title: data.plan.title,
    period: period(data.plan),
    priorities: priorities.map((p) => ({ heading: priorityHeading(p), total: p.actions, states: stateCounts(p.actionsByState) })),
    states: ACTION_STATES.map((s) => STATE_LABELS[s]),
    actions: data.actions.map((a) => {
      const open = a.milestones.filter((m) => !m.doneAt).sort((x, y) => (x.dueDate ?? "9999").localeCompare(y.dueDate ?? "9999") || x.position - y.position);
      const next = open[0];
      const rag = actionRag({ state: a.state, milestones: a.milestones }, today);
      return {
        ref: a.ref,
        title: a.title,
        priority: a.priority ? priorityHeading(a.priority) : "",
        owner: publicOwnerText(a.ownerText) ?? "",
        status: actionStatus(a.state),
        rag: { ...ragStatus(rag.rag), reason: describeActionRag(rag).replace(/^\w+( \w+)?: /, "") },
        milestones: a.milestones.length ? `${a.milestones.length - open.length} of ${a.milestones.length}` : "none",
        next: next ? `${next.ref}: ${next.text}${next.dueDate ? ` (due ${shortDate(next.dueDate)})` : next.duePhrase ? ` (${next.duePhrase})` : " (date to be agreed)"}` : "",
      };
    }),
    pager: pager(href, page, perPage, data.total, "action"),
  };
}

/** An indicator's page: the report card, and its readings and targets as tables (the chart's accessible alternative). */
export function indicatorModel(indicator: IndicatorView, today: string, root: string) {
  const card = indicatorCard(indicator, today, root);
  const newest = [...indicator.readings].reverse();
  return {
    card,
    polarity: POLARITY_WORDS[indicator.polarity],
    priority: indicator.priority ? priorityHeading(indicator.priority) : null,
    baseline: describeBaseline({ baseline: indicator.baseline, unit: indicator.unit }),
    readings: newest.map((r, i) => {
      const older = newest[i + 1];
      const change = older ? (r.value === older.value ? "no change" : `${r.value > older.value ? "+" : "−"}${formatValue(Math.abs(r.value - older.value), indicator.unit)}`) : "";
      return { period: r.period, periodEnd: shortDate(r.periodEnd), value: formatValue(r.value, indicator.unit), change, source: r.source ?? "" };
    }),
    targets: [...indicator.targets]
      .sort((a, b) => a.dueDate.localeCompare(b.dueDate))
      .map((t) => ({ due: shortDate(t.dueDate), value: formatValue(t.value, indicator.unit), text: t.text ?? "" })),
    chart: chartModel(indicator, buildReportCard(indicator, today)),
  };
}

/** A pledge's public register: its words, how many have signed, and the public signers only. */
export function pledgeModel(pledge: PledgeView, register: PublicRegister, page: number, perPage: number, now: Date, root: string) {
  const state = signingState(pledge, now);
  const privateCount = register.signers - register.publicTotal;
  return {
    title: pledge.title,
    kind: KIND_LABELS[pledge.kind],
    text: pledge.text,
    open: state === "open" ? "Open for signatures." : state === "closed" ? `Closed to new signatures on ${shortDateTime(pledge.closesAt!, PAGE_ZONE)}.` : `Opens for signatures on ${shortDateTime(pledge.opensAt!, PAGE_ZONE)}.`,
    signers: `${plural(register.signers, "signature")} in all`,
    privateNote: privateCount > 0 ? `${plural(privateCount, "signer")} asked not to be named: they are counted here, but not listed.` : "",
    public: register.public.map((s) => ({
      name: s.onBehalfOf ? s.onBehalfOf : s.name,
      by: s.onBehalfOf ? `signed by ${s.name}` : "",
      commitment: s.commitment,
      signed: shortDate(localDate(s.signedAt, PAGE_ZONE)),
    })),
    // How to sign, only while chat would take a signature (signingState, the rule /pledge sign keeps); before then, from when.
    sign: state === "closed" ? null : { command: `/pledge sign P${pledge.id} public | <what you will do>`, opens: state === "not_yet_open" ? shortDateTime(pledge.opensAt!, PAGE_ZONE) : null },
    pager: pager(`${root}pledges/${pledge.id}`, page, perPage, register.publicTotal, "public signer"),
  };
}

/** "30 Nov 2026, 14:05" and its machine-readable form, for "Last updated". */
export function updatedAt(at: Date | null): { text: string; iso: string } | null {
  return at ? { text: shortDateTime(at, PAGE_ZONE), iso: at.toISOString() } : null;
}
