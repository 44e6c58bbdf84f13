import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";
import { partnershipState } from "../support/snapshot.ts";

const OCTOBER_2013 = () => new Date("2013-10-15T09:00:00Z");

describe.each(kindsUnderTest())("indicator figures and periods on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function fresh() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, OCTOBER_2013);
    const readings = async () =>
      (await t.db.prisma.indicatorReading.findMany({ where: { indicator: { partnershipId }, recordedById: { not: null } }, include: { indicator: true }, orderBy: [{ periodEnd: "asc" }, { period: "asc" }] }))
        .map((r) => [r.indicator.code, r.period, r.periodEnd.toISOString().slice(0, 10), r.value]);
    return { partnershipId, ...driver, readings, state: () => partnershipState(t.db, partnershipId) };
  }

  const REFUSALS: [line: string, says: RegExp][] = [
    ["/indicator record NEET 7,5 Q2 2012/13", /"7,5" has a decimal comma/],
    ["/indicator record NEET 6,2% Q1 2013/14", /"6,2%" has a decimal comma/],
    ["/indicator record LAC 1,35,8 Q1 2013/14", /thousands in threes/],
    ["/indicator record LAC 1 420 2011/12", /"1 420" has a space inside the number; write 1420/],
    ["/indicator record NEET 7.5 Q5 2012/13", /not a period Curve can read/],
    ["/indicator record NEET 7.5 from April 2012", /not a period Curve can read/],
    ["/indicator record NEET 75,0 2012/13", /decimal comma/],
    // A unit sign is never dropped: one that is not the indicator's own is refused.
    ["/indicator record LAC 12% 2011-09", /^LAC is a count, not a percentage, so "%" can't go with its figures/],
    ["/indicator record LAC 12 per cent 2011-09", /^LAC is a count, not a percentage/],
    ["/indicator record TEEN-PREG 38.5% 2011/12", /^TEEN-PREG is a rate per 1,000, not a percentage/],
    ["/indicator record LAC £1420 2011-09", /^LAC is a count, not money/],
    ["/indicator record NEET £7.5 Q2 2012/13", /^NEET is a percentage, not money/],
    // Nor is a figure rounded to fit: what is stored must be what was typed.
    ["/indicator record LAC 99999999999999999999 2011-09", /"99999999999999999999" can't be kept exactly as typed/],
    ["/indicator record LAC 100000000000000000000 2011-09", /more than Curve can keep exactly as a count of LAC/],
    ["/indicator record NEET 7.50000000000000001 Q2 2012/13", /can't be kept exactly as typed \(it would be stored as 7\.5\)/],
  ];

  it.each(REFUSALS)("refuses %j with one line, and changes nothing", async (line, says) => {
    const p = await fresh();
    const before = await p.state();
    const reply = await p.run("Nigel Richardson", line);
    expect(reply.tone).toBe("error");
    expect(reply.heading).toMatch(says);
    expect(await p.state()).toEqual(before);
  });

  it("records 7.5 for NEET in Q2 2012/13, not 75", async () => {
    const p = await fresh();
    const reply = await p.run("Nigel Richardson", "/indicator record NEET 7.5 Q2 2012/13");
    expect(reply.rendered).toContain("7.5% for Q2 2012/13 (period ending 30 Sep 2012)");
    expect(await p.readings()).toEqual([["NEET", "Q2 2012/13", "2012-09-30", 7.5]]);
  });

  it("records n/a and not known as a missing value for the period (seed 003's not knowns)", async () => {
    const p = await fresh();
    const na = await p.run("Nigel Richardson", "/indicator record NEET n/a Q1 2012/13");
    expect(na.tone).toBe("success");
    expect(na.rendered).toContain("Not known for Q1 2012/13");
    const notKnown = await p.run("Nigel Richardson", "/indicator record NEET not known Q2 2012/13 Connexions return");
    expect(notKnown.rendered).toContain("Not known for Q2 2012/13");
    await p.run("Nigel Richardson", "/indicator record NEET 6.2 Q3 2012/13");
    expect(await p.readings()).toEqual([
      ["NEET", "Q1 2012/13", "2012-06-30", null],
      ["NEET", "Q2 2012/13", "2012-09-30", null],
      ["NEET", "Q3 2012/13", "2012-12-31", 6.2],
    ]);
    const history = await p.run("Cllr Blake", "/indicator history NEET");
    expect(history.rendered).toMatch(/Q3 2012\/13 · 6\.2%[\s\S]*Q2 2012\/13 · not known[\s\S]*Connexions return[\s\S]*Q1 2012\/13 · not known/);
    const card = await p.run("Cllr Blake", "/indicator show NEET");
    expect(card.rendered).toContain("Latest: 6.2% (Q3 2012/13)");
    // A figure can later replace "not known", and says so.
    const later = await p.run("Nigel Richardson", "/indicator record NEET 7.1 Q1 2012/13");
    expect(later.rendered).toContain("7.1% for Q1 2012/13 (period ending 30 Jun 2012), replacing not known");
  });

  it("never lets readings for different periods replace each other, even when they end on the same day", async () => {
    const p = await fresh();
    await p.run("Nigel Richardson", "/indicator record NEET 8.1 2011/12");
    await p.run("Nigel Richardson", "/indicator record NEET 7.9 Q4 2011/12");
    await p.run("Nigel Richardson", "/indicator record NEET 7.7 Mar 2012");
    await p.run("Nigel Richardson", "/indicator record NEET 8.3 Q3 2011/12");
    await p.run("Nigel Richardson", "/indicator record NEET 8.4 Dec 2011");
    const same = await p.run("Nigel Richardson", "/indicator record NEET 8.2 2011-12");
    expect(same.rendered).toContain("replacing 8.1%");
    expect(same.rendered).toContain("Read as the financial year 2011/12");
    expect(await p.readings()).toEqual([
      ["NEET", "Dec 2011", "2011-12-31", 8.4],
      ["NEET", "Q3 2011/12", "2011-12-31", 8.3],
      ["NEET", "2011/12", "2012-03-31", 8.2],
      ["NEET", "Mar 2012", "2012-03-31", 7.7],
      ["NEET", "Q4 2011/12", "2012-03-31", 7.9],
    ]);
  });

  it("reads a bare 2011/12 by the indicator's periodicity and says how", async () => {
    const p = await fresh();
    const attendance = await p.run("Nigel Richardson", "/indicator record ATT 92.6 2011/12");
    const neet = await p.run("Nigel Richardson", "/indicator record NEET 7.4 2011/12");
    expect([attendance.rendered, neet.rendered].join("\n")).toMatch(/period ending (31 Jul|31 Mar) 2012/);
    const periodicity = await t.db.prisma.indicator.findMany({ where: { partnershipId: p.partnershipId, code: { in: ["ATT", "NEET"] } }, select: { code: true, periodicity: true } });
    const ends = Object.fromEntries((await p.readings()).map((r) => [r[0], r[2]]));
    for (const { code, periodicity: how } of periodicity) {
      expect(ends[code], `${code} is ${how}`).toBe(how === "academic_year" || how === "termly" ? "2012-07-31" : "2012-03-31");
    }
  });
});
