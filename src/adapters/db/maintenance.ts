import type { DatabaseKind } from "./open-database.ts";
import type { Queryable } from "./sql-runner.ts";

// The database's own upkeep, for what PostgreSQL's autovacuum does on a server and the embedded
// database (PGlite, which runs no background workers) never does by itself.

/** Curve's tables: those of the schema it runs in (its search path), as a quoted list for ANALYZE or VACUUM. */
export async function curveTables(db: Queryable): Promise<string> {
  const rows = await db.query<{ name: string }>(`SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`);
  return rows.map((r) => r.name).join(", ");
}

/**
 * Brings the query planner's statistics on Curve's tables up to date (ANALYZE), so that its
 * plans fit the data. Run after a plan is loaded (`curve import`): a city's first plan takes
 * the tables from a few rows to tens of thousands, and until the statistics say so the planner
 * works from guesses (the steady nudge sweep's milestone read at 10,000 actions: about 60 ms
 * on such guesses, 20 ms after this; see `npm run bench`). PGlite never gathers them itself.
 * Only Curve's own schema is analysed, not the rest of a shared database. Two statements; at
 * 10,000 actions about 0.3 s on PGlite.
 */
export async function refreshPlannerStatistics(db: Queryable): Promise<void> {
  const tables = await curveTables(db);
  if (tables) await db.query(`ANALYZE ${tables}`);
}

/**
 * Curve's tables that nothing else keeps vacuumed, as a quoted list (empty when there are none):
 * on PGlite, which runs no background workers, all of them; on PostgreSQL, all of them when the
 * server's autovacuum is off (`autovacuum` or `track_counts` off), and otherwise those whose own
 * storage parameters turn it off (`autovacuum_enabled = false`). One statement. The scheduler's
 * nightly upkeep vacuums these (vacuumTables): on a server with autovacuum running, none, as it
 * should be; a server left with it off would otherwise never reclaim the outbox's sent rows, and
 * its planner would plan a city's sweeps from the statistics of an empty database.
 */
export async function tablesWithoutAutovacuum(db: Queryable, kind: DatabaseKind): Promise<string> {
  if (kind === "pglite") return curveTables(db);
  const rows = await db.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r'
       AND (current_setting('autovacuum') = 'off' OR current_setting('track_counts') = 'off'
            OR coalesce(c.reloptions, '{}') && ARRAY['autovacuum_enabled=false', 'autovacuum_enabled=off', 'autovacuum_enabled=0', 'autovacuum_enabled=no'])
     ORDER BY c.relname`,
  );
  return rows.map((r) => r.name).join(", ");
}

/**
 * Vacuums `tables` (a quoted list, as tablesWithoutAutovacuum returns) with ANALYZE: reclaims
 * the space of updated and deleted rows (the outbox's above all, as deliveries are sent and
 * pruned) and refreshes the planner's statistics, as autovacuum would. Must not run inside a
 * transaction. At 10,000 actions about a third of a second.
 */
export async function vacuumTables(db: Queryable, tables: string): Promise<void> {
  if (tables) await db.query(`VACUUM (ANALYZE) ${tables}`);
}
