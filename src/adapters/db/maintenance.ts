import type { DatabaseKind } from "./open-database.ts";
import type { Queryable } from "./sql-runner.ts";

// The database's own upkeep, for what PostgreSQL's autovacuum does on a server and the embedded
// database (PGlite, which runs no background workers) never does by itself.

/** Curve's tables: those of the schema it runs in (its search path), as a quoted list for ANALYZE or VACUUM. */
async function curveTables(db: Queryable): Promise<string> {
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
 * The embedded database's nightly upkeep, as autovacuum would do it on a server: VACUUM
 * (ANALYZE) of Curve's tables reclaims the space of updated and deleted rows (the outbox's
 * above all, as deliveries are sent and pruned) and refreshes the planner's statistics. On
 * PostgreSQL it does nothing: autovacuum does this there. Must not run inside a transaction.
 * Two statements; returns whether it ran.
 */
export async function upkeepEmbedded(db: Queryable, kind: DatabaseKind): Promise<boolean> {
  if (kind !== "pglite") return false;
  const tables = await curveTables(db);
  if (tables) await db.query(`VACUUM (ANALYZE) ${tables}`);
  return true;
}
