import { sql, type QueryCreator, type RawBuilder, type SqlBool } from "kysely";
import type { DeliveryStatus } from "../../../generated/kysely/enums.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { Reply } from "../../domain/reply.ts";
import type { OutboxRow } from "../../jobs/ports.ts";
import { nextTurn } from "../../jobs/turns.ts";
import type { WithChanged } from "./audit.ts";
import { arrayOf, compileOnly, recordset, runCompiled, type DB, type KyselyDb } from "./kysely.ts";
import type { Queryable } from "./sql-runner.ts";

// The outbox (table delivery): its one writer, the worker's claims and outcomes, and its reads.

export interface FailedDeliveryRow {
  id: number;
  person: string;
  kind: string;
  platform: string | null;
  lastError: string | null;
  at: Date;
}

/**
 * Every failed delivery of a partnership, newest first, with the person's name. For
 * `/curve deliveries failed`; the command orders and pages them. Capped at `limit` rows.
 */
export async function failedDeliveries(db: KyselyDb, partnershipId: number, limit = 1000): Promise<FailedDeliveryRow[]> {
  const rows = await db
    .selectFrom("delivery as d")
    .innerJoin("person as p", "p.id", "d.person_id")
    .select(["d.id", "p.name", "d.kind", "d.platform", "d.last_error", "d.created_at", "d.due_at"])
    .where("d.partnership_id", "=", partnershipId)
    .where("d.status", "=", "failed")
    .orderBy("d.due_at", "desc")
    .orderBy("d.id", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, person: r.name, kind: r.kind, platform: r.platform ? String(r.platform) : null, lastError: r.last_error, at: new Date(r.due_at) }));
}

/** A row for the outbox, as the jobs' port describes it (src/jobs/ports.ts). */
export type NewDelivery = OutboxRow;

/** A row the insert added (not one whose key was already there). */
export interface InsertedDelivery {
  id: number;
  key: string;
  personId: number;
  status: DeliveryStatus;
}

// Bounded statements: the rows travel as one JSON parameter, not eight parameters a row, and
// 500 of them (a digest or a first sweep's message can carry dozens of items) are built in a
// few milliseconds.
const ROWS_PER_STATEMENT = 500;

/**
 * The one writer of the outbox: inserts delivery rows through `db` (pass the caller's
 * transaction to keep a row with the change it belongs to), skipping any whose key is
 * already there (`ON CONFLICT (key) DO NOTHING`), so a job run twice never sends twice.
 * One statement per 500 rows, sent as one JSON parameter (see `recordset`), with a turn
 * of the event loop between statements. Returns
 * the rows it added, in no particular order.
 */
export async function insertDeliveries(db: Queryable, rows: readonly NewDelivery[]): Promise<InsertedDelivery[]> {
  const inserted: InsertedDelivery[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    if (start > 0) await nextTurn();
    const query = outboxRowsAdded(compileOnly, rows.slice(start, start + ROWS_PER_STATEMENT)).compile();
    const added = await db.query<{ id: number; key: string; person_id: number; status: DeliveryStatus }>(query.sql, [...query.parameters]);
    inserted.push(...added.map((r) => ({ id: Number(r.id), key: r.key, personId: Number(r.person_id), status: r.status })));
  }
  return inserted;
}

/**
 * The outbox insert of `rows` returning the rows it added (id, key, person_id, status), for
 * `insertDeliveries` and for a statement that writes more beside them (a nudge sweep records
 * its stages in the same statement: milestone-nudges.ts, `enqueueNudges`). Keys already there
 * are skipped. Pure; at most 500 rows.
 */
export function outboxRowsAdded(db: QueryCreator<DB>, rows: readonly NewDelivery[]) {
  if (rows.length > ROWS_PER_STATEMENT) throw new Error(`one statement enqueues at most ${ROWS_PER_STATEMENT} deliveries`);
  return outboxInsert(db, rows).returning(["id", "key", "person_id", sql<DeliveryStatus>`status::text`.as("status")]);
}

/** Deliveries `outboxRowsAdded` writes in one statement, at most. */
export const DELIVERIES_PER_STATEMENT = ROWS_PER_STATEMENT;

/**
 * The outbox rows of a change (`effectDeliveries`), as part of the change's own statement
 * (receipts.ts, `changedWithReceipt`): inserted only when the CTE `changed` returned a row, so
 * a change that did not happen (its guard failed, its key was answered) leaves nothing to send.
 * Keys already there are skipped, as in `insertDeliveries`; an App Home row only when someone
 * keeps one (`keptAppHome`). Pure; at most 500 rows.
 */
export function deliveriesWithChange(db: WithChanged, rows: readonly NewDelivery[]) {
  if (rows.length > ROWS_PER_STATEMENT) throw new Error(`a change may enqueue at most ${ROWS_PER_STATEMENT} deliveries`);
  return outboxInsert(db as unknown as QueryCreator<DB>, rows, sql<SqlBool>`exists (select 1 from changed) and ${keptAppHome(rows)}`);
}

