import { sql, type QueryCreator, type RawBuilder, type SqlBool, type UpdateQueryBuilder, type UpdateResult } from "kysely";
import type { DeliveryStatus, Platform } from "../../../generated/kysely/enums.ts";
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
/** Deliveries one statement of `insertDeliveries` writes, at most. */
export const DELIVERIES_PER_STATEMENT = 500;

/**
 * Rows one outbox insert writes, at most (`outboxRowsAdded`): a nudge sweep's short messages go
 * 1,000 to a statement (milestone-nudges.ts, `NUDGE_MESSAGES_PER_STATEMENT`).
 */
export const OUTBOX_ROWS_PER_STATEMENT = 1000;

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
  for (let start = 0; start < rows.length; start += DELIVERIES_PER_STATEMENT) {
    if (start > 0) await nextTurn();
    const added = await runCompiled(db, outboxRowsAdded(compileOnly, rows.slice(start, start + DELIVERIES_PER_STATEMENT)));
    inserted.push(...added.map(insertedDelivery));
  }
  return inserted;
}

/**
 * The outbox insert of `rows` returning the rows it added (id, key, person_id, status), for
 * `insertDeliveries` and for a statement that writes more beside them (a nudge sweep records
 * its stages in the same statement: milestone-nudges.ts, `enqueueNudges`). Keys already there
 * are skipped. Pure; at most 1,000 rows (OUTBOX_ROWS_PER_STATEMENT).
 */
export function outboxRowsAdded(db: QueryCreator<DB>, rows: readonly NewDelivery[]) {
  if (rows.length > OUTBOX_ROWS_PER_STATEMENT) throw new Error(`one statement enqueues at most ${OUTBOX_ROWS_PER_STATEMENT} deliveries`);
  return outboxInsert(db, rows).returning(["id", "key", "person_id", sql<DeliveryStatus>`status::text`.as("status")]);
}

/** A row `outboxRowsAdded` returns, as the writers report it. */
export const insertedDelivery = (r: { id: number | string; key: string; person_id: number | string; status: DeliveryStatus }): InsertedDelivery => ({
  id: Number(r.id),
  key: r.key,
  personId: Number(r.person_id),
  status: r.status,
});

/**
 * The outbox rows of a change (`effectDeliveries`), as part of the change's own statement
 * (receipts.ts, `changedWithReceipt`): inserted only when the CTE `changed` returned a row, so
 * a change that did not happen (its guard failed, its key was answered) leaves nothing to send.
 * Keys already there are skipped, as in `insertDeliveries`; an App Home row only when someone
 * keeps one (`keptAppHome`). Returns one row (`added`) for each row it added. Pure; at most 500 rows.
 */
export function deliveriesWithChange(db: WithChanged, rows: readonly NewDelivery[]) {
  if (rows.length > DELIVERIES_PER_STATEMENT) throw new Error(`a change may enqueue at most ${DELIVERIES_PER_STATEMENT} deliveries`);
  return outboxInsert(db as unknown as QueryCreator<DB>, rows, sql<SqlBool>`exists (select 1 from changed) and ${keptAppHome(rows)}`).returning(sql<number>`1`.as("added"));
}

/**
 * The outbox rows of a change made in a transaction (receipts.ts, `changeOnce`): one
 * statement, through the change's transaction; App Home rows as in `deliveriesWithChange`.
 * Returns how many rows it added (none for no rows: no statement).
 */
