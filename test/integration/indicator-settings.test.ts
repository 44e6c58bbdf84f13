import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlInsightStore } from "../../src/adapters/db/insight-store.ts";
import { chartModel } from "../../src/domain/indicators/chart-model.ts";
import { buildReportCard } from "../../src/domain/indicators/report-card.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

const NOW = new Date("2011-09-26T08:00:00Z");
const TODAY = "2011-09-26";

describe.each(kindsUnderTest())("an indicator's target, forecast, periodicity and owner, set in chat, on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function fresh() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, () => NOW);
    const store = new SqlInsightStore(t.db);
    const indicator = async (code: string) => (await store.findIndicator(partnershipId, code))!;
    const audit = (event: string) => t.db.prisma.auditEvent.findMany({ where: { partnershipId, event }, orderBy: { id: "asc" } });
    return { partnershipId, ...driver, indicator, audit };
  }

  it("puts /indicator target LAC 1300 by March 2013 on the report card and the chart, audited with the date understood", async () => {
    const p = await fresh();
    expect((await p.run("Nigel Richardson", "/indicator show LAC")).rendered).toContain("Target: none set");

    const set = await p.run("Nigel Richardson", "/indicator target LAC 1300 by March 2013");
    expect(set.tone).toBe("success");
    expect(set.heading).toBe("LAC's target is now 1,300 by 31 Mar 2013");

    const shown = (await p.run("Sue May", "/indicator show LAC")).rendered;
    expect(shown).toContain("Target: 1,300 by 31 Mar 2013");
    const lac = await p.indicator("LAC");
    const chart = chartModel(lac, buildReportCard(lac, TODAY));
    expect(chart.targets).toEqual([expect.objectContaining({ date: "2013-03-31", value: 1300 })]);

    // The same again changes nothing; a new value for that day replaces it.
    expect((await p.run("Nigel Richardson", "/indicator target LAC 1,300 by 31/3/13")).tone).toBe("info");
    expect((await p.run("Nigel Richardson", "/indicator target LAC 1250 by end of March 2013")).heading).toBe("LAC's target is now 1,250 by 31 Mar 2013");
    expect((await p.indicator("LAC")).targets.map((x) => [x.dueDate, x.value])).toEqual([["2013-03-31", 1250]]);
    const events = await p.audit("indicator.target");
    expect(events.map((e) => [e.before, e.after])).toEqual([
      [null, { value: 1300, dueDate: "2013-03-31" }],
      [{ value: 1300, dueDate: "2013-03-31" }, { value: 1250, dueDate: "2013-03-31" }],
    ]);
    const history = (await p.run("Nigel Richardson", "/indicator history LAC")).rendered;
    expect(history).toBeTruthy();
  });

  it("refuses, changing nothing: someone who may not, a decimal comma, no date, a start for a deadline, an unknown code", async () => {
    const p = await fresh();
    const refusals: [string, string, RegExp][] = [
      ["Sue May", "/indicator target LAC 1300 by March 2013", /You can't set LAC's target.+ by .+a coordinator or an admin\./],
      ["Nigel Richardson", "/indicator target NEET 7,5 by March 2013", /comma|7,5/],
      ["Nigel Richardson", "/indicator target LAC 1300", /By when/],
      ["Nigel Richardson", "/indicator target LAC 1300 from April 2012", /.+/],
      ["Nigel Richardson", "/indicator target LAC lots by March 2013", /.+/],
      ["Nigel Richardson", "/indicator target LAC 1299.5 by March 2013", /LAC counts whole numbers, so 1,299.5 can't be one of its figures/],
      ["Nigel Richardson", "/indicator target NEET 101 by March 2013", /101% can't be a figure of NEET/],
      ["Nigel Richardson", "/indicator target LAC 12% by March 2013", /LAC is a count, not a percentage/],
      ["Nigel Richardson", "/indicator target TEEN-PREG £30 by March 2013", /TEEN-PREG is a rate per 1,000, not money/],
      ["Nigel Richardson", "/indicator target LAC 99999999999999999999 by March 2013", /can't be kept exactly as typed/],
      ["Nigel Richardson", "/indicator forecast LAC 1480 Mar 2012 15% Mar 2013", /LAC is a count, not a percentage/],
      ["Nigel Richardson", "/indicator tolerance LAC 2%", /LAC is a count, not a percentage/],
      ["Nigel Richardson", "/indicator tolerance TEEN-PREG 0.5%", /TEEN-PREG is a rate per 1,000, not a percentage/],
      ["Nigel Richardson", "/indicator tolerance NEET 0,5", /decimal comma/],
      ["Nigel Richardson", "/indicator tolerance LAC 99999999999999999999", /can't be kept exactly as typed/],
      ["Nigel Richardson", "/indicator target XYZ 1300 by March 2013", /XYZ|indicator/],
      ["Nigel Richardson", "/indicator periodicity LAC fortnightly", /fortnightly/],
      ["Nigel Richardson", "/indicator owner LAC Nobody Atall", /No one called "Nobody Atall"/],
      ["Nigel Richardson", "/indicator forecast LAC 1480", /Which period/],
    ];
    for (const [as, line, message] of refusals) {
      const answer = await p.run(as, line);
      expect(answer.tone, line).toBe("error");
      expect(answer.rendered, line).toMatch(message);
      expect(answer.rendered, line).not.toMatch(/at .*\.ts:\d+/);
    }
    const lac = await p.indicator("LAC");
    expect(lac.targets).toEqual([]);
    expect(lac.periodicity).not.toBe("fortnightly");
    expect(await t.db.prisma.auditEvent.count({ where: { partnershipId: p.partnershipId, event: { startsWith: "indicator." } } })).toBe(0);
  });

  it("sets the forecast by period, the periodicity (which decides how 2016/17 reads) and the owner, each audited", async () => {
    const p = await fresh();
    const forecast = await p.run("Nigel Richardson", "/indicator forecast LAC 1480 Mar 2012 1500 Mar 2013");
    expect(forecast.tone).toBe("success");
    expect((await p.indicator("LAC")).forecast).toEqual([
      { periodEnd: "2012-03-31", value: 1480 },
      { periodEnd: "2013-03-31", value: 1500 },
    ]);

    // Years as the plan writes them; a year inside a period is not read as a value.
    expect((await p.run("Nigel Richardson", "/indicator forecast LAC 1490 2011/12 1,510 2012/13")).heading).toBe("LAC's forecast is now 1,490 for 2011/12, 1,510 for 2012/13");
    expect((await p.indicator("LAC")).forecast.map((f) => f.periodEnd)).toEqual(["2012-03-31", "2013-03-31"]);
    expect((await p.run("Nigel Richardson", "/indicator forecast LAC 1490 someday")).tone).toBe("error");
    expect((await p.run("Nigel Richardson", "/indicator forecast LAC 1490 2011/12 1500 2011/12")).rendered).toContain("given twice");
    expect((await p.indicator("LAC")).forecast.map((f) => f.value)).toEqual([1490, 1510]);

    expect((await p.run("Nigel Richardson", "/indicator periodicity LAC quarterly")).heading).toBe("LAC is now reported quarterly");
    expect((await p.indicator("LAC")).periodicity).toBe("quarterly");
    expect((await p.run("Nigel Richardson", "/indicator periodicity LAC Quarterly")).tone).toBe("info");

    const owner = await p.run("Nigel Richardson", "/indicator owner LAC Jancis Andrew");
    expect(owner.heading).toBe("Jancis Andrew now owns LAC");
    expect((await p.indicator("LAC")).owner?.name).toBe("Jancis Andrew");
    // Now its owner, Jancis may set its target.
    expect((await p.run("Jancis Andrew", "/indicator target LAC 1300 by March 2013")).tone).toBe("success");

    const events = await t.db.prisma.auditEvent.findMany({ where: { partnershipId: p.partnershipId, event: { startsWith: "indicator." } }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.event)).toEqual(["indicator.forecast", "indicator.forecast", "indicator.periodicity", "indicator.owner", "indicator.target"]);
  });
});
