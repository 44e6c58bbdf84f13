import { shortDate } from "../dates/calendar.ts";
import { readFigure } from "../numbers.ts";
import { err, ok, type Result } from "../result.ts";
import { plural } from "../milestone-status.ts";
import { dataDue, type DataDue } from "./cadence.ts";
import { forecastOf, seriesOf, trendOf, verdictOf, type Judgement, type Point, type Trend, type Verdict } from "./trend.ts";
import type { IndicatorFacts, Polarity, Target } from "./types.ts";

/** Everything /indicator show, the digests and the chart say about one indicator. */
export interface ReportCard {
  code: string;
  name: string;
  unit: string;
  polarity: Polarity;
  points: Point[];
  latest: Point | null;
  baseline: IndicatorFacts["baseline"];
  target: Target | null;
  trend: Trend | null;
  verdict: Verdict;
  due: DataDue | null;
}

export function buildReportCard(facts: IndicatorFacts, today: string): ReportCard {
  const points = seriesOf(facts);
  const forecast = forecastOf(facts, points);
  const latest = points[points.length - 1] ?? null;
  // The next target still ahead, else the last one that has passed.
  const targets = [...facts.targets].sort((a, b) => a.dueDate.localeCompare(b.dueDate));
  const target = targets.find((t) => t.dueDate >= today) ?? targets[targets.length - 1] ?? null;
  const since = facts.baseline?.date ?? points[0]?.date ?? today;
  return {
    code: facts.code,
    name: facts.name,
    unit: facts.unit,
    polarity: facts.polarity,
    points,
    latest,
    baseline: facts.baseline,
    target,
    trend: trendOf(points, facts.polarity, facts.periodicity),
    verdict: verdictOf(facts.polarity, points, forecast),
    // A period recorded as "not known" has been reported: it is not chased again.
    due: dataDue(facts.periodicity, [...facts.readings, ...(facts.notKnown ?? [])], since, today),
  };
}

const number = (value: number, digits: number) =>
  value.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: 0 });

/** 1,434 · 91.6% · 47.4 per 1,000 */
export function formatValue(value: number, unit: string): string {
  if (unit === "percent") return `${number(value, 1)}%`;
  if (unit === "per_1000") return `${number(value, 1)} per 1,000`;
  if (unit === "count") return number(value, 0);
  return `${number(value, 2)}${unit ? ` ${unit}` : ""}`;
}

/** What an indicator's figures are, for a sentence: "a count", "a percentage", "a rate per 1,000". */
export function unitWords(unit: string): string {
  if (unit === "count") return "a count";
  if (unit === "percent") return "a percentage";
  if (unit === "per_1000") return "a rate per 1,000";
  return `measured in ${unit}`;
}

/**
 * Why `value` cannot be a figure (a reading, baseline, target or tolerance) of indicator
 * `code` in `unit`, in one sentence; null when it can. A count is of whole things ("LAC
 * 1400.5" would be stored as typed and shown as 1,401) that a double holds exactly; nothing
 * is below zero or above 100%; and a unit sign typed with the figure (`sign`, from
 * readFigure) must be the indicator's own: "12%" for a count, or "£5" or "5%" for a rate, is
 * refused rather than read as 12 or 5.
 */
export function figureProblem(value: number, unit: string, code: string, sign: string | null = null): string | null {
  if (sign !== null) {
    const percent = /^(?:%|percent|per cent)$/i.test(sign);
    if (!percent || unit !== "percent") {
      return `${code} is ${unitWords(unit)}, not ${percent ? "a percentage" : "money"}, so "${sign}" can't go with its figures: give the figure in ${code}'s unit, without "${sign}".`;
    }
  }
  if (value < 0 || (unit === "percent" && value > 100)) return `${formatValue(value, unit)} can't be a figure of ${code}.`;
  if (unit === "count" && !Number.isInteger(value)) return `${code} counts whole numbers, so ${value.toLocaleString("en-GB", { maximumFractionDigits: 6 })} can't be one of its figures.`;
  if (unit === "count" && !Number.isSafeInteger(value)) return `${formatValue(value, unit)} is more than Curve can keep exactly as a count of ${code}: check the figure.`;
  return null;
}

/**
 * The whole of `typed` as one figure of indicator `code` in `unit` (a tolerance, or a cell of
 * an imported sheet: a baseline, a target's or a forecast's value), read as a chat reading is
 * (readFigure) and checked as one is (figureProblem). Null for "not known" ("n/a").
 */
