import { hostname } from "node:os";
import cron, { type ScheduledTask } from "node-cron";
import { claimScheduleTick, finishScheduleTick } from "../adapters/db/schedule-runs.ts";
import type { ChatAdapter } from "../adapters/chat/chat-adapter.ts";
import { jobStoreOf } from "../adapters/db/job-store.ts";
import { enqueueBoardDeliveries } from "../jobs/board-deliveries.ts";
import { runDigestSweep } from "../jobs/digests.ts";
import { enqueueInsightDeliveries } from "../jobs/insight-deliveries.ts";
import { runNudgeSweep } from "../jobs/nudge-sweep.ts";
import { pruneOutbox } from "../jobs/outbox-retention.ts";
import { tablesWithoutAutovacuum, vacuumTables } from "../adapters/db/maintenance.ts";
import { DeliveryWorker } from "./delivery-worker.ts";
import { ConfigError } from "./config.ts";
import type { Runtime } from "./runtime.ts";
import { refreshBankHolidays } from "./bank-holiday-file.ts";

/** Every 15 minutes, on the quarter hour (UTC). */
export const DEFAULT_SWEEP_SCHEDULE = "*/15 * * * *";

export interface Scheduler {
  worker: DeliveryWorker;
  /** One sweep of every partnership now: nudges, escalations, digests and reports. */
  sweep(): Promise<void>;
  /** Stops the schedules and the worker; see DeliveryWorker.stop for `graceMs`. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

/**
 * The schedules of `curve serve`. Every 15 minutes (UTC; CURVE_SWEEP_SCHEDULE) the sweeps
 * decide, in each person's own zone, what is due; they only enqueue. The worker sends every
 * few seconds. With several instances on one database, each tick's sweep runs on the one
 * instance that claims the tick first (schedule_run); all instances' workers send, each
 * delivery claimed by one (FOR UPDATE SKIP LOCKED). On the embedded database, the first sweep
 * of each day from 02:00 UTC (by `wallClock`, the real time) also vacuums and analyses it.
 * `worker` is curve serve's own, when it has one already (it posts changes' announcements as
 * they are made); it is started here.
 */
export function startScheduler(
  runtime: Runtime,
  adapters: ChatAdapter[],
  clock: () => Date,
  worker: DeliveryWorker = new DeliveryWorker({ sql: runtime.db.sql, deps: runtime.deps, adapters, clock }),
  wallClock: () => Date = () => new Date(),
): Scheduler {
  const { db, deps, log } = runtime;
  const expression = runtime.config.CURVE_SWEEP_SCHEDULE ?? DEFAULT_SWEEP_SCHEDULE;
  if (!cron.validate(expression)) throw new ConfigError(`CURVE_SWEEP_SCHEDULE "${expression}" is not a cron expression, e.g. */15 * * * *`);
  const instance = `${hostname()}:${process.pid}`;
  const jobs = jobStoreOf(db);
  const sweep = async () => {
    const now = clock();
    refreshBankHolidays(runtime.config.CURVE_BANK_HOLIDAYS_FILE, log);
    for (const partnership of await deps.store.partnerships()) {
      try {
        const nudges = await runNudgeSweep(jobs, partnership.id, now);
        // Digests reach each person privately, so a signed link serves where the scorecard is not public.
        const scorecard = await deps.web?.linkTo(partnership.id, { page: "scorecard" }, now);
        const digests = await runDigestSweep(jobs, partnership.id, now, scorecard?.url ?? null);
        // Pledge follow-ups at 30 and 90 days, and readings due for indicator owners.
        const insights = await enqueueInsightDeliveries(jobs, partnership.id, now);
        // Risk review reminders and the reporting calendar.
        const board = await enqueueBoardDeliveries(jobs, deps.reports?.store, partnership.id, now);
        if (board.riskReviews.length || board.reports.length) log.info("board sweep enqueued", { partnership: partnership.slug, riskReviews: board.riskReviews.length, reports: board.reports });
        if (nudges.deliveries.length || digests.enqueued || insights.followUps.length || insights.dataDue.length) {
          log.info("sweep enqueued", {
            partnership: partnership.slug,
            nudges: nudges.deliveries.length,
            digests: digests.enqueued,
            emptyDigests: digests.empty,
            pledgeFollowUps: insights.followUps.length,
            dataDue: insights.dataDue.length,
          });
        }
      } catch (error) {
        log.error("sweep failed", { partnership: partnership.slug, error });
      }
    }
    try {
      const pruned = await pruneOutbox(jobs, now, runtime.config.CURVE_DELIVERY_RETENTION_DAYS);
      if (pruned) log.info("outbox pruned", { deliveries: pruned, retentionDays: runtime.config.CURVE_DELIVERY_RETENTION_DAYS });
    } catch (error) {
      log.error("outbox pruning failed", { error });
    }
    await upkeepOnceADay(wallClock());
  };
  // The embedded database runs no autovacuum, and a PostgreSQL server may have it turned off:
  // the first sweep of each day from 02:00 UTC does the upkeep of the tables nothing else keeps
  // (maintenance.ts), after that night's pruning. A day's upkeep is claimed like a tick, so a
  // restart or a second instance does not repeat it. The day is the machine's (`wallClock`), not
  // the plan's: a demo's clock starts at the same moment on every start. Where autovacuum runs,
  // nothing is claimed or done, and this instance asks once a day.
  let upkeepSettled: number | undefined;
  const upkeepOnceADay = async (now: Date) => {
    if (now.getUTCHours() < 2) return;
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    if (upkeepSettled === day.getTime()) return;
    try {
      const tables = await tablesWithoutAutovacuum(db.sql, db.kind);
      const claimed = tables !== "" && (await claimScheduleTick(db.prisma, "upkeep", day, instance));
      upkeepSettled = day.getTime();
      if (!claimed) return;
      const started = performance.now();
      await vacuumTables(db.sql, tables);
      await finishScheduleTick(db.prisma, "upkeep", day);
      log.info("database upkeep", { tables: tables.split(", ").length, ms: Math.round(performance.now() - started) });
    } catch (error) {
      log.error("database upkeep failed", { error });
    }
  };
  let sweeping: Promise<void> | undefined;
  let stopped = false;
  // The tick is the time the schedule fired for, to the second, the same on every instance.
  const claimAndSweep = async (tick: Date) => {
    try {
      if (!(await claimScheduleTick(db.prisma, "sweep", tick, instance))) {
        log.info("sweep skipped", { tick: tick.toISOString(), instance, reason: "another instance ran this tick" });
        return;
      }
      log.info("sweep ran", { tick: tick.toISOString(), instance });
      await sweep();
      await finishScheduleTick(db.prisma, "sweep", tick);
    } catch (error) {
      log.error("sweep failed", { tick: tick.toISOString(), error: error instanceof Error ? error.message : String(error) });
    }
  };
  const scheduledSweep = (context: { date: Date }) => {
    if (stopped || sweeping) return;
    sweeping = claimAndSweep(new Date(Math.round(context.date.getTime() / 1000) * 1000)).finally(() => (sweeping = undefined));
    return sweeping;
  };
  const task: ScheduledTask = cron.schedule(expression, scheduledSweep, { timezone: "UTC", noOverlap: true, name: "curve-sweep" });
  worker.start(5000);
  return {
    worker,
    sweep,
    async stop(options = {}) {
      stopped = true;
      await task.stop();
      // A sweep is one transaction per partnership: let a running one commit rather than cut it.
      await Promise.all([worker.stop(options), sweeping]);
    },
  };
}
