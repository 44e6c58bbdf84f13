import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";
import { createReportStore } from "../../src/adapters/db/report-store.ts";
import { buildReport } from "../../src/commands/report-store.ts";
import { documentMarkdown } from "../../src/domain/reports/sections.ts";

// The first working day of October 2011 (seed 000 §8.1: monthly, on an exception basis).
const REPORT_DAY = "2011-10-03T08:00:00Z";

describe.each(kindsUnderTest())("/report on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function fresh() {
    const partnershipId = await loadDemo(t.db);
    let now = new Date(REPORT_DAY);
    const driver = commandDriver(t.db, partnershipId, () => now);
    return { partnershipId, ...driver, at: (iso: string) => (now = new Date(iso)) };
  }

  it("lists the Leeds demo's exceptions on 3 October 2011, each with its reason", async () => {
    const p = await fresh();
    const r = await p.run("Nigel Richardson", "/report monthly cypp-2011-15");
    expect(r.tone).toBe("warning");
    expect(r.heading).toBe("Monthly exception report, September 2011");
    expect(r.rendered).toContain("ATT-4 · Engage with Police");
    expect(r.rendered).toMatch(/ATT-4 · Engage[^\n]*\n[^\n]*Red: ATT-4\.1 overdue since 30 Sep 2011/);
    expect(r.rendered).toMatch(/ATT-1\.1 · Project Brief March 2011[^\n]*\n[^\n]*overdue since 31 Mar 2011/);
    expect(r.rendered).toContain("Exceptions: indicators off target (0)");
    // Only primary attendance has two of the plan's figures to compare (94.3% then 94.4%).
    expect(r.rendered).toMatch(/1 of 1 indicator improved on their baseline; 1 of 1 indicator improved on the previous period; 15 without comparable data/);
    // Nothing from the 2015 plan is in a report on the 2011-15 plan.
    expect(r.rendered).not.toContain("PIAP");
  });

  it("reports slips with old and new dates, changes with dates, completed work and the derived RAG beside a hand-set state", async () => {
    const p = await fresh();
    p.at("2011-09-20T10:00:00Z");
    expect((await p.run("Jancis Andrew", "/milestone date ATT-5.1 December 2011")).tone).toBe("success");
    expect((await p.run("Jancis Andrew", "/action status ATT-5 on-track script drafted")).tone).toBe("success");
    expect((await p.run("Jancis Andrew", "/milestone done ATT-7.1 launched at the city conference")).tone).toBe("success");
    expect((await p.run("Jancis Andrew", "/action status ATT-4 on-track")).tone).toBe("success");
    p.at(REPORT_DAY);
    // Chat shows ten a section; the whole report (as the CLI and board pack have it) holds every line.
    const built = await buildReport(createReportStore(t.db.prisma), p.partnershipId, "monthly", new Date(REPORT_DAY), "cypp-2011-15", null);
    const r = { rendered: documentMarkdown(built.document).replace(/\\/g, "").replace(/ — /g, "\n") };
    expect(r.rendered).toMatch(/ATT-5\.1 · Dissemination in September 2011[^\n]*\n[^\n]*slipped from 30 Sep 2011 to 31 Dec 2011/);
    expect(r.rendered).toMatch(/ATT-5 · Produce[^\n]*\n[^\n]*Amber: ATT-5\.1 slipped from 30 Sep 2011 to 31 Dec 2011 \(set on track by hand\)/);
    expect(r.rendered).toMatch(/ATT-4 · Engage[^\n]*\n[^\n]*Red: ATT-4\.1 overdue since 30 Sep 2011 \(set on track by hand\)/);
    expect(r.rendered).toContain("20 Sep 2011 · ATT-5.1: re-dated from 30 Sep 2011 to 31 Dec 2011");
    expect(r.rendered).toContain("20 Sep 2011 · ATT-5: set on track (was not started): script drafted");
    expect(r.rendered).toMatch(/Completed \(1\)[\s\S]*ATT-7\.1 · Initial launch September 2011[^\n]*\n[^\n]*done 20 Sep 2011; evidence: launched at the city conference/);
    expect(r.rendered).not.toMatch(/ATT-7\.1[^\n]*\n[^\n]*overdue/);
  });

  it("shows an action's derived RAG with its reason in /action show, and the hand-set state beside it when they differ", async () => {
    const p = await fresh();
    p.at("2011-09-20T10:00:00Z");
    // Due in ten days with nothing done in thirty: amber, said why.
    const due = await p.run("Jancis Andrew", "/action show ATT-5");
    expect(due.rendered).toMatch(/RAG: Amber: ATT-5\.1 due in 10 days, no progress in 30 days/);
    // Set on track by hand, but a milestone is overdue: the derived red is shown, and the state set.
    expect((await p.run("Jancis Andrew", "/action status ATT-4 on-track")).tone).toBe("success");
    p.at(REPORT_DAY);
    const red = await p.run("Jancis Andrew", "/action show ATT-4");
    expect(red.rendered).toMatch(/State: on track/i);
    expect(red.rendered).toMatch(/RAG: Red: ATT-4\.1 overdue since 30 Sep 2011 \(set on track by hand\)/);
    // Done is green, whatever the dates say.
    expect((await p.run("Jancis Andrew", "/milestone done ATT-7.1 launched at the city conference")).tone).toBe("success");
    expect((await p.run("Jancis Andrew", "/action status ATT-7 done")).tone).toBe("success");
    expect((await p.run("Jancis Andrew", "/action show ATT-7")).rendered).toMatch(/RAG: Green: done/i);
  });

  it("counts indicators improved against the baseline and the previous period, listing the rest as without data", async () => {
    const p = await fresh();
    p.at("2011-09-20T10:00:00Z");
    for (const line of ["/indicator record LAC 1,420 2011-03", "/indicator record LAC 1,440 2011-06", "/indicator record NEET 8.9 2011-06", "/indicator record CPP 800 2011-06"]) {
      expect((await p.run("Nigel Richardson", line)).tone, line).toBe("success");
    }
    p.at(REPORT_DAY);
    const r = await p.run("Cllr Blake", "/report indicators");
    expect(r.heading).toBe("Indicator summary, as at 3 Oct 2011");
    // LAC 1,440 is below its 1,434 baseline? No: above, so worse; and worse than March. NEET 8.9 is worse than 8.3.
    // LAC and NEET got worse; primary attendance (94.3% to 94.4%, from the plan) improved.
    expect(r.rendered).toContain("1 of 3 indicators improved on their baseline; 1 of 3 indicators improved on the previous period; 13 without comparable data.");
    expect(r.rendered).toMatch(/↑ LAC · Number of looked after children: 1,440 \(Jun 2011\)[^\n]*\n[^\n]*getting worse|worsening on the previous period \(1,420\)/);
    expect(r.rendered).toMatch(/CPP · [^\n]*\n[^\n]*the plan sets no direction/);
    expect(r.rendered).toMatch(/ATT · School attendance[^\n]*\n[^\n]*no readings since the baseline/);
    p.at("2011-09-21T10:00:00Z");
    await p.run("Nigel Richardson", "/indicator record LAC 1,400 2011-08");
    p.at(REPORT_DAY);
    const again = await p.run("Cllr Blake", "/report indicators");
    expect(again.rendered).toContain("2 of 3 indicators improved on their baseline; 2 of 3 indicators improved on the previous period;");
  });

  it("puts the three obsessions in one Weekly Obsession Tracker", async () => {
    const p = await fresh();
    p.at("2011-09-28T10:00:00Z");
    await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed");
    p.at(REPORT_DAY);
    const r = await p.run("Cllr Blake", "/report obsessions");
    expect(r.heading).toBe("Weekly Obsession Tracker, week commencing 3 Oct 2011");
    for (const o of ["Looked after children", "School attendance", "NEET"]) expect(r.rendered).toContain(o);
    expect(r.rendered).toMatch(/Done 28 Sep 2011 · ATT-4\.1/);
    expect(r.rendered).toMatch(/Now overdue · ATT-5\.1/);
  });

  it("answers a bad plan, a bad period and a period not yet begun in one line, changing nothing", async () => {
    const p = await fresh();
    const events = () => t.db.prisma.auditEvent.count({ where: { partnershipId: p.partnershipId } });
    const before = await events();
    const plan = await p.run("Cllr Blake", "/report monthly cypp-2099");
    expect(plan).toMatchObject({ tone: "error", code: "unknown_ref" });
    expect(plan.heading).toContain('There is no plan "cypp-2099". Plans: cypp-2011-15, piap-2015.');
    const period = await p.run("Cllr Blake", "/report monthly flibble");
    expect(period).toMatchObject({ tone: "error", code: "bad_date" });
    const future = await p.run("Cllr Blake", "/report quarterly Q3 2031/32");
    expect(future.heading).toContain("has not started yet");
    expect(await events()).toBe(before);
    expect(p.recorded.errors).toEqual([]);
  });

  it("reports a given month: September's changes only, readings up to its end", async () => {
    const p = await fresh();
    p.at("2011-08-10T10:00:00Z");
    await p.run("Jancis Andrew", "/milestone date ATT-5.1 November 2011");
    p.at("2011-09-10T10:00:00Z");
    await p.run("Jancis Andrew", "/milestone date ATT-5.1 December 2011");
    p.at(REPORT_DAY);
    const r = await p.run("Cllr Blake", "/report monthly cypp-2011-15 August 2011");
    expect(r.heading).toBe("Monthly exception report, August 2011");
    expect(r.rendered).toContain("10 Aug 2011 · ATT-5.1: re-dated from 30 Sep 2011 to 30 Nov 2011");
    const sept = await p.run("Cllr Blake", "/report monthly September 2011");
    expect(sept.rendered).toContain("10 Sep 2011 · ATT-5.1: re-dated from 30 Nov 2011 to 31 Dec 2011");
    expect(sept.rendered).not.toContain("10 Aug 2011");
  });
});
