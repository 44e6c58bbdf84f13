// Nudge sweeps, digests and delivery fan-out at city scale, on PGlite and on PostgreSQL.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { migrate } from "../src/adapters/db/migrator.ts";
import { openDatabase, splitSchema, type Database } from "../src/adapters/db/open-database.ts";
import { jobStoreOf } from "../src/adapters/db/job-store.ts";
import { runDigestSweep } from "../src/jobs/digests.ts";
import { runNudgeSweep } from "../src/jobs/nudge-sweep.ts";
import type { SqlRunner } from "../src/adapters/db/sql-runner.ts";
import { readConfig } from "../src/bot/config.ts";
import { DeliveryWorker } from "../src/bot/delivery-worker.ts";
import { startServer } from "../src/bot/serve.ts";
import { FakeSlack } from "../test/support/fake-slack.ts";
import { generatePartnership } from "./generate.ts";

const FANOUT = Number(process.env.BENCH_FANOUT ?? 10_000);

/** Counts the queries a piece of work makes, by wrapping the runner it is given. */
function counting(sql: SqlRunner) {
  let queries = 0;
  const wrapped: SqlRunner = {
    query: (text, params) => (queries++, sql.query(text, params)),
    transaction: (work) => sql.transaction((tx) => work({ exec: (t) => (queries++, tx.exec(t)), query: (t, p) => (queries++, tx.query(t, p)) })),
    withLock: (id, work) => sql.withLock(id, work),
  };
  return { sql: wrapped, count: () => queries };
}

async function sweeps(db: Database) {
  const generated = await generatePartnership(db.sql, `bench-outbox-${Date.now().toString(36)}`);
  // 1,000 sponsors and leads: people 1..1000 spread over the 20 priorities.
  await db.sql.query(
    `INSERT INTO priority_role (priority_id, person_id, role, position)
     SELECT pr.id, pe.id, CASE WHEN pe.rn % 2 = 0 THEN 'sponsor'::priority_role_kind ELSE 'lead'::priority_role_kind END, 0
     FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM person WHERE partnership_id = $1) pe
     JOIN priority pr ON pr.number = (pe.rn % 20) + 1 AND pr.plan_id = (SELECT id FROM plan WHERE partnership_id = $1)
     WHERE pe.rn <= 1000 ON CONFLICT DO NOTHING`,
    [generated.partnershipId],
  );
  const monday = new Date("2026-11-23T09:00:00Z");
  // The first sweep over fresh data reaches a stage for every milestone due in the last ten
  // months at once; after that each 15-minute sweep only finds what has newly come due.
  const nudge = counting(db.sql);
  let started = performance.now();
  const swept = await runNudgeSweep(jobStoreOf({ ...db, sql: nudge.sql }), generated.partnershipId, monday);
  const nudgeMs = performance.now() - started;
  const steady = counting(db.sql);
  started = performance.now();
  const steadySwept = await runNudgeSweep(jobStoreOf({ ...db, sql: steady.sql }), generated.partnershipId, new Date(monday.getTime() + 15 * 60_000));
  const steadyMs = performance.now() - started;
  const digest = counting(db.sql);
  started = performance.now();
  const digests = await runDigestSweep(jobStoreOf({ ...db, sql: digest.sql }), generated.partnershipId, new Date("2026-11-23T08:30:00Z"));
  const digestMs = performance.now() - started;
  return {
    firstNudgeSweep: { ms: Math.round(nudgeMs), deliveries: swept.deliveries.length, queries: nudge.count(), targetMs: 1000 },
    nudgeSweep15MinutesLater: { ms: Math.round(steadyMs), deliveries: steadySwept.deliveries.length, queries: steady.count(), targetMs: 1000 },
    weeklyDigests: { ms: Math.round(digestMs), sponsorsAndLeads: 1000, enqueued: digests.enqueued, empty: digests.empty, queries: digest.count(), targetMs: 2000 },
  };
}

async function onPostgres<T>(work: (db: Database) => Promise<T>): Promise<T | { skipped: string }> {
  const url = new URL(splitSchema(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test").url);
  const schema = `curve_bench_outbox_${Date.now().toString(36)}`;
  url.searchParams.set("schema", schema);
  let db: Database;
  try {
    db = await openDatabase({ databaseUrl: url.toString(), dataDir: "unused" });
    await migrate(db.sql);
  } catch (error) {
    return { skipped: `PostgreSQL not reachable: ${(error as Error).message}` };
  }
  try {
    return await work(db);
  } finally {
    await db.sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.close();
  }
}

/** 10,000 deliveries to 2,000 people through the real Slack adapter to a fake Slack that enforces 1 message a second per channel. */
async function fanOut() {
  const fake = await new FakeSlack("T1").start();
  fake.enforceChannelRate = true;
  const dataDir = mkdtempSync(path.join(tmpdir(), "curve-bench-fanout-"));
  try {
    const db = await openDatabase({ dataDir });
    await migrate(db.sql);
    const generated = await generatePartnership(db.sql, "bench-fanout");
    await db.sql.query(`INSERT INTO platform_identity (person_id, platform, tenant, user_id) SELECT id, 'slack', 'T1', 'U' || id FROM person WHERE partnership_id = $1`, [generated.partnershipId]);
    await db.sql.query(
      `INSERT INTO delivery (partnership_id, person_id, key, kind, payload, due_at)
       SELECT $1, p.id, 'bench:' || g, 'digest', json_build_object('tone', 'info', 'heading', 'Bench message ' || g, 'blocks', json_build_array(), 'visibility', 'ephemeral')::jsonb, '2026-11-23T09:00:00Z'::timestamptz
       FROM generate_series(1, $2::int) g JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM person WHERE partnership_id = $1) p ON p.rn = g % $3`,
      [generated.partnershipId, FANOUT, generated.people],
    );
    await db.close();
    const server = await startServer(readConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "error", SLACK_SIGNING_SECRET: "bench-secret-0123", SLACK_BOT_TOKEN: "xoxb-bench", SLACK_API_URL: `${fake.url}/api/` }));
    try {
      // People's quiet hours must not hold the bench: it runs at a Monday 10:00 in London.
      const worker = new DeliveryWorker({ sql: server.runtime.db.sql, deps: server.runtime.deps, adapters: server.adapters, clock: () => new Date("2026-11-23T10:00:00Z") });
      const started = performance.now();
      const settled = await worker.drain();
      const ms = performance.now() - started;
      const posts = fake.callsTo("chat.postMessage").map((c) => JSON.stringify(c.body.text));
      const delivered = posts.length - fake.rejectedForRate;
      const [sent] = await server.runtime.db.sql.query<{ n: number | string }>(`SELECT count(*) AS n FROM delivery WHERE status = 'sent'`);
      const headings = new Set(fake.callsTo("chat.postMessage").map((c) => String(c.body.text)));
      return {
        deliveries: FANOUT,
        settled,
        sent: Number(sent!.n),
        postedToSlack: delivered,
        duplicates: delivered - headings.size,
        rejectedBySlacksRateLimit: fake.rejectedForRate,
        seconds: Math.round(ms / 100) / 10,
      };
    } finally {
      await server.close();
    }
  } finally {
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchOutbox() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "curve-bench-outbox-"));
  let pglite;
  try {
    const db = await openDatabase({ dataDir });
    await migrate(db.sql);
    pglite = await sweeps(db).finally(() => db.close());
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { pglite, postgresql: await onPostgres(sweeps), fanOutToSlack: await fanOut() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${JSON.stringify(await benchOutbox(), null, 2)}\n`);
}
