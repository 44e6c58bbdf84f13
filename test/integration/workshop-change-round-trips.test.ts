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

  it("costs 2 round trips for /oba log: the person with the indicator, their workshops on it that day and any stored reply, then the workshop with its audit and receipt; 1 for a retry", async () => {
    const c = await commands();
    const key = randomUUID();
    const first = await c.run("/oba log LAC story: admissions rose as court delays lengthened | gaps: no data on respite", key);
    const w = await c.workshop();
    expect(first).toEqual({ trips: 2, heading: `Workshop W${w.id} · LAC logged`, replayed: false });
    expect(await c.run("/oba log LAC story: admissions rose as court delays lengthened | gaps: no data on respite", key)).toEqual({ trips: 1, heading: `Workshop W${w.id} · LAC logged`, replayed: true });
    expect(w).toMatchObject({ story_behind_baseline: "admissions rose as court delays lengthened", information_gaps: "no data on respite" });
    const logged = await c.audit();
    expect(logged).toHaveLength(1);
    const [event, before, after] = logged[0]!;
    expect([event, before]).toEqual(["oba.logged", null]);
    expect(after).toMatchObject({ heldOn: "2011-09-12", story: "admissions rose as court delays lengthened", gaps: "no data on respite", how: expect.stringContaining("LAC 1,434 (baseline)") });
    const rows = await t.db.kysely.selectFrom("oba_workshop").select(["id", "created_by_id"]).where("partnership_id", "=", c.partnershipId).execute();
    expect(rows).toEqual([{ id: w.id, created_by_id: c.nigel }]);
    // The same record again, under a new key: already logged, from the read, in 2; its retry in 1.
    const again = randomUUID();
    expect(await c.run("/oba log LAC story: Admissions rose as court  delays lengthened", again)).toEqual({ trips: 2, heading: `Workshop W${w.id} · LAC is already logged`, replayed: false });
    expect(await c.run("/oba log LAC story: Admissions rose as court  delays lengthened", again)).toEqual({ trips: 1, heading: `Workshop W${w.id} · LAC is already logged`, replayed: true });
    // Another record the same day is another workshop, also in 2.
    const other = await c.run("/oba log LAC story: placements moved out of area");
    expect(other.trips).toBe(2);
    expect(other.heading).toBe(`Workshop W${(await c.workshop()).id} · LAC logged`);
    expect((await c.audit()).map(([e]) => e)).toEqual(["oba.logged", "oba.logged"]);
  });

  it("logs a workshop sent twice at the same moment, each under its own key, once; and two different records both", async () => {
    const c = await commands();
    const twins = await Promise.all([1, 2].map(() => c.run("/oba log LAC gaps: no data on respite")));
    const w = await c.workshop();
    expect(twins.map((r) => r.heading).sort()).toEqual([`Workshop W${w.id} · LAC is already logged`, `Workshop W${w.id} · LAC logged`]);
    const count = async () => (await t.db.kysely.selectFrom("oba_workshop").select("id").where("partnership_id", "=", c.partnershipId).execute()).length;
    expect(await count()).toBe(1);
    expect((await c.audit()).filter(([event]) => event === "oba.logged")).toHaveLength(1);
    const both = await Promise.all(["story: placements moved out of area", "story: fewer returns home"].map((notes) => c.run(`/oba log LAC ${notes}`)));
    expect(both.map((r) => r.heading)).toEqual([expect.stringMatching(/ · LAC logged$/), expect.stringMatching(/ · LAC logged$/)]);
    expect(await count()).toBe(3);
  });

  it("decides a log again in a transaction when a twin logged since the read: the day's number is taken, so its insert changes nothing", async () => {
    const c = await commands();
    const driver = commandDriver(t.db, c.partnershipId, () => NOW);
    // Read as a twin's would be, before the first log commits.
    const stale = await driver.deps.store.readInvocation(c.partnershipId, { personId: c.nigel }, { indicator: "LAC", workshopsLogged: true }, null);
    expect(stale.workshopsLogged).toMatchObject({ heldOn: null, workshops: [], highestNumber: 0 });
    expect((await c.run("/oba log LAC gaps: no data on respite")).trips).toBe(2);
    const w = await c.workshop();
    const ctx: ChangeContext = { partnershipId: c.partnershipId, actor: { id: c.nigel, name: "Nigel Richardson" } as ChangeContext["actor"], origin: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" }, idempotencyKey: randomUUID(), at: NOW };
    const indicator = (await c.store.findIndicator(c.partnershipId, "LAC"))!;
    const before = t.db.roundTrips.count;
    // As /oba log decides: the same record that day is the same workshop.
    const reply = await c.store.once(
      ctx,
      async (tx) => {
        const same = (await tx.sameDayWorkshops(indicator, "2011-09-12")).find((x) => x.notes.gaps === "no data on respite");
        if (same) return { tone: "info", heading: `W${same.id} already logged`, blocks: [] } as unknown as Reply;
        const id = await tx.createWorkshop(indicator, "2011-09-12", { gaps: "no data on respite" });
        return { tone: "success", heading: `W${(await tx.readWorkshop(id)).id} logged`, blocks: [] } as unknown as Reply;
      },
      { logged: stale.workshopsLogged! },
    );
    expect(t.db.roundTrips.count - before).toBeGreaterThan(2);
    expect(reply.heading).toBe(`W${w.id} already logged`);
    expect((await t.db.kysely.selectFrom("oba_workshop").select(["id", "same_day_number"]).where("partnership_id", "=", c.partnershipId).execute())).toEqual([{ id: w.id, same_day_number: 1 }]);
    expect((await c.audit()).map(([e]) => e)).toEqual(["oba.logged"]);
  });

  it("costs 2 round trips for /oba propose: the action is numbered in its plan in the statement, audited, its owner told; 1 for a retry", async () => {
    const c = await commands();
    await c.run("/oba log LAC story: admissions rose");
    const w = await c.workshop();
    const key = randomUUID();
    const line = `/oba propose W${w.id} Sue May: edge-of-care panel; panel meets weekly by end of October 2011`;
    expect(await c.run(line, key)).toEqual({ trips: 2, heading: `Workshop W${w.id} · LAC updated`, replayed: false });
    expect(await c.run(line, key)).toEqual({ trips: 1, heading: `Workshop W${w.id} · LAC updated`, replayed: true });
    const action = await t.db.prisma.action.findFirstOrThrow({ where: { plan: { partnershipId: c.partnershipId }, ref: "LAC-24" }, include: { owners: { include: { person: true } }, milestones: true } });
    expect([action.title, action.owners.map((o) => o.person?.name), action.milestones.map((m) => [m.ref, m.text, m.dueDate?.toISOString().slice(0, 10)])]).toEqual([
      "edge-of-care panel",
      ["Sue May"],
      [["LAC-24.1", "panel meets weekly by end of October 2011", "2011-10-31"]],
    ]);
    const row = await t.db.prisma.obaWorkshop.findUniqueOrThrow({ where: { id: w.id } });
    expect(row.proposedActions).toEqual([{ ref: "LAC-24", actionId: action.id, owner: "Sue May", ownerId: action.owners[0]!.personId, title: "edge-of-care panel", firstMilestone: "panel meets weekly by end of October 2011" }]);
    const created = await t.db.prisma.auditEvent.findMany({ where: { partnershipId: c.partnershipId, event: "action.created" } });
    expect(created.map((e) => [e.subjectId, e.subjectRef, e.before, (e.after as { workshopId: number }).workshopId])).toEqual([[action.id, "LAC-24", null, w.id]]);
    const told = await t.db.prisma.delivery.findMany({ where: { partnershipId: c.partnershipId, kind: "oba.action" }, include: { person: true } });
    expect(told.map((d) => [d.key, d.person.name])).toEqual([[`oba-action:${action.id}:owner:${action.owners[0]!.personId}`, "Sue May"]]);
    // For oneself, and again the same: already has it, in 2.
    expect((await c.run(`/oba propose W${w.id} me: respite review; review reported in spring term 2012`)).trips).toBe(2);
    expect(await c.run(`/oba propose W${w.id} me: Respite review; review reported in spring term 2012`)).toEqual({ trips: 2, heading: `Workshop W${w.id} · LAC already has that`, replayed: false });
    expect((await t.db.prisma.obaWorkshop.findUniqueOrThrow({ where: { id: w.id } })).proposedActions).toHaveLength(2);
  });

  it("numbers proposals sent at the same moment on one plan apart, never twice the same ref", async () => {
    const c = await commands();
    await c.run("/oba log LAC story: admissions rose");
    const a = await c.workshop();
    await c.run("/oba log LAC story: placements moved out of area");
    const b = await c.workshop();
    const sent = await Promise.all([
      c.run(`/oba propose W${a.id} me: edge-of-care panel; panel meets weekly by end of October 2011`),
      c.run(`/oba propose W${b.id} me: respite review; review reported in spring term 2012`),
      c.run(`/oba propose W${a.id} me: kinship audit; audit done by end of November 2011`),
    ]);
    expect(sent.map((r) => r.heading)).toEqual([`Workshop W${a.id} · LAC updated`, `Workshop W${b.id} · LAC updated`, `Workshop W${a.id} · LAC updated`]);
    const refs = (await t.db.prisma.action.findMany({ where: { plan: { partnershipId: c.partnershipId }, ref: { startsWith: "LAC-2" } }, select: { ref: true } })).map((r) => r.ref).sort();
    expect(refs).toEqual(expect.arrayContaining(["LAC-24", "LAC-25", "LAC-26"]));
    expect(new Set(refs).size).toBe(refs.length);
    const onWorkshops = (await t.db.prisma.obaWorkshop.findMany({ where: { id: { in: [a.id, b.id] } }, orderBy: { id: "asc" } })).map((w) => (w.proposedActions as { ref: string }[]).map((x) => x.ref));
    expect(onWorkshops.flat().sort()).toEqual(["LAC-24", "LAC-25", "LAC-26"]);
    expect(onWorkshops[0]).toHaveLength(2);
  });

  it("numbers a proposal again in a transaction when its ref was taken since the read", async () => {
    const c = await commands();
    await c.run("/oba log LAC story: admissions rose");
    const a = await c.workshop();
    await c.run("/oba log LAC story: placements moved out of area");
    const b = await c.workshop();
    const driver = commandDriver(t.db, c.partnershipId, () => NOW);
    const stale = (await driver.deps.store.readInvocation(c.partnershipId, { personId: c.nigel }, { workshopId: a.id }, null)).workshop!;
    expect(stale.numbering).toMatchObject({ highest: 23 });
    expect((await c.run(`/oba propose W${b.id} me: respite review; review reported in spring term 2012`)).trips).toBe(2);
    const ctx: ChangeContext = { partnershipId: c.partnershipId, actor: { id: c.nigel, name: "Nigel Richardson" } as ChangeContext["actor"], origin: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" }, idempotencyKey: randomUUID(), at: NOW };
    const before = t.db.roundTrips.count;
    let made: string | null = null;
    await c.store.once(
      ctx,
      async (tx) => {
        made = (
          await tx.createAction(a.id, {
            priority: stale.indicator!.priority!,
            indicatorCode: "LAC",
            owner: { id: c.nigel, name: "Nigel Richardson" },
            title: "edge-of-care panel",
            firstMilestone: { text: "panel meets", due: { precision: "day", start: "2011-10-31", due: "2011-10-31", phrase: "31 October 2011" } as never },
            sourceNote: "test",
          })
        ).ref;
        return { tone: "success", heading: "ok", blocks: [] } as unknown as Reply;
      },
      { workshop: stale },
    );
    expect(t.db.roundTrips.count - before).toBeGreaterThan(2);
    expect(made).toBe("LAC-25");
    const created = await t.db.prisma.auditEvent.findMany({ where: { partnershipId: c.partnershipId, event: "action.created" }, orderBy: { id: "asc" } });
    expect(created.map((e) => e.subjectRef)).toEqual(["LAC-24", "LAC-25"]);
    expect(((await t.db.prisma.obaWorkshop.findUniqueOrThrow({ where: { id: a.id } })).proposedActions as { ref: string }[]).map((x) => x.ref)).toEqual(["LAC-25"]);
  });

  it("decides a proposal again in a transaction when its workshop moved on since it was read", async () => {
    const c = await commands();
    await c.run("/oba log LAC story: admissions rose");
    const w = await c.workshop();
    const read = (await c.store.findWorkshop(c.partnershipId, w.id))!;
    const indicator = (await c.store.indicatorById(c.partnershipId, read.indicatorId))!;
    expect((await c.run(`/oba add W${w.id} gaps: no data on respite`)).trips).toBe(2);
    const ctx: ChangeContext = { partnershipId: c.partnershipId, actor: { id: c.nigel, name: "Nigel Richardson" } as ChangeContext["actor"], origin: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" }, idempotencyKey: randomUUID(), at: NOW };
    const before = t.db.roundTrips.count;
    let seen: WorkshopView | null = null;
    await c.store.once(
      ctx,
      async (tx) => {
        await tx.readWorkshop(w.id, true);
        await tx.createAction(w.id, {
          priority: indicator.priority!,
          indicatorCode: "LAC",
          owner: { id: c.nigel, name: "Nigel Richardson" },
          title: "edge-of-care panel",
          firstMilestone: { text: "panel meets", due: { precision: "day", start: "2011-10-31", due: "2011-10-31", phrase: "31 October 2011" } as never },
          sourceNote: "test",
        });
        seen = await tx.readWorkshop(w.id);
        return { tone: "success", heading: "ok", blocks: [] } as unknown as Reply;
      },
      { workshop: { workshop: read, indicator, numbering: { reservedId: -1, highest: 23 } } },
    );
    expect(t.db.roundTrips.count - before).toBeGreaterThan(2);
    expect(seen!.notes.gaps).toBe("no data on respite");
    expect(seen!.actions.map((a) => a.ref)).toEqual(["LAC-24"]);
  });
});
