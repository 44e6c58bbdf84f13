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
  forecast: { name: "If nothing changed", colour: "#595959" },
  history: { name: "Baseline history", colour: "#404040" },
  better: { name: "Better than forecast", colour: "#1b7837" },
  worse: { name: "Worse than forecast", colour: "#762a83" },
  level: { name: "Actual", colour: "#2166ac" },
  // Dark enough for its label to keep 4.5:1 against white (the lighter #d95f02 gave 3.76:1).
  target: { name: "Target", colour: "#a84300" },
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
  return lines.slice(0, 4);
}

/**
 * The whole image is CHART_WIDTH px wide (drawn at twice that for sharp screens) and no text is
 * smaller than 12 px in it, so text stays at least 11 px however it is shown from 360 px (a
 * phone) up: 12 px at 360, 15 px at 450 (a Teams card).
 */
export const CHART_WIDTH = 360;
export const MIN_FONT_PX = 12;

// DejaVu Sans is wide (its digits are 0.64 em): 0.7 em a character over-counts every label
// in it, and in the narrower fonts a browser may use for the SVG instead.
const LABEL_EM = 0.7;
const LABEL_GAP_PX = 8;

/** A date labelled under the x axis, and which way its label runs from the date. */
export interface XTick {
  date: string;
  align: "left" | "center" | "right";
}

/**
 * The x axis's labelled dates: the newest reading first, then the baseline, the far end of the
 * axis and the readings between, each only where its label clears every label already chosen,
 * at most three. A label centred on its date unless that would take it past an end of the axis,
 * then running inwards from it. Chosen here by measure because Vega's labelOverlap stops
 * thinning at two labels, however they overlap ("Basel31ne Aug 2011" when two readings are
 * close). `plotWidth` may be less than the plot's real width, never more: drawn wider, dates
 * move apart and labels keep their size, so labels apart here stay apart.
 */
export function xAxisTicks(recorded: { date: string; label: string }[], domain: [string, string], plotWidth: number, most = 3): XTick[] {
  if (!recorded.length) return [];
  const [lo, hi] = domain.map((d) => Date.parse(`${d}T00:00:00Z`)) as [number, number];
  const at = (date: string) => (hi > lo ? ((Date.parse(`${date}T00:00:00Z`) - lo) / (hi - lo)) * plotWidth : 0);
  const byDate = new Map(recorded.map((p) => [p.date, p.label]));
  const newest = recorded[recorded.length - 1]!.date;
  const middle = recorded.slice(1, -1).reverse().map((p) => p.date);
  const candidates = [...new Set([newest, recorded[0]!.date, domain[1], ...middle])];
  const chosen: (XTick & { box: [number, number] })[] = [];
  for (const date of candidates) {
    if (chosen.length >= most) break;
    const x = at(date);
    const width = (byDate.get(date) ?? "Mmm 0000").length * MIN_FONT_PX * LABEL_EM;
    if (width > plotWidth) continue;
    const align = x - width / 2 < 0 ? "left" : x + width / 2 > plotWidth ? "right" : "center";
    const box: [number, number] = align === "left" ? [x, x + width] : align === "right" ? [x - width, x] : [x - width / 2, x + width / 2];
    if (chosen.every((other) => box[1] + LABEL_GAP_PX <= other.box[0] || other.box[1] + LABEL_GAP_PX <= box[0])) chosen.push({ date, align, box });
  }
  return chosen.map(({ date, align }) => ({ date, align })).sort((a, b) => a.date.localeCompare(b.date));
}

/**
 * The plot's width, under-estimated: the image less its padding and the y axis (its title,
 * ticks and the widest label it could have), so labels chosen for it never meet when drawn.
 */
function plotWidthAtMost(values: number[], unit: string): number {
  const widest = Math.max(0, ...values.map((v) => Math.abs(v))) * 1.25;
  const chars = Math.round(widest).toLocaleString("en-GB").length + (unit === "count" ? 0 : 2);
  return CHART_WIDTH - 70 - chars * MIN_FONT_PX * LABEL_EM;
}

