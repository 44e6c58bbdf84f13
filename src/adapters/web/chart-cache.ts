import { createHash } from "node:crypto";
import type { ChartModel } from "../../domain/indicators/chart-model.ts";

// Each distinct chart is drawn once: the key is the model itself, so a new reading is a new key.
const MAX_CHARTS = 256;
const drawn = new Map<string, Promise<string>>();

/**
 * The turn-the-curve chart as SVG, drawn by the same renderer as the chat's PNG charts
 * (src/adapters/charts). Drawing takes tens of milliseconds, so the last 256 distinct
 * charts are kept, keyed by a hash of their model: any change of data draws afresh.
 */
export function chartSvg(model: ChartModel): Promise<string> {
  const key = createHash("sha256").update(JSON.stringify(model)).digest("base64url");
  const hit = drawn.get(key);
  if (hit) {
    drawn.delete(key);
    drawn.set(key, hit);
    return hit;
  }
  const svg = import("../charts/render-chart.ts").then(({ renderChartSvg }) => renderChartSvg(model));
  drawn.set(key, svg);
  svg.catch(() => drawn.delete(key));
  while (drawn.size > MAX_CHARTS) drawn.delete(drawn.keys().next().value!);
  return svg;
}
