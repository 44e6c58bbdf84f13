import { forecastOf } from "./trend.ts";
import { POLARITY_WORDS, describeVerdict, formatValue, type ReportCard } from "./report-card.ts";
import type { IndicatorFacts } from "./types.ts";

/**
 * What the turn-the-curve chart shows, decided here so the picture and the words agree:
 * the baseline history, the forecast ("if nothing changed"), the targets and the actuals,
 * each actual marked better or worse than the forecast according to the indicator's polarity.
 */
export type ActualStatus = "better" | "worse" | "level";

export interface ChartPoint {
  date: string;
  value: number;
  label: string;
  /** The period as recorded ("Jun 2013", "Q3 2011/12"), for the x axis; absent on lines drawn between readings. */
  period?: string;
}

export interface ChartModel {
  title: string;
  subtitle: string;
  unit: string;
  history: ChartPoint[];
  actuals: (ChartPoint & { status: ActualStatus })[];
  forecast: ChartPoint[];
  targets: ChartPoint[];
  /** Where the figures come from and how recent they are: "Source: … · last updated with the Jun 2013 reading". */
  footer: string;
}

export function chartModel(facts: IndicatorFacts, card: ReportCard): ChartModel {
  const forecast = forecastOf(facts, card.points);
  const anchor = forecast?.from ?? null;
  const fmt = (value: number) => formatValue(value, facts.unit);
  const history = card.points.filter((p) => anchor !== null && p.date <= anchor).map((p) => ({ date: p.date, value: p.value, label: fmt(p.value), period: p.isBaseline ? "Baseline" : p.label }));
  const actuals = card.points
    .filter((p) => anchor === null || p.date > anchor)
    .map((p) => {
      const expected = forecast ? forecast.at(p.date) : p.value;
      const gap = p.value - expected;
      const better = facts.polarity === "lower_is_better" ? gap < 0 : gap > 0;
      const status: ActualStatus = facts.polarity === "unknown" || Math.abs(gap) < 1e-9 ? "level" : better ? "better" : "worse";
      return { date: p.date, value: p.value, label: fmt(p.value), period: p.isBaseline ? "Baseline" : p.label, status };
    });
  const targets = [...facts.targets]
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate))
    .map((t) => ({ date: t.dueDate, value: t.value, label: `Target ${fmt(t.value)}` }));
  const lastDate = [...card.points.map((p) => p.date), ...targets.map((t) => t.date), ...facts.forecast.map((f) => f.periodEnd)].sort().pop();
  const forecastLine: ChartPoint[] = [];
  if (forecast && anchor && lastDate && lastDate > anchor) {
    const dates = [anchor, ...facts.forecast.map((f) => f.periodEnd).filter((d) => d > anchor && d < lastDate), lastDate];
    for (const date of [...new Set(dates)].sort()) {
      const value = forecast.at(date);
      forecastLine.push({ date, value, label: fmt(value) });
    }
  }
  const newest = [...facts.readings].sort((a, b) => a.periodEnd.localeCompare(b.periodEnd)).pop();
  const footer = newest
    ? `Source: ${newest.source ?? "readings recorded in Curve"} · last updated with the ${newest.period} reading`
    : `Source: ${facts.baseline?.text ? "the plan's baseline" : "Curve"} · no readings recorded yet`;
  return {
    footer,
    title: `${facts.code} · ${facts.name}`,
    subtitle: `${POLARITY_WORDS[facts.polarity]}. ${describeVerdict(card)}`,
    unit: facts.unit,
    history,
    actuals,
    forecast: forecastLine,
    targets,
  };
}
