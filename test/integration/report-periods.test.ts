import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";
import { createReportStore } from "../../src/adapters/db/report-store.ts";
import { buildReport } from "../../src/commands/report-store.ts";
import { documentMarkdown } from "../../src/domain/reports/sections.ts";

// The first working day of October 2011 (seed 000 §8.1: monthly, on an exception basis).
const REPORT_DAY = "2011-10-03T08:00:00Z";

/** A report as the board reads it: every line, each detail on the line after its item. */
const readBoardReport = async (t: TestDatabase, partnershipId: number, at: string, period: string | null) => {
  const built = await buildReport(createReportStore(t.db.prisma), partnershipId, "monthly", new Date(at), "cypp-2011-15", period);
  return documentMarkdown(built.document).replace(/\\/g, "").replace(/ — /g, "\n");
};

/** The Leeds demo in `t`, with commands run at REPORT_DAY until `at` moves the clock. */
async function demoWithClock(t: TestDatabase) {
  const partnershipId = await loadDemo(t.db);
  let now = new Date(REPORT_DAY);
  const driver = commandDriver(t.db, partnershipId, () => now);
  return { partnershipId, ...driver, at: (iso: string) => (now = new Date(iso)) };
}

describe.each(kindsUnderTest())("a report for a month, on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  const fresh = () => demoWithClock(t);

  it("reads a past month as the board would have at its end: nothing overdue that fell due later, nothing done after it", async () => {
    const p = await fresh();
    p.at("2011-04-11T10:00:00+01:00");
    expect((await p.run("Nigel Richardson", "/risk add ATT | Cluster data arrives late | owner: Jancis Andrew | likelihood: 4 | impact: 4 | review: 31 May 2011")).tone).toBe("success");
    p.at("2011-09-20T10:00:00+01:00");
    expect((await p.run("Jancis Andrew", "/milestone done ATT-1.1 brief agreed late")).tone).toBe("success");
    expect((await p.run("Nigel Richardson", "/risk add NEET | Careers guidance duty unfunded | owner: Mary Brittle | likelihood: 3 | impact: 3 | review: 31 Oct 2011")).tone).toBe("success");
    expect((await p.run("Nigel Richardson", "/risk close R1 data now weekly")).tone).toBe("success");
    p.at(REPORT_DAY);
    const april = await readBoardReport(t, p.partnershipId, REPORT_DAY, "April 2011");
    expect(april).toContain("# Monthly exception report, April 2011");
    expect(april).toContain("as at 30 Apr 2011");
    // At the end of April 2011 ATT-1.1 (due March) was still open: overdue, and not yet completed.
    expect(april).toMatch(/ATT-1\.1 · Project Brief March 2011\noverdue since 31 Mar 2011/);
    expect(april).toMatch(/ATT-1 · [^\n]*\nRed: ATT-1\.1 overdue since 31 Mar 2011/);
    expect(april).toContain("Nothing completed since the last report.");
    // The risk open in April is in April's report; the one recorded in September is not.
    expect(april).toMatch(/Key issues and risks \(1\)\n\n- R1 · Cluster data arrives late/);
    expect(april).not.toContain("Careers guidance duty unfunded");
    // September's milestones were not yet due at the end of April.
    expect(april).not.toContain("overdue since 30 Sep 2011");
    expect(april).not.toContain("overdue since 31 Jul 2011");
    // NEET-6.1 fell due on the last day of April and was not done by its end.
    expect(april).toMatch(/NEET-6\.1 · [^\n]*\noverdue since 30 Apr 2011/);
    // The month just ended, asked for by name, reads as the report with no period does.
    const september = await readBoardReport(t, p.partnershipId, REPORT_DAY, "September 2011");
    expect(september).toMatch(/ATT-4\.1 · [^\n]*\noverdue since 30 Sep 2011/);
    expect(september).toMatch(/Completed \(1\)[\s\S]*ATT-1\.1 · Project Brief March 2011\ndone 20 Sep 2011/);
    expect(september).toMatch(/Key issues and risks \(1\)\n\n- R2 · Careers guidance duty unfunded/);
    // The current month is as at today.
    expect(await readBoardReport(t, p.partnershipId, REPORT_DAY, "October 2011")).toContain("as at 3 Oct 2011");
  });

  it("puts what was done just after midnight in British Summer Time in the month and on the day it was done in Leeds", async () => {
    const p = await fresh();
    // 00:30 on 1 September 2011 in Leeds (BST) is 23:30 on 31 August in UTC.
    p.at("2011-09-01T00:30:00+01:00");
    expect((await p.run("Jancis Andrew", "/milestone done ATT-5.1 script sent to every school")).tone).toBe("success");
    expect((await p.run("Jancis Andrew", "/milestone date ATT-7.1 November 2011")).tone).toBe("success");
    // 00:20 on 1 October 2011 (BST) belongs to October, not September.
    p.at("2011-10-01T00:20:00+01:00");
    expect((await p.run("Jancis Andrew", "/action status ATT-4 at-risk police data late")).tone).toBe("success");
    p.at(REPORT_DAY);
    const september = await readBoardReport(t, p.partnershipId, REPORT_DAY, "September 2011");
    expect(september).toMatch(/ATT-5\.1 · [^\n]*\ndone 1 Sep 2011; evidence: script sent to every school/);
    expect(september).toContain("1 Sep 2011 · ATT-7.1: re-dated from 30 Sep 2011 to 30 Nov 2011");
    expect(september).not.toContain("ATT-4: set at risk");
    const august = await readBoardReport(t, p.partnershipId, REPORT_DAY, "August 2011");
    expect(august).not.toContain("ATT-5.1 · Dissemination");
    expect(august).not.toContain("31 Aug 2011 · ATT-7.1");
    expect(august).toContain("changes since 1 Aug 2011");
    const october = await readBoardReport(t, p.partnershipId, REPORT_DAY, "October 2011");
    expect(october).toContain("1 Oct 2011 · ATT-4: set at risk (was not started): police data late");
  });

  it("says a month with nothing in it has nothing to report, and does not count 0 of 0 indicators", async () => {
    const p = await fresh();
    // The Ofsted plan's work starts in 2015: in September 2011 it has nothing to report, and no indicators.
    const built = await buildReport(createReportStore(t.db.prisma), p.partnershipId, "monthly", new Date(REPORT_DAY), "piap-2015", "September 2011");
    expect(built.document.empty).toBe(true);
    expect(built.document.headline).toBe("Nothing to report: no exceptions, risks, changes, completed work or actions nearing completion · no indicators are set.");
    const all = await p.run("Cllr Blake", "/report indicators piap-2015");
    expect(all.rendered).not.toContain("0 of 0");
    expect(all.rendered).toContain("No indicators are set.");
    // With indicators but nothing to compare yet, it says so.
    const cypp = await p.run("Cllr Blake", "/report monthly cypp-2011-15 March 2010");
    expect(cypp.rendered).toContain("No indicator can be compared with its baseline or the previous period yet; 16 without comparable data.");
  });
});

