import { localDate, shortDate } from "../../domain/dates/calendar.ts";
import { buildReportCard } from "../../domain/indicators/report-card.ts";
import { followUpQuestion } from "../../domain/pledges/card.ts";
import { followUpsDue } from "../../domain/pledges/follow-up.ts";
import { context, reply, text } from "../../domain/reply.ts";
import { insertDeliveries } from "./deliveries.ts";
import { queryIndicators } from "./insight-queries.ts";
import type { Queryable, SqlRunner } from "./sql-runner.ts";

/** What one sweep put in the outbox; running it again at once adds nothing. */
export interface InsightSweepReport {
  followUps: { key: string; personId: number }[];
  dataDue: { key: string; personId: number }[];
}

// Whose day it is when deciding that a reading is due: the partnership's, not the server's.
const PARTNERSHIP_ZONE = "Europe/London";

async function insertDelivery(db: Queryable, partnershipId: number, row: { personId: number; key: string; kind: string; payload: unknown; dueAt: Date }): Promise<boolean> {
  return (await insertDeliveries(db, [{ partnershipId, ...row }])).length === 1;
}

/**
 * Puts pledge follow-ups ("did you do what you pledged?", 30 and 90 days after signing) and
 * data-due reminders (a reading due but missing) in the outbox, with deterministic keys:
 *   pledge-followup:<signature id>:<30|90>
 *   indicator-data-due:<indicator id>:<period end>:<person id>
 * The scheduler calls it on each sweep; the delivery worker sends the rows.
 */
export async function enqueueInsightDeliveries(sql: SqlRunner, partnershipId: number, now: Date): Promise<InsightSweepReport> {
  const report: InsightSweepReport = { followUps: [], dataDue: [] };
  const signatures = await sql.query<{ id: number; person_id: number; signed_at: Date | string; commitment: string; on_behalf_of: string; title: string; stages: number[] }>(
    `SELECT s.id, s.person_id, s.signed_at, s.commitment, s.on_behalf_of, p.title,
       coalesce(array_agg(f.stage) FILTER (WHERE f.stage IS NOT NULL), '{}') AS stages
     FROM pledge_signature s JOIN pledge p ON p.id = s.pledge_id LEFT JOIN pledge_follow_up f ON f.signature_id = s.id
     WHERE p.partnership_id = $1 AND s.withdrawn_at IS NULL AND s.signed_at <= $2
     GROUP BY s.id, p.title HAVING count(f.stage) < 2`,
    [partnershipId, new Date(now.getTime() - 30 * 86_400_000)],
  );
  const byId = new Map(signatures.map((s) => [s.id, s]));
  const due = followUpsDue(signatures.map((s) => ({ id: s.id, signedAt: new Date(s.signed_at), withdrawnAt: null, stages: s.stages.map(Number) })), now);
  for (const item of due) {
    const s = byId.get(item.signatureId)!;
    const key = `pledge-followup:${s.id}:${item.stage}`;
    // The question and its record go together: both or neither, whatever else is running.
    const added = await sql.transaction(async (tx) => {
      for (const skipped of item.skipped) {
        await tx.query(`INSERT INTO pledge_follow_up (signature_id, stage, asked_at) VALUES ($1, $2, NULL) ON CONFLICT DO NOTHING`, [s.id, skipped]);
      }
      const asked = await tx.query(`INSERT INTO pledge_follow_up (signature_id, stage, asked_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id`, [s.id, item.stage, now]);
      if (asked.length === 0) return false;
      const payload = followUpQuestion({ title: s.title }, { id: s.id, commitment: s.commitment, onBehalfOf: s.on_behalf_of }, item.stage);
      return insertDelivery(tx, partnershipId, { personId: s.person_id, key, kind: "pledge.followup", payload, dueAt: item.dueAt });
    });
    if (added) report.followUps.push({ key, personId: s.person_id });
  }

  const today = localDate(now, PARTNERSHIP_ZONE);
  const indicators = await queryIndicators(sql, `i.partnership_id = $1 AND i.periodicity IS NOT NULL`, [partnershipId]);
  for (const indicator of indicators) {
    const card = buildReportCard(indicator, today);
    if (!card.due) continue;
    // The indicator's owner, else its priority's leads: the people who record its figures.
    const people = indicator.owner ? [indicator.owner] : (indicator.priority?.leads ?? []);
    const { period, dueSince } = card.due;
    for (const person of people) {
      const key = `indicator-data-due:${indicator.id}:${period.end}:${person.id}`;
      const payload = reply("info", `${indicator.code}: the reading for ${period.label} is due`, [
        text(`${indicator.name}: the figure for ${period.label} (ending ${shortDate(period.end)}) has been due since ${shortDate(dueSince)}.`),
        context(`Record it: /indicator record ${indicator.code} <value> ${period.label} [source]`),
        { type: "buttons", buttons: [{ actionId: "indicator.show", label: "Report card", value: indicator.code }] },
      ]);
      if (await insertDelivery(sql, partnershipId, { personId: person.id, key, kind: "indicator.data_due", payload, dueAt: now })) report.dataDue.push({ key, personId: person.id });
    }
  }
  return report;
}
