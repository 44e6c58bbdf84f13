import type { ChangeContext, HeldSettlement } from "../../commands/store.ts";
import { kindCounts } from "../../domain/privacy/guard.ts";
import { replayFor, type Reply } from "../../domain/reply.ts";
import { sql, type Compilable, type CompiledQuery, type QueryCreator, type RawBuilder } from "kysely";
import { auditEachAlongside, auditEachChanged, auditEachRowOf, type WithAlongside, type WithChanged } from "./audit.ts";
import { deliveriesWithChange, effectDeliveries, insertChangeEffects } from "./deliveries.ts";
import type { OutboxSignal } from "./outbox-signal.ts";
import { compileOnly, runCompiled, type DB } from "./kysely.ts";
import { guardedChange, type ChangePlanner, type PlannedChange, type RowAsRead } from "./change-planner.ts";
import type { SqlRunner, SqlTransaction } from "./sql-runner.ts";

/** What a receipt holds between a message's first sighting and its change's reply. */
const SEEN = JSON.stringify({ seen: true });

/**
 * A change's reply as its receipt stores it (JSON text): with the request it answered
 * (`ChangeContext.request`), so that only a retry of that request is given it again (`replayFor`).
 */
export function receiptReply(ctx: Pick<ChangeContext, "request">, reply: Reply): string {
  return JSON.stringify(ctx.request ? { ...reply, request: ctx.request } : reply);
}

/**
 * Claims an idempotency key for a change that writes its receipt first (the risk register):
 * one statement that returns a row when the key was free, or held only its
 * first sighting (see `sightOnce`); no row when a reply is stored, or being stored by a twin
 * (PostgreSQL holds this insert until that twin commits).
 */
export function claimReceipt(partnershipId: number, key: string): CompiledQuery<{ claimed: number }> {
  return claimReceiptQuery(partnershipId, key).compile();
}

/** The insert behind `claimReceipt`, uncompiled, for runCompiled on a raw transaction. */
export function claimReceiptQuery(partnershipId: number, key: string) {
  return compileOnly
    .insertInto("command_receipt")
    .values({ partnership_id: partnershipId, idempotency_key: key, reply: sql`'{}'::jsonb` })
    .onConflict((oc) =>
      oc
        .columns(["partnership_id", "idempotency_key"])
        .doUpdateSet({ reply: sql`'{}'::jsonb` })
        .where(sql<boolean>`command_receipt.reply = ${SEEN}::jsonb`),
    )
    .returning(sql<number>`1`.as("claimed"));
}

/** The query behind `storedReply`, uncompiled, for a statement that reads more beside it (one row `{ reply }`, or none). */
export function storedReplyQuery(partnershipId: number, key: string) {
  return compileOnly
    .selectFrom("command_receipt")
    .select(sql<Reply>`reply`.as("reply"))
    .where("partnership_id", "=", partnershipId)
    .where("idempotency_key", "=", key)
    .where(sql<boolean>`reply <> ${SEEN}::jsonb`);
}

/** The reply stored for an idempotency key: none while the key holds only its first sighting. One statement. */
export function storedReply(partnershipId: number, key: string): CompiledQuery<{ reply: Reply }> {
  return storedReplyQuery(partnershipId, key).compile();
}

/**
 * The insert that records the first sighting of an inbound delivery's key (a Teams activity,
 * a Slack event): a row `{ sighted: 1 }` the first time, on any instance; none for a retry or
 * a twin. A change that the delivery then makes stores its reply in this same receipt. With
 * `onlyIf`, the key is sighted only when that condition holds (the sender was found).
 */
export function sighting(partnershipId: number, key: string, onlyIf?: RawBuilder<boolean>): CompiledQuery<{ sighted: number }> {
  return sightingQuery(partnershipId, key, onlyIf).compile();
}

/** The insert behind `sighting`, uncompiled, for a statement that does more beside it (a data-modifying CTE). */
export function sightingQuery(partnershipId: number, key: string, onlyIf?: RawBuilder<boolean>) {
  const row = compileOnly.selectNoFrom([sql<number>`${partnershipId}::int`.as("partnership_id"), sql<string>`${key}::text`.as("idempotency_key"), sql<unknown>`${SEEN}::jsonb`.as("reply")]);
  return compileOnly
    .insertInto("command_receipt")
    .columns(["partnership_id", "idempotency_key", "reply"])
    .expression(onlyIf ? row.where(onlyIf) : row)
    .onConflict((oc) => oc.doNothing())
    .returning(sql<number>`1`.as("sighted"));
}

