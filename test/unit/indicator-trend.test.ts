import { describe, expect, it } from "vitest";
import { buildReportCard, describeTrend, describeVerdict, formatGap, formatValue, reportCardLine } from "../../src/domain/indicators/report-card.ts";
import { forecastOf, judge, seriesOf, trendOf, verdictOf } from "../../src/domain/indicators/trend.ts";
import type { IndicatorFacts, Polarity } from "../../src/domain/indicators/types.ts";

const reading = (periodEnd: string, value: number) => ({ period: periodEnd.slice(0, 7), periodEnd, value, source: null, recordedBy: null });

const facts = (over: Partial<IndicatorFacts> = {}): IndicatorFacts => ({
  id: 1,
  code: "LAC",
  name: "Number of looked after children",
  unit: "count",
  polarity: "lower_is_better",
  baseline: { value: 1434, date: "2011-01-31", text: "1,434 January 2011" },
  periodicity: null,
  forecast: [],
  targets: [],
  tolerance: null,
  note: null,
  readings: [],
  ...over,
});

describe("direction by polarity", () => {
  it("counts down as better when lower is better, up when higher is better, and neither when unknown", () => {
    expect(judge("down", "lower_is_better")).toBe("improving");
    expect(judge("up", "lower_is_better")).toBe("worsening");
    expect(judge("up", "higher_is_better")).toBe("improving");
    expect(judge("down", "higher_is_better")).toBe("worsening");
    expect(judge("up", "unknown")).toBe("rising");
    expect(judge("down", "unknown")).toBe("falling");
    expect(judge("flat", "higher_is_better")).toBe("no_change");
  });
});

describe("the trend", () => {
  it("counts the consecutive periods moving the same way, back from the latest", () => {
    const points = seriesOf(facts({ readings: [reading("2011-02-28", 1440), reading("2011-03-31", 1420), reading("2011-04-30", 1410), reading("2011-05-31", 1400)] }));
    // 1434 -> 1440 up, then three steps down
    expect(trendOf(points, "lower_is_better", null)).toMatchObject({ movement: "down", judgement: "improving", periods: 3, since: "2011-02-28", missing: 0 });
  });

  it("treats a flat run as no change and counts its length", () => {
    const points = seriesOf(facts({ polarity: "higher_is_better", baseline: { value: 91.6, date: "2010-07-31", text: null }, readings: [reading("2011-07-31", 92.1), reading("2012-07-31", 92.1), reading("2013-07-31", 92.1)] }));
    expect(trendOf(points, "higher_is_better", null)).toMatchObject({ movement: "flat", judgement: "no_change", periods: 2, since: "2011-07-31" });
  });

  it("counts missing periods inside the run when the periodicity is known", () => {
    const points = seriesOf(facts({ readings: [reading("2011-02-28", 1430), reading("2011-05-31", 1400)] }));
    const trend = trendOf(points, "lower_is_better", "monthly");
    expect(trend).toMatchObject({ periods: 2, missing: 2 }); // March and April have no reading
    expect(describeTrend(trend)).toBe("↓ improving for 2 periods (since 31 Jan 2011, 2 periods without a reading)");
  });

  it("has no trend for a one-point series", () => {
    expect(trendOf(seriesOf(facts()), "lower_is_better", null)).toBeNull();
    expect(describeTrend(null)).toBe("not enough readings for a trend yet");
  });

  it("lets a reading on the baseline's date stand for the baseline", () => {
    const points = seriesOf(facts({ readings: [reading("2011-01-31", 1433)] }));
    expect(points).toEqual([{ date: "2011-01-31", value: 1433, label: "2011-01", isBaseline: false }]);
  });
});

