import type { ChangeContext } from "../../commands/store.ts";
import type { Reply } from "../../domain/reply.ts";
import { sql, type CompiledQuery } from "kysely";
import { compileOnly } from "./kysely.ts";
import type { SqlRunner, SqlTransaction } from "./sql-runner.ts";

/** What a receipt holds between a message's first sighting and its change's reply. */
const SEEN = JSON.stringify({ seen: true });

/**
 * Claims an idempotency key for a change that writes its receipt first (the risk register,
 * /curve publish): one statement that returns a row when the key was free, or held only its
 * first sighting (see `sightOnce`); no row when a reply is stored, or being stored by a twin
 * (PostgreSQL holds this insert until that twin commits).
 */
export function claimReceipt(partnershipId: number, key: string): CompiledQuery<{ claimed: number }> {
  return compileOnly
    .insertInto("command_receipt")
    .values({ partnership_id: partnershipId, idempotency_key: key, reply: sql`'{}'::jsonb` })
    .onConflict((oc) =>
      oc
        .columns(["partnership_id", "idempotency_key"])
        .doUpdateSet({ reply: sql`'{}'::jsonb` })
        .where(sql<boolean>`command_receipt.reply = ${SEEN}::jsonb`),
    )
    .returning(sql<number>`1`.as("claimed"))
    .compile();
}

/** The reply stored for an idempotency key: none while the key holds only its first sighting. One statement. */
export function storedReply(partnershipId: number, key: string): CompiledQuery<{ reply: Reply }> {
  return compileOnly
    .selectFrom("command_receipt")
    .select(sql<Reply>`reply`.as("reply"))
    .where("partnership_id", "=", partnershipId)
    .where("idempotency_key", "=", key)
    .where(sql<boolean>`reply <> ${SEEN}::jsonb`)
    .compile();
}

/**
 * Records the first sighting of an inbound delivery's key (a Teams activity, a Slack event):
 * true the first time, on any instance; false for a retry or a twin. A change that the
 * delivery then makes stores its reply in this same receipt. One statement.
 */
export async function sightOnce(sql: SqlRunner, partnershipId: number, key: string): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO command_receipt (partnership_id, idempotency_key, reply) VALUES ($1, $2, $3::jsonb) ON CONFLICT DO NOTHING RETURNING 1`,
    [partnershipId, key, SEEN],
  );
  return rows.length === 1;
}

/** A change's work found its idempotency key already taken: the transaction is rolled back. */
class AlreadyAnswered extends Error {}

/**
 * Runs a change once per idempotency key, in one transaction with its receipt: BEGIN, the
 * change's own statements, one statement that stores the receipt with its reply, COMMIT.
 *
 * The receipt is written last, with the reply, and only when its key is free (or holds only
 * its first sighting, see `sightOnce`). A twin running
 * at the same moment either waits on the rows the first locked and then finds nothing left to
 * change, or waits on the key itself (PostgreSQL holds a second insert of a unique key until
 * the first commits); either way it finds the key taken, rolls back whatever it did, and
 * returns the stored reply. A retry later does the same. Both come back marked `replayed`,
 * so the conversation pipeline does not repeat the first delivery's effects.
 *
 * Errors: whatever `work` throws, after the rollback; but when the key is now answered (the
 * throw was a twin's conflict), the stored reply instead.
 */
export async function changeOnce<C>(sql: SqlRunner, ctx: ChangeContext, bind: (tx: SqlTransaction) => C, work: (changes: C) => Promise<Reply>): Promise<Reply> {
  const key = [ctx.partnershipId, ctx.idempotencyKey];
  try {
    return await sql.transaction(async (tx) => {
      const result = await work(bind(tx));
      // A key first sighted by `sightOnce` (a Teams message, a Slack event) holds SEEN and takes
      // the reply in place: one receipt per message.
      const stored = await tx.query(
        `INSERT INTO command_receipt (partnership_id, idempotency_key, reply) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (partnership_id, idempotency_key) DO UPDATE SET reply = EXCLUDED.reply WHERE command_receipt.reply = $4::jsonb
         RETURNING 1`,
        [...key, JSON.stringify(result), SEEN],
      );
      if (stored.length === 0) throw new AlreadyAnswered();
      return result;
    });
  } catch (error) {
    // A twin or an earlier delivery answered this key: its reply. Anything else (a refusal,
    // a failure, a key only sighted so far) is the caller's to answer.
    const stored = storedReply(ctx.partnershipId, ctx.idempotencyKey);
    const [seen] = await sql.query<{ reply: Reply }>(stored.sql, [...stored.parameters]).catch(() => []);
    if (seen) return { ...seen.reply, replayed: true };
    throw error;
  }
}
