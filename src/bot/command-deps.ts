import type { Database } from "../adapters/db/open-database.ts";
import { PrismaStore } from "../adapters/db/prisma-store.ts";
import { SqlInsightStore } from "../adapters/db/insight-store.ts";
import { PrismaHeldTextStore } from "../adapters/db/held-texts.ts";
import { createInsightLinks } from "../adapters/charts/chart-links.ts";
import { DatabaseWebPages } from "../adapters/web/page-links.ts";
import { createReportStore } from "../adapters/db/report-store.ts";
import { createBoardStore } from "../adapters/db/risks.ts";
import type { CommandDeps, Logger } from "../commands/context.ts";
import type { Config } from "./config.ts";

/**
 * The command layer's ports over an open database: most of Curve's code, in one module that
 * runtime.ts loads while the database opens.
 */
export function commandDeps(config: Config, db: Database, log: Logger): CommandDeps {
  return {
    store: new PrismaStore(db),
    log,
    heldTexts: new PrismaHeldTextStore(db.prisma, db.sql),
    insights: { store: new SqlInsightStore(db), links: createInsightLinks(config.CURVE_PUBLIC_URL, [config.SLACK_SIGNING_SECRET, config.MICROSOFT_APP_PASSWORD]) },
    web: new DatabaseWebPages(db, config.CURVE_PUBLIC_URL),
    reports: { store: createReportStore(db.prisma), board: createBoardStore(db.prisma, db.sql) },
  };
}