describe("the turn-the-curve verdict", () => {
  const verdict = (f: IndicatorFacts) => verdictOf(f.polarity, seriesOf(f), forecastOf(f));

  it("judges the LAC figures of the Done-when as turning the curve against a flat baseline", () => {
    const lac = facts({ readings: [reading("2011-03-31", 1420), reading("2013-06-30", 1358)] });
    const v = verdict(lac);
    expect(v).toMatchObject({ kind: "turning", forecastKind: "flat", forecast: 1434, difference: -76 });
    const card = buildReportCard(lac, "2013-10-15");
    expect(card.trend).toMatchObject({ movement: "down", judgement: "improving", periods: 2 });
    expect(describeVerdict(card)).toBe("Turning the curve: 76 below the baseline (1,434).");
    expect(reportCardLine(card)).toBe("LAC 1,358 (2013-06) ↓ improving for 2 periods · turning the curve");
  });

  it("draws the forecast as a straight line through the baseline's history", () => {
    // Rising by 10 a month before the baseline: if nothing changed, 1,454 two months after it.
    const f = facts({ readings: [reading("2010-11-30", 1404), reading("2010-12-31", 1414), reading("2011-03-31", 1440)], baseline: { value: 1424, date: "2010-12-31", text: null } });
    const forecast = forecastOf(f)!;
    expect(forecast.kind).toBe("baseline_trend");
    expect(forecast.at("2011-03-31")).toBeCloseTo(1404 + (10 / 31) * 121, 6); // 10 over December's 31 days, 121 days on
    // 1,440 is above the baseline but below where the old trend pointed: the curve is turning.
    expect(verdict(f).kind).toBe("turning");
  });

  it("uses an entered forecast, and says not yet when actuals are worse than it", () => {
    const f = facts({ polarity: "higher_is_better", unit: "percent", baseline: { value: 91.6, date: "2010-07-31", text: null }, forecast: [{ periodEnd: "2012-07-31", value: 92 }], readings: [reading("2011-07-31", 91.7)] });
    const v = verdict(f);
    expect(v.kind).toBe("not_turning");
    expect(v.forecast).toBeCloseTo(91.8, 3); // about halfway between 91.6 and 92.0
    expect(describeVerdict({ verdict: v, unit: "percent", polarity: "higher_is_better" })).toBe("Not turning the curve yet: 0.1 percentage points below the forecast (91.8%).");
  });

  it("is too early with no reading since the baseline, and gives no direction without a polarity", () => {
    expect(verdict(facts()).kind).toBe("too_early");
    expect(verdict(facts({ readings: [reading("2010-12-31", 1400)] })).kind).toBe("too_early");
    const unknown = facts({ polarity: "unknown" as Polarity, readings: [reading("2011-06-30", 800)] });
    expect(verdict(unknown)).toMatchObject({ kind: "no_direction", difference: -634 });
  });

  it("is on the forecast when actuals equal it", () => {
    expect(verdict(facts({ readings: [reading("2011-06-30", 1434)] })).kind).toBe("on_forecast");
  });

  it("takes the first reading as the starting point when there is no baseline", () => {
    const f = facts({ baseline: null, polarity: "higher_is_better", readings: [reading("2011-07-31", 100), reading("2012-07-31", 120)] });
    expect(verdict(f)).toMatchObject({ kind: "turning", forecast: 100, difference: 20 });
  });

  it("judges a baseline with no date against its value", () => {
    const f = facts({ baseline: { value: 70, date: null, text: "70%" }, polarity: "higher_is_better", unit: "percent", readings: [reading("2012-07-31", 68)] });
    expect(verdict(f)).toMatchObject({ kind: "not_turning", forecast: 70 });
  });
});

describe("the report card", () => {
  it("shows the next target still ahead, else the last one", () => {
    const f = facts({ targets: [{ value: 1300, dueDate: "2012-03-31", text: null }, { value: 1250, dueDate: "2013-03-31", text: null }] });
    expect(buildReportCard(f, "2012-06-01").target?.value).toBe(1250);
    expect(buildReportCard(f, "2014-01-01").target?.value).toBe(1250);
    expect(buildReportCard(f, "2011-06-01").target?.value).toBe(1300);
  });

  it("asks for the latest missing reading when the indicator has a periodicity", () => {
    expect(buildReportCard(facts({ periodicity: "quarterly" }), "2011-09-12").due?.period.label).toBe("Q1 2011/12");
  });

  it("formats figures in the indicator's unit", () => {
    expect(formatValue(1434, "count")).toBe("1,434");
    expect(formatValue(91.6, "percent")).toBe("91.6%");
    expect(formatValue(47.4, "per_1000")).toBe("47.4 per 1,000");
    expect(formatGap(-1, "percent")).toBe("1 percentage point");
  });
});
