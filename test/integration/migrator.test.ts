import { mkdtempSync, mkdirSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatabaseNewerThanCodeError, MIGRATIONS_DIR, MigrationChecksumError, MigrationFailedError, appliedMigrations, migrate, readMigrations } from "../../src/adapters/db/migrator.ts";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";
import { kindsUnderTest, postgresUrlWithSchema, uniqueName } from "../support/databases.ts";

/** A fresh, empty database of the given kind (the migrator's tests need one that is not migrated). */
async function emptyDatabase(kind: string): Promise<{ db: Database; drop: () => Promise<void> }> {
  if (kind === "pglite") {
    const db = await openDatabase({ dataDir: "memory://" });
    return { db, drop: () => db.close() };
  }
  const schema = uniqueName("curve_migrator");
  const db = await openDatabase({ databaseUrl: postgresUrlWithSchema(schema), dataDir: "unused" });
  return {
    db,
    drop: async () => {
      await db.sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.close();
    },
  };
}

function migrationsCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-migrations-"));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

function addMigration(dir: string, name: string, sql: string): void {
  mkdirSync(path.join(dir, name));
  writeFileSync(path.join(dir, name, "migration.sql"), sql);
}

describe.each(kindsUnderTest())("migrations on %s", (kind) => {
  let db: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => ({ db, drop } = await emptyDatabase(kind)));
  afterAll(async () => drop());

  it("applies every migration once, recorded with Prisma's checksums", async () => {
    const first = await migrate(db.sql);
    expect(first.applied).toEqual(readMigrations().map((m) => m.name));
    const rows = await appliedMigrations(db.sql);
    expect(rows.map((r) => r.checksum)).toEqual(readMigrations().map((m) => m.checksum));
    expect(rows[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);

    const second = await migrate(db.sql);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toHaveLength(first.applied.length);
    expect(await db.prisma.partnership.count()).toBe(0);
  });

  it("rolls a failing migration back whole and leaves the next run to retry it", async () => {
    const dir = migrationsCopy();
    addMigration(dir, "29990101000000_broken", `CREATE TABLE half_done (id int); SELECT no_such_function();`);
    await expect(migrate(db.sql, readMigrations(dir))).rejects.toBeInstanceOf(MigrationFailedError);
    const [exists] = await db.sql.query<{ present: boolean }>(`SELECT to_regclass('half_done') IS NOT NULL AS present`);
    expect(exists!.present).toBe(false);
    expect((await appliedMigrations(db.sql)).map((r) => r.migration_name)).not.toContain("29990101000000_broken");
  });

  it("applies a new migration that a later release adds", async () => {
    const dir = migrationsCopy();
    addMigration(dir, "29990102000000_add_column", `ALTER TABLE partnership ADD COLUMN motto text;`);
    const report = await migrate(db.sql, readMigrations(dir));
    expect(report.applied).toEqual(["29990102000000_add_column"]);
    const columns = await db.sql.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'partnership' AND column_name = 'motto' AND table_schema = current_schema()`,
    );
    expect(columns).toHaveLength(1);
  });

  it("refuses a database that is newer than the code", async () => {
    // The database now has 29990102000000_add_column, which the shipped folder lacks.
    const error = await migrate(db.sql).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseNewerThanCodeError);
    expect((error as Error).message).toContain("29990102000000_add_column");
    expect((error as Error).message).toMatch(/newer Curve/);
  });

  it("refuses when an applied migration's file was edited", async () => {
    const dir = migrationsCopy();
    addMigration(dir, "29990102000000_add_column", `ALTER TABLE partnership ADD COLUMN motto varchar(10);`);
    await expect(migrate(db.sql, readMigrations(dir))).rejects.toBeInstanceOf(MigrationChecksumError);
  });
});
