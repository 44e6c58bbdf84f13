import { accessSync, constants, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statfsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Worker } from "node:worker_threads";
import type { Pool, PoolClient, PoolConfig } from "pg";
import { preparingClient, preparingPglite } from "./prepared-statements.ts";
// Types only: the client and the query builder load when a database opens, so that a process
// can start opening its database (claim the directory, start the worker) before loading them.
import type { PrismaClient } from "../../../generated/prisma/client.ts";
import type { SqlDriverAdapterFactory } from "@prisma/client/runtime/client";
import type { SqlRunner, SqlTransaction } from "./sql-runner.ts";
import type { KyselyDb } from "./kysely.ts";
import { RoundTrips } from "./round-trips.ts";
import { OutboxSignal } from "./outbox-signal.ts";
import { foreignFolderProblem, makeDatabaseIfNew, PGLITE_SESSION, pgliteErrorText } from "./pglite-directory.ts";
import { pgliteWasm } from "./pglite-wasm.ts";
import { claimDataDir, type DataDirHolder, type DataDirLock } from "./data-dir-lock.ts";
import type { PgliteWorkerData, PgliteWorkerMessage } from "./pglite-worker.ts";

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
  /** Fires after a change commits rows to the outbox (deliveries.ts): the delivery worker listens, to send them now. */
  outbox: OutboxSignal;
  /** Raw SQL for the migrator: several statements per call, real transactions. */
  sql: SqlRunner;
  close(): Promise<void>;
  /**
   * Resolves when the database is open; rejects with the reason it could not open. Statements
   * wait for it by themselves. Absent where the database is open when openDatabase resolves.
   */
  ready?: Promise<void>;
  /**
   * Settles with a sentence if the database goes away on its own (the embedded database's
   * thread failed); never settles otherwise. Absent where that cannot happen apart from a query failing.
   */
  lost?: Promise<string>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent, embedded PGlite in dataDir. */
  databaseUrl?: string | undefined;
  /** PostgreSQL only: the most connections this process keeps open (DATABASE_POOL_SIZE; default 10 here, config.ts's defaultPoolSize from the environment). */
  poolSize?: number;
  dataDir: string;
  /**
   * Where embedded PGlite runs: "this-thread" (default; one-off CLI commands and tests: fastest
   * once open), or "worker" (curve serve and curve shell: a thread of its own serving it over the
   * PostgreSQL protocol, reached with `pg` on one connection, so queries never hold the thread that
   * answers HTTP, and the process loads its code while the database opens).
   */
  pglite?: "this-thread" | "worker";
  /** What this process is, told to a second process that finds the data directory taken (default: this process). */
  holder?: string;
  /** Where the drivers' own errors go (an idle connection dropped, a Prisma warning); never to the terminal. */
  onDriverError?: DriverErrors;
}

type DriverErrors = (message: string, error: unknown) => void;

/**
 * A Prisma client whose errors are plain one-line messages (no colours, no code frame) and
 * whose own warnings and errors go to Curve's log instead of the terminal.
 */
async function newPrisma(adapter: SqlDriverAdapterFactory, report: DriverErrors | undefined): Promise<PrismaClient> {
  const { PrismaClient } = await import("../../../generated/prisma/client.ts");
  const prisma = new PrismaClient({
    adapter,
    errorFormat: "minimal",
    log: [
      { emit: "event", level: "error" },
      { emit: "event", level: "warn" },
    ],
  });
  const forward = (event: { message: string }) => report?.("database client reported a problem", new Error(event.message));
  const events = prisma as unknown as { $on(level: "error" | "warn", listener: (event: { message: string }) => void): void };
  events.$on("error", forward);
  events.$on("warn", forward);
  return prisma;
}

/**
 * The embedded database's directory cannot hold it: DATA_DIR names a file, or something in it
 * cannot be written, or its disk is full or mounted read-only. Its message is the sentence to show.
 */
export class DataDirUnusableError extends Error {
  override name = "DataDirUnusableError";
}

/**
 * Why `dir` cannot hold an embedded database, as one sentence naming what to change; null when
 * nothing is found wrong (or it does not exist yet). PGlite itself only says "unreachable" or
 * "Aborted()" when it meets a read-only file, so this is asked after an open has failed: it
 * checks the disk's free space and whether the directory and everything in it can be written
 * (by its owner's write bit, which PGlite's file layer obeys even for root, and by access(2),
 * which says when the disk is mounted read-only), stopping at the first that cannot.
 */
