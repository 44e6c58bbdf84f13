import { enqueuePledgeFollowUps } from "./pledge-follow-ups.ts";
import { enqueueReadingReminders } from "./reading-reminders.ts";
import type { InsightReminderStore } from "./ports.ts";

/** What one sweep put in the outbox; running it again at once adds nothing. */
export interface InsightSweepReport {
  followUps: { key: string; personId: number }[];
  dataDue: { key: string; personId: number }[];
}

/**
 * Pledge follow-ups (30 and 90 days after signing) and data-due reminders (a reading due
 * but missing), in that order. The scheduler calls it on each sweep; the delivery worker
 * sends the rows.
 */
export async function enqueueInsightDeliveries(store: InsightReminderStore, partnershipId: number, now: Date): Promise<InsightSweepReport> {
  const followUps = await enqueuePledgeFollowUps(store, partnershipId, now);
  const dataDue = await enqueueReadingReminders(store, partnershipId, now);
  return { followUps, dataDue };
}
