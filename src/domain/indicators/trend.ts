import { daysBetween } from "../dates/calendar.ts";
import { periodsEndingBetween } from "./cadence.ts";
import type { IndicatorFacts, Periodicity, Polarity } from "./types.ts";

/**
 * Outcomes-based accountability's questions, as arithmetic: which way is the indicator
 * going, for how long, and is it doing better than "where we'd be if nothing changed"?
 */
export interface Point {
  date: string;
  value: number;
  label: string;
  isBaseline: boolean;
}

export type Movement = "up" | "down" | "flat";
/** "rising" and "falling" are for indicators whose plan does not say which way is better. */
export type Judgement = "improving" | "worsening" | "no_change" | "rising" | "falling";

export interface Trend {
  movement: Movement;
  judgement: Judgement;
  /** Consecutive periods, counted back from the latest reading, that moved the same way. */
  periods: number;
  /** When the run started: the reading before its first step. */
  since: string;
  /** Periods inside the run with no reading, when the indicator's periodicity is known. */
  missing: number;
}

export type ForecastKind = "entered" | "baseline_trend" | "flat";

export type VerdictKind = "turning" | "not_turning" | "on_forecast" | "no_direction" | "too_early";

export interface Verdict {
  kind: VerdictKind;
  forecastKind: ForecastKind;
  actual: Point | null;
  forecast: number | null;
  /** actual minus forecast. */
  difference: number | null;
}

/** Baseline first (when it has a date), then the readings in date order; a reading on the baseline's date replaces it. */
export function seriesOf(facts: Pick<IndicatorFacts, "baseline" | "readings">): Point[] {
  const readings = [...facts.readings].sort((a, b) => a.periodEnd.localeCompare(b.periodEnd));
  const points: Point[] = readings.map((r) => ({ date: r.periodEnd, value: r.value, label: r.period, isBaseline: false }));
  const b = facts.baseline;
  if (b?.date && !points.some((p) => p.date === b.date)) {
    points.push({ date: b.date, value: b.value, label: b.text ?? "baseline", isBaseline: true });
    points.sort((x, y) => x.date.localeCompare(y.date));
  }
  return points;
}

// Figures are typed to a decimal place or two; anything smaller is noise from floating point.
const same = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

export const movementBetween = (from: number, to: number): Movement => (same(from, to) ? "flat" : to > from ? "up" : "down");

export function judge(movement: Movement, polarity: Polarity): Judgement {
  if (movement === "flat") return "no_change";
  if (polarity === "unknown") return movement === "up" ? "rising" : "falling";
  const better = polarity === "lower_is_better" ? "down" : "up";
  return movement === better ? "improving" : "worsening";
}

export function trendOf(points: readonly Point[], polarity: Polarity, periodicity: Periodicity | null): Trend | null {
  if (points.length < 2) return null;
  const last = points.length - 1;
  const movement = movementBetween(points[last - 1]!.value, points[last]!.value);
  let start = last - 1;
  while (start > 0 && movementBetween(points[start - 1]!.value, points[start]!.value) === movement) start -= 1;
  let missing = 0;
  if (periodicity) {
    for (let i = start; i < last; i++) {
      const between = periodsEndingBetween(periodicity, points[i]!.date, points[i + 1]!.date);
      // Periods that ended before the next reading's date were skipped; the one it falls in is not.
      missing += between.filter((p) => p.end < points[i + 1]!.date).length;
    }
  }
  return { movement, judgement: judge(movement, polarity), periods: last - start, since: points[start]!.date, missing };
}

/** A least-squares line through points, as value = a + b * (days since the first point). */
function fitLine(points: readonly { date: string; value: number }[]): (date: string) => number {
  const origin = points[0]!.date;
  const xs = points.map((p) => daysBetween(origin, p.date));
  const meanX = xs.reduce((s, x) => s + x, 0) / xs.length;
  const meanY = points.reduce((s, p) => s + p.value, 0) / points.length;
  const sxx = xs.reduce((s, x) => s + (x - meanX) ** 2, 0);
  const slope = sxx === 0 ? 0 : xs.reduce((s, x, i) => s + (x - meanX) * (points[i]!.value - meanY), 0) / sxx;
  return (date) => meanY + slope * (daysBetween(origin, date) - meanX);
}

/** Straight lines between anchors; beyond the last one the last segment carries on. */
function interpolate(anchors: readonly { date: string; value: number }[]): (date: string) => number {
  if (anchors.length === 1) return () => anchors[0]!.value;
  return (date) => {
    let i = anchors.findIndex((a) => a.date >= date);
    if (i <= 0) i = i === 0 ? 1 : anchors.length - 1;
    const a = anchors[i - 1]!;
    const b = anchors[i]!;
    const span = daysBetween(a.date, b.date);
    return span === 0 ? b.value : a.value + ((b.value - a.value) * daysBetween(a.date, date)) / span;
  };
}

export interface Forecast {
  kind: ForecastKind;
  /** The last date the forecast is anchored on: readings after it are judged against it. */
  from: string | null;
  at(date: string): number;
}

/**
 * "Where we'd be if nothing changed": the forecast the partnership entered, else a straight
 * line through the baseline's history (the readings up to the baseline), else flat at the baseline.
 */
export function forecastOf(facts: Pick<IndicatorFacts, "baseline" | "readings" | "forecast">, points: readonly Point[] = seriesOf(facts)): Forecast | null {
  const base = facts.baseline;
  const anchorDate = base?.date ?? null;
  const entered = [...facts.forecast].sort((a, b) => a.periodEnd.localeCompare(b.periodEnd));
  if (entered.length) {
    const anchors = [
      ...(base?.date && base.date < entered[0]!.periodEnd ? [{ date: base.date, value: base.value }] : []),
      ...entered.map((f) => ({ date: f.periodEnd, value: f.value })),
    ];
    return { kind: "entered", from: anchorDate, at: interpolate(anchors) };
  }
  if (base && base.date) {
    const history = points.filter((p) => p.date <= base.date!);
    if (history.length >= 2) return { kind: "baseline_trend", from: base.date, at: fitLine(history) };
    return { kind: "flat", from: base.date, at: () => base.value };
  }
  if (base) return { kind: "flat", from: null, at: () => base.value };
  // No baseline at all: the first reading is where the partnership started from.
  const first = points[0];
  return first ? { kind: "flat", from: first.date, at: () => first.value } : null;
}

export function verdictOf(polarity: Polarity, points: readonly Point[], forecast: Forecast | null): Verdict {
  const latest = points[points.length - 1] ?? null;
  const since = forecast?.from ?? null;
  const tooEarly: Verdict = { kind: "too_early", forecastKind: forecast?.kind ?? "flat", actual: latest, forecast: null, difference: null };
  if (!forecast || !latest || latest.isBaseline || (since !== null && latest.date <= since)) return tooEarly;
  const expected = forecast.at(latest.date);
  const difference = latest.value - expected;
  const base = { forecastKind: forecast.kind, actual: latest, forecast: expected, difference };
  if (polarity === "unknown") return { kind: "no_direction", ...base };
  if (Math.abs(difference) <= 1e-9 * Math.max(1, Math.abs(expected))) return { kind: "on_forecast", ...base };
  const better = polarity === "lower_is_better" ? difference < 0 : difference > 0;
  return { kind: better ? "turning" : "not_turning", ...base };
}
