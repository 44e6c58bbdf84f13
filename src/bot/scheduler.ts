import cron, { type ScheduledTask } from "node-cron";
import type { ChatAdapter } from "../adapters/chat/chat-adapter.ts";
import { runDigestSweep } from "../adapters/db/outbox/digest-sweep.ts";
import { runNudgeSweep } from "../adapters/db/outbox/nudge-sweep.ts";
import { enqueueInsightDeliveries } from "../adapters/db/insight-deliveries.ts";
import { enqueueBoardDeliveries } from "./board-sweep.ts";
import { DeliveryWorker } from "./delivery-worker.ts";
import type { Runtime } from "./runtime.ts";
import { refreshBankHolidays } from "./bank-holiday-file.ts";

export interface Scheduler {
  worker: DeliveryWorker;
  /** One sweep of every partnership now: nudges, escalations, digests and reports. */
  sweep(): Promise<void>;
  /** Stops the schedules and the worker; see DeliveryWorker.stop for `graceMs`. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

/**
 * The schedules of `curve serve`. Every 15 minutes (UTC) the sweeps decide, in each
 * person's own zone, what is due; they only enqueue. The worker sends every few seconds.
 * On several instances each does the same and the outbox keys keep it to once.
 */
export function startScheduler(runtime: Runtime, adapters: ChatAdapter[], clock: () => Date): Scheduler {
  const { db, deps, log } = runtime;
  const worker = new DeliveryWorker({ sql: db.sql, deps, adapters, clock });
  const sweep = async () => {
    const now = clock();
    refreshBankHolidays(runtime.config.CURVE_BANK_HOLIDAYS_FILE, log);
    for (const partnership of await deps.store.partnerships()) {
      try {
        const nudges = await runNudgeSweep(db.sql, partnership.id, now);
        const digests = await runDigestSweep(db.sql, partnership.id, now);
        // Pledge follow-ups at 30 and 90 days, and readings due for indicator owners.
        const insights = await enqueueInsightDeliveries(db.sql, partnership.id, now);
        // Risk review reminders and the reporting calendar.
        const board = await enqueueBoardDeliveries(runtime, partnership.id, now);
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
  };
  let sweeping: Promise<void> | undefined;
  let stopped = false;
  const scheduledSweep = () => {
    if (stopped || sweeping) return;
    sweeping = sweep().finally(() => (sweeping = undefined));
    return sweeping;
  };
  const task: ScheduledTask = cron.schedule("*/15 * * * *", scheduledSweep, { timezone: "UTC", noOverlap: true, name: "curve-sweep" });
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
