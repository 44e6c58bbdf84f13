import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaClient } from "../../../generated/prisma/client.ts";
import type { SqlDriverAdapterFactory } from "@prisma/client/runtime/client";
import type { SqlRunner } from "./sql-runner.ts";
import { withKysely, type KyselyDb } from "./kysely.ts";
import { RoundTrips } from "./round-trips.ts";

export type DatabaseKind = "pglite" | "postgresql";

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /**
   * The typed query builder (see kysely.ts), running through `prisma`. One `execute()` is
   * one statement and one round trip; a change should be one statement (a data-modifying
   * CTE), which PostgreSQL applies atomically without a transaction around it.
   */
  kysely: KyselyDb;
  /**
   * Runs work in one Prisma interactive transaction, with `tx` the typed handle bound to it:
   * committed when work resolves, rolled back when it throws. It costs two round trips more
   * (BEGIN, COMMIT) than the statements inside.
   */
  transaction<T>(work: (tx: KyselyDb) => Promise<T>): Promise<T>;
  /** Statements sent to the database driver since it opened (each BEGIN and COMMIT included). */
  roundTrips: RoundTrips;
  /** Raw SQL for the migrator: several statements per call, real transactions. */
  sql: SqlRunner;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent, embedded PGlite in dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Where the drivers' own errors go (an idle connection dropped, a Prisma warning); never to the terminal. */
  onDriverError?: (message: string, error: unknown) => void;
}

/** Opens PostgreSQL when a URL is given, else embedded PGlite. Drivers load lazily. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.onDriverError) : openPglite(options.dataDir, options.onDriverError);
}

/**
 * `?schema=name` in the URL (Prisma's convention) puts Curve's tables in that schema, so
 * one PostgreSQL database can hold several partnerships' deployments, or test runs.
 */
export function splitSchema(connectionString: string): { url: string; schema: string | undefined } {
  const url = new URL(connectionString);
  const schema = url.searchParams.get("schema") ?? undefined;
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`DATABASE_URL's schema "${schema}" must be letters, digits and underscores`);
  }
  url.searchParams.delete("schema");
  return { url: url.toString(), schema };
}

type DriverErrors = DatabaseOptions["onDriverError"];

// Plain one-line error messages (no colours, no code frame), and the client's own warnings
// and errors handed to Curve's log instead of printed.
function prismaOptions(onDriverError: DriverErrors) {
  return {
    errorFormat: "minimal" as const,
    log: [
      { emit: "event" as const, level: "error" as const },
      { emit: "event" as const, level: "warn" as const },
    ],
    onDriverError,
  };
}

function newPrisma(adapter: SqlDriverAdapterFactory, onDriverError: DriverErrors): PrismaClient {
  const { onDriverError: report, ...options } = prismaOptions(onDriverError);
  const prisma = new PrismaClient({ adapter, ...options });
  const forward = (event: { message: string }) => report?.("database client reported a problem", new Error(event.message));
  (prisma as unknown as { $on(level: "error" | "warn", cb: (e: { message: string }) => void): void }).$on("error", forward);
  (prisma as unknown as { $on(level: "error" | "warn", cb: (e: { message: string }) => void): void }).$on("warn", forward);
  return prisma;
}

async function openPostgres(connectionString: string, onDriverError?: DriverErrors): Promise<Database> {
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import("pg"), import("@prisma/adapter-pg")]);
  const { url, schema } = splitSchema(connectionString);
  const pool = new pg.Pool({ connectionString: url, max: 10, ...(schema ? { options: `-c search_path="${schema}"` } : {}) });
  // An idle connection the server drops emits "error"; unheard, it would crash the process.
  pool.on("error", (error) => onDriverError?.("database connection lost; the pool reconnects on next use", error));
  const roundTrips = new RoundTrips();
  pool.on("connect", (client) => roundTrips.countPgClient(client));
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  const prisma = newPrisma(new PrismaPg(pool, schema ? { schema } : undefined), onDriverError);
  const sql: SqlRunner = {
    async query<T>(text: string, params: unknown[] = []) {
      return (await pool.query(text, params)).rows as T[];
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work({
          exec: async (text) => void (await client.query(text)),
          query: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[],
        });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async withLock(lockId, work) {
      const client = await pool.connect();
      try {
        await client.query("SELECT pg_advisory_lock($1)", [lockId]);
        return await work();
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [lockId]).catch(() => undefined);
        client.release();
      }
    },
  };
  return {
    kind: "postgresql",
    prisma,
    ...typedAccess(prisma),
    roundTrips,
    sql,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string, onDriverError?: DriverErrors): Promise<Database> {
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("pglite-prisma-adapter"),
  ]);
  // "memory://" keeps the database in memory (tests, benchmarks); anything else is a directory.
  const inMemory = dataDir.startsWith("memory://");
  const dir = inMemory ? dataDir : path.resolve(dataDir);
  if (!inMemory) mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const roundTrips = new RoundTrips();
  roundTrips.countPglite(client);
  // pglite-prisma-adapter 0.6 is typed against an older driver-adapter-utils than Prisma 6.19's;
  // the runtime contract is the same (see README, "Database").
  const adapter = new PrismaPGlite(client) as unknown as SqlDriverAdapterFactory;
  const prisma = newPrisma(adapter, onDriverError);
  const sql: SqlRunner = {
    async query<T>(text: string, params: unknown[] = []) {
      return (await client.query<T>(text, params)).rows;
    },
    transaction: (work) =>
      client.transaction((tx) =>
        work({
          exec: async (text) => void (await tx.exec(text)),
          query: async <T>(text: string, params: unknown[] = []) => (await tx.query<T>(text, params)).rows,
        }),
      ),
    // One process owns a PGlite directory, so there is no one to race.
    withLock: async (_lockId, work) => work(),
  };
  return {
    kind: "pglite",
    prisma,
    ...typedAccess(prisma),
    roundTrips,
    sql,
    async close() {
      await prisma.$disconnect();
      await client.close();
    },
  };
}

function typedAccess(prisma: PrismaClient): Pick<Database, "kysely" | "transaction"> {
  const extended = withKysely(prisma);
  return {
    kysely: extended.$kysely,
    transaction: (work) => extended.$transaction((tx) => work(tx.$kysely)),
  };
}