export function dataDirProblem(dir: string): string | null {
  const fix = `Curve needs to write to DATA_DIR and everything in it: give it to the user Curve runs as (e.g. chown -R curve: ${dir}; chmod -R u+w ${dir})`;
  try {
    if (!statSync(dir).isDirectory()) return `DATA_DIR ${dir} is a file, not a folder: point DATA_DIR at a folder (Curve makes it if it is missing).`;
    if (statfsSync(dir).bavail === 0) return `the disk holding the embedded database in ${dir} is full: free some space on it and start Curve again.`;
  } catch {
    return null;
  }
  const pending = [dir];
  for (let checked = 0; pending.length && checked < 100_000; checked++) {
    const entry = pending.pop()!;
    let stat;
    try {
      stat = lstatSync(entry);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) continue;
    try {
      accessSync(entry, constants.W_OK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EROFS") return `the embedded database in ${dir} is on a disk mounted read-only: mount it read-write, or point DATA_DIR at a folder that is.`;
      return `the embedded database in ${dir} cannot be written (Curve may not write ${entry}): ${fix}.`;
    }
    if ((stat.mode & 0o200) === 0) return `the embedded database in ${dir} cannot be written (${entry} is read-only): ${fix}.`;
    if (stat.isDirectory()) {
      try {
        for (const name of readdirSync(entry)) pending.push(path.join(entry, name));
      } catch {
        return `the embedded database in ${dir} cannot be read (Curve may not list ${entry}): ${fix}.`;
      }
    }
  }
  return null;
}

/**
 * Makes the data directory `dir` (an absolute path) and any folders above it that are missing,
 * one at a time, or throws DataDirUnusableError with the sentence that says why it cannot: a
 * part of the path is a file, or a link to something that is not there, or its folder may not
 * be written, is on a read-only disk or a full one, or takes no folders at all (/proc, /sys).
 * Node's own recursive mkdir says "no such file or directory" for most of these, and never
 * returns for a folder like /proc that answers ENOENT to a new folder inside it.
 */
export function makeDataDir(dir: string): void {
  const missing: string[] = [];
  const unusable = (why: string) => new DataDirUnusableError(`DATA_DIR ${dir} cannot be made: ${why}`);
  for (let at = dir; ; at = path.dirname(at)) {
    let stat;
    try {
      stat = statSync(at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EACCES") throw unusable(`Curve may not look inside ${path.dirname(at)}. Give the user Curve runs as access to it, or point DATA_DIR elsewhere.`);
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
      const link = lstatOrNull(at);
      if (link?.isSymbolicLink()) {
        const target = path.resolve(path.dirname(at), readlinkSync(at));
        throw unusable(`${at} is a link to ${target}, which does not exist. Make that folder (or mount its volume), or point DATA_DIR at a folder that exists.`);
      }
      missing.unshift(at);
      continue;
    }
    if (!stat.isDirectory()) {
      if (at === dir) throw new DataDirUnusableError(dataDirProblem(dir)!);
      throw unusable(`${at} is a file, not a folder. Point DATA_DIR at a folder (Curve makes it if it is missing).`);
    }
    break;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = path.dirname(folder);
      // Another process starting on the same directory made it first.
      if (code === "EEXIST" && statSync(folder).isDirectory()) continue;
      if (code === "EROFS") throw new DataDirUnusableError(`the embedded database in ${dir} is on a disk mounted read-only: mount it read-write, or point DATA_DIR at a folder that is.`);
      if (code === "ENOSPC") throw new DataDirUnusableError(`the disk holding the embedded database in ${dir} is full: free some space on it and start Curve again.`);
      if (code === "EACCES") throw unusable(`Curve may not make folders in ${parent}. Make ${dir} and give it to the user Curve runs as (e.g. mkdir -p ${dir}; chown curve: ${dir}), or point DATA_DIR elsewhere.`);
      if (code === "ENOENT" || code === "EPERM") throw unusable(`${parent} does not take new folders. Point DATA_DIR at a folder on an ordinary disk.`);
      throw error;
    }
  }
}

const lstatOrNull = (entry: string) => {
  try {
    return lstatSync(entry);
  } catch {
    return null;
  }
};

/**
 * A DataDirUnusableError for `error` from opening PGlite in `dir`: what is wrong with the
 * directory if something is (see dataDirProblem), else a database PGlite cannot open, in
 * PGlite's words (damaged, or made by another version).
 */
function explainOpenFailure(dir: string, error: unknown): DataDirUnusableError {
  const problem =
    dataDirProblem(dir) ??
    `the embedded database in ${dir} could not be opened (PGlite said: ${pgliteErrorText(error)}): it may be damaged, or made by another version of Curve. Restore DATA_DIR from a backup, or move it aside and start afresh.`;
  return new DataDirUnusableError(problem, { cause: error });
}

/**
 * Opens PostgreSQL when a URL is given, else embedded PGlite. Drivers load lazily.
 * A data directory has one owner at a time: opening one another process holds throws
 * DataDirInUseError, whose message is the sentence to show (`memory://` has no owner).
 * A directory that cannot hold the database (a file, read-only, a full disk) throws
 * DataDirUnusableError, also a sentence to show.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const report = options.onDriverError;
  if (options.databaseUrl) return openPostgres(options.databaseUrl, report, options.poolSize ?? 10);
  // PGlite's WebAssembly compiles on V8's own threads from now, while this thread claims the
  // directory and loads the code (see pglite-wasm.ts); a worker compiles its own.
  const wasm = options.pglite === "worker" ? undefined : pgliteWasm();
  if (options.dataDir.startsWith("memory://")) return openPglite(options.dataDir, null, report, wasm);
  const dir = path.resolve(options.dataDir);
  makeDataDir(dir);
  const lock = await claimDataDir(dir, { pid: process.pid, command: options.holder ?? "a Curve process" } satisfies DataDirHolder);
  try {
    const foreign = foreignFolderProblem(dir);
    if (foreign) throw new DataDirUnusableError(foreign);
    return options.pglite === "worker" ? await openPgliteInWorker(dir, lock, report) : await openPglite(dir, lock, report, wasm);
  } catch (error) {
    await lock.release();
    throw error;
  }
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

/**
 * How long a new PostgreSQL connection may take to be accepted, in milliseconds. Without a
 * limit, a server that takes the connection and never answers (a firewall, a frozen host) left
 * `curve status` and `curve serve` waiting for ever, saying nothing; now they stop with a
 * sentence. pg-pool applies the same limit to waiting for a pooled connection, so a request
 * waits at most this long for one, whether PostgreSQL is away or every connection is busy.
 */
export const POSTGRES_CONNECT_TIMEOUT_MS = 10_000;

async function openPostgres(connectionString: string, report: DriverErrors | undefined, poolSize: number): Promise<Database> {
  const [{ default: pg }] = await Promise.all([import("pg")]);
  const { url, schema } = splitSchema(connectionString);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    Client: preparingClient(pg.Client),
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  if (schema) await ensureSchema(pool, schema);
  return overPool("postgresql", pool, schema, { sharedServer: true }, report);
}

/**
 * Makes DATABASE_URL's `schema` when it is missing; one that exists is used as it is. So a role
 * that owns its schema but may not create schemas in the database (the usual grant from a
 * DBA) starts, where `CREATE SCHEMA IF NOT EXISTS` alone is refused (PostgreSQL checks the
 * privilege before it looks). Instances starting together may all find it missing: PostgreSQL
 * lets only one create it and fails the others (a unique violation on pg_namespace, or
 * duplicate_schema), which then use the one made. Errors are otherwise PostgreSQL's.
 */
async function ensureSchema(pool: Pool, schema: string): Promise<void> {
  const found = await pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
  if (found.rowCount) return;
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== "23505" && code !== "42P06") throw error;
  }
}

