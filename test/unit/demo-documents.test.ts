import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_DIR, readDemo } from "../../src/bot/demo.ts";
import { findDue } from "../../src/domain/dates/due-phrase.ts";
import { parsePeriod } from "../../src/domain/indicators/periods.ts";
import { parseRef } from "../../src/domain/refs.ts";

const { partnership, plans } = readDemo();
const cypp = plans.find((p) => p.plan.key === "cypp-2011-15")!;
const piap = plans.find((p) => p.plan.key === "piap-2015")!;

/** The source document's words, with HTML tags stripped, as one token stream. */
function sourceWords(file: string): string[] {
  const raw = readFileSync(path.join(DEMO_DIR, "sources", file), "utf8");
  return words(raw.replace(/<[^>]+>/g, " "));
}
// Steps split at a semicolon drop it, so trailing punctuation is not compared.
const words = (text: string): string[] =>
  text
    .split(/\s+/)
    .map((w) => w.replace(/[;,.]+$/, ""))
    .filter(Boolean);

/** True when `needle`'s words appear in order in the source (cells may wrap across table lines). */
function inOrder(needle: string, haystack: string[]): boolean {
  let at = 0;
  for (const word of words(needle)) {
    const found = haystack.indexOf(word, at);
    if (found < 0) return false;
    at = found + 1;
  }
  return true;
}

