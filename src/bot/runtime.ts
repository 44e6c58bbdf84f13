import { openDatabase, type Database, type DatabaseOptions } from "../adapters/db/open-database.ts";
import { migrate, type MigrationReport } from "../adapters/db/migrator.ts";
import type { CommandDeps, Logger } from "../commands/context.ts";
import type { Config } from "./config.ts";
import { createLogger } from "./logger.ts";
import { refreshBankHolidays } from "./bank-holiday-file.ts";

export interface Runtime {
  config: Config;
  db: Database;
  deps: CommandDeps;
  log: Logger;
  migration: MigrationReport | null;
  close(): Promise<void>;
}

export interface RuntimeOptions extends Pick<DatabaseOptions, "pglite" | "holder"> {
  /** Migrate first (default true). */
  migrate?: boolean;
  log?: Logger;
  /**
   * A database already opening (see openDatabaseEarly), used instead of opening one here: a
   * command starts it before loading the rest of its code, so the two overlap.
   */
  database?: Promise<Database>;
}

/** Opens the database (PGlite unless DATABASE_URL is set), migrating first unless told not to. */
export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  refreshBankHolidays(config.CURVE_BANK_HOLIDAYS_FILE, log);
  const opening = options.database ?? openDatabaseEarly(config, options, log);
  // Most of Curve's code (the stores and what they use) loads while the database opens.
  const stores = import("./command-deps.ts");
  stores.catch(() => undefined);
  const db = await opening;
  try {
    const migration = options.migrate === false ? null : await migrate(db.sql);
    if (migration?.applied.length) log.info("migrated", { applied: migration.applied, database: db.kind });
    const { commandDeps } = await stores;
    return { config, db, log, migration, deps: commandDeps(config, db, log), close: () => db.close() };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Starts opening the database as configured (PGlite in DATA_DIR unless DATABASE_URL is set)
 * and returns at once; pass the promise to openRuntime as `database`. Driver errors go to
 * `log`. If nothing takes the promise, close what it opens: an embedded database on a worker
 * keeps the process alive.
 */
export function openDatabaseEarly(config: Config, options: Pick<DatabaseOptions, "pglite" | "holder">, log: Logger): Promise<Database> {
  const opening = openDatabase({
    databaseUrl: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    dataDir: config.DATA_DIR,
    pglite: options.pglite,
    holder: options.holder,
    onDriverError: (message, error) => log.error(message, { error }),
  });
  // Heard by openRuntime; until it awaits, a failure (the directory in use) is not unhandled.
  opening.catch(() => undefined);
  return opening;
}