export function wholeFigure(typed: string, unit: string, code: string): Result<number | null, { message: string }> {
  const figure = readFigure(typed);
  if (!figure.ok) return /is not a number\.$/.test(figure.error.message) ? err({ message: `"${typed.trim().slice(0, 40)}" is not a number.` }) : figure;
  const { value, words, sign } = figure.value;
  if (words !== typed.trim().split(/\s+/).length) return err({ message: `"${typed.trim().slice(0, 40)}" is not one figure of ${code}.` });
  const problem = value === null ? null : figureProblem(value, unit, code, sign);
  return problem ? err({ message: problem }) : ok(value);
}

/** A gap between two figures: "76", "1.2 percentage points". */
export function formatGap(gap: number, unit: string): string {
  const size = Math.abs(gap);
  if (unit === "percent") return `${number(size, 1)} percentage ${size === 1 ? "point" : "points"}`;
  if (unit === "per_1000") return `${number(size, 1)} per 1,000`;
  return formatValue(size, unit === "count" ? "count" : unit);
}

export const ARROWS = { up: "↑", down: "↓", flat: "→" } as const;

const JUDGEMENT_WORDS: Record<Judgement, string> = {
  improving: "improving",
  worsening: "getting worse",
  no_change: "no change",
  rising: "rising",
  falling: "falling",
};

export const POLARITY_WORDS: Record<Polarity, string> = {
  lower_is_better: "Lower is better",
  higher_is_better: "Higher is better",
  unknown: "The plan does not say which way is better",
};

/** "↓ improving for 2 periods (since 31 Jan 2011)" */
export function describeTrend(trend: Trend | null): string {
  if (!trend) return "not enough readings for a trend yet";
  const missing = trend.missing ? `, ${plural(trend.missing, "period")} without a reading` : "";
  return `${ARROWS[trend.movement]} ${JUDGEMENT_WORDS[trend.judgement]} for ${plural(trend.periods, "period")} (since ${shortDate(trend.since)}${missing})`;
}

/** The turn-the-curve verdict in one sentence. */
export function describeVerdict(card: Pick<ReportCard, "verdict" | "unit" | "polarity">): string {
  const { verdict, unit } = card;
  const basis = verdict.forecastKind === "entered" ? "the forecast" : verdict.forecastKind === "baseline_trend" ? "the baseline trend" : "the baseline";
  if (verdict.kind === "too_early") return "Too early to say: no reading since the baseline yet.";
  const gap = formatGap(verdict.difference!, unit);
  const side = verdict.difference! < 0 ? "below" : "above";
  const expected = formatValue(verdict.forecast!, unit);
  switch (verdict.kind) {
    case "turning":
      return `Turning the curve: ${gap} ${side} ${basis} (${expected}).`;
    case "not_turning":
      return `Not turning the curve yet: ${gap} ${side} ${basis} (${expected}).`;
    case "on_forecast":
      return `On ${basis} (${expected}): no better than if nothing had changed.`;
    case "no_direction":
      return `${gap} ${side} ${basis} (${expected}); the plan does not say which way is better.`;
  }
}

/** The baseline as the plan wrote it; one the plan gives no date for says so, since it cannot be charted or compared by date. */
export const describeBaseline = (card: Pick<ReportCard, "baseline" | "unit">): string =>
  card.baseline
    ? `${card.baseline.text ?? `${formatValue(card.baseline.value, card.unit)}${card.baseline.date ? ` (${shortDate(card.baseline.date)})` : ""}`}${card.baseline.date ? "" : " (the plan gives no date for it)"}`
    : "to be identified";

export const describeTarget = (card: Pick<ReportCard, "target" | "unit">): string =>
  card.target ? `${formatValue(card.target.value, card.unit)} by ${shortDate(card.target.dueDate)}${card.target.text ? ` (${card.target.text})` : ""}` : "none set";

/** The latest figure: a reading, else the baseline (an undated one said so), else "no readings yet". */
export const describeLatest = (card: Pick<ReportCard, "latest" | "unit"> & Partial<Pick<ReportCard, "baseline">>): string =>
  card.latest
    ? `${formatValue(card.latest.value, card.unit)} (${card.latest.isBaseline ? "baseline" : card.latest.label})`
    : card.baseline
      ? `${formatValue(card.baseline.value, card.unit)} (baseline, undated)`
      : "no readings yet";

/** One line per indicator, for digests and lists: "LAC 1,358 (Jun 2013) ↓ improving for 2 periods · turning the curve". */
export function reportCardLine(card: ReportCard): string {
  const trend = card.trend ? `${ARROWS[card.trend.movement]} ${JUDGEMENT_WORDS[card.trend.judgement]} for ${plural(card.trend.periods, "period")}` : "no trend yet";
  const verdict = {
    turning: "turning the curve",
    not_turning: "not turning the curve yet",
    on_forecast: "on the forecast",
    no_direction: "no direction set",
    too_early: "too early to say",
  }[card.verdict.kind];
  return `${card.code} ${describeLatest(card)} ${trend} · ${verdict}`;
}