/**
 * The outbox rows of a change made in a transaction (receipts.ts, `changeOnce`): one
 * statement, through the change's transaction; App Home rows as in `deliveriesWithChange`.
 */
export async function insertChangeEffects(tx: Queryable, rows: readonly NewDelivery[]): Promise<void> {
  if (rows.length > ROWS_PER_STATEMENT) throw new Error(`a change may enqueue at most ${ROWS_PER_STATEMENT} deliveries`);
  if (rows.length) await runCompiled(tx, outboxInsert(compileOnly, rows, keptAppHome(rows)));
}

/**
 * An App Home row is written only while someone in its partnership keeps a Slack App Home
 * (has opened it): otherwise there is nothing to redraw, and the worker is spared the work.
 * One index probe (platform_identity.home_opened_at).
 */
function keptAppHome(rows: readonly NewDelivery[]): RawBuilder<SqlBool> {
  const partnershipId = rows[0]?.partnershipId ?? 0;
  const keeper = compileOnly
    .selectFrom("platform_identity as pi")
    .innerJoin("person as p", "p.id", "pi.person_id")
    .select(sql<number>`1`.as("kept"))
    .where("pi.home_opened_at", "is not", null)
    .where("pi.platform", "=", "slack")
    .where("p.partnership_id", "=", partnershipId);
  return sql<SqlBool>`(r.kind <> 'app_home' or exists (${keeper}))`;
}

/** The INSERT … SELECT of `rows` (one JSON parameter), optionally only when `onlyIf` holds; keys already there are skipped. */
function outboxInsert(db: QueryCreator<DB>, rows: readonly NewDelivery[], onlyIf?: RawBuilder<SqlBool>) {
  const select = db
    .selectFrom(
      recordset(
        rows.map((r) => ({
          partnership_id: r.partnershipId,
          person_id: r.personId,
          key: r.key,
          kind: r.kind,
          payload: r.payload ?? {},
          status: r.status ?? "pending",
          due_at: r.dueAt.toISOString(),
          last_error: r.lastError ?? null,
        })),
        { partnership_id: "int", person_id: "int", key: "text", kind: "text", payload: "jsonb", status: "text", due_at: "timestamptz", last_error: "text" },
      ),
    )
    .select([
      "r.partnership_id",
      "r.person_id",
      "r.key",
      "r.kind",
      "r.payload",
      sql<DeliveryStatus>`r.status::delivery_status`.as("status"),
      sql<Date>`r.due_at`.as("due_at"),
      "r.last_error",
    ]);
  return db
    .insertInto("delivery")
    .columns(["partnership_id", "person_id", "key", "kind", "payload", "status", "due_at", "last_error"])
    .expression(onlyIf ? select.where(onlyIf) : select)
    .onConflict((oc) => oc.column("key").doNothing());
}

/**
 * Of these outbox keys, the ones already there, whatever their status: a job that decides
 * who is due asks this before it loads anything else. One statement; none for no keys.
 */
export async function existingDeliveryKeys(db: Queryable, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const query = compileOnly
    .selectFrom("delivery")
    .select("key")
    .where("key", "=", sql<string>`any(${arrayOf([...keys], "text")})`)
    .compile();
  const rows = await db.query<{ key: string }>(query.sql, [...query.parameters]);
  return new Set(rows.map((r) => r.key));
}

/** The outbox's table operations. Rows move pending -> sending -> sent | failed | cancelled. */
export interface ClaimedDelivery {
  id: number;
  partnershipId: number;
  personId: number;
  key: string;
  kind: string;
  payload: unknown;
  attempts: number;
  /**
   * Its lane: rows of one lane are sent one after another (a channel's posts, a card's
   * updates, a person's messages); an App Home refresh has a lane of its own.
   */
  lane: string;
}

/** A worker that dies mid-send leaves rows "sending"; after this long another worker takes them. */
export const LEASE_MS = 2 * 60_000;

/** Kinds whose rows must go out one after another per lane (`LANE`). */
const LANE_KINDS = "'announcement', 'channel_report', 'channel_card'";
/**
 * The lane of a row (alias `$row`), as SQL: a channel for its posts, a card for its updates;
 * null for the rest, whose order the claim does not hold (the worker still sends a person's
 * messages one after another: see `ClaimedDelivery.lane`).
 */
const LANE = `(CASE WHEN $row.kind IN ('announcement', 'channel_report') THEN 'channel:' || ($row.payload->>'channel')
                    WHEN $row.kind = 'channel_card' THEN 'card:' || ($row.payload->>'key') END)`;

