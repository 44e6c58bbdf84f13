import { describe, expect, it } from "vitest";
import { figureProblem, wholeFigure } from "../../src/domain/indicators/report-card.ts";
import { readFigure } from "../../src/domain/numbers.ts";

// Figures as people type them for indicator readings: what Curve records, or why it refuses.
const READ: [typed: string, value: number | null, words: number, sign?: string][] = [
  ["1,420", 1420, 1],
  ["1420", 1420, 1],
  ["12,345,678", 12345678, 1],
  ["1,234.5", 1234.5, 1],
  ["91.6%", 91.6, 1, "%"],
  ["91.6", 91.6, 1],
  ["91.6 %", 91.6, 2, "%"],
  ["7.5 per cent", 7.5, 3, "per cent"],
  ["8.0%", 8, 1, "%"],
  ["£12", 12, 1, "£"],
  ["9007199254740991", 9007199254740991, 1],
  ["0.30000000000000004", 0.30000000000000004, 1],
  ["0.0000001", 0.0000001, 1],
  [".5", 0.5, 1],
  ["0", 0, 1],
  ["n/a", null, 1],
  ["N/A", null, 1],
  ["NA", null, 1],
  ["not known", null, 2],
  ["Not Known", null, 2],
  ["unknown", null, 1],
  ["NK", null, 1],
  ["-", null, 1],
];

const REFUSED: [typed: string, words: RegExp][] = [
  ["7,5", /decimal comma.*write 7\.5 .*750/],
  ["8,1%", /decimal comma.*write 8\.1/],
  ["0,25", /decimal comma.*write 0\.25 \(with a point\)\.$/],
  ["0,5%", /decimal comma.*write 0\.5 \(with a point\)\.$/],
  ["12,5", /decimal comma.*write 12\.5 .*12500\.$/],
  ["1.234,5", /decimal comma/],
  ["1,42", /decimal comma/],
  ["1,4200", /commas may only group thousands in threes/],
  ["12,34,567", /commas may only group thousands in threes/],
  [",5", /commas may only group thousands in threes/],
  ["1 420", /"1 420" has a space inside the number; write 1420 without it, or 1,420\./],
  ["12 345.5", /write 12345.5 without it, or 12,345.5\./],
  ["seven", /is not a number/],
  ["7.5.1", /is not a number/],
  ["1e3", /is not a number/],
  ["Infinity", /is not a number/],
  // More digits than a double keeps: stored, it would be another number.
  ["99999999999999999999", /can't be kept exactly as typed \(it would be stored as 100,000,000,000,000,000,000\)/],
  ["9007199254740993", /can't be kept exactly as typed/],
  ["7.50000000000000001", /can't be kept exactly as typed \(it would be stored as 7\.5\)/],
];

describe("reading a figure", () => {
  it.each(READ)("reads %j as %j", (typed, value, words, sign) => {
    const result = readFigure(`${typed} Q2 2012/13`);
    expect(result).toEqual({ ok: true, value: { value, words, sign: sign ?? null } });
  });

  it.each(REFUSED)("refuses %j in one sentence", (typed, words) => {
    const result = readFigure(`${typed} Q2 2012/13`);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).toMatch(words);
      expect(result.error.message).toContain(`"${typed}"`);
      expect(result.error.message.split(/\. (?=[A-Z])/)).toHaveLength(1);
    }
  });
});

describe("a figure of an indicator, in its unit", () => {
  it("refuses a unit sign that is not the indicator's: % on a count or a rate, money on anything", () => {
    expect(figureProblem(12, "count", "LAC", "%")).toBe('LAC is a count, not a percentage, so "%" can\'t go with its figures: give the figure in LAC\'s unit, without "%".');
    expect(figureProblem(12, "per_1000", "TEENP", "per cent")).toMatch(/^TEENP is a rate per 1,000, not a percentage/);
    expect(figureProblem(5, "per_1000", "TEENP", "£")).toMatch(/^TEENP is a rate per 1,000, not money, so "£" can't go/);
    expect(figureProblem(5, "percent", "NEET", "£")).toMatch(/^NEET is a percentage, not money/);
    expect(figureProblem(7.5, "percent", "NEET", "%")).toBeNull();
    expect(figureProblem(7.5, "percent", "NEET", "per cent")).toBeNull();
    expect(figureProblem(7.5, "percent", "NEET", null)).toBeNull();
  });

  it("refuses a count too large to keep exactly", () => {
    expect(figureProblem(1e20, "count", "LAC")).toMatch(/more than Curve can keep exactly as a count of LAC/);
    expect(figureProblem(Number.MAX_SAFE_INTEGER, "count", "LAC")).toBeNull();
  });

  it("reads a whole cell or tolerance as one figure, as chat reads a reading", () => {
    expect(wholeFigure("1,300", "count", "LAC")).toEqual({ ok: true, value: 1300 });
    expect(wholeFigure("0.5 %", "percent", "NEET")).toEqual({ ok: true, value: 0.5 });
    expect(wholeFigure("n/a", "count", "LAC")).toEqual({ ok: true, value: null });
    for (const [typed, unit, says] of [
      ["12%", "count", /not a percentage/],
      ["£3", "per_1000", /not money/],
      ["0,5", "percent", /decimal comma/],
      ["100000000000000000000", "count", /keep exactly/],
      ["99999999999999999999", "per_1000", /kept exactly as typed/],
      ["-1", "count", /can't be a figure of LAC/],
      ["2 and a bit", "count", /not one figure of LAC/],
    ] as const) {
      const read = wholeFigure(typed, unit, "LAC");
      expect(read.ok, typed).toBe(false);
      if (!read.ok) expect(read.error.message, typed).toMatch(says);
    }
  });
});
