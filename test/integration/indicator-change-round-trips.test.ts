import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlInsightStore } from "../../src/adapters/db/insight-store.ts";
import type { InsightChanges } from "../../src/commands/insight-store.ts";
import type { ChangeContext } from "../../src/commands/store.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// DESIGN "One round trip per change": an indicator's changes, counted at the driver from
// identifying the sender to the reply, as the milestone changes are (change-round-trips.test.ts).
describe.each(kindsUnderTest())("round trips per indicator change on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  const NOW = new Date("2011-09-12T10:00:00Z");

  /** A whole command as Nigel Richardson (LAC's and NEET's lead) sends it, by person id as the shell does. */
  async function commands() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, () => NOW);
    const nigel = await driver.personId("Nigel Richardson");
    const run = (line: string, key?: string) => driver.counted(nigel, line, key);
    const audit = async () =>
      (await t.db.kysely.selectFrom("audit_event").select(["event", "before", "after"]).where("partnership_id", "=", partnershipId).orderBy("id").execute()).map((e) => [e.event, e.before, e.after]);
    const store = new SqlInsightStore(t.db);
    const ctx = (): ChangeContext => ({ partnershipId, actor: { id: nigel, name: "Nigel Richardson" } as ChangeContext["actor"], origin: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" }, idempotencyKey: randomUUID(), at: NOW });
    /** One change made by the store directly on an indicator as read earlier, and how many statements it sent. */
    const changed = async (work: (tx: InsightChanges) => Promise<unknown>) => {
      const before = t.db.roundTrips.count;
      let outcome: unknown;
      await store.once(ctx(), async (tx): Promise<Reply> => {
        outcome = await work(tx);
        return { tone: "success", heading: "ok", blocks: [] } as unknown as Reply;
      });
      return { trips: t.db.roundTrips.count - before, outcome };
    };
    return { partnershipId, run, audit, store, changed };
  }

  it("costs 2 round trips for /indicator record: the person with the indicator and any stored reply, then the reading with its audit and receipt; 1 for a retry", async () => {
    const c = await commands();
    const key = randomUUID();
    expect(await c.run("/indicator record LAC 1420 Q1 2011/12 children's social care return", key)).toEqual({ trips: 2, heading: "LAC reading recorded", replayed: false });
    expect(await c.run("/indicator record LAC 1420 Q1 2011/12 children's social care return", key)).toEqual({ trips: 1, heading: "LAC reading recorded", replayed: true });
    // A correction, and "not known" for another period: 2 each.
    expect(await c.run("/indicator record LAC 1415 Q1 2011/12")).toEqual({ trips: 2, heading: "LAC reading recorded", replayed: false });
    expect(await c.run("/indicator record NEET not known Q1 2011/12")).toEqual({ trips: 2, heading: "NEET reading recorded", replayed: false });
    expect(await c.audit()).toEqual([
      ["indicator.reading", null, { period: "Q1 2011/12", periodEnd: "2011-06-30", value: 1420, source: "children's social care return" }],
      ["indicator.reading", { period: "Q1 2011/12", value: 1420, source: "children's social care return" }, { period: "Q1 2011/12", periodEnd: "2011-06-30", value: 1415, source: null }],
      ["indicator.reading", null, { period: "Q1 2011/12", periodEnd: "2011-06-30", value: null, source: null }],
    ]);
    const [lac] = await t.db.kysely.selectFrom("indicator_reading as r").innerJoin("indicator as i", "i.id", "r.indicator_id").select(["r.value", "r.source", "r.recorded_by_id"]).where("i.partnership_id", "=", c.partnershipId).where("i.code", "=", "LAC").where("r.period", "=", "Q1 2011/12").execute();
    // A correction without a source keeps the source recorded.
    expect([lac!.value, lac!.source]).toEqual([1415, "children's social care return"]);
  });

  it("answers the same reading again from the read in 2 round trips, with no audit event, and stores its reply", async () => {
    const c = await commands();
    expect((await c.run("/indicator record LAC 1420 Q1 2011/12")).trips).toBe(2);
    const key = randomUUID();
    expect(await c.run("/indicator record LAC 1,420 Q1 2011/12", key)).toEqual({ trips: 2, heading: "LAC already has 1,420 for Q1 2011/12", replayed: false });
    expect(await c.run("/indicator record LAC 1,420 Q1 2011/12", key)).toEqual({ trips: 1, heading: "LAC already has 1,420 for Q1 2011/12", replayed: true });
    expect((await c.audit()).length).toBe(1);
  });

  it("costs 2 round trips for /indicator target, forecast, periodicity and tolerance, 1 for a retry, and 2 with no audit event for the value it already has", async () => {
    const c = await commands();
    const key = randomUUID();
    expect(await c.run("/indicator target LAC 1300 by March 2013", key)).toEqual({ trips: 2, heading: "LAC's target is now 1,300 by 31 Mar 2013", replayed: false });
    expect(await c.run("/indicator target LAC 1300 by March 2013", key)).toEqual({ trips: 1, heading: "LAC's target is now 1,300 by 31 Mar 2013", replayed: true });
    expect(await c.run("/indicator target LAC 1250 by March 2013")).toMatchObject({ trips: 2, heading: "LAC's target is now 1,250 by 31 Mar 2013" });
    expect(await c.run("/indicator target LAC 1250 by March 2013")).toMatchObject({ trips: 2, heading: "LAC's target is already 1,250 by 31 Mar 2013." });
    expect(await c.run("/indicator forecast LAC 1480 2011/12 1500 2012/13")).toMatchObject({ trips: 2, heading: "LAC's forecast is now 1,480 for 2011/12, 1,500 for 2012/13" });
    expect(await c.run("/indicator periodicity LAC quarterly")).toMatchObject({ trips: 2, heading: "LAC is now reported quarterly" });
    expect(await c.run("/indicator periodicity LAC quarterly")).toMatchObject({ trips: 2, heading: "LAC is already reported quarterly." });
    expect(await c.run("/indicator tolerance LAC 20")).toMatchObject({ trips: 2, heading: "LAC's tolerance is now 20" });
    expect(await c.run("/indicator tolerance LAC 20")).toMatchObject({ trips: 2 });
    expect(await c.run("/indicator tolerance LAC default")).toMatchObject({ trips: 2 });
    const events = await c.audit();
    expect(events.map((e) => e[0])).toEqual(["indicator.target", "indicator.target", "indicator.forecast", "indicator.periodicity", "indicator.tolerance", "indicator.tolerance"]);
    expect(events.map((e) => e[1])).toEqual([null, { value: 1300, dueDate: "2013-03-31" }, { forecast: [] }, { periodicity: null }, { tolerance: null }, { tolerance: 20 }]);
  });

  it("costs 2 round trips for /indicator owner, the person named read by name with the indicator", async () => {
    const c = await commands();
    const key = randomUUID();
    expect(await c.run("/indicator owner LAC Jancis Andrew", key)).toEqual({ trips: 2, heading: "Jancis Andrew now owns LAC", replayed: false });
    expect(await c.run("/indicator owner LAC Jancis Andrew", key)).toEqual({ trips: 1, heading: "Jancis Andrew now owns LAC", replayed: true });
    expect(await c.run("/indicator owner LAC jancis andrew")).toMatchObject({ trips: 2, heading: "Jancis Andrew already owns LAC." });
    // A name that finds no one exactly is searched for, as before: "Jancis" alone is her.
    expect(await c.run("/indicator owner LAC Sue May")).toMatchObject({ trips: 2, heading: "Sue May now owns LAC" });
    expect(await c.run("/indicator owner LAC Jancis")).toMatchObject({ heading: "Jancis Andrew now owns LAC" });
    expect((await c.audit()).map((e) => [e[0], e[1], e[2]])).toEqual([
      ["indicator.owner", { owner: null }, { owner: "Jancis Andrew" }],
      ["indicator.owner", { owner: "Jancis Andrew" }, { owner: "Sue May" }],
      ["indicator.owner", { owner: "Sue May" }, { owner: "Jancis Andrew" }],
    ]);
  });

  it("records a reading decided on an indicator read before another reading for the period in a transaction, auditing the reading it really replaced", async () => {
    const c = await commands();
    const read = (await c.store.findIndicator(c.partnershipId, "LAC"))!;
    expect((await c.run("/indicator record LAC 1420 Q1 2011/12")).trips).toBe(2);
    const stale = await c.changed((tx) => tx.recordReading(read, { period: "Q1 2011/12", periodEnd: "2011-06-30", value: 1400, source: null }));
    expect(stale.outcome).toEqual({ applied: true, previous: 1420, hadReading: true });
    expect(stale.trips).toBeGreaterThan(2);
    const events = await c.audit();
    expect(events[1]).toEqual(["indicator.reading", { period: "Q1 2011/12", value: 1420, source: null }, { period: "Q1 2011/12", periodEnd: "2011-06-30", value: 1400, source: null }]);
    // "Nothing changed", decided on a read the reading has moved on from, is decided again: 1400 is there now.
    const again = await c.changed((tx) => tx.recordReading(read, { period: "Q1 2011/12", periodEnd: "2011-06-30", value: 1400, source: null }));
    expect(again.outcome).toEqual({ applied: false, previous: 1400, hadReading: true });
    expect((await c.audit()).length).toBe(2);
  });

  it("sets a tolerance and a target decided on an indicator read before someone else set them in a transaction, auditing what they really were", async () => {
    const c = await commands();
    const read = (await c.store.findIndicator(c.partnershipId, "LAC"))!;
    expect((await c.run("/indicator tolerance LAC 20")).trips).toBe(2);
    expect((await c.run("/indicator target LAC 1300 by March 2013")).trips).toBe(2);
    const tolerance = await c.changed((tx) => tx.setTolerance(read, 30));
    expect(tolerance.outcome).toEqual({ before: 20 });
    expect(tolerance.trips).toBeGreaterThan(2);
    const target = await c.changed((tx) => tx.setTarget(read, { value: 1250, dueDate: "2013-03-31", text: null }));
    expect(target.outcome).toEqual({ before: 1300 });
    const events = await c.audit();
    expect(events.slice(2)).toEqual([
      ["indicator.tolerance", { tolerance: 20 }, { tolerance: 30 }],
      ["indicator.target", { value: 1300, dueDate: "2013-03-31" }, { value: 1250, dueDate: "2013-03-31" }],
    ]);
  });

  it("sets a forecast, periodicity and owner decided on an indicator read before someone else set them in a transaction, auditing what they really were", async () => {
    const c = await commands();
    const read = (await c.store.findIndicator(c.partnershipId, "LAC"))!;
    expect((await c.run("/indicator forecast LAC 1480 2011/12")).trips).toBe(2);
    expect((await c.run("/indicator periodicity LAC quarterly")).trips).toBe(2);
    expect((await c.run("/indicator owner LAC Jancis Andrew")).trips).toBe(2);
    const forecast = await c.changed((tx) => tx.setForecast(read, [{ periodEnd: "2013-03-31", value: 1500 }]));
    expect(forecast.trips).toBeGreaterThan(2);
    // "Already annual" on the old read is decided again: it is quarterly now, so it changes.
    expect((await c.changed((tx) => tx.setPeriodicity({ ...read, periodicity: "annual" }, "annual"))).outcome).toEqual({ before: "quarterly" });
    const sue = await t.db.kysely.selectFrom("person").select(["id", "name"]).where("partnership_id", "=", c.partnershipId).where("name", "=", "Sue May").executeTakeFirstOrThrow();
    expect((await c.changed((tx) => tx.setOwner(read, sue))).outcome).toEqual({ before: { id: expect.any(Number), name: "Jancis Andrew" } });
    const events = await c.audit();
    expect(events.slice(3)).toEqual([
      ["indicator.forecast", { forecast: [{ periodEnd: "2012-03-31", value: 1480 }] }, { forecast: [{ periodEnd: "2013-03-31", value: 1500 }] }],
      ["indicator.periodicity", { periodicity: "quarterly" }, { periodicity: "annual" }],
      ["indicator.owner", { owner: "Jancis Andrew" }, { owner: "Sue May" }],
    ]);
    // The same forecast on a current read: one statement, guarded by the forecast as read.
    const current = (await c.store.findIndicator(c.partnershipId, "LAC"))!;
    expect((await c.changed((tx) => tx.setForecast(current, [{ periodEnd: "2014-03-31", value: 1490 }]))).trips).toBe(1);
  });
});
