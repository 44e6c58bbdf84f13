import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlInsightStore } from "../../src/adapters/db/insight-store.ts";
import type { WorkshopView } from "../../src/commands/insight-store.ts";
import type { ChangeContext } from "../../src/commands/store.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// DESIGN "One round trip per change": a turn-the-curve workshop's changes, counted at the
// driver from identifying the sender to the reply, as the indicator's are
// (indicator-change-round-trips.test.ts).
describe.each(kindsUnderTest())("round trips per workshop change on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  const NOW = new Date("2011-09-12T10:00:00Z");

  /** A whole command as Nigel Richardson (LAC's lead) sends it, by person id as the shell does. */
  async function commands() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, () => NOW);
    const nigel = await driver.personId("Nigel Richardson");
    const run = (line: string, key?: string) => driver.counted(nigel, line, key);
    const audit = async () =>
      (await t.db.kysely.selectFrom("audit_event").select(["event", "before", "after"]).where("partnership_id", "=", partnershipId).where("event", "like", "oba.%").orderBy("id").execute()).map((e) => [
        e.event,
        e.before,
        e.after,
      ]);
    const workshop = async () => {
      const [row] = await t.db.kysely.selectFrom("oba_workshop").select(["id", "story_behind_baseline", "information_gaps"]).where("partnership_id", "=", partnershipId).orderBy("id", "desc").limit(1).execute();
      return row!;
    };
    return { partnershipId, nigel, run, audit, workshop, store: new SqlInsightStore(t.db) };
  }

  it("costs 2 round trips for /oba add: the person with the workshop, its indicator and any stored reply, then the notes with their audit and receipt; 1 for a retry", async () => {
    const c = await commands();
    await c.run("/oba log LAC story: admissions rose as court delays lengthened");
    const w = await c.workshop();
    const key = randomUUID();
    expect(await c.run(`/oba add W${w.id} gaps: no data on short-term admissions | story: fewer returns home`, key)).toEqual({ trips: 2, heading: `Workshop W${w.id} · LAC updated`, replayed: false });
    expect(await c.run(`/oba add W${w.id} gaps: no data on short-term admissions | story: fewer returns home`, key)).toEqual({ trips: 1, heading: `Workshop W${w.id} · LAC updated`, replayed: true });
    expect(await c.workshop()).toEqual({ id: w.id, story_behind_baseline: "admissions rose as court delays lengthened; fewer returns home", information_gaps: "no data on short-term admissions" });
    const [, notes] = await c.audit();
    expect(notes).toEqual([
      "oba.notes",
      { story: "admissions rose as court delays lengthened" },
      { story: "admissions rose as court delays lengthened; fewer returns home", gaps: "no data on short-term admissions" },
    ]);
  });

  it("answers a part the workshop already ends with from the read in 2 round trips, with no audit event, and stores its reply", async () => {
    const c = await commands();
    await c.run("/oba log LAC story: admissions rose as court delays lengthened");
    const w = await c.workshop();
    expect((await c.run(`/oba add W${w.id} gaps: no data on respite`)).trips).toBe(2);
    const events = (await c.audit()).length;
    const key = randomUUID();
    expect(await c.run(`/oba add W${w.id} gaps: No data on respite`, key)).toEqual({ trips: 2, heading: `Workshop W${w.id} · LAC already has that`, replayed: false });
    expect(await c.run(`/oba add W${w.id} gaps: No data on respite`, key)).toEqual({ trips: 1, heading: `Workshop W${w.id} · LAC already has that`, replayed: true });
    expect((await c.audit()).length).toBe(events);
    expect((await c.workshop()).information_gaps).toBe("no data on respite");
  });

  it("adds a part sent twice at the same moment, each under its own key, once", async () => {
    const c = await commands();
    await c.run("/oba log LAC story: admissions rose");
    const w = await c.workshop();
    const twins = await Promise.all([1, 2].map(() => c.run(`/oba add W${w.id} gaps: no data on respite`)));
    expect(twins.map((r) => r.heading).sort()).toEqual([`Workshop W${w.id} · LAC already has that`, `Workshop W${w.id} · LAC updated`]);
    expect((await c.workshop()).information_gaps).toBe("no data on respite");
    expect((await c.audit()).filter(([event]) => event === "oba.notes")).toHaveLength(1);
  });

  it("decides an add again in a transaction when the workshop moved on since it was read, auditing what it really held", async () => {
    const c = await commands();
    await c.run("/oba log LAC story: admissions rose");
    const w = await c.workshop();
    const read = (await c.store.findWorkshop(c.partnershipId, w.id))!;
    const indicator = await c.store.indicatorById(c.partnershipId, read.indicatorId);
    // Someone else's note lands between this add's read and its statement.
    expect((await c.run(`/oba add W${w.id} gaps: no data on respite`)).trips).toBe(2);
    const ctx: ChangeContext = { partnershipId: c.partnershipId, actor: { id: c.nigel, name: "Nigel Richardson" } as ChangeContext["actor"], origin: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" }, idempotencyKey: randomUUID(), at: NOW };
    const before = t.db.roundTrips.count;
    let seen: WorkshopView | null = null;
    await c.store.once(
      ctx,
      async (tx) => {
        await tx.readWorkshop(w.id, true);
        seen = await tx.addWorkshopNotes(w.id, { gaps: "no data on short-term admissions" });
        return { tone: "success", heading: "ok", blocks: [] } as unknown as Reply;
      },
      { workshop: { workshop: read, indicator } },
    );
    expect(t.db.roundTrips.count - before).toBeGreaterThan(2);
    expect(seen!.notes.gaps).toBe("no data on respite; no data on short-term admissions");
    expect((await c.workshop()).information_gaps).toBe("no data on respite; no data on short-term admissions");
    expect((await c.audit()).at(-1)).toEqual(["oba.notes", { gaps: "no data on respite" }, { gaps: "no data on respite; no data on short-term admissions" }]);
    // On a current read, the same change is one statement.
    const current = (await c.store.findWorkshop(c.partnershipId, w.id))!;
    const now = t.db.roundTrips.count;
    await c.store.once(
      { ...ctx, idempotencyKey: randomUUID() },
      async (tx) => {
        await tx.readWorkshop(w.id, true);
        await tx.addWorkshopNotes(w.id, { works: "family group conferencing" });
        return { tone: "success", heading: "ok", blocks: [] } as unknown as Reply;
      },
      { workshop: { workshop: current, indicator } },
    );
    expect(t.db.roundTrips.count - now).toBe(1);
  });

  it("decides \"already has that\" again in a transaction when the workshop moved on since it was read", async () => {
    const c = await commands();
    await c.run("/oba log LAC gaps: no data on respite");
    const w = await c.workshop();
    const read = (await c.store.findWorkshop(c.partnershipId, w.id))!;
    const indicator = await c.store.indicatorById(c.partnershipId, read.indicatorId);
    expect((await c.run(`/oba add W${w.id} gaps: no data on short-term admissions`)).trips).toBe(2);
    const ctx: ChangeContext = { partnershipId: c.partnershipId, actor: { id: c.nigel, name: "Nigel Richardson" } as ChangeContext["actor"], origin: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" }, idempotencyKey: randomUUID(), at: NOW };
    // As /oba add decides: a part the workshop already ends with is not added again.
    const reply = await c.store.once(
      ctx,
      async (tx) => {
        const current = await tx.readWorkshop(w.id, true);
        if (current.notes.gaps?.split("; ").at(-1) === "no data on respite") return { tone: "info", heading: "already has that", blocks: [] } as unknown as Reply;
        await tx.addWorkshopNotes(w.id, { gaps: "no data on respite" });
        return { tone: "success", heading: "updated", blocks: [] } as unknown as Reply;
      },
      { workshop: { workshop: read, indicator } },
    );
    expect(reply.heading).toBe("updated");
    expect((await c.workshop()).information_gaps).toBe("no data on respite; no data on short-term admissions; no data on respite");
  });

  it("reads /oba propose's workshop and indicator with the person: an action it already has costs 2 round trips; a new one is made in a transaction", async () => {
    const c = await commands();
    await c.run("/oba log LAC story: admissions rose");
    const w = await c.workshop();
    const made = await c.run(`/oba propose W${w.id} me: edge-of-care panel; panel meets weekly by end of October 2011`);
    expect(made.heading).toBe(`Workshop W${w.id} · LAC updated`);
    expect(await c.run(`/oba propose W${w.id} me: Edge-of-care panel; panel meets weekly by end of October 2011`)).toEqual({ trips: 2, heading: `Workshop W${w.id} · LAC already has that`, replayed: false });
  });

  it("reads /oba log's indicator with the person; the log itself stays in a transaction, so that twins sent at the same moment find each other", async () => {
    const c = await commands();
    const first = await c.run("/oba log LAC story: admissions rose");
    expect(first.heading).toMatch(/^Workshop W\d+ · LAC logged$/);
    const again = await c.run("/oba log LAC story: admissions rose");
    expect(again.heading).toMatch(/^Workshop W\d+ · LAC is already logged$/);
    // The read with the person, then the transaction: BEGIN, the indicator locked, the day's
    // workshops, the workshop and its audit, the workshop read back, the receipt, COMMIT.
    expect([first.trips, again.trips]).toEqual([9, 6]);
  });
});