/** Prisma and the raw runner over one `pg` pool: PostgreSQL, or PGlite served by its worker. */
async function overPool(kind: DatabaseKind, pool: Pool, schema: string | undefined, options: { sharedServer: boolean }, report: DriverErrors | undefined): Promise<Database> {
  const { PrismaPg } = await import("@prisma/adapter-pg");
  // An idle connection the server drops emits "error"; unheard, it would crash the process.
  pool.on("error", (error) => report?.("database connection lost; the pool reconnects on next use", error));
  const roundTrips = new RoundTrips();
  roundTrips.countPgPool(pool);
  const prisma = await newPrisma(new PrismaPg(pool, schema ? { schema } : undefined), report);
  const sql: SqlRunner = {
    async query<T>(text: string, params: unknown[] = []) {
      return (await pool.query(text, params)).rows as T[];
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        return await transactionOn(client, work);
      } finally {
        client.release();
      }
    },
    withLock: options.sharedServer
      ? async (lockId, work) => {
          const client = await pool.connect();
          try {
            await client.query("SELECT pg_advisory_lock($1)", [lockId]);
            return await work(runnerOn(client));
          } finally {
            await client.query("SELECT pg_advisory_unlock($1)", [lockId]).catch(() => undefined);
            client.release();
          }
        }
      : // One process owns an embedded database (its lock says so), so there is no one to race;
        // and its pool's one connection must stay free for the work.
        async (_lockId, work) => work(sql),
  };
  return {
    kind,
    prisma,
    ...(await typedAccess(prisma)),
    roundTrips,
    outbox: new OutboxSignal(),
    sql,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** Runs `work` in one transaction on `client`: committed when it resolves, rolled back when it throws. */
async function transactionOn<T>(client: PoolClient, work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await work({
      exec: async (text) => void (await client.query(text)),
      query: async <R>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as R[],
    });
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** A runner whose statements all go to the one connection `client` (which holds a session lock). */
function runnerOn(client: PoolClient): SqlRunner {
  const locked: SqlRunner = {
    query: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[],
    transaction: (work) => transactionOn(client, work),
    // The lock is held already; a nested one would be taken on the same session.
    withLock: (_lockId, work) => work(locked),
  };
  return locked;
}

/** The file the worker thread runs: the bundle's own entry, or the TypeScript source under tsx. */
function pgliteWorkerScript(): { url: URL; fromSource: boolean } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) return { url: pathToFileURL(path.join(path.dirname(here), "pglite-worker.ts")), fromSource: true };
  // In dist/ (curve.mjs or a chunk under dist/chunks/), the worker is dist/pglite-worker.mjs.
  for (let dir = path.dirname(here); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, "pglite-worker.mjs");
    if (existsSync(candidate)) return { url: pathToFileURL(candidate), fromSource: false };
  }
  throw new Error("dist/pglite-worker.mjs is missing: run npm run build");
}

