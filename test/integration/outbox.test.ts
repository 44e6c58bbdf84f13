import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatAdapter } from "../../src/adapters/chat/chat-adapter.ts";
import { openDatabase } from "../../src/adapters/db/open-database.ts";
import { runDigestSweep } from "../../src/jobs/digests.ts";
import { claimDue, insertDeliveries, LEASE_MS, markCancelled, markFailed, markSent, postpone, previousNudgeRef, releaseClaims } from "../../src/adapters/db/deliveries.ts";
import { previewNudgeSweep, runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { recipient } from "../../src/adapters/db/people.ts";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import { DeliveryWorker } from "../../src/bot/delivery-worker.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";
import { watchStatements, type StatementWatch } from "../support/watched-transaction.ts";

const MONDAY_NINE = new Date("2011-09-26T09:00:00+01:00");

/** Stands in for a chat platform: records what would have reached each person. */
function recordingAdapter(platform: "slack" | "teams" = "slack") {
  const sent: { personId: number; reply: Reply; replace?: string }[] = [];
  const adapter: ChatAdapter & { sent: typeof sent; failWith?: Error & { retryable?: boolean } } = {
    platform,
    sent,
    mount: () => undefined,
    close: async () => undefined,
    async sendToPerson(personId, reply, options) {
      if (adapter.failWith) throw adapter.failWith;
      sent.push({ personId, reply, ...(options?.replace ? { replace: options.replace } : {}) });
      return { messageRef: options?.replace ?? `C${personId}/${sent.length}` };
    },
  };
  return adapter;
}

describe.each(kindsUnderTest())("the outbox on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function partnershipWithSlackPeople() {
    const partnershipId = await loadDemo(t.db);
    // Everyone has a Slack account, as after their first command.
    await t.db.sql.query(
      `INSERT INTO platform_identity (person_id, platform, tenant, user_id) SELECT id, 'slack', 'T1', 'U' || id FROM person WHERE partnership_id = $1`,
      [partnershipId],
    );
    const person = (name: string) => t.db.prisma.person.findFirstOrThrow({ where: { partnershipId, name } });
    return { partnershipId, person };
  }
  const deps = () => ({ store: new PrismaStore(t.db), log: { info: () => undefined, error: () => undefined } });

  it("enqueues one nudge per person per sweep, once however often the sweep runs", async () => {
    const { partnershipId, person } = await partnershipWithSlackPeople();
    const preview = await previewNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    const before = t.db.roundTrips.count;
    const first = await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    const firstTrips = t.db.roundTrips.count - before;
    expect(first.deliveries).toEqual(preview.deliveries);
    const jancis = first.deliveries.filter((d) => d.person === "Jancis Andrew");
    expect(jancis).toHaveLength(1);
    expect(jancis[0]!.refs).toEqual(expect.arrayContaining(["ATT-4.1", "ATT-5.1"]));
    expect((await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE)).deliveries).toEqual([]);
    // A later sweep the same day finds every stage already sent.
    expect((await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2011-09-26T14:00:00+01:00"))).deliveries).toEqual([]);
    const why = await t.db.sql.query<{ stage: string; stage_date: string }>(
      `SELECT mn.stage, mn.stage_date::text FROM milestone_nudge mn JOIN milestone m ON m.id = mn.milestone_id WHERE m.ref = 'ATT-4.1' AND mn.person_id = $1`,
      [(await person("Jancis Andrew")).id],
    );
    expect(why).toEqual([{ stage: "week_before", stage_date: "2011-09-23" }]);
    // A fixed number of statements, not one per person or milestone: BEGIN, the sweep lock,
    // the cursors of people, owners and milestones (open, one batch, close each), stages
    // sent, overdue counts, escalations, roles, the outbox rows, the stages recorded, COMMIT.
    expect(first.deliveries.length).toBeGreaterThan(5);
    expect(firstTrips).toBeLessThanOrEqual(20);
  });

  it("reads no milestones when nobody may hear anything: a bank holiday, a night, a weekend", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    const cost = async (at: string) => {
      const before = t.db.roundTrips.count;
      const swept = await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date(at));
      return { deliveries: swept.deliveries.length, roundTrips: t.db.roundTrips.count - before };
    };
    // BEGIN, the sweep lock, the people and their quiet rules (a cursor: open, one batch, close), COMMIT.
    for (const at of ["2011-08-29T09:00:00+01:00", "2011-09-26T02:00:00+01:00", "2011-09-24T11:00:00+01:00"]) {
      expect(await cost(at), at).toEqual({ deliveries: 0, roundTrips: 6 });
    }
    const working = await cost("2011-09-26T09:00:00+01:00");
    expect(working.deliveries).toBeGreaterThan(0);
    expect(working.roundTrips).toBeGreaterThan(4);
  });

  it("writes outbox rows exactly as given, whatever their text, and adds a key only once", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    const { insertDeliveries } = await import("../../src/adapters/db/deliveries.ts");
    const [person] = await t.db.sql.query<{ id: number }>(`SELECT id FROM person WHERE partnership_id = $1 ORDER BY id LIMIT 1`, [partnershipId]);
    const awkward = `a "quoted" back\\slash, {braces}, commas, NULL, 'single', tab\there, é ✓ 🙂`;
    const rows = [
      { partnershipId, personId: person!.id, key: `text-test:${partnershipId}:1`, kind: "nudge", payload: { text: awkward, items: [1, null] }, dueAt: MONDAY_NINE },
      { partnershipId, personId: person!.id, key: `text-test:${partnershipId}:2`, kind: "nudge", payload: {}, dueAt: MONDAY_NINE, status: "failed" as const, lastError: "NULL" },
      { partnershipId, personId: person!.id, key: `text-test:${partnershipId}:3 "NULL"`, kind: "escalation", payload: null, dueAt: MONDAY_NINE, lastError: null },
    ];
    const added = await insertDeliveries(t.db.sql, rows);
    expect(added.map((r) => r.key).sort()).toEqual(rows.map((r) => r.key).sort());
    expect(await insertDeliveries(t.db.sql, rows)).toEqual([]);
    const stored = await t.db.sql.query<{ key: string; kind: string; payload: unknown; status: string; last_error: string | null; due_at: Date }>(
      `SELECT key, kind, payload, status::text AS status, last_error, due_at FROM delivery WHERE key LIKE $1 ORDER BY key`,
      [`text-test:${partnershipId}:%`],
    );
    expect(stored.map((r) => ({ ...r, due_at: new Date(r.due_at).toISOString() }))).toEqual([
      { key: rows[0]!.key, kind: "nudge", payload: { text: awkward, items: [1, null] }, status: "pending", last_error: null, due_at: MONDAY_NINE.toISOString() },
      { key: rows[1]!.key, kind: "nudge", payload: {}, status: "failed", last_error: "NULL", due_at: MONDAY_NINE.toISOString() },
      { key: rows[2]!.key, kind: "escalation", payload: {}, status: "pending", last_error: null, due_at: MONDAY_NINE.toISOString() },
    ]);
  });

  it("reads people, owners and open milestones in batches without losing or repeating one at a batch's edge", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    const { loadSweepData } = await import("../../src/adapters/db/milestone-nudges.ts");
    const read = (size?: number) => t.db.sql.transaction((tx) => loadSweepData(tx, partnershipId, MONDAY_NINE, undefined, size));
    const whole = await read();
    expect(whole.input.milestones.length).toBeGreaterThan(20);
    expect(whole.input.milestones.some((m) => m.ownerIds.length > 0)).toBe(true);
    expect(whole.input.people.size).toBeGreaterThan(7);
    for (const size of [1, 7, whole.input.milestones.length, whole.input.milestones.length + 1]) {
      expect(await read(size), `batches of ${size}`).toEqual(whole);
    }
  });

  it("reads the milestones digests report on in batches without losing or repeating one at a batch's edge", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    const { loadDigestRows } = await import("../../src/adapters/db/priority-progress.ts");
    const read = (batchSize?: number) => loadDigestRows(t.db.sql, partnershipId, "2011-09-26", new Date("2011-08-22T00:00:00Z"), { batchSize });
    const whole = await read();
    const n = whole.milestones.length;
    expect(n).toBeGreaterThan(20);
    expect(new Set(whole.milestones.map((m) => m.ref)).size).toBe(n);
    // In due-date order, undated last.
    const dated = whole.milestones.filter((m) => m.dueDate !== null).map((m) => m.dueDate!);
    expect(dated).toEqual([...dated].sort());
    for (const size of [1, 7, n - 1, n, n + 1]) expect(await read(size), `batches of ${size}`).toEqual(whole);
  });

  it("reads the next batch while planning this one, and lets that read finish before a planning failure rolls the sweep back", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    const { streamSweepData } = await import("../../src/adapters/db/milestone-nudges.ts");
    let w: StatementWatch | undefined;
    const failure = t.db.sql.transaction(async (tx) => {
      const watch = watchStatements(tx);
      w = watch.w;
      let batches = 0;
      await streamSweepData(watch.watched, partnershipId, MONDAY_NINE, undefined, () => () => {
        batches++;
        // The second batch is being read while the first is planned.
        if (batches === 1) expect(watch.w.running).toBe(1);
        if (batches === 2) throw new Error("planning failed");
      }, { batchSize: 3 });
      return "finished";
    });
    await expect(failure).rejects.toThrow("planning failed");
    // Every statement had ended before the failure left the sweep, and the read ahead was one batch: never two statements at once.
    expect(w!.running).toBe(0);
    expect(w!.most).toBe(1);
    expect(w!.events.filter((e) => e === "start FETCH").length).toBeGreaterThanOrEqual(3);
    // The connection went back to the pool in order: the next transaction works.
    expect(await t.db.sql.transaction((tx) => tx.query<{ one: number }>(`SELECT 1 AS one`))).toEqual([{ one: 1 }]);
  });

  it("sends nothing on a bank holiday, and the held stages go on the next working morning", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    expect((await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2011-08-29T09:00:00+01:00"))).deliveries).toEqual([]);
    const tuesday = await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2011-08-30T08:00:00+01:00"));
    expect(tuesday.deliveries.length).toBeGreaterThan(0);
  });

  it("delivers through the platform, replaces the previous nudge, and leaves out what was done meanwhile", async () => {
    const { partnershipId, person } = await partnershipWithSlackPeople();
    const adapter = recordingAdapter();
    let now = MONDAY_NINE;
    const worker = new DeliveryWorker({ sql: t.db.sql, deps: deps(), adapters: [adapter], clock: () => now, id: "w1" });
    await runNudgeSweep(jobStoreOf(t.db), partnershipId, now);
    await commandDriver(t.db, partnershipId, () => now).run("Jancis Andrew", "/milestone done ATT-5.1 script agreed");
    await worker.drain();
    const jancis = (await person("Jancis Andrew")).id;
    const toJancis = adapter.sent.filter((s) => s.personId === jancis);
    expect(toJancis).toHaveLength(1);
    const shown = JSON.stringify(toJancis[0]!.reply);
    expect(shown).toContain("ATT-4.1");
    expect(shown).not.toContain("ATT-5.1");
    expect(shown).toContain("milestone.snooze");

    now = new Date("2011-09-29T09:00:00+01:00"); // a working day before 30 September
    await runNudgeSweep(jobStoreOf(t.db), partnershipId, now);
    await worker.drain();
    const second = adapter.sent.filter((s) => s.personId === jancis)[1]!;
    expect(second.replace).toBe(`C${jancis}/${adapter.sent.indexOf(toJancis[0]!) + 1}`);
    expect(JSON.stringify(second.reply)).toContain("due tomorrow");
    const rows = await t.db.sql.query<{ status: string; n: number | string }>(
      `SELECT status::text, count(*) AS n FROM delivery WHERE partnership_id = $1 GROUP BY status`,
      [partnershipId],
    );
    expect(rows.find((r) => r.status === "pending")).toBeUndefined();
  });

  it("holds a delivery through quiet time and sends it on the next working morning", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    const adapter = recordingAdapter();
    const evening = new Date("2011-09-26T19:00:00+01:00");
    await new DeliveryWorker({ sql: t.db.sql, deps: deps(), adapters: [adapter], clock: () => evening }).drain();
    expect(adapter.sent).toHaveLength(0);
    const [held] = await t.db.sql.query<{ due_at: Date }>(`SELECT due_at FROM delivery WHERE partnership_id = $1 AND status = 'pending' LIMIT 1`, [partnershipId]);
    expect(new Date(held!.due_at).toISOString()).toBe("2011-09-27T07:00:00.000Z");
  });

  it("retries a transient failure later and records a permanent one", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    const adapter = recordingAdapter();
    adapter.failWith = Object.assign(new Error("Slack is down"), { retryable: true, retryAfterMs: 30_000 });
    await new DeliveryWorker({ sql: t.db.sql, deps: deps(), adapters: [adapter], clock: () => MONDAY_NINE }).drain();
    const retrying = await t.db.sql.query<{ due_at: Date; last_error: string }>(`SELECT due_at, last_error FROM delivery WHERE partnership_id = $1 AND status = 'pending'`, [partnershipId]);
    expect(retrying.length).toBeGreaterThan(0);
    expect(new Date(retrying[0]!.due_at).getTime()).toBe(MONDAY_NINE.getTime() + 30_000);
    adapter.failWith = Object.assign(new Error("Slack refused the message: user_not_found"), { retryable: false });
    await new DeliveryWorker({ sql: t.db.sql, deps: deps(), adapters: [adapter], clock: () => new Date(MONDAY_NINE.getTime() + 60_000) }).drain();
    const failed = await t.db.sql.query<{ last_error: string }>(`SELECT last_error FROM delivery WHERE partnership_id = $1 AND status = 'failed'`, [partnershipId]);
    expect(failed.length).toBe(retrying.length);
    expect(failed[0]!.last_error).toContain("user_not_found");
  });

  it("picks up after a worker dies mid-batch, sending the rest and nothing twice", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    const total = (await t.db.sql.query<{ n: number | string }>(`SELECT count(*) AS n FROM delivery WHERE partnership_id = $1`, [partnershipId]))[0]!.n;
    // The dead worker claimed a batch and settled none of it.
    const orphaned = await claimDue(t.db.sql, "dead-worker", MONDAY_NINE, 5);
    expect(orphaned).toHaveLength(5);
    const adapter = recordingAdapter();
    const soon = new Date(MONDAY_NINE.getTime() + 1000);
    await new DeliveryWorker({ sql: t.db.sql, deps: deps(), adapters: [adapter], clock: () => soon, id: "w2" }).drain();
    expect(adapter.sent).toHaveLength(Number(total) - 5);
    const later = new Date(MONDAY_NINE.getTime() + LEASE_MS + 1000);
    await new DeliveryWorker({ sql: t.db.sql, deps: deps(), adapters: [adapter], clock: () => later, id: "w3" }).drain();
    expect(adapter.sent).toHaveLength(Number(total)); // each delivery once: none lost, none twice
  });

  it("lets several workers drain one outbox at once with each delivery sent exactly once", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    const adapter = recordingAdapter();
    // On PostgreSQL the workers use separate connections, as separate instances would.
    const second = kind === "postgresql" ? await openDatabase({ databaseUrl: t.url, dataDir: "unused" }) : t.db;
    try {
      await Promise.all([
        new DeliveryWorker({ sql: t.db.sql, deps: deps(), adapters: [adapter], clock: () => MONDAY_NINE, id: "a" }).drain(),
        new DeliveryWorker({ sql: second.sql, deps: { store: new PrismaStore(second), log: deps().log }, adapters: [adapter], clock: () => MONDAY_NINE, id: "b" }).drain(),
      ]);
    } finally {
      if (second !== t.db) await second.close();
    }
    const rows = await t.db.sql.query<{ status: string; claimed_by: string }>(`SELECT status::text, claimed_by FROM delivery WHERE partnership_id = $1`, [partnershipId]);
    expect(rows.every((r) => r.status === "sent")).toBe(true);
    expect(adapter.sent.length).toBe(rows.length); // each delivery once
    // No person got the same message twice, whichever worker sent it.
    const sentTo = adapter.sent.map((s) => `${s.personId}:${JSON.stringify(s.reply)}`);
    expect(new Set(sentTo).size).toBe(sentTo.length);
  });

  // PGlite is one connection in one process (a second opener of its directory corrupts it), so
  // two claims cannot overlap there; on PostgreSQL two instances' claims can, and must not wait or collide.
  it.runIf(kind === "postgresql")("lets a second instance claim while the first still holds its rows, never the same row, never waiting", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    const first = await openDatabase({ databaseUrl: t.url, dataDir: "unused" });
    const second = await openDatabase({ databaseUrl: t.url, dataDir: "unused" });
    let claimed: { a: number[]; b: number[] } = { a: [], b: [] };
    try {
      claimed = await first.sql.transaction(async (a) => {
        const mine = await claimDue(a, "instance-a", MONDAY_NINE, 5);
        // Instance A has not committed: its rows are locked. B must skip them, not wait for them
        // (the lock timeout turns a wait into a failure here) and not take them.
        const theirs = await second.sql.transaction(async (b) => {
          await b.exec("SET LOCAL lock_timeout = '3s'");
          return claimDue(b, "instance-b", MONDAY_NINE, 5);
        });
        return { a: mine.map((r) => r.id), b: theirs.map((r) => r.id) };
      });
      expect(claimed.a).toHaveLength(5);
      expect(claimed.b).toHaveLength(5);
      expect(claimed.b.filter((id) => claimed.a.includes(id))).toEqual([]);
      const owners = await t.db.sql.query<{ id: number; claimed_by: string }>(`SELECT id, claimed_by FROM delivery WHERE id = ANY($1::int[])`, [[...claimed.a, ...claimed.b]]);
      expect(owners.filter((r) => r.claimed_by === "instance-a").map((r) => r.id).sort()).toEqual([...claimed.a].sort());
      expect(owners.filter((r) => r.claimed_by === "instance-b").map((r) => r.id).sort()).toEqual([...claimed.b].sort());
    } finally {
      await releaseClaims(t.db.sql, "instance-a", claimed.a);
      await releaseClaims(t.db.sql, "instance-b", claimed.b);
      await t.db.sql.query(`UPDATE delivery SET status = 'cancelled' WHERE partnership_id = $1 AND status = 'pending'`, [partnershipId]);
      await first.close();
      await second.close();
    }
  });

  // Rows due in 2000, long before any other test's clock (2011), so these claims see only them;
  // whatever is left unsent is cancelled, so no later drain sends it.
  const Y2K = new Date("2000-01-03T09:00:00Z");
  async function outboxRows<const R extends readonly { key: string; personId: number; kind: string; payload?: object; dueAt?: Date }[]>(partnershipId: number, rows: R) {
    const ids: number[] = [];
    // One insert per row, so ids follow the order given (a lane's order is its ids').
    for (const r of rows) ids.push(...(await insertDeliveries(t.db.sql, [{ partnershipId, dueAt: Y2K, payload: {}, ...r }])).map((d) => d.id));
    return ids as { [K in keyof R]: number };
  }
  const outboxState = async (ids: number[]) =>
    t.db.sql.query<{ id: number; status: string; claimed_by: string | null; attempts: number; due_at: Date }>(
      `SELECT id, status::text AS status, claimed_by, attempts, due_at FROM delivery WHERE id = ANY($1::int[]) ORDER BY id`,
      [ids],
    );

  it("claims only the kinds asked for, holds a lane's later rows behind its earlier one, and releases only this worker's claims, as they were", async () => {
    const partnershipId = await loadDemo(t.db);
    const jancis = (await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId, name: "Jancis Andrew" } })).id;
    const channel = (c: string) => ({ channel: `slack:T1:${c}`, text: c });
    const [nudge, first, second, later, third, home] = await outboxRows(partnershipId, [
      { key: `y2k:${partnershipId}:nudge`, personId: jancis, kind: "nudge" },
      { key: `y2k:${partnershipId}:first`, personId: jancis, kind: "announcement", payload: channel("C1") },
      { key: `y2k:${partnershipId}:second`, personId: jancis, kind: "announcement", payload: channel("C1") },
      // Scheduled for later: it holds back nothing, though it is older than `third`.
      { key: `y2k:${partnershipId}:later`, personId: jancis, kind: "announcement", payload: channel("C2"), dueAt: new Date("2000-06-01T09:00:00Z") },
      { key: `y2k:${partnershipId}:third`, personId: jancis, kind: "announcement", payload: channel("C2") },
      { key: `y2k:${partnershipId}:home`, personId: jancis, kind: "app_home", payload: { actions: [1] } },
    ]);
    const now = new Date(Y2K.getTime() + 60_000);
    try {
      expect(await claimDue(t.db.sql, "nobody", now, 10, [])).toEqual([]);
      const effects = await claimDue(t.db.sql, "effects", now, 10, ["announcement", "app_home"]);
      expect(effects.map((r) => ({ id: r.id, lane: r.lane, attempts: r.attempts })).sort((a, b) => a.id - b.id)).toEqual([
        { id: first, lane: "channel:slack:T1:C1", attempts: 1 },
        { id: third, lane: "channel:slack:T1:C2", attempts: 1 },
        { id: home, lane: `app_home:${home}`, attempts: 1 },
      ]);
      // All kinds: the nudge; `second` waits while `first` is being sent.
      const other = await claimDue(t.db.sql, "other", now, 10);
      expect(other.map((r) => ({ id: r.id, lane: r.lane, kind: r.kind, personId: r.personId, partnershipId: r.partnershipId }))).toEqual([
        { id: nudge, lane: `person:${jancis}`, kind: "nudge", personId: jancis, partnershipId },
      ]);

      expect(await releaseClaims(t.db.sql, "effects", [first, third, home, nudge, second])).toBe(3);
      const state = await outboxState([nudge, first, second, later, third, home]);
      expect(state.map((r) => [r.id, r.status, r.claimed_by, r.attempts])).toEqual([
        [nudge, "sending", "other", 1],
        [first, "pending", null, 0],
        [second, "pending", null, 0],
        [later, "pending", null, 0],
        [third, "pending", null, 0],
        [home, "pending", null, 0],
      ]);
      expect(state.filter((r) => r.id !== later).every((r) => new Date(r.due_at).getTime() === Y2K.getTime())).toBe(true);
      // Released, they are claimed again in the lanes' order.
      expect((await claimDue(t.db.sql, "again", now, 10)).map((r) => r.id).sort((a, b) => a - b)).toEqual([first, third, home]);
      // Turned away for now and due again later, `first` still holds `second` back.
      expect(await postpone(t.db.sql, { id: first, worker: "again" }, new Date("2000-02-01T09:00:00Z"), "try again later")).toBe(true);
      expect(await claimDue(t.db.sql, "retry", now, 10)).toEqual([]);
    } finally {
      await t.db.sql.query(`UPDATE delivery SET status = 'cancelled' WHERE partnership_id = $1 AND status IN ('pending', 'sending')`, [partnershipId]);
    }
  });

  it("records an outcome only while the row is still the worker's: a worker that stalled past its lease cannot put back a row another has taken over", async () => {
    const partnershipId = await loadDemo(t.db);
    const jancis = (await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId, name: "Jancis Andrew" } })).id;
    try {
      const [row, given] = await outboxRows(partnershipId, [
        { key: `stall:${partnershipId}:row`, personId: jancis, kind: "digest" },
        { key: `stall:${partnershipId}:given`, personId: jancis, kind: "digest" },
      ]);
      const now = new Date(Y2K.getTime() + 60_000);
      expect((await claimDue(t.db.sql, "stalled", now, 10)).map((r) => r.id).sort((a, b) => a - b)).toEqual([row, given]);
      // The lease runs out; another worker takes `row` over and is sending it.
      const later = new Date(now.getTime() + LEASE_MS + 1000);
      expect((await claimDue(t.db.sql, "fresh", later, 10)).map((r) => r.id).sort((a, b) => a - b)).toEqual([row, given]);
      expect(await postpone(t.db.sql, { id: row, worker: "stalled" }, later, "Slack said try again")).toBe(false);
      expect(await markFailed(t.db.sql, { id: row, worker: "stalled" }, "gave up")).toBe(false);
      expect(await markCancelled(t.db.sql, { id: row, worker: "stalled" }, "nothing to say")).toBe(false);
      expect(await markSent(t.db.sql, { id: row, worker: "stalled" }, "slack", "C1/stalled", later)).toBe(false);
      expect((await outboxState([row]))[0]).toMatchObject({ status: "sending", claimed_by: "fresh" });
      expect(await markSent(t.db.sql, { id: row, worker: "fresh" }, "slack", "C1/fresh", later)).toBe(true);
      // Sent is sent: a late "try again" from either worker changes nothing.
      expect(await postpone(t.db.sql, { id: row, worker: "fresh" }, later, "late")).toBe(false);
      expect(await postpone(t.db.sql, { id: row, worker: "stalled" }, later, "late")).toBe(false);
      const [sent] = await t.db.sql.query<{ status: string; message_ref: string }>(`SELECT status::text AS status, message_ref FROM delivery WHERE id = $1`, [row]);
      expect(sent).toEqual({ status: "sent", message_ref: "C1/fresh" });
      // A row given back while its send was under way (a stop) is recorded as sent when the send lands.
      expect(await releaseClaims(t.db.sql, "fresh", [given])).toBe(1);
      expect(await markSent(t.db.sql, { id: given, worker: "fresh" }, "slack", "C1/given", later)).toBe(true);
      expect((await outboxState([given]))[0]).toMatchObject({ status: "sent" });
    } finally {
      await t.db.sql.query(`UPDATE delivery SET status = 'cancelled' WHERE partnership_id = $1 AND status IN ('pending', 'sending')`, [partnershipId]);
    }
  });

  it("replaces the person's most recently sent nudge on that platform, whatever order the rows were written in", async () => {
    const partnershipId = await loadDemo(t.db);
    const jancis = (await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId, name: "Jancis Andrew" } })).id;
    expect(await previousNudgeRef(t.db.sql, jancis, "slack")).toBeNull();
    const [sentLast, sentFirst, onTeams, digest] = await outboxRows(partnershipId, [
      { key: `ref:${partnershipId}:last`, personId: jancis, kind: "nudge" },
      { key: `ref:${partnershipId}:first`, personId: jancis, kind: "nudge" },
      { key: `ref:${partnershipId}:teams`, personId: jancis, kind: "nudge" },
      { key: `ref:${partnershipId}:digest`, personId: jancis, kind: "digest" },
    ]);
    const at = (minutes: number) => new Date(Y2K.getTime() + minutes * 60_000);
    await markSent(t.db.sql, { id: sentLast, worker: "test" }, "slack", "C1/last", at(20));
    await markSent(t.db.sql, { id: sentFirst, worker: "test" }, "slack", "C1/first", at(10));
    await markSent(t.db.sql, { id: onTeams, worker: "test" }, "teams", "teams/latest", at(30));
    await markSent(t.db.sql, { id: digest, worker: "test" }, "slack", "C1/digest", at(40));
    expect(await previousNudgeRef(t.db.sql, jancis, "slack")).toBe("C1/last");
    expect(await previousNudgeRef(t.db.sql, jancis, "teams")).toBe("teams/latest");
  });

  it("knows where and when a delivery may reach a person: their zone, quiet hours, platforms once each, and their region or else their partnership's", async () => {
    const partnershipId = await loadDemo(t.db);
    const person = async (name: string) => (await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId, name } })).id;
    const [jancis, simon] = [await person("Jancis Andrew"), await person("Simon Whitehead")];
    await t.db.prisma.person.update({
      where: { id: jancis },
      data: { timeZone: "Europe/Dublin", quietStartMinute: 1200, quietEndMinute: 420, preferredPlatform: "teams", region: "scotland" },
    });
    await t.db.prisma.platformIdentity.createMany({
      data: [
        { personId: jancis, platform: "slack", tenant: `T${partnershipId}a`, userId: "U1" },
        { personId: jancis, platform: "slack", tenant: `T${partnershipId}b`, userId: "U1" },
        { personId: jancis, platform: "teams", tenant: `T${partnershipId}`, userId: "29:1" },
      ],
    });
    const { region } = await t.db.prisma.partnership.findUniqueOrThrow({ where: { id: partnershipId } });
    const her = await recipient(t.db.sql, jancis);
    expect({ ...her, platforms: [...her!.platforms].sort() }).toEqual({
      timeZone: "Europe/Dublin",
      quietStartMinute: 1200,
      quietEndMinute: 420,
      preferredPlatform: "teams",
      platforms: ["slack", "teams"],
      region: "scotland",
    });
    expect(await recipient(t.db.sql, simon)).toEqual(expect.objectContaining({ preferredPlatform: null, platforms: [], region }));
    expect(await recipient(t.db.sql, -1)).toBeNull();
  });

  it("enqueues a sponsor's weekly digest at their local time, once, and never an empty one", async () => {
    const { partnershipId, person } = await partnershipWithSlackPeople();
    const before = await runDigestSweep(jobStoreOf(t.db), partnershipId, new Date("2011-09-26T08:15:00+01:00"));
    expect(before.enqueued).toBe(0);
    const due = await runDigestSweep(jobStoreOf(t.db), partnershipId, new Date("2011-09-26T08:30:00+01:00"));
    expect(due.enqueued).toBeGreaterThan(0);
    expect((await runDigestSweep(jobStoreOf(t.db), partnershipId, new Date("2011-09-26T08:45:00+01:00"))).enqueued).toBe(0);
    const simon = (await person("Simon Whitehead")).id;
    const [digest] = await t.db.sql.query<{ payload: Reply; status: string }>(`SELECT payload, status::text FROM delivery WHERE person_id = $1 AND kind = 'digest'`, [simon]);
    expect(digest!.status).toBe("pending");
    expect(JSON.stringify(digest!.payload)).toContain("ATT-1.1");
    const empty = await t.db.sql.query(`SELECT 1 FROM delivery WHERE partnership_id = $1 AND kind = 'digest' AND status = 'cancelled'`, [partnershipId]);
    expect(empty.length).toBeGreaterThan(0); // e.g. the sponsors of priorities with nothing to report
  });

  it("reads no plans for digests when nobody is due, nor when everyone due has theirs", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    const store = jobStoreOf(t.db);
    const reads: string[] = [];
    const watched = { ...store, digestRows: (...args: Parameters<typeof store.digestRows>) => (reads.push("plans"), store.digestRows(...args)) };
    // A Sunday evening: no one's digest day, not a first working day.
    const trips = async <T>(work: () => Promise<T>) => {
      const before = t.db.roundTrips.count;
      const value = await work();
      return { value, trips: t.db.roundTrips.count - before };
    };
    const sunday = await trips(() => runDigestSweep(watched, partnershipId, new Date("2011-09-25T20:00:00+01:00")));
    expect(sunday).toEqual({ value: { enqueued: 0, empty: 0 }, trips: 1 });
    expect(reads).toEqual([]);
    // Monday 08:30, the default digest time: the plans are read once, for those due.
    const due = await runDigestSweep(watched, partnershipId, new Date("2011-09-26T08:30:00+01:00"));
    expect(due.enqueued).toBeGreaterThan(0);
    expect(reads).toEqual(["plans"]);
    // The next tick: the same people are due, and each has theirs in the outbox already.
    const again = await trips(() => runDigestSweep(watched, partnershipId, new Date("2011-09-26T08:45:00+01:00")));
    expect(again).toEqual({ value: { enqueued: 0, empty: 0 }, trips: 2 });
    expect(reads).toEqual(["plans"]);
  });

  it("lists messages that could not be delivered in a coordinator's digest", async () => {
    const { partnershipId, person } = await partnershipWithSlackPeople();
    await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    const adapter = recordingAdapter();
    adapter.failWith = Object.assign(new Error("Slack refused the message: account_inactive"), { retryable: false });
    await new DeliveryWorker({ sql: t.db.sql, deps: deps(), adapters: [adapter], clock: () => MONDAY_NINE }).drain();
    const { previewDigest } = await import("../../src/jobs/digests.ts");
    const nigel = await previewDigest(jobStoreOf(t.db), partnershipId, (await person("Nigel Richardson")).id, new Date("2011-09-27T08:30:00+01:00"));
    expect(JSON.stringify(nigel)).toMatch(/Messages Curve could not deliver \(\d+\)/);
    expect(JSON.stringify(nigel)).toContain("account_inactive");
    const simon = await previewDigest(jobStoreOf(t.db), partnershipId, (await person("Simon Whitehead")).id, new Date("2011-09-27T08:30:00+01:00"));
    expect(JSON.stringify(simon)).not.toContain("could not deliver");
  });

  it("snoozes with a reason, holds the nudges, and tells the lead after three snoozes", async () => {
    const { partnershipId } = await partnershipWithSlackPeople();
    const driver = commandDriver(t.db, partnershipId, () => MONDAY_NINE);
    const noReason = await driver.run("Jancis Andrew", "/milestone snooze ATT-4.1 7d");
    expect(noReason.code).toBe("usage");
    // Three snoozes, each to a later day: the same snooze sent again is not a second one.
    for (const days of [1, 2, 3]) expect((await driver.run("Jancis Andrew", `/milestone snooze ATT-4.1 ${days}d waiting for police data`)).tone).toBe("success");
    const [row] = await t.db.sql.query<{ snooze_count: number; reasons: string[] }>(
      `SELECT m.snooze_count, (SELECT array_agg(reason) FROM snooze s WHERE s.milestone_id = m.id) AS reasons FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 AND m.ref = 'ATT-4.1'`,
      [partnershipId],
    );
    expect(row).toEqual({ snooze_count: 3, reasons: ["waiting for police data", "waiting for police data", "waiting for police data"] });
    const sweep = await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    expect(sweep.deliveries.find((d) => d.person === "Jancis Andrew")?.refs).not.toContain("ATT-4.1");
    expect(sweep.deliveries.find((d) => d.person === "Simon Flowers")?.items).toContainEqual(
      expect.objectContaining({ ref: "ATT-4.1", kind: "escalation", level: "lead", because: "lead", reason: "snoozed 3 times" }),
    );
  });
});
