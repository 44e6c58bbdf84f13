import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueRiskReviews } from "../../src/jobs/risk-reviews.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

describe.each(kindsUnderTest())("the risk register and tolerances on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function fresh() {
    const partnershipId = await loadDemo(t.db);
    let now = new Date("2011-09-12T09:00:00Z");
    const driver = commandDriver(t.db, partnershipId, () => now);
    const audit = () => t.db.prisma.auditEvent.findMany({ where: { partnershipId }, orderBy: { id: "asc" } });
    return { partnershipId, ...driver, audit, at: (iso: string) => (now = new Date(iso)) };
  }

  const ADD = "/risk add ATT | Police data not shared with clusters | owner: Jancis Andrew | likelihood: 4 | impact: 4 | mitigation: data sharing protocol | review: 30 September 2011";

  it("adds a risk to a priority with its score and RAG, shows and lists it, and records who added it", async () => {
    const p = await fresh();
    const added = await p.run("Nigel Richardson", ADD);
    expect(added.tone).toBe("success");
    expect(added.heading).toBe("Risk R1 added");
    expect(added.rendered).toContain("Red: score 16 (likelihood 4 × impact 4)");
    expect(added.rendered).toContain("Owner: Jancis Andrew");
    expect(added.rendered).toContain("Next review: 30 Sep 2011");
    expect(added.rendered).toContain("3. Improve behaviour, attendance and achievement (cypp-2011-15)");
    await p.run("Nigel Richardson", "/risk add NEET-2 | Funding for programmes ends | likelihood: 2 | impact: 3");
    const listed = await p.run("Sue May", "/risk list");
    expect(listed.rendered).toMatch(/R1 · Police data[\s\S]*R2 · Funding for programmes ends[\s\S]*Green: score 6/);
    const mine = await p.run("Sue May", "/risk list NEET");
    expect(mine.rendered).not.toContain("R1");
    const events = await p.audit();
    expect(events.map((e) => [e.event, e.subjectRef])).toEqual([["risk.added", "R1"], ["risk.added", "R2"]]);
    expect(events[0]!.after).toMatchObject({ description: "Police data not shared with clusters", score: 16, owner: "Jancis Andrew", reviewDate: "2011-09-30" });
  });

  it("puts open risks, worst first, in the monthly report, and leaves closed ones out", async () => {
    const p = await fresh();
    await p.run("Nigel Richardson", ADD);
    await p.run("Nigel Richardson", "/risk add LAC | Placement budget overspend | owner: Jackie Wilson | likelihood: 5 | impact: 4");
    await p.run("Nigel Richardson", "/risk add NEET | Minor slippage | likelihood: 1 | impact: 2");
    p.at("2011-09-20T09:00:00Z");
    const closed = await p.run("Nigel Richardson", "/risk close R3 no longer relevant");
    expect(closed.heading).toBe("R3 closed: no longer relevant");
    p.at("2011-10-03T08:00:00Z");
    const r = await p.run("Cllr Blake", "/report monthly cypp-2011-15");
    expect(r.rendered).toMatch(/Key issues and risks \(2\)\n\s*- R2 · Placement budget overspend\n\s*Red: score 20[\s\S]*- R1 · Police data not shared[^\n]*\n\s*Red: score 16 \(likelihood 4 × impact 4\); review overdue since 30 Sep 2011/);
    expect(r.rendered).toContain("20 Sep 2011 · R3: risk closed: no longer relevant");
  });

  it("reviews a risk: new scores and next date, with the before and after in the audit trail; only those allowed may", async () => {
    const p = await fresh();
    await p.run("Nigel Richardson", ADD);
    const stranger = await p.run("Sue May", "/risk review R1 impact: 2");
    expect(stranger).toMatchObject({ tone: "error", code: "not_permitted" });
    const reviewed = await p.run("Jancis Andrew", "/risk review R1 likelihood: 3 | impact: 2 | next: 31 October 2011 | note: protocol signed");
    expect(reviewed.heading).toBe("R1 reviewed: score 16 to 6");
    expect(reviewed.rendered).toContain("Green: score 6");
    const events = await p.audit();
    expect(events.at(-1)).toMatchObject({ event: "risk.reviewed", before: expect.objectContaining({ score: 16, reviewDate: "2011-09-30" }), after: expect.objectContaining({ score: 6, reviewDate: "2011-10-31", note: "protocol signed" }) });
    expect(reviewed.rendered).not.toContain("four weeks on");
    // With no date given, a next review sooner than four weeks on moves there, and the reply says so.
    await p.run("Jancis Andrew", "/risk review R1 next: 1 October 2011");
    const undated = await p.run("Jancis Andrew", "/risk review R1 impact: 3");
    const next = (await p.audit()).at(-1)!.after as { reviewDate: string };
    expect(next.reviewDate > "2011-10-01").toBe(true);
    expect(undated.rendered).toContain("four weeks on; add \"next: <date>\" to choose another");
    // A date chosen further off stays where it is when a review gives none.
    await p.run("Jancis Andrew", "/risk review R1 next: 30 November 2011");
    const kept = await p.run("Jancis Andrew", "/risk review R1 likelihood: 2");
    expect(((await p.audit()).at(-1)!.after as { reviewDate: string }).reviewDate).toBe("2011-11-30");
    expect(kept.rendered).not.toContain("four weeks on");
  });

  it("reads a review's labelled parts written as its usage writes them, with no | between them", async () => {
    const p = await fresh();
    await p.run("Nigel Richardson", ADD);
    const reviewed = await p.run("Jancis Andrew", "/risk review R1 likelihood: 3 impact: 2 next: 31 October 2011 note: protocol signed, mitigation: weekly check");
    expect(reviewed.heading).toBe("R1 reviewed: score 16 to 6");
    expect((await p.audit()).at(-1)).toMatchObject({
      event: "risk.reviewed",
      after: expect.objectContaining({ score: 6, reviewDate: "2011-10-31", note: "protocol signed", mitigation: "weekly check" }),
    });
    // A label twice is still refused, however the parts are set apart, and nothing is saved.
    const twice = await p.run("Jancis Andrew", "/risk review R1 impact: 3 impact: 4");
    expect(twice).toMatchObject({ tone: "error", code: "usage" });
    expect(twice.rendered).toContain('"impact" is given twice');
    const both = await p.run("Jancis Andrew", "/risk review R1 next: 1 May 2012 review: 1 June 2012");
    expect(both).toMatchObject({ tone: "error", code: "usage" });
    expect((await p.audit()).filter((e) => e.event === "risk.reviewed")).toHaveLength(1);
  });

  it("refuses an owner in a review rather than dropping it, and clears the mitigation when it is given empty", async () => {
    const p = await fresh();
    await p.run("Nigel Richardson", ADD);
    const owner = await p.run("Nigel Richardson", "/risk review R1 owner: Jancis Andrew");
    expect(owner).toMatchObject({ tone: "error" });
    expect(owner.rendered).toContain('A review does not change who owns R1; leave out "owner:".');
    expect((await p.audit()).filter((e) => e.event === "risk.reviewed")).toEqual([]);
    await p.run("Nigel Richardson", "/risk review R1 mitigation:");
    expect((await t.db.kysely.selectFrom("risk").select("mitigation").where("partnership_id", "=", p.partnershipId).executeTakeFirstOrThrow()).mitigation).toBeNull();
  });

  it("refuses malformed risks in one line and saves nothing", async () => {
    const p = await fresh();
    const bad = [
      ["/risk add ATT | Something | likelihood: 6 | impact: 2", "usage"],
      ["/risk add ATT | Something | likelihood: 2", "usage"],
      ["/risk add XYZ | Something | likelihood: 2 | impact: 2", "unknown_ref"],
      ["/risk add ATT | Something | likelihood: 2 | impact: 2 | owner: Nobody Atall", "unknown_person"],
      ["/risk add ATT | Something | likelihood: 2 | impact: 2 | review: 1 January 2011", "bad_date"],
      ["/risk add ATT | Something | likelihood: 2 | impact: 2 | review: whenever", "bad_date"],
      ["/risk add ATT | Something | likelihood: 2 | likelihood: 3 | impact: 2", "usage"],
      // A review's parts on a new risk are refused, not dropped, with or without a | before them.
      ["/risk add ATT | Something | likelihood: 2 | impact: 2 | next: 1 May 2027", "usage"],
      ["/risk add ATT | Something note: ask finance | likelihood: 2 | impact: 2", "usage"],
      ["/risk show R99", "unknown_ref"],
      ["/risk show banana", "usage"],
      ["/risk close R1", "unknown_ref"],
    ] as const;
    for (const [line, code] of bad) {
      const r = await p.run("Nigel Richardson", line);
      expect(r.tone, line).toBe("error");
      expect(r.code, line).toBe(code);
    }
    // A home and no description: the description is what is missing, not the home.
    expect((await p.run("Nigel Richardson", "/risk add ATT")).heading).toBe("Describe the risk after ATT, with a | between them.");
    expect((await p.run("Nigel Richardson", "/risk add ATT |")).heading).toBe("Describe the risk after ATT, with a | between them.");
    expect((await p.run("Nigel Richardson", "/risk add ATT attendance falling in cluster Y")).heading).toBe("Put a | between where the risk goes and what it is: /risk add ATT | attendance falling in cluster Y");
    const stranger = await p.run("Sue May", "/risk add ATT | Something | likelihood: 2 | impact: 2");
    expect(stranger.code).toBe("not_permitted");
    expect(await t.db.prisma.risk.count({ where: { partnershipId: p.partnershipId } })).toBe(0);
    expect(await p.audit()).toEqual([]);
    expect(p.recorded.errors).toEqual([]);
  });

  it("applies a retried add once and answers it the same", async () => {
    const p = await fresh();
    const key = randomUUID();
    const first = await p.run("Nigel Richardson", ADD, key);
    const again = await p.run("Nigel Richardson", ADD, key);
    expect(again.heading).toBe(first.heading);
    expect(await t.db.prisma.risk.count({ where: { partnershipId: p.partnershipId } })).toBe(1);
  });

  it("reads a letter typed with a combining mark as the letter: the same risk, and the person it names", async () => {
    const p = await fresh();
    expect((await p.run("Nigel Richardson", "/risk add ATT | Caf\u00e9 closes early | owner: Jancis Andrew | likelihood: 2 | impact: 2")).heading).toBe("Risk R1 added");
    expect((await p.run("Nigel Richardson", "/risk add ATT | Cafe\u0301 closes early | likelihood: 2 | impact: 2")).heading).toBe("R1 is already on the register");
    expect(await t.db.prisma.risk.count({ where: { partnershipId: p.partnershipId } })).toBe(1);
  });

  it("adds the same risk sent again under a new key once, in any case or spacing, and answers that it is already there", async () => {
    const p = await fresh();
    expect((await p.run("Nigel Richardson", ADD)).heading).toBe("Risk R1 added");
    const again = await p.run("Nigel Richardson", "/risk add ATT |  police data NOT shared with clusters.  | owner: Sue May | likelihood: 2 | impact: 2");
    expect(again.tone).toBe("info");
    expect(again.heading).toBe("R1 is already on the register");
    expect(again.rendered).toContain("/risk review R1");
    // Twice at the same moment, each under its own key: one more risk, not two.
    const twins = await Promise.all([1, 2].map(() => p.run("Nigel Richardson", "/risk add ATT | Cluster budgets cut | likelihood: 3 | impact: 3")));
    expect(twins.map((r) => r.heading).sort()).toEqual(["R2 is already on the register", "Risk R2 added"]);
    // Other words, or another priority, are another risk; so is one that came back after it was closed.
    expect((await p.run("Nigel Richardson", "/risk add ATT | Police data shared late | likelihood: 2 | impact: 2")).heading).toBe("Risk R3 added");
    expect((await p.run("Nigel Richardson", "/risk add NEET | Police data not shared with clusters | likelihood: 2 | impact: 2")).heading).toBe("Risk R4 added");
    expect((await p.run("Nigel Richardson", "/risk close R1 protocol signed")).tone).toBe("success");
    expect((await p.run("Nigel Richardson", ADD)).heading).toBe("Risk R5 added");
    const risks = await t.db.prisma.risk.findMany({ where: { partnershipId: p.partnershipId }, orderBy: { number: "asc" }, select: { number: true, likelihood: true, owner: { select: { name: true } } } });
    expect(risks.map((r) => r.number)).toEqual([1, 2, 3, 4, 5]);
    // The repeat changed nothing about R1: its owner and scores are as first added.
    expect(risks[0]).toMatchObject({ likelihood: 4, owner: { name: "Jancis Andrew" } });
    expect((await p.audit()).filter((e) => e.event === "risk.added").map((e) => e.subjectRef)).toEqual(["R1", "R2", "R3", "R4", "R5"]);
  });

  it("reminds the owner to review through the outbox once per review date, from that day, and not once closed", async () => {
    const p = await fresh();
    await p.run("Nigel Richardson", ADD);
    const jancis = await p.personId("Jancis Andrew");
    expect(await enqueueRiskReviews(jobStoreOf(t.db), p.partnershipId, new Date("2011-09-29T09:00:00Z"), "2011-09-29")).toEqual([]);
    const due = await enqueueRiskReviews(jobStoreOf(t.db), p.partnershipId, new Date("2011-09-30T09:00:00Z"), "2011-09-30");
    expect(due).toHaveLength(1);
    expect(await enqueueRiskReviews(jobStoreOf(t.db), p.partnershipId, new Date("2011-10-03T09:00:00Z"), "2011-10-03")).toEqual([]);
    const rows = await t.db.prisma.delivery.findMany({ where: { partnershipId: p.partnershipId, kind: "risk_review" } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.personId).toBe(jancis);
    expect(rows[0]!.payload).toMatchObject({ heading: "R1 is due for review today" });
    p.at("2011-10-03T09:00:00Z");
    await p.run("Jancis Andrew", "/risk review R1 next: 14 October 2011");
    expect(await enqueueRiskReviews(jobStoreOf(t.db), p.partnershipId, new Date("2011-10-14T09:00:00Z"), "2011-10-14")).toHaveLength(1);
    await p.run("Jancis Andrew", "/risk close R1 protocol in place");
    expect(await enqueueRiskReviews(jobStoreOf(t.db), p.partnershipId, new Date("2011-11-14T09:00:00Z"), "2011-11-14")).toEqual([]);
  });

  it("sets an indicator's tolerance, which moves its RAG between amber and red", async () => {
    const p = await fresh();
    const indicator = await t.db.prisma.indicator.findFirstOrThrow({ where: { partnershipId: p.partnershipId, code: "NEET" } });
    await t.db.prisma.indicatorTarget.create({ data: { indicatorId: indicator.id, value: 7.5, dueDate: new Date("2011-06-30T00:00:00Z") } });
    await p.run("Nigel Richardson", "/indicator record NEET 7.8 2011-06");
    p.at("2011-10-03T08:00:00Z");
    const amber = await p.run("Cllr Blake", "/report indicators");
    expect(amber.rendered).toMatch(/NEET · 16-18 NEET: 7\.8% \(Jun 2011\)\n\s*Amber: 0\.3 percentage points short of target 7\.5% by 30 Jun 2011, within tolerance/);
    const set = await p.run("Nigel Richardson", "/indicator tolerance NEET 0.2");
    expect(set.heading).toBe("NEET's tolerance is now 0.2 percentage points");
    const red = await p.run("Cllr Blake", "/report indicators");
    expect(red.rendered).toMatch(/NEET · 16-18 NEET: 7\.8% \(Jun 2011\)\n\s*Red: 0\.3 percentage points short of target 7\.5% by 30 Jun 2011/);
    expect((await p.run("Sue May", "/indicator tolerance NEET 1")).code).toBe("not_permitted");
    expect((await p.run("Nigel Richardson", "/indicator tolerance NEET lots")).code).toBe("usage");
    expect((await p.run("Nigel Richardson", "/indicator tolerance NEET -1")).code).toBe("usage");
    const back = await p.run("Nigel Richardson", "/indicator tolerance NEET default");
    expect(back.heading).toContain("now the default (5% of the value expected)");
    const events = (await p.audit()).filter((e) => e.event === "indicator.tolerance");
    expect(events.map((e) => [e.before, e.after])).toEqual([[{ tolerance: null }, { tolerance: 0.2 }], [{ tolerance: 0.2 }, { tolerance: null }]]);
  });
});
