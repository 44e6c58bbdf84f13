import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readInvocation } from "../../src/adapters/db/invocation-reads.ts";
import { createBoardStore } from "../../src/adapters/db/risks.ts";
import type { RiskAsRead, RiskView } from "../../src/commands/report-deps.ts";
import type { ChangeContext } from "../../src/commands/store.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// DESIGN "One round trip per change": the risk register's changes, counted at the driver from
// identifying the sender to the reply, as the workshop's are (workshop-change-round-trips.test.ts).
describe.each(kindsUnderTest())("round trips per risk change on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  const NOW = new Date("2011-09-12T10:00:00Z");
  const ADD = "/risk add ATT | Police data shared late | likelihood: 2 | impact: 2";

  /** Whole commands as Nigel Richardson (ATT's lead) sends them, by person id as the shell does. */
  async function commands() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, () => NOW);
    const nigel = await driver.personId("Nigel Richardson");
    const run = (line: string, key?: string) => driver.counted(nigel, line, key);
    const audit = async () =>
      (
        await t.db.kysely
          .selectFrom("audit_event")
          .select(["event", "subject_id", "subject_ref", "before", "after"])
          .where("partnership_id", "=", partnershipId)
          .where("event", "like", "risk.%")
          .orderBy("id")
          .execute()
      ).map((e) => [e.event, e.subject_id, e.subject_ref, e.before, e.after]);
    const risks = () => t.db.kysely.selectFrom("risk").select(["id", "number", "description", "likelihood", "impact", "mitigation", "closed_reason"]).where("partnership_id", "=", partnershipId).orderBy("number").execute();
    const ctx = (): ChangeContext => ({
      partnershipId,
      actor: { id: nigel, name: "Nigel Richardson" } as ChangeContext["actor"],
      origin: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" },
      idempotencyKey: randomUUID(),
      at: NOW,
    });
    /** What /risk review or /risk close reads ahead for R<n>, read now. */
    const riskRead = async (number: number) => (await readInvocation(t.db.sql, partnershipId, { personId: nigel }, { risk: number }, null)).risk!;
    /** What /risk add reads ahead for ATT, read now. */
    const homeRead = async () => (await readInvocation(t.db.sql, partnershipId, { personId: nigel }, { riskHome: "ATT" }, null)).risk!;
    return { partnershipId, driver, nigel, run, audit, risks, ctx, riskRead, homeRead, board: createBoardStore(t.db.prisma, t.db.sql) };
  }

  const ok = (heading: string) => ({ tone: "success", heading, blocks: [] }) as unknown as Reply;

  it("costs 2 round trips for /risk add: the person with where the risk goes and any stored reply, then the numbered risk with its audit and receipt; 1 for a retry", async () => {
    const c = await commands();
    const key = randomUUID();
    expect(await c.run(ADD, key)).toEqual({ trips: 2, heading: "Risk R1 added", replayed: false });
    expect(await c.run(ADD, key)).toEqual({ trips: 1, heading: "Risk R1 added", replayed: true });
    expect(await c.run("/risk add ATT-4 | Schools leave the cluster | owner: Jancis Andrew | likelihood: 3 | impact: 4 | mitigation: termly meetings")).toEqual({ trips: 2, heading: "Risk R2 added", replayed: false });
    const [r1, r2] = await c.risks();
    expect([r1!.number, r2!.number]).toEqual([1, 2]);
    const events = await c.audit();
    expect(events).toEqual([
      ["risk.added", r1!.id, "R1", null, { description: "Police data shared late", likelihood: 2, impact: 2, score: 4, mitigation: null, reviewDate: "2011-10-10", owner: "Nigel Richardson", plan: "cypp-2011-15", priority: "3. Improve behaviour, attendance and achievement" }],
      ["risk.added", r2!.id, "R2", null, expect.objectContaining({ description: "Schools leave the cluster", owner: "Jancis Andrew", score: 12, mitigation: "termly meetings" })],
    ]);
    // The reply is the one the transaction gave before: the card of the risk as added.
    const shown = await c.driver.run("Nigel Richardson", "/risk show R2");
    expect(shown.rendered).toContain("Owner: Jancis Andrew");
    expect(shown.rendered).toContain("Mitigation: termly meetings");
  });

  it("answers a risk already open there in 2 round trips, with no audit event", async () => {
    const c = await commands();
    await c.run(ADD);
    const events = (await c.audit()).length;
    const key = randomUUID();
    expect(await c.run("/risk add ATT | police data shared late. | likelihood: 2 | impact: 2", key)).toEqual({ trips: 2, heading: "R1 is already on the register", replayed: false });
    expect(await c.run("/risk add ATT | police data shared late. | likelihood: 2 | impact: 2", key)).toEqual({ trips: 1, heading: "R1 is already on the register", replayed: true });
    expect((await c.audit()).length).toBe(events);
    expect(await c.risks()).toHaveLength(1);
  });

  it("costs 2 round trips for /risk review and /risk close, with the risk before and after in the audit; 1 for a retry", async () => {
    const c = await commands();
    await c.run(ADD);
    const [risk] = await c.risks();
    const key = randomUUID();
    const review = "/risk review R1 impact: 4 | mitigation: weekly data calls | next: 14 October 2011 | note: police agreed";
    expect(await c.run(review, key)).toEqual({ trips: 2, heading: "R1 reviewed: score 4 to 8", replayed: false });
    expect(await c.run(review, key)).toEqual({ trips: 1, heading: "R1 reviewed: score 4 to 8", replayed: true });
    expect((await c.audit()).at(-1)).toEqual([
      "risk.reviewed",
      risk!.id,
      "R1",
      { description: "Police data shared late", likelihood: 2, impact: 2, score: 4, mitigation: null, reviewDate: "2011-10-10", owner: "Nigel Richardson" },
      { description: "Police data shared late", likelihood: 2, impact: 4, score: 8, mitigation: "weekly data calls", reviewDate: "2011-10-14", owner: "Nigel Richardson", note: "police agreed" },
    ]);
    const closing = randomUUID();
    expect(await c.run("/risk close R1 protocol signed", closing)).toEqual({ trips: 2, heading: "R1 closed: protocol signed", replayed: false });
    expect(await c.run("/risk close R1 protocol signed", closing)).toEqual({ trips: 1, heading: "R1 closed: protocol signed", replayed: true });
    expect(await c.run("/risk close R1 protocol signed")).toEqual({ trips: 2, heading: "R1 was already closed.", replayed: false });
    expect((await c.audit()).filter(([event]) => event === "risk.closed")).toEqual([["risk.closed", risk!.id, "R1", { closedAt: null }, { closedAt: NOW.toISOString(), reason: "protocol signed" }]]);
    expect((await c.risks())[0]).toMatchObject({ likelihood: 2, impact: 4, mitigation: "weekly data calls", closed_reason: "protocol signed" });
  });

  it("decides a review again in a transaction when the risk moved on since it was read, auditing what it really held", async () => {
    const c = await commands();
    await c.run(ADD);
    const stale = await c.riskRead(1);
    // Someone else's review lands between this review's read and its statement.
    expect((await c.run("/risk review R1 likelihood: 3")).trips).toBe(2);
    const risk = (stale as { risk: RiskView }).risk;
    const before = t.db.roundTrips.count;
    let after: RiskView | null = null;
    await c.board.once(
      c.ctx(),
      async (tx) => {
        after = await tx.reviewRisk(risk, { likelihood: risk.likelihood, impact: 5, mitigation: risk.mitigation, reviewDate: "2011-10-20", note: null });
        return ok("reviewed");
      },
      stale,
    );
    expect(t.db.roundTrips.count - before).toBeGreaterThan(2);
    // The transaction reviewed the risk as it now is: its "before" is likelihood 3, not the 2 read.
    expect(after!).toMatchObject({ likelihood: 2, impact: 5, reviewDate: "2011-10-20" });
    expect((await c.audit()).at(-1)).toEqual(["risk.reviewed", expect.any(Number), "R1", expect.objectContaining({ likelihood: 3, impact: 2, score: 6 }), expect.objectContaining({ likelihood: 2, impact: 5, score: 10, reviewDate: "2011-10-20" })]);
    // On a current read, the same change is one statement.
    const current = await c.riskRead(1);
    const now = t.db.roundTrips.count;
    await c.board.once(c.ctx(), async (tx) => (await tx.reviewRisk((current as { risk: RiskView }).risk, { likelihood: 1, impact: 1, mitigation: null, reviewDate: "2011-10-21", note: null }), ok("reviewed")), current);
    expect(t.db.roundTrips.count - now).toBe(1);
  });

  it("decides a closing again when the risk was closed since it was read: already closed, nothing written twice", async () => {
    const c = await commands();
    await c.run(ADD);
    const stale = await c.riskRead(1);
    await c.run("/risk close R1 protocol signed");
    const risk = (stale as { risk: RiskView }).risk;
    let closed: boolean | null = null;
    await c.board.once(c.ctx(), async (tx) => ((closed = await tx.closeRisk(risk, "no longer relevant")), ok("closed")), stale);
    expect(closed).toBe(false);
    expect((await c.audit()).filter(([event]) => event === "risk.closed")).toHaveLength(1);
  });

  it("numbers an add again in a transaction when another risk took its number since the read: no duplicate, none lost", async () => {
    const c = await commands();
    const stale: RiskAsRead = await c.homeRead();
    expect(stale).toMatchObject({ last: 0, open: [] });
    expect((await c.run("/risk add ATT | Funding ends in March | likelihood: 3 | impact: 3")).heading).toBe("Risk R1 added");
    const home = (stale as { home: NonNullable<Extract<RiskAsRead, { home: unknown }>["home"]> }).home;
    const newRisk = { planId: home.planId, priorityId: home.priority?.id ?? null, description: "Police data shared late", ownerId: c.nigel, likelihood: 2, impact: 2, mitigation: null, reviewDate: "2011-10-10" };
    let added: { risk: RiskView; created: boolean } | null = null;
    const before = t.db.roundTrips.count;
    await c.board.once(c.ctx(), async (tx) => ((added = await tx.addRisk(newRisk)), ok("added")), stale);
    expect(t.db.roundTrips.count - before).toBeGreaterThan(2);
    expect(added!.risk.number).toBe(2);
    expect((await c.risks()).map((r) => [r.number, r.description])).toEqual([
      [1, "Funding ends in March"],
      [2, "Police data shared late"],
    ]);
    expect((await c.audit()).map(([event, id, ref]) => [event, id, ref])).toEqual([
      ["risk.added", (await c.risks())[0]!.id, "R1"],
      ["risk.added", (await c.risks())[1]!.id, "R2"],
    ]);
    // The same words read stale, once the other add landed: that risk, not a second one.
    const again = await c.homeRead();
    await c.run("/risk add ATT | Transport costs rise | likelihood: 2 | impact: 2");
    let twin: { risk: RiskView; created: boolean } | null = null;
    await c.board.once(c.ctx(), async (tx) => ((twin = await tx.addRisk({ ...newRisk, description: "Transport costs rise" })), ok("added")), again);
    expect(twin!).toMatchObject({ created: false, risk: { number: 3 } });
    expect(await c.risks()).toHaveLength(3);
  });

  it("adds risks sent at the same moment under their own keys each with a number of its own, and the same risk once", async () => {
    const c = await commands();
    const others = await Promise.all(["Funding ends", "Staff leave", "Data late"].map((d) => c.run(`/risk add ATT | ${d} | likelihood: 2 | impact: 2`)));
    expect(others.map((r) => r.heading).sort()).toEqual(["Risk R1 added", "Risk R2 added", "Risk R3 added"]);
    const twins = await Promise.all([1, 2].map(() => c.run("/risk add ATT | Police data shared late | likelihood: 2 | impact: 2")));
    expect(twins.map((r) => r.heading).sort()).toEqual(["R4 is already on the register", "Risk R4 added"]);
    expect((await c.risks()).map((r) => r.number)).toEqual([1, 2, 3, 4]);
    expect((await c.audit()).filter(([event]) => event === "risk.added")).toHaveLength(4);
  });
});