describe("the Leeds demo plans", () => {
  it("has the CYPP's 5 outcomes, 11 priorities, 15 key indicators (attendance as primary and secondary) and the 3 obsessions", () => {
    expect(cypp.outcomes).toHaveLength(5);
    expect(cypp.priorities.map((p) => p.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // Indicator 3, attendance, is two: the plan gives primary and secondary figures apart.
    expect(cypp.indicators.map((i) => i.number)).toEqual([1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(cypp.priorities.filter((p) => p.obsession).map((p) => p.refPrefix)).toEqual(["LAC", "ATT", "NEET"]);
    expect(cypp.indicators.filter((i) => i.obsession).map((i) => i.code)).toEqual(["LAC", "ATT", "ATT-PRI", "NEET"]);
  });

  it("keeps the baselines as written: 1,434 looked after children, 91.6% attendance, 8.3% NEET", () => {
    const byCode = new Map(cypp.indicators.map((i) => [i.code, i]));
    expect(byCode.get("LAC")!.baseline).toMatchObject({ value: 1434, date: "2011-01-31" });
    expect(byCode.get("ATT")!.baseline!.value).toBe(91.6);
    // Primary attendance keeps both of the plan's figures, each with its period.
    expect(byCode.get("ATT-PRI")!.baseline).toMatchObject({ value: 94.3, date: "2010-03-31" });
    expect(byCode.get("ATT-PRI")!.readings).toEqual([expect.objectContaining({ period: "half terms 1-5 2009/10", value: 94.4 })]);
    expect(byCode.get("NEET")!.baseline!.value).toBe(8.3);
    expect(byCode.get("LAC")!.polarity).toBe("lower_is_better");
    expect(byCode.get("ATT")!.polarity).toBe("higher_is_better");
    expect(byCode.get("SHORT-BREAKS")!.baseline).toBeNull();
  });

  // Each baseline is dated where its words put it, by the rules Curve reads those words with
  // ("as at end of half term 4 2009/10" is 31 March 2010, not a day in February).
  const BASELINE_WORDING: [code: string, phrase: string, inText: string][] = [
    ["LAC", "January 2011", "January 2011"],
    ["CPP", "January 2011", "January 2011"],
    // Its figures cover half terms 1-5; its note says it is dated at the end of the academic year on purpose.
    ["ATT", "academic year 2009/10", "09/10 academic year"],
    ["ATT-PRI", "half term 4 2009/10", "end of half term 4 2009/10"],
    ["NEET", "January 2011", "November-January 2010/11"],
    ...(["EYFS", "KS2", "GCSE", "L3-19", "PE-SPORT"].map((code) => [code, "academic year 2009/10", "09/10 academic year"]) as [string, string, string][]),
    ["APPR", "academic year 2009/10", "in 09/10"],
    ["OBESITY-Y6", "academic year 2009/10", "09/10"],
    ["TEEN-PREG", "June 2009", "June 2009"],
    ["YOUTH-OFFENDING", "financial year 2009/10", "in 09/10"],
  ];
  it.each(BASELINE_WORDING)("dates %s's baseline at the end of %s, as its words say", (code, phrase, inText) => {
    const baseline = cypp.indicators.find((i) => i.code === code)!.baseline!;
    expect(baseline.text).toContain(inText);
    const period = parsePeriod(phrase);
    expect(period.ok && period.value.end, phrase).toBe(baseline.date);
  });

  it("has every row of the three obsession action plans, refs numbered as in the document", () => {
    const refs = cypp.actions.map((a) => a.ref);
    const numbered = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
    for (const ref of [...numbered("LAC", 23), ...numbered("ATT", 7), ...numbered("NEET", 10), "LAC-4b", "LAC-12b"]) {
      expect(refs).toContain(ref);
    }
    expect(refs).toHaveLength(42);
    expect(new Set(refs).size).toBe(refs.length);
    for (const suffixed of cypp.actions.filter((a) => /[a-z]$/.test(a.ref))) expect(suffixed.note, suffixed.ref).toBeTruthy();
  });

  it("has the 15 areas for improvement of the Ofsted plan, each with a lead and a dated commitment", () => {
    expect(piap.actions.map((a) => a.ref)).toEqual(Array.from({ length: 15 }, (_, i) => `PIAP-${i + 1}`));
    for (const area of piap.actions) {
      expect(area.ownerText, area.ref).toBeTruthy();
      expect(area.milestones.some((m) => findDue(m.text, { today: "2015-04-01" }).precision !== "tbc"), area.ref).toBe(true);
    }
  });

  it("splits milestone cells into steps in the order written", () => {
    const att1 = cypp.actions.find((a) => a.ref === "ATT-1")!;
    expect(att1.milestones.map((m) => m.text)).toEqual(["Project Brief March 2011", "Delivery Summer term 2011"]);
    const lac19 = cypp.actions.find((a) => a.ref === "LAC-19")!;
    expect(lac19.milestones.map((m) => findDue(m.text).due)).toEqual(["2011-05-31", "2011-09-30", "2012-03-31"]);
  });

  it("transcribes titles, owners, contributors and milestones in the documents' own words", () => {
    const sources = [
      { doc: cypp, words: sourceWords("children-and-young-peoples-plan-2011-15.txt") },
      { doc: piap, words: sourceWords("ofsted-post-inspection-action-plan-2015.txt") },
    ];
    const failures: string[] = [];
    for (const { doc, words: source } of sources) {
      for (const action of doc.actions) {
        const texts = [action.title, action.targeting, action.ownerText, ...action.milestones.map((m) => m.text)];
        for (const text of texts) if (text && !inOrder(text, source)) failures.push(`${action.ref}: ${text}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("names every owner, sponsor and lead as a person with an example.org email", () => {
    for (const doc of plans) {
      const names = new Set(doc.people.map((p) => p.name));
      const named = [
        ...doc.priorities.flatMap((p) => [...p.sponsors, ...p.leads]),
        ...doc.actions.flatMap((a) => [...a.owners, ...a.contributors].flatMap((party) => ("person" in party ? [party.person] : []))),
      ];
      for (const name of named) expect(names, `${doc.plan.key}: ${name}`).toContain(name);
      for (const person of doc.people) expect(person.email).toMatch(/^[a-z0-9.]+@example\.org$/);
    }
    expect(cypp.people.find((p) => p.name === "Sue May")?.email).toBe("sue.may@example.org");
    expect(Object.keys(partnership.roles)).toContain("nigel.richardson@example.org");
  });

  it("gives every milestone a date or marks it to be agreed, and every ref parses", () => {
    for (const doc of plans) {
      for (const action of doc.actions) {
        expect(parseRef(action.ref)?.action, action.ref).toBe(action.ref);
        for (const m of action.milestones) {
          const due = findDue(m.text, { today: doc.plan.periodStart! });
          if (/\bXXX\b|to be agreed/i.test(m.text)) expect(due.precision, m.text).toBe("tbc");
          if (/\b(19|20)\d\d\b/.test(m.text)) expect(due.precision, m.text).not.toBe("tbc");
        }
      }
    }
  });
});