export async function insertChangeEffects(tx: Queryable, rows: readonly NewDelivery[]): Promise<number> {
  if (rows.length > DELIVERIES_PER_STATEMENT) throw new Error(`a change may enqueue at most ${DELIVERIES_PER_STATEMENT} deliveries`);
  if (rows.length === 0) return 0;
  return (await runCompiled(tx, outboxInsert(compileOnly, rows, keptAppHome(rows)).returning(sql<number>`1`.as("added")))).length;
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
  const rows = await runCompiled(
    db,
    compileOnly
      .selectFrom("delivery")
      .select("key")
      .where("key", "=", sql<string>`any(${arrayOf([...keys], "text")})`),
  );
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

/** Kinds whose rows must go out one after another per lane (`lane`). */
const LANE_KINDS = ["announcement", "channel_report", "channel_card"] as const;

/** A delivery status written into the statement as a literal (see `claimDue`). */
const state = (status: DeliveryStatus): RawBuilder<DeliveryStatus> => sql.lit(status);

/** The outbox's own names for its rows in the claim: the row claimed (`d`), a candidate (`w`), an earlier row of its lane (`e`). */
type ClaimAlias = "d" | "w" | "e";

/**
 * The lane of a row (the delivery row aliased `row`), as SQL: a channel for its posts, a card
 * for its updates; null for the rest, whose order the claim does not hold (the worker still
 * sends a person's messages one after another: see `ClaimedDelivery.lane`). Its columns are
 * checked against the delivery table's type, so a renamed column fails the type check.
 */
function lane(row: ClaimAlias): RawBuilder<string | null> {
  const column = deliveryColumn(row);
  const [announcement, report, card] = LANE_KINDS.map((k) => sql.lit(k));
  return sql<string | null>`(CASE WHEN ${column("kind")} IN (${announcement}, ${report}) THEN 'channel:' || (${column("payload")}->>'channel') WHEN ${column("kind")} = ${card} THEN 'card:' || (${column("payload")}->>'key') END)`;
}

/** A column of the delivery row aliased `row`, checked against the table's type. */
const deliveryColumn = (row: ClaimAlias) => (name: keyof DB["delivery"] & string) => sql.ref(`${row}.${name}`);

/**
 * Claims due rows for one worker, of the given kinds only when `kinds` is given (the effects
 * worker of a `curve serve` whose schedules are off; none given: all kinds). SKIP LOCKED lets
 * several workers (on several instances) claim at once without waiting on, or taking, each
 * other's rows. Due: pending with `due_at` at or before `now`, or "sending" but claimed more
 * than `LEASE_MS` before `now` (its worker died). At most `limit` rows, oldest due first;
 * each claimed row is "sending", claimed by `worker` at `now`, its attempts counted.
 *
 * A channel's posts keep their order, and a card is never sent by two workers at once: a row
 * of a lane is not claimed while an older row of the same lane is due, being sent, or waiting
 * to be tried again (so a post Slack or Teams turned away for now holds back the ones after
 * it, on every instance). A row scheduled for later (tomorrow's report) holds back nothing.
 *
 * One statement (UPDATE … FROM a SELECT … FOR UPDATE SKIP LOCKED … RETURNING). Returns the
 * claimed rows, in no particular order. Errors are the database's.
 */
export async function claimDue(db: Queryable, worker: string, now: Date, limit: number, kinds?: readonly string[]): Promise<ClaimedDelivery[]> {
  const leaseStart = new Date(now.getTime() - LEASE_MS);
  // The outbox's states and kinds stay literals in the statement, as the planner sees them
  // (the status index, and how few rows are pending), however often the statement is prepared.
  const due = compileOnly
    .selectFrom("delivery as w")
    .select("w.id")
    .where((eb) =>
      eb.or([
        eb.and([eb("w.status", "=", state("pending")), eb("w.due_at", "<=", now)]),
        eb.and([eb("w.status", "=", state("sending")), eb("w.claimed_at", "<", leaseStart)]),
      ]),
    )
    // Kinds travel as one array parameter (Curve's own constants), the same on PGlite and PostgreSQL.
    .$if(kinds !== undefined, (q) => q.where("w.kind", "=", sql<string>`any(${arrayOf([...kinds!], "text")})`))
    .where((eb) =>
      eb.or([
        eb(lane("w"), "is", null),
        eb.not(
          eb.exists(
            eb
              .selectFrom("delivery as e")
              .select(sql<number>`1`.as("held"))
              .where("e.kind", "in", LANE_KINDS.map((k) => sql.lit(k)))
              .where("e.status", "in", [state("pending"), state("sending")])
              .whereRef("e.id", "<", "w.id")
              .where((e) => e.or([e("e.due_at", "<=", now), e("e.attempts", ">", e.lit(0))]))
              .where(lane("e"), "=", lane("w")),
          ),
        ),
      ]),
    )
    .orderBy("w.due_at")
    .orderBy("w.id")
    .limit(limit)
    .forUpdate()
    .skipLocked();
  const d = deliveryColumn("d");
  const claim = compileOnly
    .updateTable("delivery as d")
    .from(due.as("c"))
    .set((eb) => ({ status: state("sending"), claimed_by: worker, claimed_at: now, attempts: eb("d.attempts", "+", eb.lit(1)) }))
    .whereRef("d.id", "=", "c.id")
    .returning([
      "d.id",
      "d.partnership_id",
      "d.person_id",
      "d.key",
      "d.kind",
      "d.payload",
      "d.attempts",
      // Rows of no lane of their own: an App Home refresh alone, the rest a person's.
      sql<string>`coalesce(${lane("d")}, CASE WHEN ${d("kind")} = 'app_home' THEN 'app_home:' || ${d("id")} ELSE 'person:' || ${d("person_id")} END)`.as("lane"),
    ]);
  const rows = await runCompiled(db, claim);
  return rows.map((r) => ({ id: r.id, partnershipId: r.partnership_id, personId: r.person_id, key: r.key, kind: r.kind, payload: r.payload, attempts: r.attempts, lane: r.lane }));
}

/**
 * Gives rows this worker claimed but has not finished back to the outbox, as they were
 * (pending, same due time, the attempt not counted), so another worker or instance sends
 * them. Used when curve serve stops. Only rows of `ids` still "sending" and claimed by
 * `worker` are released. One statement, the ids as one array parameter; none for no ids.
 * Returns how many it released.
 */
export async function releaseClaims(db: Queryable, worker: string, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const release = compileOnly
    .updateTable("delivery")
    .set((eb) => ({ status: "pending", claimed_by: null, claimed_at: null, attempts: eb.fn("greatest", [eb("attempts", "-", eb.lit(1)), eb.lit(0)]) }))
    .where("id", "=", sql<number>`any(${arrayOf(ids, "int4")})`)
    .where("status", "=", "sending")
    .where("claimed_by", "=", worker)
    .returning("id");
  return (await runCompiled(db, release)).length;
}

/**
 * Sent: records the platform ("slack" or "teams") and its message reference (to replace or
 * thread on later), sent at `at`, and clears the last error, if the row is still this
 * worker's claim (see Claim) or waiting to be sent again; not if another worker
 * is sending it or has settled it. Returns whether it recorded it. One statement; an unknown
 * platform is the database's error.
 */
export async function markSent(db: Queryable, claim: Claim, platform: string, messageRef: string, at: Date): Promise<boolean> {
  // Also when given back while the send was under way (a stop), or put off by a worker that
  // took it over: it was sent all the same, and must not go again.
  const update = compileOnly.updateTable("delivery").set({ status: "sent", platform: sql`cast(${platform} as platform)`, message_ref: messageRef, sent_at: at, last_error: null });
  return settleClaim(db, claim, update, { orWaiting: true });
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

/**
 * A row as one worker claimed it: its outcome is recorded only while the row is still that
 * worker's, being sent. A worker that stalled past its lease (LEASE_MS) finds its row claimed
 * again by another, and what it then records changes nothing: its late "try again" cannot
 * put back a row the other worker has sent, and send it a second time.
 */
export interface Claim {
  id: number;
  /** The worker that claimed it (claimDue's `worker`). */
  worker: string;
}

/**
 * Records an outcome (`update`, a SET on delivery) on the row of `claim` if it is still that
 * worker's and being sent, or (`orWaiting`) pending; returns whether it was. One statement.
 */
async function settleClaim(db: Queryable, claim: Claim, update: UpdateQueryBuilder<DB, "delivery", "delivery", UpdateResult>, { orWaiting = false } = {}): Promise<boolean> {
  const settled = update
    .where("id", "=", claim.id)
    .where((eb) => {
      const ours = eb.and([eb("status", "=", "sending"), eb("claimed_by", "=", claim.worker)]);
      return orWaiting ? eb.or([ours, eb("status", "=", "pending")]) : ours;
    })
    .returning("id");
  return (await runCompiled(db, settled)).length > 0;
}

/**
 * Back to pending, to be tried again at `dueAt` (quiet time, a transient failure, Retry-After),
 * unclaimed, with `reason` (or none) as its last error, if the row is still this worker's
 * claim; returns whether it was. One statement.
 */
export async function postpone(db: Queryable, claim: Claim, dueAt: Date, reason: string | null): Promise<boolean> {
  return settleClaim(db, claim, compileOnly.updateTable("delivery").set({ status: "pending", due_at: dueAt, last_error: reason, claimed_by: null, claimed_at: null }));
}

/** Given up, if the row is still this worker's claim: `reason` is shown in /curve deliveries failed and coordinators' digests. Returns whether it was. One statement. */
export async function markFailed(db: Queryable, claim: Claim, reason: string): Promise<boolean> {
  return settleClaim(db, claim, compileOnly.updateTable("delivery").set({ status: "failed", last_error: reason }));
}

/** Not to be sent after all (e.g. everything in it was done meanwhile), if the row is still this worker's claim: `reason` says why. Returns whether it was. One statement. */
export async function markCancelled(db: Queryable, claim: Claim, reason: string): Promise<boolean> {
  return settleClaim(db, claim, compileOnly.updateTable("delivery").set({ status: "cancelled", last_error: reason }));
}

/**
 * The person's last nudge on a platform ("slack" or "teams"), which a new nudge replaces in
 * place: the message reference of their most recently sent nudge there, or null if none was.
 * One statement (the person, kind and sent_at index).
 */
export async function previousNudgeRef(db: Queryable, personId: number, platform: string): Promise<string | null> {
  const query = compileOnly
    .selectFrom("delivery")
    .select("message_ref")
    .where("person_id", "=", personId)
    .where("kind", "=", "nudge")
    .where("status", "=", "sent")
    .where("platform", "=", sql<Platform>`cast(${platform} as platform)`)
    .where("message_ref", "is not", null)
    .orderBy("sent_at", "desc")
    .limit(1);
  const [row] = await runCompiled(db, query);
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
 * The kinds of delivery retention may delete: those whose key names a moment that never comes
 * again, or whose sending is recorded elsewhere, so that deleting the row can never let the
 * same message be sent twice.
 * - nudge, escalation: keyed to a 15-minute sweep slot.
 * - digest, report: keyed to a person's week or month, checked only in that week or month.
 * - channel_report: each run is recorded in report_run.
 * - pledge.followup: each stage asked is recorded in pledge_follow_up.
 * - announcement, channel_card, app_home: keyed to the change that made them.
 * Every other kind is kept, however old: a risk review's reminder (`risk-review:…`) and a
 * reading's (`indicator-data-due:…`) are sent once because their row is there, and a kind
 * added later is kept until it is listed here.
 */
export const PRUNABLE_KINDS = ["nudge", "escalation", "digest", "report", "channel_report", "pledge.followup", "announcement", "channel_card", "app_home"] as const;

/**
 * Deletes up to `limit` settled deliveries (sent, cancelled or failed) of the kinds retention
 * may delete (PRUNABLE_KINDS) that were due before `before`, and with them their nudge records
 * (milestone_nudge, by the trigger delivery_removed, on its delivery index). A pending or sending
 * row is never deleted, however old: it has not been sent yet. Each nudge's count stays in
 * milestone_nudge_tally, which the escalation rules read. Returns how many deliveries it
 * deleted. One statement. In no particular order: ordered by due date, catching up on a long
 * history read and sorted the whole table for every statement (236 ms at 2 million rows).
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
          .where("kind", "in", [...PRUNABLE_KINDS])
          .limit(Math.max(1, Math.floor(limit))),
      )
      .returning("id"),
  );
  return deleted.length;
}
