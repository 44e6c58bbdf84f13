import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/adapters/db/migrator.ts";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";
import { defaultPoolSize, readConfig } from "../../src/bot/config.ts";
import { kindsUnderTest, openTestDatabase, postgresUrlWithSchema, uniqueName, type TestDatabase } from "../support/databases.ts";

// DATABASE_POOL_SIZE caps the connections one process keeps to PostgreSQL (README, "Connections").
describe.runIf(kindsUnderTest().includes("postgresql"))("the PostgreSQL connection pool", () => {
  let t: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    t = await openTestDatabase("postgresql");
    db = await openDatabase({ databaseUrl: t.url!, dataDir: "", poolSize: 2 });
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await t?.close();
  });

  it("opens no more connections than DATABASE_POOL_SIZE; the other queries wait their turn and all complete", async () => {
    const lockId = 424242;
    const waitingOnLock = async () =>
      (await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_advisory_xact_lock_shared(%' AND wait_event_type = 'Lock'`))[0]!.n;
    let release!: () => void;
    let held!: () => void;
    const heldNow = new Promise<void>((resolve) => (held = resolve));
    const holder = t.db.sql.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1)`, [lockId]);
      held();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await heldNow;
    // Five statements that each wait on the held lock, through a pool of two.
    const queries = Array.from({ length: 5 }, (_, i) => db.sql.query<{ i: number }>(`SELECT pg_advisory_xact_lock_shared(${lockId}), ${i} AS i`));
    while ((await waitingOnLock()) < 2) await new Promise((resolve) => setImmediate(resolve));
    // The pool is full: the others have not reached the server. A few more turns change nothing.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(await waitingOnLock()).toBe(2);
    release();
    await holder;
    expect((await Promise.all(queries)).map(([row]) => row!.i)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe.runIf(kindsUnderTest().includes("postgresql"))("a pool of one connection", () => {
  it("migrates an empty schema, each migration on the connection that holds the migration lock", async () => {
    const schema = uniqueName("curve_pool_one");
    const db = await openDatabase({ databaseUrl: postgresUrlWithSchema(schema), dataDir: "", poolSize: 1 });
    try {
      const report = await migrate(db.sql);
      expect(report.applied.length).toBeGreaterThan(0);
      expect(await db.prisma.partnership.count()).toBe(0);
    } finally {
      await db.sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.close();
    }
  }, 60_000);
});

describe("the default pool size", () => {
  it("is one more than the cores the process may use, from 3 to 10, unless DATABASE_POOL_SIZE says otherwise", () => {
    expect([1, 2, 3, 4, 9, 16, 64].map((cores) => defaultPoolSize(cores))).toEqual([3, 3, 4, 5, 10, 10, 10]);
    expect(readConfig({}).DATABASE_POOL_SIZE).toBe(defaultPoolSize());
    expect(readConfig({ DATABASE_POOL_SIZE: "25" }).DATABASE_POOL_SIZE).toBe(25);
  });
});
