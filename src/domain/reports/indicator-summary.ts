import { ARROWS } from "../indicators/report-card.ts";
import { forecastOf, judge, movementBetween, seriesOf, verdictOf, type Judgement, type Point } from "../indicators/trend.ts";
import { indicatorRag, type IndicatorRag } from "../rag.ts";
import type { ReportIndicator } from "./facts.ts";

/** One indicator in the summary: its latest reading, how it moved, and its RAG with the reason. */
export interface IndicatorLine {
  code: string;
  name: string;
  unit: string;
  obsession: boolean;
  priority: string | null;
  latest: Point | null;
  previous: Point | null;
  baselineValue: number | null;
  /** Against the baseline and against the previous period; null when not comparable. */
  vsBaseline: Judgement | null;
  vsPrevious: Judgement | null;
  /** ↑ ↓ → against the previous period (else the baseline); "" with nothing to compare. */
  arrow: string;
  rag: IndicatorRag;
  /** Why it is not counted, when it is not: "no readings since the baseline". */
  noData: string | null;
}

export interface IndicatorSummary {
  lines: IndicatorLine[];
  /** Seed 004: "17 of the 21 indicators improved". `of` counts only indicators with comparable readings. */
  vsBaseline: { improved: number; of: number };
  vsPrevious: { improved: number; of: number };
  /** The rest, each with why. */
  noData: IndicatorLine[];
}

/** "N of M indicators improved" against the baseline and the previous period, as at `upTo` (ISO date). */
export function summariseIndicators(indicators: readonly ReportIndicator[], upTo: string): IndicatorSummary {
  const lines = indicators.map((i) => indicatorLine(i, upTo));
  const counted = lines.filter((l) => l.noData === null);
  const count = (key: "vsBaseline" | "vsPrevious") => {
    const comparable = counted.filter((l) => l[key] !== null);
    return { improved: comparable.filter((l) => l[key] === "improving").length, of: comparable.length };
  };
  return { lines, vsBaseline: count("vsBaseline"), vsPrevious: count("vsPrevious"), noData: lines.filter((l) => l.noData !== null) };
}

export function indicatorLine(indicator: ReportIndicator, upTo: string): IndicatorLine {
  const facts = { ...indicator, readings: indicator.readings.filter((r) => r.periodEnd <= upTo) };
  const points = seriesOf(facts);
  const readings = points.filter((p) => !p.isBaseline);
  const latest = readings[readings.length - 1] ?? null;
  const before = latest ? points.filter((p) => p.date < latest.date) : [];
  const previous = before[before.length - 1] ?? null;
  const baselineValue = indicator.baseline?.value ?? null;
  const direction = indicator.polarity !== "unknown";
  const vsBaseline = latest && baselineValue !== null && direction && !(indicator.baseline?.date && latest.date <= indicator.baseline.date)
    ? judge(movementBetween(baselineValue, latest.value), indicator.polarity)
    : null;
  const vsPrevious = latest && previous && direction ? judge(movementBetween(previous.value, latest.value), indicator.polarity) : null;
  const against = previous ?? (baselineValue !== null ? { value: baselineValue } : null);
  const arrow = latest && against ? ARROWS[movementBetween(against.value, latest.value)] : "";
  const verdict = verdictOf(indicator.polarity, points, forecastOf(facts, points)).kind;
  const rag = indicatorRag(indicator, latest ? { date: latest.date, value: latest.value } : null, verdict);
  const noData = !latest
    ? "no readings since the baseline"
    : !direction
      ? "the plan sets no direction"
      : vsBaseline === null && vsPrevious === null
        ? "no baseline or earlier reading to compare with"
        : null;
  return {
    code: indicator.code,
    name: indicator.name,
    unit: indicator.unit,
    obsession: indicator.obsession,
    priority: indicator.priority?.label ?? null,
    latest,
    previous,
    baselineValue,
    vsBaseline,
    vsPrevious,
    arrow,
    rag,
    noData,
  };
}

/**
 * "3 of 5 indicators improved on their baseline; 2 of 4 indicators improved on the previous period;
 * 10 without comparable data." A side with nothing to compare says so rather than "0 of 0", and
 * a plan with no indicators says that.
 */
export function describeImproved(summary: IndicatorSummary): string {
  if (summary.lines.length === 0) return "No indicators are set.";
  const rest = summary.noData.length ? `; ${summary.noData.length} without comparable data` : "";
  if (summary.vsBaseline.of === 0 && summary.vsPrevious.of === 0) return `No indicator can be compared with its baseline or the previous period yet${rest}.`;
  const part = (c: { improved: number; of: number }, what: string, none: string) =>
    c.of === 0 ? `no indicator can be compared with ${none}` : `${c.improved} of ${c.of} ${c.of === 1 ? "indicator" : "indicators"} improved ${what}`;
  return `${part(summary.vsBaseline, "on their baseline", "its baseline")}; ${part(summary.vsPrevious, "on the previous period", "the previous period")}${rest}.`;
}
