import { randomBytes } from "node:crypto";
import { migrate } from "../../src/adapters/db/migrator.ts";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";
import { importPartnership } from "../../src/adapters/db/import-plans.ts";
import { readDemo } from "../../src/bot/demo.ts";

export type DatabaseKindUnderTest = "pglite" | "postgresql";

/** PGlite always; PostgreSQL too when DATABASE_URL is set (as .ci/run does when the server answers). */
export const kindsUnderTest = (): DatabaseKindUnderTest[] => (process.env.DATABASE_URL ? ["pglite", "postgresql"] : ["pglite"]);

export const uniqueName = (prefix: string): string => `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;

/** A PostgreSQL URL for a schema of its own, so runs never see each other's tables. */
export function postgresUrlWithSchema(schema: string): string {
  const url = new URL(process.env.DATABASE_URL!);
  url.searchParams.set("schema", schema);
  return url.toString();
}

export interface TestDatabase {
  db: Database;
  /** For subprocesses: the same database's URL, or undefined for PGlite. */
  url: string | undefined;
  close(): Promise<void>;
}

/** One migrated database per test file; tests then isolate themselves by partnership. */
export async function openTestDatabase(kind: DatabaseKindUnderTest): Promise<TestDatabase> {
  if (kind === "pglite") {
    const db = await openDatabase({ dataDir: "memory://" });
    await migrate(db.sql);
    return { db, url: undefined, close: () => db.close() };
  }
  const schema = uniqueName("curve_test");
  const url = postgresUrlWithSchema(schema);
  const db = await openDatabase({ databaseUrl: url, dataDir: "unused" });
  await migrate(db.sql);
  return {
    db,
    url,
    async close() {
      await db.sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.close();
    },
  };
}

/** Loads the Leeds demo as a partnership of its own and returns its id. */
export async function loadDemo(db: Database, slug = uniqueName("leeds").replace(/_/g, "-")): Promise<number> {
  const { partnership, plans } = readDemo();
  const report = await importPartnership(db.prisma, { ...partnership, slug }, plans);
  return report.partnershipId;
}