/**
 * PGlite on a worker thread, served over the PostgreSQL protocol on a Unix socket in a private
 * (0700) folder (pglite-wire.ts), reached with `pg` on exactly one connection (PGlite is one
 * session). The worker is part of this process, so it ends with it; the data
 * directory's lock is this process's.
 *
 * Resolves once the worker has started, with Prisma connected, before the database is open
 * (about half a second, longer the first time): a statement sent before then waits for it,
 * so this thread loads its code and compiles its first queries while the worker opens the
 * database. If it cannot open, every statement fails with the reason (`ready` too).
 */
async function openPgliteInWorker(dir: string, lock: DataDirLock, report: DriverErrors | undefined): Promise<Database> {
  const { Worker } = await import("node:worker_threads");
  const socketDir = mkdtempSync(path.join(tmpdir(), "curve-pglite-"));
  const data: PgliteWorkerData = { role: "curve-pglite-owner", dataDir: dir, socketPath: path.join(socketDir, ".s.PGSQL.5432") };
  const script = pgliteWorkerScript();
  // Node 20 gives worker threads no loader hooks, so the TypeScript source registers tsx itself.
  const worker: Worker = script.fromSource
    ? new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(script.url.href)}); })`, { eval: true, workerData: data })
    : new Worker(script.url, { workerData: data });
  let closing = false;
  const lost = new Promise<string>((resolve) => {
    worker.once("error", (error) => resolve(`the embedded database stopped: ${error.message}`));
    worker.once("exit", (code) => !closing && resolve(`the embedded database stopped (exit ${code})`));
  });
  const cleanUp = async () => {
    await worker.terminate().catch(() => undefined);
    rmSync(socketDir, { recursive: true, force: true });
    await lock.release();
  };
  const ready = Promise.race([
    new Promise<PgliteWorkerMessage>((resolve) => worker.once("message", resolve)),
    lost.then((reason): PgliteWorkerMessage => ({ error: reason })),
  ]).then((first) => {
    if ("error" in first) throw explainOpenFailure(dir, new Error(first.error));
  });
  // Heard by the first statement (or by close); until one is sent, a failure is not unhandled.
  ready.catch(() => undefined);
  let db: Database;
  try {
    const { default: pg } = await import("pg");
    const pool = poolWaitingFor(ready, pg.Pool, { host: socketDir, port: 5432, user: "postgres", database: "postgres", max: 1, idleTimeoutMillis: 0, Client: preparingClient(pg.Client) });
    // PGlite keeps one session for every connection: a connection opened after a lost one
    // starts by forgetting the statements its predecessor prepared, or its own would clash.
    pool.on("connect", (client) => void client.query("DEALLOCATE ALL").catch(() => undefined));
    db = await overPool("pglite", pool, undefined, { sharedServer: false }, report);
    // Prisma's query compiler (WebAssembly) loads now, while the worker opens the database.
    await db.prisma.$connect();
  } catch (error) {
    await ready.catch(() => undefined);
    await cleanUp();
    throw error;
  }
  return {
    ...db,
    ready,
    lost,
    async close() {
      closing = true;
      await db.close();
      // A worker still opening is let finish: stopped halfway, a new directory could be left half made.
      if (await ready.then(() => true, () => false)) {
        const closed = new Promise<void>((resolve) => worker.on("message", (m: PgliteWorkerMessage) => "closed" in m && resolve()));
        worker.postMessage("close");
        // The worker flushes and closes PGlite; if it has already gone, the exit ends the wait.
        await Promise.race([closed, new Promise<void>((resolve) => worker.once("exit", () => resolve()))]);
      }
      await cleanUp();
    },
  };
}

/**
 * A `pg` pool whose connections wait until `ready` resolves (and fail with its error if it
 * rejects). Queries through the pool, and Prisma's through it, wait with them.
 */
function poolWaitingFor(ready: Promise<void>, Pool: typeof import("pg").Pool, config: PoolConfig): Pool {
  class WaitingPool extends Pool {
    override connect(): Promise<PoolClient>;
    override connect(callback: (err: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void): void;
    override connect(callback?: (err: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void): Promise<PoolClient> | void {
      const connected = ready.then(() => super.connect());
      if (!callback) return connected;
      connected.then(
        (client) => callback(undefined, client, (release?: unknown) => client.release(release as Error | boolean | undefined)),
        (error: Error) => callback(error, undefined, () => undefined),
      );
    }
  }
  return new WaitingPool(config);
}

async function openPglite(dataDir: string, lock: DataDirLock | null, report?: DriverErrors, wasm?: Promise<WebAssembly.Module | undefined>): Promise<Database> {
  const [{ PGlite }, { PrismaPGlite }, wasmModule] = await Promise.all([
    import("@electric-sql/pglite"),
    import("pglite-prisma-adapter"),
    wasm,
  ]);
  // Compiled already (pglite-wasm.ts), or left to PGlite to compile.
  const compiled = wasmModule ? { wasmModule } : {};
  // "memory://" keeps the database in memory (tests, benchmarks); anything else is a directory.
  const inMemory = dataDir.startsWith("memory://");
  const dir = inMemory ? dataDir : path.resolve(dataDir);
  if (!inMemory) {
    await makeDatabaseIfNew(dir, async (folder) => {
      const fresh = new PGlite(folder, compiled);
      await fresh.waitReady;
      await fresh.close();
    }).catch((error: unknown) => {
      throw explainOpenFailure(dir, error);
    });
  }
  const client = new PGlite(dir, compiled);
  const roundTrips = new RoundTrips();
  roundTrips.countPglite(client);
  // pglite-prisma-adapter 0.6 is typed against an older driver-adapter-utils than Prisma 6.19's;
  // the runtime contract is the same (see README, "Database").
  const adapter = new PrismaPGlite(client) as unknown as SqlDriverAdapterFactory;
  const prisma = await newPrisma(adapter, report);
  // Prisma connects (loads its query compiler, WebAssembly compiled on this thread) on its
  // first query, or when the caller asks: curve shell asks after its first prompt.
  await client.waitReady.catch((error: unknown) => {
    throw inMemory ? error : explainOpenFailure(dir, error);
  });
  await client.exec(PGLITE_SESSION);
  // Statements prepared once per session and then only executed (prepared-statements.ts).
  const prepared = preparingPglite();
  const sql: SqlRunner = {
    query: <T>(text: string, params: unknown[] = []) => prepared<T>(client, text, params),
    transaction: (work) =>
      client.transaction((tx) =>
        work({
          exec: async (text) => void (await tx.exec(text)),
          query: <T>(text: string, params: unknown[] = []) => prepared<T>(tx, text, params),
        }),
      ),
    // One process owns a PGlite directory, so there is no one to race.
    withLock: async (_lockId, work) => work(sql),
  };
  return {
    kind: "pglite",
    prisma,
    ...(await typedAccess(prisma)),
    roundTrips,
    outbox: new OutboxSignal(),
    sql,
    async close() {
      await prisma.$disconnect();
      await client.close();
      await lock?.release();
    },
  };
}

async function typedAccess(prisma: PrismaClient): Promise<Pick<Database, "kysely" | "transaction">> {
  const { withKysely } = await import("./kysely.ts");
  const extended = withKysely(prisma);
  return {
    kysely: extended.$kysely,
    transaction: (work) => extended.$transaction((tx) => work(tx.$kysely)),
  };
}