export function chartSpec(model: ChartModel): Record<string, unknown> {
  const axis = AXIS_FORMAT[model.unit] ?? { format: ",.2f", title: model.unit };
  // The actual line starts from the last baseline point, so the two read as one curve.
  const joined = [...model.history.slice(-1).map((p) => ({ ...p, status: "history" })), ...model.actuals];
  const used = new Set<keyof typeof SERIES>();
  const rows = <T extends { date: string; value: number; label: string; period?: string }>(points: T[], series: (p: T) => keyof typeof SERIES) =>
    points.map((p) => {
      const key = series(p);
      used.add(key);
      return { date: p.date, value: p.value, label: p.label, period: p.period ?? "", series: SERIES[key].name };
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
    legend: { orient: "bottom", title: null, labelFontSize: MIN_FONT_PX, labelColor: "#1a1a1a", symbolSize: 100, labelLimit: 300, columns: 1 },
  };
  // X labels are the periods as recorded ("Q3 2011/12", "Jun 2013"), at the dates they end on.
  const recorded = [...history, ...actualPoints];
  const labelOf: Record<string, string> = Object.fromEntries(recorded.filter((p) => p.period).map((p) => [p.date, p.period.length > 14 ? `${p.period.slice(0, 13)}…` : p.period]));
  const everything = [...forecast, ...history, ...actualPoints, ...targets];
  const dates = everything.map((p) => p.date).sort();
  const ticks = xAxisTicks(
    recorded.map((p) => ({ date: p.date, label: labelOf[p.date] ?? "Mmm 0000" })),
    [dates[0] ?? "", dates[dates.length - 1] ?? ""],
    plotWidthAtMost(everything.map((p) => p.value), model.unit),
  );
  const x = {
    field: "date",
    type: "temporal",
    scale: { type: "utc" },
    axis: {
      title: null,
      values: ticks.map((t) => Date.parse(`${t.date}T00:00:00Z`)),
      labelFlush: false,
      labelAlign: {
        condition: (["left", "right"] as const).map((align) => ({ test: `indexof(${JSON.stringify(ticks.filter((t) => t.align === align).map((t) => t.date))}, utcFormat(datum.value, '%Y-%m-%d')) >= 0`, value: align })),
        value: "center",
      },
      labelExpr: `${JSON.stringify(labelOf)}[utcFormat(datum.value, '%Y-%m-%d')] || utcFormat(datum.value, '%b %Y')`,
      labelAngle: 0,
      labelFontSize: MIN_FONT_PX,
      labelColor: "#1a1a1a",
      // The ticks are chosen apart (xAxisTicks); Vega's own thinning could drop the newest reading's label.
      labelOverlap: false,
    },
  };
  // The y axis starts at zero, so a small change is never drawn as a cliff.
  const y = { field: "value", type: "quantitative", scale: { zero: true, nice: true }, axis: { title: axis.title, format: axis.format, labelFontSize: MIN_FONT_PX, titleFontSize: MIN_FONT_PX, labelColor: "#1a1a1a", titleColor: "#1a1a1a", tickCount: 5 } };
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
    targets.length ? { data: { values: targets }, mark: { type: "text", dy: 20, align: "right", fontSize: MIN_FONT_PX, color: SERIES.target.colour }, encoding: { x, y, text: { field: "label" } } } : null,
    latest.length ? { data: { values: latest }, mark: { type: "text", dy: -14, align: "right", fontSize: MIN_FONT_PX + 1, fontWeight: "bold", color: "#1a1a1a" }, encoding: { x, y, text: { field: "label" } } } : null,
  ].filter(Boolean);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: CHART_WIDTH,
    height: 220,
    autosize: { type: "fit-x", contains: "padding" },
    padding: { left: 8, right: 8, top: 8, bottom: 8 },
    background: "#ffffff",
    title: { text: wrap(model.title, 40), subtitle: [...wrap(model.subtitle, 44), ...wrap(model.footer, 44)], anchor: "start", fontSize: 14, color: "#1a1a1a", subtitleFontSize: MIN_FONT_PX, subtitleColor: "#404040", offset: 10 },
    config: { font: CHART_FONT, view: { stroke: null }, axis: { gridColor: "#e6e6e6", domainColor: "#595959", tickColor: "#595959" } },
    layer: layers,
  };
}
