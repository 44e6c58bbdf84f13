import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { renderChartPng, renderChartSvg } from "../../src/adapters/charts/render-chart.ts";
import { chartModel } from "../../src/domain/indicators/chart-model.ts";
import { buildReportCard } from "../../src/domain/indicators/report-card.ts";
import type { IndicatorFacts } from "../../src/domain/indicators/types.ts";
import { projectPath } from "../../src/adapters/project-files.ts";

const reading = (periodEnd: string, value: number, period = periodEnd.slice(0, 7)) => ({ period, periodEnd, value, source: null, recordedBy: null });

const LAC: IndicatorFacts = {
  id: 1,
  code: "LAC",
  name: "Number of looked after children",
  unit: "count",
  polarity: "lower_is_better",
  baseline: { value: 1434, date: "2011-01-31", text: "1,434 January 2011" },
  periodicity: null,
  forecast: [],
  targets: [{ value: 1300, dueDate: "2014-03-31", text: null }],
  tolerance: null,
  note: null,
  readings: [reading("2010-10-31", 1400), reading("2011-03-31", 1420), reading("2013-06-30", 1358)],
};

const modelOf = (facts: IndicatorFacts) => chartModel(facts, buildReportCard(facts, "2013-10-15"));
const sha = (png: Buffer) => createHash("sha256").update(png).digest("hex");
const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

describe("the turn-the-curve chart", () => {
  it("models baseline history, forecast, target and actuals marked by polarity", () => {
    const model = modelOf(LAC);
    expect(model.history.map((p) => p.date)).toEqual(["2010-10-31", "2011-01-31"]);
    // Before the baseline LAC rose about 11 a month: 1,420 in March is below where that led.
    expect(model.actuals.map((p) => [p.date, p.status])).toEqual([["2011-03-31", "better"], ["2013-06-30", "better"]]);
    const flat = modelOf({ ...LAC, readings: [reading("2011-03-31", 1450), reading("2011-06-30", 1400)] });
    expect(flat.actuals.map((p) => p.status)).toEqual(["worse", "better"]);
    const higher = modelOf({ ...LAC, polarity: "higher_is_better", readings: [reading("2011-03-31", 1450)] });
    expect(higher.actuals.map((p) => p.status)).toEqual(["better"]);
    expect(model.forecast[0]!.date).toBe("2011-01-31");
    expect(model.forecast[model.forecast.length - 1]!.date).toBe("2014-03-31");
    expect(model.targets).toEqual([{ date: "2014-03-31", value: 1300, label: "Target 1,300" }]);
    expect(model.subtitle).toContain("Lower is better. Turning the curve");
  });

  it("renders a PNG of a fixed size, not empty, with the same bytes for the same data", async () => {
    const first = await renderChartPng(modelOf(LAC));
    const second = await renderChartPng(modelOf(structuredClone(LAC)));
    expect(first.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const size = pngSize(first);
    expect(size.width).toBe(720); // the whole chart 360 px wide, drawn at twice that
    expect(size.height).toBeGreaterThan(600);
    expect(first.length).toBeGreaterThan(20_000); // lines, labels and legend, not a blank page
    expect(sha(second)).toBe(sha(first));
  });

  it("changes when the data changes, and draws its text with the packaged font", async () => {
    const base = await renderChartPng(modelOf(LAC));
    const moved = await renderChartPng(modelOf({ ...LAC, readings: [...LAC.readings.slice(0, 2), reading("2013-06-30", 1359)] }));
    expect(sha(moved)).not.toBe(sha(base));
    const svg = await renderChartSvg(modelOf(LAC));
    expect(svg).toContain("LAC · Number of looked after children");
    expect(svg).toContain('font-family="DejaVu Sans');
    // Only the title differs: if text were not drawn, the pixels would be the same.
    const retitled = await renderChartPng({ ...modelOf(LAC), title: "LAC · Children looked after" });
    expect(sha(retitled)).not.toBe(sha(base));
  });

  it("gives the same bytes in another time zone (another process)", async () => {
    const script = `import { renderChartPng } from "./src/adapters/charts/render-chart.ts";
      import { createHash } from "node:crypto";
      const model = JSON.parse(process.argv[1]);
      const png = await renderChartPng(model);
      process.stdout.write(createHash("sha256").update(png).digest("hex"));`;
    const model = modelOf(LAC);
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, JSON.stringify(model)], {
      cwd: projectPath(),
      env: { ...process.env, TZ: "Pacific/Auckland" },
      encoding: "utf8",
    });
    expect(out).toBe(sha(await renderChartPng(model)));
  });

  it("draws an indicator with a single baseline point and no readings", async () => {
    const png = await renderChartPng(modelOf({ ...LAC, readings: [], targets: [] }));
    expect(pngSize(png).width).toBe(720);
  });
});
