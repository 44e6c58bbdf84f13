import { createRequire } from "node:module";
import PDFDocument from "pdfkit";
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

describe("the chart's x axis labels", () => {
  // Measured with DejaVu Sans itself, the font the chart names and the PNG is drawn in.
  const doc = new PDFDocument({ autoFirstPage: false });
  doc.font(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf"));
  const widthOf = (label: string, px: number) => doc.fontSize(px).widthOfString(label);

  /** Each label Vega shows under the x axis, with the box its text takes, in px. */
  function xLabels(svg: string): { text: string; left: number; right: number }[] {
    const axis = svg.slice(svg.indexOf('aria-label="X-axis'));
    const group = /<g class="mark-text role-axis-label"[^>]*>([\s\S]*?)<\/g>/.exec(axis)![1]!;
    return [...group.matchAll(/<text text-anchor="(\w+)" transform="translate\(([-\d.]+),[-\d.]+\)"[^>]*font-size="([\d.]+)px"[^>]*opacity="([\d.]+)"[^>]*>([^<]*)<\/text>/g)]
      .filter((m) => Number(m[4]) > 0)
      .map(([, anchor, x, size, , text]) => {
        const width = widthOf(text!, Number(size));
        const left = anchor === "start" ? Number(x) : anchor === "end" ? Number(x) - width : Number(x) - width / 2;
        return { text: text!, left, right: left + width };
      });
  }

  const reading = (periodEnd: string, value: number, period = periodEnd) => ({ period, periodEnd, value, source: null, recordedBy: null });
  const cases: [string, IndicatorFacts, string, string][] = [
    ["two readings two months apart, a target years away (the tester's LAC)", { ...lac, readings: [reading("2011-06-30", 1450, "30 Jun 2011"), reading("2011-08-31", 1480, "31 Aug 2011")] }, "2011-09-12", "31 Aug 2011"],
    ["readings a day apart", { ...lac, readings: [reading("2011-08-30", 1450, "30 Aug 2011"), reading("2011-08-31", 1480, "31 Aug 2011")] }, "2011-09-12", "31 Aug 2011"],
    ["a reading the day after the baseline", { ...lac, readings: [reading("2011-02-01", 1440, "1 Feb 2011")] }, "2011-09-12", "1 Feb 2011"],
    ["three years of monthly readings", { ...lac, readings: Array.from({ length: 36 }, (_, i) => reading(new Date(Date.UTC(2011, 2 + i, 0)).toISOString().slice(0, 10), 1400 - i, `Month ${i + 1} 2011/14`)) }, "2014-02-15", "Month 36 2011…"],
    ["no target: the newest reading ends the axis", { ...lac, targets: [], readings: [reading("2011-06-30", 1450, "Q1 2011/12"), reading("2011-08-31", 1480, "Aug 2011")] }, "2011-09-12", "Aug 2011"],
    ["a percentage with long period names", { ...lac, unit: "percent", polarity: "higher_is_better", baseline: { value: 94.4, date: "2010-03-31", text: "94.4%" }, targets: [{ value: 95.5, dueDate: "2015-07-31", text: null }], readings: [reading("2010-07-31", 94.6, "Summer term 2009/10"), reading("2010-10-22", 94.9, "Autumn half term 1 2010/11")] }, "2011-09-12", "Autumn half t…"],
  ];

  it.each(cases)("never overlap, and show the newest reading's: %s", async (_what, facts, today, newest) => {
    const svg = await renderChartSvg(chartModel(facts, buildReportCard(facts, today)));
    const labels = xLabels(svg);
    expect(labels.map((l) => l.text)).toContain(newest);
    // Within the plot's width (its x axis line), so none runs into the y axis or off the image.
    const plotWidth = Number(/role-axis-domain"[^>]*><line [^>]*x2="([\d.]+)"/.exec(svg.slice(svg.indexOf('aria-label="X-axis')))![1]);
    for (const label of labels) {
      expect(label.left, label.text).toBeGreaterThanOrEqual(-0.5);
      expect(label.right, label.text).toBeLessThanOrEqual(plotWidth + 0.5);
    }
    const sorted = [...labels].sort((a, b) => a.left - b.left);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]!.left - sorted[i - 1]!.right, `"${sorted[i - 1]!.text}" and "${sorted[i]!.text}"`).toBeGreaterThanOrEqual(4);
    }
  });
});