/**
 * Claims due rows for one worker, of the given kinds only when `kinds` is given (the effects
 * worker of a `curve serve` whose schedules are off). SKIP LOCKED lets several workers (on
 * several instances) claim at once without waiting on, or taking, each other's rows.
 *
 * A channel's posts keep their order, and a card is never sent by two workers at once: a row
 * of a lane is not claimed while an older row of the same lane is due, being sent, or waiting
 * to be tried again (so a post Slack or Teams turned away for now holds back the ones after
 * it, on every instance). A row scheduled for later (tomorrow's report) holds back nothing.
 */
export async function claimDue(db: Queryable, worker: string, now: Date, limit: number, kinds?: readonly string[]): Promise<ClaimedDelivery[]> {
  const rows = await db.query<{ id: number; partnership_id: number; person_id: number; key: string; kind: string; payload: unknown; attempts: number; lane: string }>(
    `UPDATE delivery d SET status = 'sending', claimed_by = $1, claimed_at = $2, attempts = d.attempts + 1
     FROM (SELECT id FROM delivery w
           WHERE ((status = 'pending' AND due_at <= $2) OR (status = 'sending' AND claimed_at < $3))
             AND ($5::text[] IS NULL OR kind = ANY($5::text[]))
             AND (${LANE.replaceAll("$row", "w")} IS NULL OR NOT EXISTS (
               SELECT 1 FROM delivery e
               WHERE e.kind IN (${LANE_KINDS}) AND e.status IN ('pending', 'sending') AND e.id < w.id
                 AND (e.due_at <= $2 OR e.attempts > 0) AND ${LANE.replaceAll("$row", "e")} = ${LANE.replaceAll("$row", "w")}))
           ORDER BY due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) c
     WHERE d.id = c.id
     RETURNING d.id, d.partnership_id, d.person_id, d.key, d.kind, d.payload, d.attempts,
       coalesce(${LANE.replaceAll("$row", "d")}, CASE WHEN d.kind = 'app_home' THEN 'app_home:' || d.id ELSE 'person:' || d.person_id END) AS lane`,
    // Kinds travel as an array literal (Curve's own constants), the same on PGlite and PostgreSQL.
    [worker, now, new Date(now.getTime() - LEASE_MS), limit, kinds ? `{${kinds.join(",")}}` : null],
  );
  return rows.map((r) => ({ id: r.id, partnershipId: r.partnership_id, personId: r.person_id, key: r.key, kind: r.kind, payload: r.payload, attempts: r.attempts, lane: r.lane }));
}

/**
 * Gives rows this worker claimed but has not finished back to the outbox, as they were
 * (pending, same due time, the attempt not counted), so another worker or instance sends
 * them. Used when curve serve stops. Returns how many it released.
 */
export async function releaseClaims(db: Queryable, worker: string, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db.query<{ id: number }>(
    `UPDATE delivery SET status = 'pending', claimed_by = NULL, claimed_at = NULL, attempts = greatest(attempts - 1, 0)
     WHERE id = ANY($1::int[]) AND status = 'sending' AND claimed_by = $2 RETURNING id`,
    [ids, worker],
  );
  return rows.length;
}

/** Sent: records the platform and its message reference (to replace or thread on later). */
export async function markSent(db: Queryable, id: number, platform: string, messageRef: string, at: Date): Promise<void> {
  await db.query(`UPDATE delivery SET status = 'sent', platform = $2::platform, message_ref = $3, sent_at = $4, last_error = NULL WHERE id = $1`, [id, platform, messageRef, at]);
}

/**
 * The pending "channel_card" rows of one card (Reply.card's key): read just before the card is
 * drawn, they are rows whose changes the drawing already shows. One statement.
 */
export async function pendingCardRows(db: Queryable, partnershipId: number, cardKey: string): Promise<number[]> {
  const query = compileOnly
    .selectFrom("delivery")
    .select("id")
    .where("partnership_id", "=", partnershipId)
    .where("kind", "=", "channel_card")
    .where("status", "=", "pending")
    .where(sql<string>`payload->>'key'`, "=", cardKey);
  return (await runCompiled(db, query)).map((r) => Number(r.id));
}

/**
 * Settles rows that a send just made covers (a card drawn after their changes): sent, with the
 * same place, if they are still pending. One statement; none for no rows.
 */
export async function markCovered(db: Queryable, ids: readonly number[], platform: string, messageRef: string, at: Date): Promise<void> {
  if (ids.length === 0) return;
  const update = compileOnly
    .updateTable("delivery")
    .set({ status: "sent", platform: sql`cast(${platform} as platform)`, message_ref: messageRef, sent_at: at, last_error: null })
    .where("id", "in", [...ids])
    .where("status", "=", "pending");
  await runCompiled(db, update);
}

