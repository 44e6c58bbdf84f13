import { describe, expect, it } from "vitest";
import { readFigure } from "../../src/domain/numbers.ts";

// Figures as people type them for indicator readings: what Curve records, or why it refuses.
const READ: [typed: string, value: number | null, words: number][] = [
  ["1,420", 1420, 1],
  ["1420", 1420, 1],
  ["12,345,678", 12345678, 1],
  ["1,234.5", 1234.5, 1],
  ["91.6%", 91.6, 1],
  ["91.6", 91.6, 1],
  ["91.6 %", 91.6, 2],
  ["7.5 per cent", 7.5, 3],
  ["8.0%", 8, 1],
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
];

describe("reading a figure", () => {
  it.each(READ)("reads %j as %j", (typed, value, words) => {
    const result = readFigure(`${typed} Q2 2012/13`);
    expect(result).toEqual({ ok: true, value: { value, words } });
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