describe.each(kindsUnderTest())("what the exception report calls slipped and nearing completion, on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  const fresh = () => demoWithClock(t);

  it("counts an action whose remaining milestones are all due within 30 days as nearing completion, not only one with a single milestone left", async () => {
    const p = await fresh();
    p.at("2011-09-20T10:00:00+01:00");
    for (const line of ["/milestone date ATT-2.1 14/10/2011", "/milestone date ATT-2.2 21/10/2011", "/milestone date ATT-2.3 28/10/2011", "/milestone done ATT-2.1 evaluation data in"]) {
      expect((await p.run("Nigel Richardson", line)).tone, line).toBe("success");
    }
    p.at(REPORT_DAY);
    const report = await readBoardReport(t, p.partnershipId, REPORT_DAY, null);
    expect(report).toMatch(/Nearing completion \(\d+\)[\s\S]*ATT-2 · Evaluate and test[^\n]*\nlast milestone ATT-2\.3 due 28 Oct 2011; 1 of 3 done/);
    // An action with a milestone still to be dated, or one due beyond 30 days, is not.
    expect(report).not.toMatch(/Nearing completion[\s\S]*NEET-8 · /);
  });

  it("does not call a milestone slipped when it was re-dated later and then back again", async () => {
    const p = await fresh();
    p.at("2011-09-05T10:00:00+01:00");
    expect((await p.run("Jancis Andrew", "/milestone date ATT-5.1 December 2011")).tone).toBe("success");
    p.at("2011-09-12T10:00:00+01:00");
    expect((await p.run("Jancis Andrew", "/milestone date ATT-5.1 30/09/2011")).tone).toBe("success");
    // ATT-7.1 went later twice: one slip, from its first date to its last.
    expect((await p.run("Jancis Andrew", "/milestone date ATT-7.1 October 2011")).tone).toBe("success");
    expect((await p.run("Jancis Andrew", "/milestone date ATT-7.1 November 2011")).tone).toBe("success");
    p.at(REPORT_DAY);
    const report = await readBoardReport(t, p.partnershipId, REPORT_DAY, "September 2011");
    expect(report).not.toContain("ATT-5.1 slipped");
    expect(report).not.toMatch(/ATT-5\.1 · [^\n]*\nslipped/);
    expect(report).toMatch(/ATT-5\.1 · [^\n]*\noverdue since 30 Sep 2011/);
    expect(report).toMatch(/ATT-7\.1 · [^\n]*\nslipped from 30 Sep 2011 to 30 Nov 2011/);
    expect(report).toMatch(/ATT-7 · [^\n]*\nAmber: ATT-7\.1 slipped from 30 Sep 2011 to 30 Nov 2011/);
    // Both re-datings are still changes to the plan, dated.
    expect(report).toContain("5 Sep 2011 · ATT-5.1: re-dated from 30 Sep 2011 to 31 Dec 2011");
    expect(report).toContain("12 Sep 2011 · ATT-5.1: re-dated from 31 Dec 2011 to 30 Sep 2011");
  });
});
