import { createRequire } from "node:module";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { ChartModel } from "../../domain/indicators/chart-model.ts";
import { CHART_FONT, chartSpec } from "./chart-spec.ts";

// Fonts come from an npm package, never the system, so every machine draws the same pixels.
const require = createRequire(import.meta.url);
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((file) => require.resolve(`dejavu-fonts-ttf/ttf/${file}`));

/** Twice the spec's size, so the chart stays sharp on high-density screens. */
const ZOOM = 2;

/** The chart as SVG. Vega measures text by estimate when no canvas is installed, which is deterministic too. */
export async function renderChartSvg(model: ChartModel): Promise<string> {
  const view = new vega.View(vega.parse(compile(chartSpec(model) as unknown as TopLevelSpec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The same model always gives the same bytes: no clock, no random ids, no system fonts. */
export async function renderChartPng(model: ChartModel): Promise<Buffer> {
  const svg = await renderChartSvg(model);
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
    fitTo: { mode: "zoom", value: ZOOM },
    background: "#ffffff",
  });
  return resvg.render().asPng();
}
