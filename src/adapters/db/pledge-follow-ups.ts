import type { OutboxRow, SignatureAwaitingFollowUp } from "../../jobs/ports.ts";
import { insertDeliveries } from "./deliveries.ts";
import type { Queryable, SqlRunner } from "./sql-runner.ts";

/** Signatures (not withdrawn) signed on or before `signedBefore` with fewer than two follow-up stages recorded. */
export async function signaturesAwaitingFollowUp(db: Queryable, partnershipId: number, signedBefore: Date): Promise<SignatureAwaitingFollowUp[]> {
  const rows = await db.query<{ id: number; person_id: number; signed_at: Date | string; commitment: string; on_behalf_of: string; title: string; stages: number[] }>(
    `SELECT s.id, s.person_id, s.signed_at, s.commitment, s.on_behalf_of, p.title,
       coalesce(array_agg(f.stage) FILTER (WHERE f.stage IS NOT NULL), '{}') AS stages
     FROM pledge_signature s JOIN pledge p ON p.id = s.pledge_id LEFT JOIN pledge_follow_up f ON f.signature_id = s.id
     WHERE p.partnership_id = $1 AND s.withdrawn_at IS NULL AND s.signed_at <= $2
     GROUP BY s.id, p.title HAVING count(f.stage) < 2`,
    [partnershipId, signedBefore],
  );
  return rows.map((s) => ({ id: s.id, personId: s.person_id, signedAt: new Date(s.signed_at), commitment: s.commitment, onBehalfOf: s.on_behalf_of, title: s.title, stages: s.stages.map(Number) }));
}

/**
 * Records the skipped stages (never asked), the stage asked at `now`, and the question in the
 * outbox, in one transaction. False when that stage had already been asked.
 */
export async function askFollowUp(sql: SqlRunner, ask: { signatureId: number; stage: number; skipped: number[]; now: Date }, question: OutboxRow): Promise<boolean> {
  return sql.transaction(async (tx) => {
    for (const skipped of ask.skipped) {
      await tx.query(`INSERT INTO pledge_follow_up (signature_id, stage, asked_at) VALUES ($1, $2, NULL) ON CONFLICT DO NOTHING`, [ask.signatureId, skipped]);
    }
    const asked = await tx.query(`INSERT INTO pledge_follow_up (signature_id, stage, asked_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id`, [ask.signatureId, ask.stage, ask.now]);
    if (asked.length === 0) return false;
    return (await insertDeliveries(tx, [question])).length === 1;
  });
}
