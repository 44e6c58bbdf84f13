import { openDatabase, type Database, type DatabaseOptions } from "../adapters/db/open-database.ts";
import { migrate, type MigrationReport } from "../adapters/db/migrator.ts";
import { PrismaStore } from "../adapters/db/prisma-store.ts";
import { SqlInsightStore } from "../adapters/db/insight-store.ts";
import { createInsightLinks } from "../adapters/charts/chart-links.ts";
import { DatabaseWebPages } from "../adapters/web/page-links.ts";
import { createReportStore } from "../adapters/db/report-store.ts";
import { createBoardStore } from "../adapters/db/risks.ts";
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

/** Opens the database (PGlite unless DATABASE_URL is set), migrating first unless told not to. */
export async function openRuntime(config: Config, options: { migrate?: boolean; log?: Logger } & Pick<DatabaseOptions, "pglite" | "holder"> = {}): Promise<Runtime> {
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  refreshBankHolidays(config.CURVE_BANK_HOLIDAYS_FILE, log);
  const db = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    pglite: options.pglite,
    holder: options.holder,
    onDriverError: (message, error) => log.error(message, { error }),
  });
  try {
    const migration = options.migrate === false ? null : await migrate(db.sql);
    if (migration?.applied.length) log.info("migrated", { applied: migration.applied, database: db.kind });
    return { config, db, log, migration, deps: { store: new PrismaStore(db), log, insights: { store: new SqlInsightStore(db.prisma, db.sql), links: createInsightLinks(config.CURVE_PUBLIC_URL, [config.SLACK_SIGNING_SECRET, config.MICROSOFT_APP_PASSWORD]) }, web: new DatabaseWebPages(db.prisma, config.CURVE_PUBLIC_URL), reports: { store: createReportStore(db.prisma), board: createBoardStore(db.prisma) } }, close: () => db.close() };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}
