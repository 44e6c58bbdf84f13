import type { ChangeContext } from "../../commands/store.ts";
import type { Reply } from "../../domain/reply.ts";
import type { SqlRunner, SqlTransaction } from "./sql-runner.ts";

/**
 * Runs a change once per idempotency key, in one transaction with its receipt. The key is
 * claimed first: a concurrent twin waits on it, then finds it taken and returns the reply
 * this one stored; a retry later gets the same reply, marked `replayed`, without changing anything.
 */
export function changeOnce<C>(sql: SqlRunner, ctx: ChangeContext, bind: (tx: SqlTransaction) => C, work: (changes: C) => Promise<Reply>): Promise<Reply> {
  return sql.transaction(async (tx) => {
    const key = [ctx.partnershipId, ctx.idempotencyKey];
    const claimed = await tx.query(
      `INSERT INTO command_receipt (partnership_id, idempotency_key, reply) VALUES ($1, $2, '{}'::jsonb)
       ON CONFLICT DO NOTHING RETURNING 1`,
      key,
    );
    if (claimed.length === 0) {
      const [seen] = await tx.query<{ reply: Reply }>(`SELECT reply FROM command_receipt WHERE partnership_id = $1 AND idempotency_key = $2`, key);
      // Marked, so the conversation pipeline does not repeat the first delivery's effects.
      return { ...seen!.reply, replayed: true };
    }
    const result = await work(bind(tx));
    await tx.query(`UPDATE command_receipt SET reply = $3::jsonb WHERE partnership_id = $1 AND idempotency_key = $2`, [...key, JSON.stringify(result)]);
    return result;
  });
}