/** Back to pending, to be tried again at `dueAt` (quiet time, a transient failure, Retry-After). */
export async function postpone(db: Queryable, id: number, dueAt: Date, reason: string | null): Promise<void> {
  await db.query(`UPDATE delivery SET status = 'pending', due_at = $2, last_error = $3, claimed_by = NULL, claimed_at = NULL WHERE id = $1`, [id, dueAt, reason]);
}

/** Given up: `reason` is shown in /curve deliveries failed and coordinators' digests. */
export async function markFailed(db: Queryable, id: number, reason: string): Promise<void> {
  await db.query(`UPDATE delivery SET status = 'failed', last_error = $2 WHERE id = $1`, [id, reason]);
}

/** Not to be sent after all (e.g. everything in it was done meanwhile): `reason` says why. */
export async function markCancelled(db: Queryable, id: number, reason: string): Promise<void> {
  await db.query(`UPDATE delivery SET status = 'cancelled', last_error = $2 WHERE id = $1`, [id, reason]);
}

/** The person's last nudge on a platform, which a new nudge replaces in place. */
export async function previousNudgeRef(db: Queryable, personId: number, platform: string): Promise<string | null> {
  const [row] = await db.query<{ message_ref: string }>(
    `SELECT message_ref FROM delivery WHERE person_id = $1 AND kind = 'nudge' AND status = 'sent' AND platform = $2::platform AND message_ref IS NOT NULL
     ORDER BY sent_at DESC LIMIT 1`,
    [personId, platform],
  );
  return row?.message_ref ?? null;
}

/** The outbox kinds a change writes with itself (`effectDeliveries`); the rest come from the schedules. */
export const CHANGE_EFFECT_KINDS = ["announcement", "channel_card", "app_home"] as const;

/** An "announcement" row: the channel ("<platform>:<tenant>:<channel id>") and the post's text. */
export interface AnnouncementPayload {
  channel: string;
  text: string;
}

/** A "channel_card" row: which card (Reply.card's key, e.g. "pledge:12") and its channel, redrawn from the data when sent. */
export interface ChannelCardPayload {
  key: string;
  channel: string;
}

/** An "app_home" row: the actions a change touched, whose people's Slack App Home is redrawn. */
export interface AppHomePayload {
  actions: number[];
}

/**
 * What follows a change, as outbox rows written in the change's own statement or
 * transaction (receipts.ts), so a change that commits is followed up even if the process dies
 * after its answer, and one that does not never is:
 * - each of Reply.announcements, a post for a priority's channel ("announcement");
 * - Reply.card, a channel's card to post or update in place ("channel_card");
 * - Reply.touched, App Home refreshes for the people of those actions ("app_home").
 * Keyed by the change's idempotency key, so a change is followed up once however often its
 * request is delivered. The rows are the actor's (person_id) and due at once; none waits for
 * quiet time, since none is a message to a person.
 */
export function effectDeliveries(ctx: ChangeContext, reply: Reply): NewDelivery[] {
  const row = (kind: (typeof CHANGE_EFFECT_KINDS)[number], suffix: string, payload: AnnouncementPayload | ChannelCardPayload | AppHomePayload): NewDelivery => ({
    partnershipId: ctx.partnershipId,
    personId: ctx.actor.id,
    key: `${kind}:${ctx.partnershipId}:${ctx.idempotencyKey}${suffix}`,
    kind,
    payload,
    dueAt: ctx.at,
  });
  return [
    ...(reply.announcements ?? []).map((a, i) => row("announcement", `:${i}`, { channel: a.channel, text: a.text })),
    ...(reply.card ? [row("channel_card", "", { key: reply.card.key, channel: reply.card.channel })] : []),
    ...(reply.touched?.length ? [row("app_home", "", { actions: [...reply.touched] })] : []),
  ];
}

/** A delivery's outcome once it is settled; only these are ever pruned. */
const SETTLED: DeliveryStatus[] = ["sent", "cancelled", "failed"];

/**
 * Deletes up to `limit` settled deliveries (sent, cancelled or failed) that were due before
 * `before`, oldest first, and with them their nudge records (milestone_nudge, by its foreign
 * key's cascade). A pending or sending row is never deleted, however old: it has not been
 * sent yet. Each nudge's count stays in milestone_nudge_tally, which the escalation rules
 * read. Returns how many deliveries it deleted. One statement, on the (status, due_at) index.
 */
export async function pruneSettled(db: Queryable, before: Date, limit: number): Promise<number> {
  const deleted = await runCompiled(
    db,
    compileOnly
      .deleteFrom("delivery")
      .where("id", "in", (eb) =>
        eb
          .selectFrom("delivery")
          .select("id")
          .where("status", "in", SETTLED)
          .where("due_at", "<", before)
          .orderBy("due_at")
          .limit(Math.max(1, Math.floor(limit))),
      )
      .returning("id"),
  );
  return deleted.length;
}
