import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { refreshPlannerStatistics, tablesWithoutAutovacuum, vacuumTables } from "../../src/adapters/db/maintenance.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";

// PostgreSQL's autovacuum keeps a server's tables vacuumed and their statistics current; the
// embedded database runs no background workers, so Curve does that work (maintenance.ts).
describe.each(kindsUnderTest())("the database's upkeep on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  const statistics = async (table: string, schema = "current_schema()") =>
    (await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stats WHERE tablename = $1 AND schemaname = ${schema}`, [table]))[0]!.n;
  const activity = async (table: string) =>
    (
      await t.db.sql.query<{ vacuumed: boolean; analysed: boolean; dead: number }>(
        `SELECT last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analysed, n_dead_tup::int AS dead FROM pg_stat_user_tables WHERE relname = $1 AND schemaname = current_schema()`,
        [table],
      )
    )[0]!;

  it("refreshes the planner's statistics on Curve's own tables after a plan is loaded, and on no other schema's", async () => {
    await loadDemo(t.db);
    // Another schema in the same database (another instance's, say) is left alone.
    const other = `upkeep_other_${Date.now().toString(36)}`;
    await t.db.sql.query(`CREATE SCHEMA ${other}`);
    await t.db.sql.query(`CREATE TABLE ${other}.readings AS SELECT g AS n FROM generate_series(1, 500) g`);
    try {
      if (kind === "pglite") expect(await statistics("milestone")).toBe(0); // PGlite never gathers them itself
      await refreshPlannerStatistics(t.db.sql);
      expect(await statistics("milestone")).toBeGreaterThan(5);
      expect(await statistics("action")).toBeGreaterThan(5);
      expect(await statistics("readings", `'${other}'`)).toBe(0);
    } finally {
      await t.db.sql.query(`DROP SCHEMA ${other} CASCADE`);
    }
  });

  /** Whether the server's autovacuum runs at all (PGlite's never does). */
  const serverAutovacuum = async () =>
    kind === "postgresql" && (await t.db.sql.query<{ on: boolean }>(`SELECT current_setting('autovacuum') = 'on' AND current_setting('track_counts') = 'on' AS on`))[0]!.on;

  it("vacuums every table autovacuum does not keep, reclaiming deleted rows, and leaves the rest to autovacuum", async () => {
    const partnershipId = await loadDemo(t.db);
    await t.db.sql.query(
      `INSERT INTO delivery (partnership_id, person_id, key, kind, payload, status, due_at)
       SELECT $1, (SELECT min(id) FROM person WHERE partnership_id = $1), 'upkeep:' || g, 'digest', '{}'::jsonb, 'sent', now() FROM generate_series(1, 200) g`,
      [partnershipId],
    );
    await t.db.sql.query(`DELETE FROM delivery WHERE key LIKE 'upkeep:%'`);
    const before = await activity("delivery");
    const autovacuum = await serverAutovacuum();
    // The scheduler's nightly upkeep: PGlite's tables, and a server's when its autovacuum is off: all of them.
    const tables = await tablesWithoutAutovacuum(t.db.sql, t.db.kind);
    expect(tables !== "").toBe(!autovacuum);
    // On a server the other test files share the database: VACUUM reclaims only rows none of
    // their open transactions may still see, and the DELETE's own counts reach pg_stat_user_tables
    // when its connection next flushes them (up to seconds later, perhaps after the VACUUM's). So
    // vacuum again until the count settles at none; a VACUUM that reclaimed nothing never gets there.
    const after = await vi.waitFor(
      async () => {
        await vacuumTables(t.db.sql, tables);
        const now = await activity("delivery");
        if (!autovacuum) expect(now.dead).toBe(0);
        return now;
      },
      // Within the test's own 60 s, so a failure reads as the count it stopped at.
      { timeout: 45_000, interval: 250 },
    );
    if (!autovacuum) {
      if (kind === "pglite") expect(before.vacuumed).toBe(false);
      expect(after).toEqual({ vacuumed: true, analysed: true, dead: 0 });
    } else {
      expect(after.vacuumed).toBe(before.vacuumed);
    }
  });

  it("names the tables autovacuum skips: all on PGlite or a server with it off, else those with it turned off on the table", async () => {
    const all = (await t.db.sql.query<{ name: string }>(`SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)).map((r) => r.name);
    expect(all.length).toBeGreaterThan(10);
    const autovacuum = await serverAutovacuum();
    expect(await tablesWithoutAutovacuum(t.db.sql, t.db.kind)).toBe(autovacuum ? "" : all.join(", "));
    if (kind === "pglite") return;
    const outbox = all.find((name) => name.endsWith(".delivery"))!;
    await t.db.sql.query(`ALTER TABLE ${outbox} SET (autovacuum_enabled = false)`);
    try {
      expect(await tablesWithoutAutovacuum(t.db.sql, t.db.kind)).toBe(autovacuum ? outbox : all.join(", "));
    } finally {
      await t.db.sql.query(`ALTER TABLE ${outbox} RESET (autovacuum_enabled)`);
    }
  });
});
