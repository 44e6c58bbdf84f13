import { buildReport, REPORT_TIME_ZONE, type ReportStore } from "../commands/report-store.ts";
import { dueReports, parseRule } from "../domain/reports/calendar.ts";
import { reportDay } from "../domain/reports/window.ts";
import type { ReportKind } from "../domain/reports/facts.ts";
import { documentReply } from "../domain/reports/sections.ts";
import { localMoment } from "../domain/schedule/zoned-time.ts";
import type { ReportCalendarStore } from "./ports.ts";

/** What the outbox carries for a report posted to a channel. */
export interface ChannelReportPayload {
  channel: string;
  reply: ReturnType<typeof documentReply>;
}

/**
 * The reporting calendar's sweep: each scheduled report whose day and time have come (in
 * Europe/London, on a working day of the partnership's region) is built and put in the outbox for its channel, once per
 * period (`report_run` is unique per schedule and period; the delivery key is
 * `report:schedule:<id>:<period>`). A period whose day a weekend or bank holiday moved into the
 * next period goes then, before that period's own. An empty report is recorded as such and not sent.
 * Returns what it did, as "<kind>:<period>:sent|empty".
 */
export async function enqueueScheduledReports(store: ReportCalendarStore, reports: ReportStore, partnershipId: number, now: Date): Promise<string[]> {
  const local = localMoment(now, REPORT_TIME_ZONE);
  const done: string[] = [];
  for (const s of await store.reportSchedules(partnershipId)) {
    const kind = s.kind as ReportKind;
    const rule = parseRule(s.rule, kind);
    if (!rule.ok) continue;
    for (const due of dueReports(kind, rule.value, s.minute, { date: local.date, minute: local.minute }, reportDay(s.createdAt), s.region)) {
      if (await store.reportRunExists(s.id, due.periodKey)) continue;
      // Built as of its period's first day, so a report moved into the next period still covers its own month.
      const built = await buildReport(reports, partnershipId, kind, now, s.planKey || null, null, due.start);
      const empty = built.document.empty;
      const payload: ChannelReportPayload = { channel: s.channel, reply: { ...documentReply(built.document), visibility: "in_channel" } };
      const claimed = await store.claimReportRun(
        { scheduleId: s.id, periodKey: due.periodKey, sentOn: new Date(`${local.date}T00:00:00Z`), empty },
        empty ? null : { partnershipId, personId: s.createdById, key: `report:schedule:${s.id}:${due.periodKey}`, kind: "channel_report", payload, dueAt: now },
      );
      if (claimed) done.push(`${kind}:${due.periodKey}:${empty ? "empty" : "sent"}`);
    }
  }
  return done;
}
