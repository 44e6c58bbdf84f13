import { sql } from "kysely";
import type { OutboxRow, SignatureAwaitingFollowUp } from "../../jobs/ports.ts";
import { insertDeliveries } from "./deliveries.ts";
import { compileOnly, recordset, runCompiled } from "./kysely.ts";
import type { Queryable, SqlRunner } from "./sql-runner.ts";

/** Signatures (not withdrawn) signed on or before `signedBefore` with fewer than two follow-up stages recorded. One statement. */
export async function signaturesAwaitingFollowUp(db: Queryable, partnershipId: number, signedBefore: Date): Promise<SignatureAwaitingFollowUp[]> {
  const rows = await runCompiled(
    db,
    compileOnly
      .selectFrom("pledge_signature as s")
      .innerJoin("pledge as p", "p.id", "s.pledge_id")
      .leftJoin("pledge_follow_up as f", "f.signature_id", "s.id")
      .select(["s.id", "s.person_id", "s.signed_at", "s.commitment", "s.on_behalf_of", "p.title", sql<number[]>`coalesce(array_agg(f.stage) FILTER (WHERE f.stage IS NOT NULL), '{}')`.as("stages")])
      .where("p.partnership_id", "=", partnershipId)
      .where("s.withdrawn_at", "is", null)
      .where("s.signed_at", "<=", sql<Date>`cast(${signedBefore.toISOString()} as timestamptz)`)
      .groupBy(["s.id", "p.title"])
      .having((eb) => eb.fn.count("f.stage"), "<", 2),
  );
  return rows.map((s) => ({ id: s.id, personId: s.person_id, signedAt: new Date(s.signed_at), commitment: s.commitment, onBehalfOf: s.on_behalf_of, title: s.title, stages: s.stages.map(Number) }));
}

/**
 * Records the skipped stages (never asked), the stage asked at `now`, and the question in the
 * outbox, in one transaction. False when that stage had already been asked.
 */
export async function askFollowUp(db: SqlRunner, ask: { signatureId: number; stage: number; skipped: number[]; now: Date }, question: OutboxRow): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (ask.skipped.length) {
      await runCompiled(
        tx,
        compileOnly
          .insertInto("pledge_follow_up")
          .columns(["signature_id", "stage"])
          .expression(compileOnly.selectFrom(recordset(ask.skipped.map((stage) => ({ signature_id: ask.signatureId, stage })), { signature_id: "int", stage: "int" })).select(["r.signature_id", "r.stage"]))
          .onConflict((oc) => oc.doNothing()),
      );
    }
    const asked = await runCompiled(
      tx,
      compileOnly
        .insertInto("pledge_follow_up")
        .values({ signature_id: ask.signatureId, stage: ask.stage, asked_at: sql<Date>`cast(${ask.now.toISOString()} as timestamptz)` })
        .onConflict((oc) => oc.doNothing())
        .returning("id"),
    );
    if (asked.length === 0) return false;
    return (await insertDeliveries(tx, [question])).length === 1;
  });
}
