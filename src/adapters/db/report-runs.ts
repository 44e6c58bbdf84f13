import type { PrismaClient } from "../../../generated/prisma/client.ts";
import { asRegion, DEFAULT_REGION } from "../../domain/schedule/bank-holidays.ts";
import type { OutboxRow, ReportScheduleRow } from "../../jobs/ports.ts";
import { insertDeliveries } from "./deliveries.ts";
import { prismaQueryable } from "./sql-runner.ts";

/** The partnership's reporting calendar, oldest schedule first. */
export async function reportSchedules(prisma: PrismaClient, partnershipId: number): Promise<ReportScheduleRow[]> {
  const rows = await prisma.reportSchedule.findMany({ where: { partnershipId }, orderBy: { id: "asc" }, include: { partnership: { select: { region: true } } } });
  return rows.map((s) => ({
    id: s.id,
    kind: s.kind,
    rule: s.rule,
    minute: s.minute,
    planKey: s.planKey,
    channel: s.channel,
    createdById: s.createdById,
    createdAt: s.createdAt,
    region: asRegion(s.partnership.region) ?? DEFAULT_REGION,
  }));
}

/** Whether a schedule's period already has a run (sent or empty). */
export async function reportRunExists(prisma: PrismaClient, scheduleId: number, periodKey: string): Promise<boolean> {
  const seen = await prisma.reportRun.findUnique({ where: { scheduleId_periodKey: { scheduleId, periodKey } }, select: { id: true } });
  return seen !== null;
}

/**
 * Claims a schedule's period (`report_run`, unique per schedule and period) and enqueues its
 * delivery (none for an empty report), linking the two, in one transaction. False when the
 * period was already claimed.
 */
export async function claimReportRun(prisma: PrismaClient, run: { scheduleId: number; periodKey: string; sentOn: Date; empty: boolean }, delivery: OutboxRow | null): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const claimed = await tx.reportRun.createMany({
      data: [{ scheduleId: run.scheduleId, periodKey: run.periodKey, sentOn: run.sentOn, status: run.empty ? "empty" : "sent" }],
      skipDuplicates: true,
    });
    if (claimed.count === 0) return false;
    if (!delivery) return true;
    const [added] = await insertDeliveries(prismaQueryable(tx), [delivery]);
    if (added) await tx.reportRun.update({ where: { scheduleId_periodKey: { scheduleId: run.scheduleId, periodKey: run.periodKey } }, data: { deliveryId: added.id } });
    return true;
  });
}
