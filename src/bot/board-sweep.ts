import { enqueueScheduledReports } from "../adapters/db/report-calendar.ts";
import { enqueueRiskReviews } from "../adapters/db/risks.ts";
import { localDate } from "../domain/dates/calendar.ts";
import { isWorkingDay } from "../domain/schedule/bank-holidays.ts";
import { REPORT_TIME_ZONE } from "../commands/report-store.ts";
import type { Runtime } from "./runtime.ts";

/**
 * What the board's side of Curve puts in the outbox on each sweep: risk review reminders
 * (working days only) and the reports on the reporting calendar.
 */
export async function enqueueBoardDeliveries(runtime: Pick<Runtime, "db" | "deps">, partnershipId: number, now: Date): Promise<{ riskReviews: string[]; reports: string[] }> {
  const today = localDate(now, REPORT_TIME_ZONE);
  const riskReviews = isWorkingDay(today) ? await enqueueRiskReviews(runtime.db.prisma, partnershipId, now, today) : [];
  const reports = runtime.deps.reports ? await enqueueScheduledReports(runtime.db.prisma, runtime.deps.reports.store, partnershipId, now) : [];
  return { riskReviews, reports };
}
