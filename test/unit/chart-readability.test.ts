import { describe, expect, it } from "vitest";
import { renderChartSvg } from "../../src/adapters/charts/render-chart.ts";
import { chartModel } from "../../src/domain/indicators/chart-model.ts";
import { buildReportCard } from "../../src/domain/indicators/report-card.ts";
import type { IndicatorFacts } from "../../src/domain/indicators/types.ts";

const lac: IndicatorFacts = {
  id: 1, code: "LAC", name: "Number of looked after children", unit: "count", polarity: "lower_is_better",
  baseline: { value: 1434, date: "2011-01-31", text: "1,434 January 2011" }, periodicity: null, forecast: [],
  targets: [{ value: 1300, dueDate: "2014-03-31", text: null }], tolerance: null, note: null,
  readings: [
    { period: "Q4 2010/11", periodEnd: "2011-03-31", value: 1420, source: "children's social care return", recordedBy: null },
    { period: "2011/12", periodEnd: "2012-03-31", value: 1390, source: null, recordedBy: null },
    { period: "30 Jun 2013", periodEnd: "2013-06-30", value: 1358, source: "Executive Board report, October 2013", recordedBy: null },
  ],
};

const relativeLuminance = (hex: string) => {
  const c = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255).map((x) => (x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
};
const contrastOnWhite = (hex: string) => 1.05 / (relativeLuminance(hex) + 0.05);

describe("the turn-the-curve chart, as people see it", async () => {
  const svg = await renderChartSvg(chartModel(lac, buildReportCard(lac, "2013-10-15")));
  const width = Number(/<svg[^>]* width="(\d+(\.\d+)?)"/.exec(svg)![1]);
  const texts = [...svg.matchAll(/<text[^>]*>[\s\S]*?<\/text>/g)].map((m) => m[0]);

  it("keeps every label at least 11 px when shown 450 px wide (a Teams card) and 360 px wide (a phone)", () => {
    const sizes = texts.map((t) => Number(/font-size="(\d+(\.\d+)?)px"/.exec(t)?.[1] ?? /font-size:\s*(\d+(\.\d+)?)px/.exec(t)?.[1]));
    expect(sizes.length).toBeGreaterThan(10);
    for (const display of [450, 360]) {
      const smallest = Math.min(...sizes) * (display / width);
      expect(smallest, `at ${display} px`).toBeGreaterThanOrEqual(11);
    }
  });

  it("puts the periods as recorded under the x axis, starts the y axis at zero, and says its source and when it was updated", () => {
    const labels = texts.map((t) => t.replace(/<[^>]+>/g, ""));
    expect(labels).toContain("30 Jun 2013");
    expect(labels).toContain("Baseline");
    expect(labels).not.toContain("Jan 2011");
    expect(labels).toContain("0");
    expect(labels.join(" ")).toContain("Source: Executive Board report, October 2013");
    expect(labels.join(" ")).toContain("last updated with the 30 Jun 2013 reading");
  });

  it("draws every text at 4.5:1 contrast or more against its white background", () => {
    expect(svg).toContain('fill="#ffffff"');
    const fills = texts.map((t) => /fill="(#[0-9a-fA-F]{6})"/.exec(t)?.[1] ?? "#000000");
    for (const fill of fills) expect(contrastOnWhite(fill), fill).toBeGreaterThanOrEqual(4.5);
  });
});
