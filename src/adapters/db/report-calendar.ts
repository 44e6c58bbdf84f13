import type { PrismaClient } from "../../../generated/prisma/client.ts";
import { buildReport, REPORT_TIME_ZONE, type ReportStore } from "../../commands/report-store.ts";
import { localDate } from "../../domain/dates/calendar.ts";
import { dueReport, parseRule } from "../../domain/reports/calendar.ts";
import type { ReportKind } from "../../domain/reports/facts.ts";
import { documentReply } from "../../domain/reports/sections.ts";
import { localMoment } from "../../domain/schedule/zoned-time.ts";
import { insertDeliveries } from "./deliveries.ts";
import { prismaQueryable } from "./sql-runner.ts";

/** What the outbox carries for a report posted to a channel. */
export interface ChannelReportPayload {
  channel: string;
  reply: ReturnType<typeof documentReply>;
}

/**
 * The reporting calendar's sweep: each scheduled report whose day and time have come (in
 * Europe/London, on a working day) is built and put in the outbox for its channel, once per
 * period (`report_run` is unique per schedule and period; the delivery key is
 * `report:schedule:<id>:<period>`). An empty report is recorded as such and not sent.
 * Returns what it did, as "<kind>:<period>:sent|empty".
 */
export async function enqueueScheduledReports(prisma: PrismaClient, reports: ReportStore, partnershipId: number, now: Date): Promise<string[]> {
  const local = localMoment(now, REPORT_TIME_ZONE);
  const schedules = await prisma.reportSchedule.findMany({ where: { partnershipId }, orderBy: { id: "asc" } });
  const done: string[] = [];
  for (const s of schedules) {
    const kind = s.kind as ReportKind;
    const rule = parseRule(s.rule, kind);
    if (!rule.ok) continue;
    const due = dueReport(kind, rule.value, s.minute, { date: local.date, minute: local.minute }, localDate(s.createdAt, REPORT_TIME_ZONE));
    if (!due) continue;
    const seen = await prisma.reportRun.findUnique({ where: { scheduleId_periodKey: { scheduleId: s.id, periodKey: due.periodKey } }, select: { id: true } });
    if (seen) continue;
    const built = await buildReport(reports, partnershipId, kind, now, s.planKey || null, null);
    const empty = built.document.empty;
    const outcome = await prisma.$transaction(async (tx) => {
      const claimed = await tx.reportRun.createMany({
        data: [{ scheduleId: s.id, periodKey: due.periodKey, sentOn: new Date(`${local.date}T00:00:00Z`), status: empty ? "empty" : "sent" }],
        skipDuplicates: true,
      });
      if (claimed.count === 0) return null;
      if (empty) return "empty";
      const payload: ChannelReportPayload = { channel: s.channel, reply: { ...documentReply(built.document), visibility: "in_channel" } };
      const [delivery] = await insertDeliveries(prismaQueryable(tx), [
        { partnershipId, personId: s.createdById, key: `report:schedule:${s.id}:${due.periodKey}`, kind: "channel_report", payload, dueAt: now },
      ]);
      if (delivery) await tx.reportRun.update({ where: { scheduleId_periodKey: { scheduleId: s.id, periodKey: due.periodKey } }, data: { deliveryId: delivery.id } });
      return "sent";
    });
    if (outcome) done.push(`${kind}:${due.periodKey}:${outcome}`);
  }
  return done;
}
