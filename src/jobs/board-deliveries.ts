import type { ReportStore } from "../commands/report-store.ts";
import { reportDay } from "../domain/reports/window.ts";
import { isWorkingDay } from "../domain/schedule/bank-holidays.ts";
import type { ReportCalendarStore, RiskReviewStore } from "./ports.ts";
import { enqueueRiskReviews } from "./risk-reviews.ts";
import { enqueueScheduledReports } from "./scheduled-reports.ts";

/**
 * What the board's side of Curve puts in the outbox on each sweep: risk review reminders
 * (working days only) and the reports on the reporting calendar (when `reports` is given).
 */
export async function enqueueBoardDeliveries(
  store: RiskReviewStore & ReportCalendarStore,
  reports: ReportStore | undefined,
  partnershipId: number,
  now: Date,
): Promise<{ riskReviews: string[]; reports: string[] }> {
  const today = reportDay(now);
  const riskReviews = isWorkingDay(today) ? await enqueueRiskReviews(store, partnershipId, now, today) : [];
  const done = reports ? await enqueueScheduledReports(store, reports, partnershipId, now) : [];
  return { riskReviews, reports: done };
}
