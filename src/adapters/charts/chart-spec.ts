import type { ChartModel } from "../../domain/indicators/chart-model.ts";

/**
 * The turn-the-curve chart as a Vega-Lite spec: baseline history, the "if nothing changed"
 * forecast (dashed), targets (diamonds) and actuals coloured by whether each is better or
 * worse than the forecast, the indicator's polarity deciding which is which. Colours are a
 * colour-blind-safe pair (green and purple, not green and red), and every series is named
 * in the legend, so no meaning rests on colour alone.
 */
export const CHART_FONT = "DejaVu Sans";

const SERIES = {
  forecast: { name: "If nothing changed", colour: "#737373" },
  history: { name: "Baseline history", colour: "#404040" },
  better: { name: "Better than forecast", colour: "#1b7837" },
  worse: { name: "Worse than forecast", colour: "#762a83" },
  level: { name: "Actual", colour: "#2166ac" },
  target: { name: "Target", colour: "#d95f02" },
} as const;

const AXIS_FORMAT: Record<string, { format: string; title: string }> = {
  count: { format: ",.0f", title: "Number" },
  percent: { format: ".1f", title: "Per cent" },
  per_1000: { format: ",.1f", title: "Per 1,000" },
};

/** Splits a long subtitle into lines of at most `width` characters, at spaces. */
function wrap(textIn: string, width = 95): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of textIn.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.slice(0, 3);
}

export function chartSpec(model: ChartModel): Record<string, unknown> {
  const axis = AXIS_FORMAT[model.unit] ?? { format: ",.2f", title: model.unit };
  // The actual line starts from the last baseline point, so the two read as one curve.
  const joined = [...model.history.slice(-1).map((p) => ({ ...p, status: "history" })), ...model.actuals];
  const used = new Set<keyof typeof SERIES>();
  const rows = <T extends { date: string; value: number; label: string }>(points: T[], series: (p: T) => keyof typeof SERIES) =>
    points.map((p) => {
      const key = series(p);
      used.add(key);
      return { date: p.date, value: p.value, label: p.label, series: SERIES[key].name };
    });
  const forecast = rows(model.forecast, () => "forecast");
  const history = rows(model.history, () => "history");
  const actualPoints = rows(model.actuals, (p) => p.status);
  const targets = rows(model.targets, () => "target");
  const latest = actualPoints.slice(-1);
  const order = (Object.keys(SERIES) as (keyof typeof SERIES)[]).filter((k) => used.has(k));
  const colour = {
    field: "series",
    type: "nominal",
    scale: { domain: order.map((k) => SERIES[k].name), range: order.map((k) => SERIES[k].colour) },
    legend: { orient: "bottom", title: null, labelFontSize: 12, symbolSize: 120, labelLimit: 320, columns: 3 },
  };
  const x = { field: "date", type: "temporal", scale: { type: "utc" }, axis: { title: null, format: "%b %Y", labelAngle: 0, tickCount: 6, labelFontSize: 12 } };
  const y = { field: "value", type: "quantitative", scale: { zero: false, nice: true }, axis: { title: axis.title, format: axis.format, labelFontSize: 12, titleFontSize: 12 } };
  const layer = (values: unknown[], mark: Record<string, unknown>, encoding: Record<string, unknown> = {}) => ({
    data: { values },
    mark,
    encoding: { x, y, color: colour, ...encoding },
  });
  const layers = [
    forecast.length ? layer(forecast, { type: "line", strokeDash: [7, 5], strokeWidth: 2 }) : null,
    history.length ? layer(history, { type: "line", point: { filled: true, size: 60, opacity: 1 }, strokeWidth: 2 }) : null,
    joined.length > 1 ? { data: { values: joined }, mark: { type: "line", strokeWidth: 2.5, color: "#2166ac" }, encoding: { x, y } } : null,
    actualPoints.length ? layer(actualPoints, { type: "point", filled: true, size: 90, opacity: 1 }) : null,
    targets.length ? layer(targets, { type: "point", shape: "diamond", filled: true, size: 150, opacity: 1 }) : null,
    targets.length ? { data: { values: targets }, mark: { type: "text", dy: -14, fontSize: 12, color: SERIES.target.colour }, encoding: { x, y, text: { field: "label" } } } : null,
    latest.length ? { data: { values: latest }, mark: { type: "text", dx: 8, dy: -12, align: "left", fontSize: 13, fontWeight: "bold", color: "#1a1a1a" }, encoding: { x, y, text: { field: "label" } } } : null,
  ].filter(Boolean);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 640,
    height: 300,
    padding: { left: 12, right: 48, top: 12, bottom: 12 },
    background: "#ffffff",
    title: { text: model.title, subtitle: wrap(model.subtitle), anchor: "start", fontSize: 16, subtitleFontSize: 12, subtitleColor: "#404040", offset: 12 },
    config: { font: CHART_FONT, view: { stroke: null }, axis: { gridColor: "#e6e6e6", domainColor: "#8c8c8c", tickColor: "#8c8c8c" } },
    layer: layers,
  };
}
