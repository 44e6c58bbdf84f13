import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { projectPath } from "../project-files.ts";
import type { SqlRunner } from "./sql-runner.ts";

export const MIGRATIONS_DIR = projectPath("prisma", "migrations");

// Any fixed number works; it only has to be the same in every Curve process.
const MIGRATION_LOCK_ID = 7_240_311;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

export class DatabaseNewerThanCodeError extends Error {
  readonly code = "database_newer_than_code";
  constructor(readonly unknown: string[]) {
    super(
      `This database has migrations this version of Curve does not know (${unknown.join(", ")}). ` +
        "It was upgraded by a newer Curve: run that version, or restore a backup taken before the upgrade.",
    );
  }
}

export class MigrationChecksumError extends Error {
  readonly code = "migration_checksum_mismatch";
  constructor(readonly migration: string) {
    super(`Migration ${migration} was changed after it was applied to this database. Restore its original file.`);
  }
}

export class MigrationFailedError extends Error {
  readonly code = "migration_failed";
  constructor(readonly migration: string, cause: unknown) {
    super(`Migration ${migration} failed and was rolled back: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Migrations in name order, with Prisma's checksum (sha256 of the file). */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

// Prisma's own bookkeeping table, so that `prisma migrate status` agrees with us.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
}

export async function appliedMigrations(sql: SqlRunner): Promise<AppliedRow[]> {
  const exists = await sql.query<{ present: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
  );
  if (!exists[0]?.present) return [];
  return sql.query<AppliedRow>(
    `SELECT migration_name, checksum FROM "_prisma_migrations"
     WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
  );
}

/** The names of the applied migrations, after checking each is known and unchanged (throws otherwise). */
function checkApplied(applied: AppliedRow[], migrations: Migration[]): Set<string> {
  const known = new Map(migrations.map((m) => [m.name, m]));
  const unknown = applied.filter((row) => !known.has(row.migration_name)).map((row) => row.migration_name);
  if (unknown.length > 0) throw new DatabaseNewerThanCodeError(unknown);
  for (const row of applied) {
    if (known.get(row.migration_name)?.checksum !== row.checksum) throw new MigrationChecksumError(row.migration_name);
  }
  return new Set(applied.map((row) => row.migration_name));
}

const CREATE_SCHEMA_IF_MISSING = /^CREATE SCHEMA IF NOT EXISTS "([^"]+)";[ \t]*$/gm;

/**
 * A migration's SQL without its `CREATE SCHEMA IF NOT EXISTS "x";` lines for schemas that
 * exist already (Prisma writes one for "public" into the first migration). PostgreSQL checks
 * the privilege to create schemas before it looks whether one exists, so a role that may use
 * its own schema but not create others would be refused a statement that does nothing. The
 * checksum stays the file's.
 */
async function withoutSchemasPresent(sql: SqlRunner, text: string): Promise<string> {
  const named = [...text.matchAll(CREATE_SCHEMA_IF_MISSING)].map((m) => m[1]!);
  if (named.length === 0) return text;
  const present = new Set((await sql.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname = ANY($1)", [named])).map((r) => r.nspname));
  return text.replace(CREATE_SCHEMA_IF_MISSING, (line, name: string) => (present.has(name) ? `-- ${line}` : line));
}

/**
 * Applies pending migrations, one transaction each. Several instances starting at once
 * take turns on an advisory lock, so each migration runs exactly once. A database already
 * up to date is found so with reads alone (no lock, no transaction, no write), and checked
 * as strictly: a migration it has that this code does not know, or one changed since it was
 * applied, throws either way.
 */
export async function migrate(sql: SqlRunner, migrations = readMigrations()): Promise<MigrationReport> {
  const done = checkApplied(await appliedMigrations(sql), migrations);
  if (done.size > 0 && migrations.every((m) => done.has(m.name))) return { applied: [], alreadyApplied: [...done] };
  return sql.withLock(MIGRATION_LOCK_ID, async (sql) => {
    await sql.transaction((tx) => tx.exec(CREATE_MIGRATIONS_TABLE));
    // Read again under the lock: another instance may have applied some meanwhile.
    const done = checkApplied(await appliedMigrations(sql), migrations);
    const report: MigrationReport = { applied: [], alreadyApplied: [...done] };
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      try {
        const statements = await withoutSchemasPresent(sql, migration.sql);
        await sql.transaction(async (tx) => {
          await tx.exec(statements);
          await tx.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
             VALUES ($1, $2, $3, now(), now(), 1)`,
            [randomUUID(), migration.checksum, migration.name],
          );
        });
      } catch (error) {
        throw new MigrationFailedError(migration.name, error);
      }
      report.applied.push(migration.name);
    }
    return report;
  });
}
