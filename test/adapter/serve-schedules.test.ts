import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/adapters/db/migrator.ts";
import { openDatabase } from "../../src/adapters/db/open-database.ts";
import { readConfig } from "../../src/bot/config.ts";
import { startServer, type RunningServer } from "../../src/bot/serve.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { SIGNING_SECRET } from "../support/slack-server.ts";

// A Monday morning in the demo's plans, after everyone's quiet hours.
const MONDAY_NINE = new Date("2011-09-26T09:00:00+01:00");
const MACHINE_TIME = new Date("2026-12-01T03:10:00Z");

/** Polls until the probe holds: waits for the state, never for a time. */
async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(kindsUnderTest())("curve serve's schedules and delivery worker, running on their own, on %s", (kind) => {
  const fake = new FakeSlack("T1");
  let server: RunningServer;
  let t: TestDatabase | undefined;

  beforeAll(async () => {
    await fake.start();
    let env: Record<string, string>;
    const seed = async (db: TestDatabase["db"]) => {
      const partnershipId = await loadDemo(db, "leeds");
      // Everyone has a Slack account, as after their first command.
      await db.sql.query(`INSERT INTO platform_identity (person_id, platform, tenant, user_id) SELECT id, 'slack', 'T1', 'U' || id FROM person WHERE partnership_id = $1`, [partnershipId]);
      // Two messages settled (cancelled) long ago: one past the default retention (400 days), one within it.
      await db.sql.query(
        `INSERT INTO delivery (partnership_id, person_id, key, kind, payload, status, due_at)
         SELECT $1, min(id), k.key, 'digest', '{}'::jsonb, 'cancelled', k.due::timestamptz FROM person, (VALUES ('retention:past', '2010-06-01'), ('retention:within', '2011-06-01')) AS k(key, due)
         WHERE partnership_id = $1 GROUP BY k.key, k.due`,
        [partnershipId],
      );
    };
    if (kind === "pglite") {
      const dataDir = mkdtempSync(path.join(tmpdir(), "curve-schedules-"));
      const db = await openDatabase({ dataDir });
      await migrate(db.sql);
      await seed(db);
      await db.close();
      env = { DATA_DIR: dataDir };
    } else {
      t = await openTestDatabase("postgresql");
      await seed(t.db);
      env = { DATABASE_URL: t.url! };
    }
    // A sweep every second instead of every 15 minutes, so that ticks come while the test waits.
    const config = readConfig({ ...env, PORT: "0", LOG_LEVEL: "silent", SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: "xoxb-schedules", SLACK_API_URL: `${fake.url}/api/`, CURVE_SWEEP_SCHEDULE: "* * * * * *" });
    // The plan's clock is the demo's; the machine's (which the database's upkeep follows) is another day.
    server = await startServer(config, { schedule: true, clock: () => MONDAY_NINE, wallClock: () => MACHINE_TIME });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await t?.close();
    await fake.close();
  });

  it("sweeps on the schedule, and the worker sends what the sweep enqueued, once however many ticks pass", async () => {
    const { db } = server.runtime;
    const finishedTicks = () => db.prisma.scheduleRun.findMany({ where: { job: "sweep", finishedAt: { not: null } }, orderBy: { tick: "asc" } });
    const first = await until(async () => (await finishedTicks())[0], "a finished sweep");
    expect(first.instance).toMatch(new RegExp(`:${process.pid}$`));
    const enqueued = await db.prisma.delivery.count();
    expect(enqueued).toBeGreaterThan(0);

    // The worker, started by curve serve itself, sends them to Slack.
    const sent = await until(async () => {
      const rows = await db.prisma.delivery.findMany({ where: { status: "sent" } });
      return rows.length > 0 && rows;
    }, "a sent delivery");
    const dm = sent.find((r) => r.platform === "slack")!;
    expect(dm.messageRef).toMatch(/^U\d+\/\d{10}\.\d{6}$/);
    const [channel] = dm.messageRef!.split("/");
    expect(fake.callsTo("chat.postMessage").some((c) => c.body.channel === channel)).toBe(true);

    // Two more ticks: the sweeps ran again and added nothing; nothing was sent twice.
    await until(async () => (await finishedTicks()).length >= 3 && true, "three finished sweeps");
    expect(await db.prisma.delivery.count()).toBe(enqueued);
    await until(async () => (await db.prisma.delivery.count({ where: { status: { in: ["pending", "sending"] }, dueAt: { lte: MONDAY_NINE } } })) === 0, "the worker to settle what was due");
    const settled = await db.prisma.delivery.findMany({ where: { status: "sent", platform: "slack" } });
    const toPeople = (method: string) => fake.callsTo(method).filter((c) => /^U\d+$/.test(String(c.body.channel)) && !c.rateLimited);
    // Each sent delivery is exactly one call Slack took: a new message, or a nudge replaced in place.
    expect(toPeople("chat.postMessage").length + toPeople("chat.update").length).toBe(settled.length);
  }, 120_000);

  it("does the upkeep autovacuum does not do once a day, at its first sweep from 02:00 UTC: PGlite's, and a server's with autovacuum off", async () => {
    const { db } = server.runtime;
    await until(async () => (await db.prisma.scheduleRun.count({ where: { job: "sweep", finishedAt: { not: null } } })) >= 2, "two finished sweeps");
    const upkeep = await db.prisma.scheduleRun.findMany({ where: { job: "upkeep" } });
    const [setting] = await db.sql.query<{ autovacuum: boolean }>(
      `SELECT $1::text = 'postgresql' AND current_setting('autovacuum') = 'on' AND current_setting('track_counts') = 'on' AS autovacuum`,
      [kind],
    );
    if (!setting!.autovacuum) {
      expect(upkeep.map((u) => [u.tick.toISOString(), u.finishedAt !== null])).toEqual([["2026-12-01T00:00:00.000Z", true]]);
      const [outbox] = await db.sql.query<{ vacuumed: boolean; analysed: boolean }>(
        `SELECT last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analysed FROM pg_stat_user_tables WHERE relname = 'delivery' AND schemaname = current_schema()`,
      );
      expect(outbox).toEqual({ vacuumed: true, analysed: true });
    } else {
      // A server's autovacuum does it: nothing is claimed.
      expect(upkeep).toEqual([]);
    }
  }, 120_000);

  it("deletes, on its sweep, a message settled longer ago than the outbox's retention, and keeps a newer one", async () => {
    const { db } = server.runtime;
    await until(async () => (await db.prisma.scheduleRun.count({ where: { job: "sweep", finishedAt: { not: null } } })) > 0, "a finished sweep");
    const kept = await db.prisma.delivery.findMany({ where: { key: { startsWith: "retention:" } }, select: { key: true } });
    expect(kept.map((d) => d.key)).toEqual(["retention:within"]);
  }, 120_000);
});