/** `sighting`, run: true the first time a delivery's key is seen, on any instance; false for a retry or a twin. One statement. */
export async function sightOnce(sql: SqlRunner, partnershipId: number, key: string): Promise<boolean> {
  const insert = sighting(partnershipId, key);
  const rows = await sql.query(insert.sql, [...insert.parameters]);
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
 * `bind` is given the transaction and a function to call with how many outbox rows the change
 * itself added (a workshop telling each new action's owner); with the change's follow-ups
 * (effectDeliveries), they make `outbox` fire once after the commit, if there were any.
 *
 * Errors: whatever `work` throws, after the rollback; but when the key is now answered (the
 * throw was a twin's conflict), the stored reply instead.
 */
export async function changeOnce<C>(
  sql: SqlRunner,
  ctx: ChangeContext,
  bind: (tx: SqlTransaction, enqueued: (rows: number) => void) => C,
  work: (changes: C) => Promise<Reply>,
  outbox?: OutboxSignal,
): Promise<Reply> {
  const key = [ctx.partnershipId, ctx.idempotencyKey];
  let added = 0;
  try {
    const reply = await sql.transaction(async (tx) => {
      added = 0;
      const result = await work(bind(tx, (rows) => (added += rows)));
      // What follows it (announcements, a channel's card, App Home) goes through the outbox,
      // committed with the change or not at all.
      added += await insertChangeEffects(tx, effectDeliveries(ctx, result));
      // A key first sighted by `sightOnce` (a Teams message, a Slack event) holds SEEN and takes
      // the reply in place: one receipt per message.
      const stored = await tx.query(
        `INSERT INTO command_receipt (partnership_id, idempotency_key, reply) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (partnership_id, idempotency_key) DO UPDATE SET reply = EXCLUDED.reply WHERE command_receipt.reply = $4::jsonb
         RETURNING 1`,
        [...key, receiptReply(ctx, result), SEEN],
      );
      if (stored.length === 0) throw new AlreadyAnswered();
      if (ctx.settles) await settleHeld(tx, { ...ctx, settles: ctx.settles }, result);
      return result;
    });
    // Outside the transaction: the change is committed. `written` never throws.
    if (ctx.settles) ctx.settles.settled = true;
    if (added > 0) outbox?.written();
    return reply;
  } catch (error) {
    // A twin or an earlier delivery answered this key: its reply. Anything else (a refusal,
    // a failure, a key only sighted so far) is the caller's to answer.
    const [seen] = await runCompiled(sql, storedReplyQuery(ctx.partnershipId, ctx.idempotencyKey)).catch(() => []);
    if (seen) return replayFor(seen.reply, ctx.request);
    throw error;
  }
}

/** In the error a one-statement change raises to undo itself when its key holds another reply. */
const KEY_TAKEN = "curve: idempotency key answered already";

/** In the error a one-statement change raises to undo itself when a row it makes `inFull` was not made (a twin made it at that moment). */
const MOVED_ON = "curve: made in part only";

/** The name of the CTE of a planned change's `followedBy[i]`, for a later one that reads the rows it wrote (a new team's membership). */
export const followedName = (i: number) => `followed${i}`;

/**
 * A planned change with its audit event and its receipt, as ONE statement (no BEGIN, no COMMIT:
 * PostgreSQL applies all of it or none):
 *
 *   WITH changed AS (UPDATE … WHERE <the row as read> AND <key free> RETURNING id),
 *        alongside AS (what goes with it, e.g. an action's note: INSERT … SELECT … FROM changed RETURNING id),
 *        audited AS (its audit event for each row changed, or inserted alongside: audit.ts),
 *        effects AS (what follows it as outbox rows, when it changed something: deliveries.ts),
 *        receipt AS (INSERT INTO command_receipt … SELECT … FROM changed ON CONFLICT … DO UPDATE … WHERE reply = SEEN RETURNING …)
 *   SELECT <how many rows changed>, <how many outbox rows effects added>
 *
 * One row: `changed` is 1 when the change was made and its reply stored, 0 when the guard
 * failed or the key was answered already (nothing written); `enqueued` is how many outbox rows
 * its effects added. A key answered by a reply that committed after the statement began cannot
 * be stored over, and then the statement raises an error carrying KEY_TAKEN, which undoes the
 * change and its audit. With `inFull`, a `followedBy` that wrote fewer rows than `changed` (a
 * new organisation a twin made at the same moment) raises an error carrying MOVED_ON likewise;
 * its check reads the change's audit event, then each follow-up's rows, in that order, and so
 * writes them in that order: the events' ids follow the change's own, then its follow-ups'.
 */
export function changedWithReceipt(planned: PlannedChange, ctx: ChangeContext, reply: Reply) {
  const { partnershipId, idempotencyKey } = ctx;
  const answered = compileOnly
    .selectFrom("command_receipt")
    .select("idempotency_key")
    .where("partnership_id", "=", partnershipId)
    .where("idempotency_key", "=", idempotencyKey)
    .where(sql<boolean>`reply <> ${SEEN}::jsonb`);
  const keyFree = sql<boolean>`not exists (${answered})`;
  const changed = compileOnly.with("changed", () => guardedChange(planned.changed, keyFree));
  const { alongside, auditIdAs } = planned;
  // What goes with the change (an action's note) selects from `changed`: written only when it is.
  // Its audit event then comes from it, with its id (the note's), when the plan says so.
  const withAlongside = (alongside ? changed.with("alongside", (db) => alongside(db as unknown as WithChanged)) : changed) as unknown as WithAlongside;
  // Further rows it writes (a signature's follow-ups cleared), each gated on `changed` itself.
  const followed = (planned.followedBy ?? []).reduce((creator, more, i) => creator.with(followedName(i), (db) => more(db as unknown as WithChanged) as never) as unknown as WithAlongside, withAlongside);
  const audited = followed.with("audited", (db) =>
    (alongside && auditIdAs ? auditEachAlongside(db, planned.audit, auditIdAs) : auditEachChanged(db as unknown as WithChanged, planned.audit, planned.auditSubjectIsChanged, planned.auditIdAs)).returning("id"),
  );
  // What follows it (announcements, a channel's card, App Home) is outbox rows written by the
  // same statement, only when it changed something.
  const effects = [...effectDeliveries(ctx, reply), ...(planned.deliveries ?? [])];
  const withEffects = (effects.length ? audited.with("effects", (db) => deliveriesWithChange(db as unknown as WithChanged, effects)) : audited) as typeof audited;
  return settledWith(withEffects, ctx, reply)
    .with("receipt", (db) =>
      db
        .insertInto("command_receipt")
        .columns(["partnership_id", "idempotency_key", "reply"])
        .expression((eb) =>
          eb.selectFrom("changed").select([eb.val(partnershipId).as("partnership_id"), eb.val(idempotencyKey).as("idempotency_key"), sql<unknown>`cast(${receiptReply(ctx, reply)} as jsonb)`.as("reply")]),
        )
        // A key first sighted by `sightOnce` holds SEEN and takes the reply in place.
        .onConflict((oc) =>
          oc
            .columns(["partnership_id", "idempotency_key"])
            .doUpdateSet((eb) => ({ reply: eb.ref("excluded.reply") }))
            .where(sql<boolean>`command_receipt.reply = ${SEEN}::jsonb`),
        )
        .returning("idempotency_key"),
    )
    // The cast fails on purpose, and only when a changed row has no receipt: text that is not a number.
    .selectNoFrom([
      sql<number>`case when (select count(*) from receipt) < (select count(*) from changed)
        then (select cast(cast(${KEY_TAKEN} as text) || ' (' || id || ')' as int) from changed limit 1)
        ${planned.inFull ? sql`when ${sql.join([sql.table("audited"), ...planned.followedBy!.map((_, i) => sql.table(followedName(i)))].map((cte) => sql`(select count(*) from ${cte}) < (select count(*) from changed)`), sql` or `)}
        then (select cast(cast(${MOVED_ON} as text) || ' (' || id || ')' as int) from changed limit 1)` : sql``}
        else (select count(*) from changed)::int end`.as("changed"),
      (effects.length ? sql<number>`(select count(*) from effects)::int` : sql<number>`0`).as("enqueued"),
    ]);
}

type AsRead = RowAsRead;

/**
 * A receipt holding a reply, for a change that changed nothing: one statement that returns a
 * row when the key was free or only sighted, none when it holds another reply. With `asRead`
 * (the row the answer was decided on, see `PlannedChanges.unchangedAsRead`), the receipt is
 * written only while that row is still as read, and none is returned when it has moved on.
 */
export function receiptOf(ctx: ChangeContext, reply: Reply, asRead: AsRead | null = null): Compilable<{ changed: number }> {
  if (!ctx.settles) return receiptInsert(ctx, reply, asRead).returning(sql<number>`1`.as("changed"));
  // A held request's decision is settled with the answer, when its receipt is stored.
  const stored = compileOnly.with("changed", () => receiptInsert(ctx, reply, asRead).returning(sql<number>`1`.as("id")));
  return settledWith(stored, ctx, reply).selectFrom("changed").select(sql<number>`1`.as("changed"));
}

function receiptInsert(ctx: ChangeContext, reply: Reply, asRead: AsRead | null) {
  const row = compileOnly.selectNoFrom((eb) => [
    eb.val(ctx.partnershipId).as("partnership_id"),
    eb.val(ctx.idempotencyKey).as("idempotency_key"),
    sql<unknown>`cast(${receiptReply(ctx, reply)} as jsonb)`.as("reply"),
  ]);
  return compileOnly
    .insertInto("command_receipt")
    .columns(["partnership_id", "idempotency_key", "reply"])
    .expression(asRead ? row.where((eb) => eb.exists(asRead)) : row)
    .onConflict((oc) =>
      oc
        .columns(["partnership_id", "idempotency_key"])
        .doUpdateSet((eb) => ({ reply: eb.ref("excluded.reply") }))
        .where(sql<boolean>`command_receipt.reply = ${SEEN}::jsonb`),
    );
}

/**
 * With a change that decides a held request (`ChangeContext.settles`), the rows that settle it,
 * as CTEs of the change's own statement, each written only when the CTE `changed` returned a
 * row (the change made, or its answer stored):
 *
 *   settled AS (DELETE FROM held_text WHERE id = <the hold> AND EXISTS (changed) RETURNING id),
 *   settled_audit AS (its "privacy.decided" event, from settled: none when a twin purged it first),
 *   answered AS (the reply stored under the decision's own key, if it has one and a reply, or in place of its first sighting)
 *
 * `creator` itself when the change decides nothing. Pure.
 */
export function settledWith<Q>(creator: Q, ctx: ChangeContext, reply: Reply | null): Q {
  const settles = ctx.settles;
  if (!settles) return creator;
  const { held, decision } = settles;
  const changedRow = (db: WithChanged) => db.selectFrom("changed").select("changed.id");
  const withSettled = (creator as unknown as WithChanged)
    .with("settled", (db) =>
      db.deleteFrom("held_text").where("id", "=", held.id).where("partnership_id", "=", ctx.partnershipId).where((eb) => eb.exists(changedRow(db))).returning("id"),
    )
    .with("settled_audit", (db) =>
      auditEachRowOf(db as unknown as WithChanged, "settled", {
        partnershipId: ctx.partnershipId,
        actorId: ctx.actor.id,
        event: "privacy.decided",
        subject: { type: "held_text", id: held.id },
        before: { outcome: held.outcome, kinds: kindCounts(held.findings) },
        after: { decision },
        origin: ctx.origin,
        at: ctx.at,
      }),
    );
  const key = settles.key;
  if (key === undefined || reply === null) return withSettled as unknown as Q;
  return withSettled.with("answered", (db) => answeredFrom(db as unknown as WithChanged, { ...settles, key }, ctx.partnershipId, reply)) as unknown as Q;
}

/** The decision's own receipt (`HeldSettlement.key`), holding `reply`, once for each row of `changed`. */
function answeredFrom(db: WithChanged, settles: HeldSettlement & { key: string }, partnershipId: number, reply: Reply) {
  return db
    .insertInto("command_receipt")
    .columns(["partnership_id", "idempotency_key", "reply"])
    .expression((eb) =>
      eb.selectFrom("changed").select([eb.val(partnershipId).as("partnership_id"), eb.val(settles.key).as("idempotency_key"), sql<unknown>`cast(${receiptReply(settles, reply)} as jsonb)`.as("reply")]),
    )
    .onConflict((oc) =>
      oc
        .columns(["partnership_id", "idempotency_key"])
        .doUpdateSet((eb) => ({ reply: eb.ref("excluded.reply") }))
        .where(sql<boolean>`command_receipt.reply = ${SEEN}::jsonb`),
    )
    .returning("idempotency_key");
}

/**
 * `settledWith` run on its own, in the change's transaction (`changeOnce`) or, for a decision
 * that runs no change (a cancel) or whose change was answered already, alone: ONE statement;
 * true when it purged the hold (and audited the decision), false when it was gone already.
 * With no `reply`, none is stored.
 */
export async function settleHeld(tx: SqlRunner | SqlTransaction, ctx: ChangeContext & { settles: HeldSettlement }, reply: Reply | null): Promise<boolean> {
  const settled = settledWith(compileOnly.with("changed", (db) => db.selectNoFrom(sql<number>`1`.as("id"))), ctx, reply);
  const [row] = await runCompiled(tx, (settled as unknown as QueryCreator<DB & { settled: { id: number } }>).selectNoFrom(sql<number>`(select count(*) from settled)::int`.as("settled")));
  return (row?.settled ?? 0) > 0;
}

/**
 * Runs a change once per idempotency key, in ONE statement when it can: `work` is first run
 * against `planner` (`PlannedChanges` for a milestone or an action, `PlannedIndicatorChanges`
 * for an indicator), which answers from the row as the command read it and records the one
 * change asked for; that change, its audit event and its receipt holding `work`'s reply
 * then reach the database as one statement (`changedWithReceipt`), or the receipt alone
 * (`receiptOf`) when the answer changes nothing. `work` must do nothing but call its
 * ChangeStore and build a reply: it may run twice.
 *
 * When the statement writes nothing (the row moved on since it was read, a change planned
 * `inFull` was made only in part, or the key was answered), the key's stored reply is
 * returned marked `replayed`; failing that, the change runs again as `changeOnce` does (with
 * `bind`), in a transaction that locks the row. So does any `work` the planner cannot take
 * (every other kind of change, a second change), and any that throws.
 *
 * When the change added outbox rows, `outbox` fires once, after the statement (or transaction)
 * committed them.
 *
 * Round trips: 1 for a planned change or answer; 2 for a retry or a twin (the stored reply);
 * 2 more than `changeOnce`'s own when the row moved on, none more for what the planner cannot take.
 * Errors: as `changeOnce`.
 */
export async function changedOnce<C>(
  sql: SqlRunner,
  ctx: ChangeContext,
  planner: C & ChangePlanner,
  bind: (tx: SqlTransaction, enqueued: (rows: number) => void) => C,
  work: (changes: C) => Promise<Reply>,
  outbox?: OutboxSignal,
): Promise<Reply> {
  const result = await work(planner).catch(() => null);
  if (!result) return changeOnce(sql, ctx, bind, work, outbox);
  let failure: unknown = null;
  try {
    if (planner.planned) {
      const [row] = await runCompiled(sql, changedWithReceipt(planner.planned, ctx, result));
      if (row?.changed === 1) {
        if (ctx.settles) ctx.settles.settled = true;
        if (row.enqueued > 0) outbox?.written();
        return result;
      }
    } else {
      const [row] = await runCompiled(sql, receiptOf(ctx, result, planner.unchangedAsRead));
      if (row?.changed === 1) {
        if (ctx.settles) ctx.settles.settled = true;
        return result;
      }
    }
  } catch (error) {
    failure = error;
  }
  const [seen] = await runCompiled(sql, storedReplyQuery(ctx.partnershipId, ctx.idempotencyKey));
  if (seen) return replayFor(seen.reply, ctx.request);
  if (failure && ![KEY_TAKEN, MOVED_ON].some((undone) => String((failure as Error).message).includes(undone))) throw failure;
  return changeOnce(sql, ctx, bind, work, outbox);
}
