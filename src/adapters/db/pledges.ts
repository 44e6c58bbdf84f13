import { sql, type ExpressionBuilder, type RawBuilder } from "kysely";
import type { FollowUpAsRead, FollowUpTally, NewPledgeAsRead, NewPledgeRow, PledgeAsRead, SignOutcome } from "../../commands/insight-store.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { PledgeStats } from "../../domain/pledges/card.ts";
import { displayName, type FollowUpAnswer, type PledgeKind, type PledgeView, type SignatureView, type Signing } from "../../domain/pledges/pledge.ts";
import { changeInContext, writeAudit, type AuditSubject } from "./audit.ts";
import { compileOnly as db, runCompiled, type DB } from "./kysely.ts";
import type { Queryable } from "./sql-runner.ts";

// Pledges, their signatures and the answers to their follow-ups (tables pledge,
// pledge_signature, pledge_follow_up): typed reads, one statement each, and the changes a
// person makes, each in the caller's transaction `tx` with its audit event. The follow-ups'
// questions are asked by pledge-follow-ups.ts.

/** A pledge's own columns, its kind as text: for a SELECT from `pledge` and an INSERT's RETURNING alike. */
export function pledgeColumns(eb: ExpressionBuilder<DB, "pledge">) {
  return [
    "pledge.id",
    eb.cast<PledgeKind>("pledge.kind", "text").as("kind"),
    "pledge.title",
    "pledge.text",
    "pledge.opens_at",
    "pledge.closes_at",
    "pledge.channel",
    "pledge.created_by_id",
  ] as const;
}

/** A row with `pledgeColumns`; instants may arrive as Date or ISO text, depending on the driver. */
export interface PledgeRow {
  id: number;
  kind: PledgeKind;
  title: string;
  text: string;
  opens_at: Date | string | null;
  closes_at: Date | string | null;
  channel: string | null;
  created_by_id: number | null;
}

const instant = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

/** A pledge row as the domain's PledgeView. */
export const pledgeFromRow = (row: PledgeRow): PledgeView => ({
  id: row.id,
  kind: row.kind,
  title: row.title,
  text: row.text,
  opensAt: instant(row.opens_at),
  closesAt: instant(row.closes_at),
  channel: row.channel,
  createdById: row.created_by_id,
});

/** Signatures (aliased `s`) with the signer's name (`pe`), unexecuted: add the WHERE, order and any lock. */
export function signatureQuery() {
  return db
    .selectFrom("pledge_signature as s")
    .innerJoin("person as pe", "pe.id", "s.person_id")
    .select(["s.id", "s.person_id", "pe.name as person_name", "s.on_behalf_of", "s.commitment", "s.is_public", "s.signed_at", "s.withdrawn_at"]);
}

/** A row of `signatureQuery`; instants may arrive as Date or ISO text, depending on the driver. */
export interface SignatureRow {
  id: number;
  person_id: number;
  person_name: string;
  on_behalf_of: string;
  commitment: string;
  is_public: boolean;
  signed_at: Date | string;
  withdrawn_at: Date | string | null;
}

/** A signature row as the domain's SignatureView. */
export const signatureFromRow = (row: SignatureRow): SignatureView => ({
  id: row.id,
  personId: row.person_id,
  personName: row.person_name,
  onBehalfOf: row.on_behalf_of,
  commitment: row.commitment,
  isPublic: row.is_public,
  signedAt: new Date(row.signed_at),
  withdrawnAt: row.withdrawn_at === null ? null : new Date(row.withdrawn_at),
});

/** How many of the latest signers a pledge's card names. */
const LATEST_SIGNERS = 5;

/** The pledge `id` of the partnership, or null. One statement. */
export async function findPledge(queryable: Queryable, partnershipId: number, id: number): Promise<PledgeView | null> {
  const [row] = await runCompiled(queryable, db.selectFrom("pledge").select(pledgeColumns).where("pledge.partnership_id", "=", partnershipId).where("pledge.id", "=", id));
  return row ? pledgeFromRow(row) : null;
}

/** The partnership's latest 100 pledges, newest first, each with its count of signatures not withdrawn. One statement. */
export async function listPledges(queryable: Queryable, partnershipId: number): Promise<(PledgeView & { count: number })[]> {
  const rows = await runCompiled(
    queryable,
    db
      .selectFrom("pledge")
      .select((eb) => [
        ...pledgeColumns(eb),
        eb
          .selectFrom("pledge_signature as s")
          .select((e) => e.fn.countAll().as("count"))
          .whereRef("s.pledge_id", "=", "pledge.id")
          .where("s.withdrawn_at", "is", null)
          .as("count"),
      ])
      .where("pledge.partnership_id", "=", partnershipId)
      .orderBy("pledge.id", "desc")
      .limit(100),
  );
  return rows.map((r) => ({ ...pledgeFromRow(r), count: Number(r.count) }));
}

/**
 * What a pledge's card shows: how many signatures are not withdrawn, and of the latest five
 * (by signing time) the names of those who signed in public and how many did not. One statement.
 */
export async function pledgeStats(queryable: Queryable, pledgeId: number): Promise<PledgeStats> {
  const rows = await runCompiled(
    queryable,
    signatureQuery()
      .select((eb) => eb.fn.countAll().over().as("total"))
      .where("s.pledge_id", "=", pledgeId)
      .where("s.withdrawn_at", "is", null)
      .orderBy("s.signed_at", "desc")
      .orderBy("s.id", "desc"),
  );
  const latest = rows.slice(0, LATEST_SIGNERS).map(signatureFromRow);
  return {
    count: Number(rows[0]?.total ?? 0),
    latestNamed: latest.filter((s) => s.isPublic).map(displayName),
    latestUnnamed: latest.filter((s) => !s.isPublic).length,
  };
}

/** A pledge's signatures not withdrawn, oldest first. One statement. */
export async function signatures(queryable: Queryable, pledgeId: number): Promise<SignatureView[]> {
  const rows = await runCompiled(queryable, signatureQuery().where("s.pledge_id", "=", pledgeId).where("s.withdrawn_at", "is", null).orderBy("s.signed_at").orderBy("s.id"));
  return rows.map(signatureFromRow);
}

/** The person's own signatures on the pledge not withdrawn, oldest first. One statement. */
export async function signaturesBy(queryable: Queryable, pledgeId: number, personId: number): Promise<SignatureView[]> {
  const rows = await runCompiled(queryable, signatureQuery().where("s.pledge_id", "=", pledgeId).where("s.person_id", "=", personId).where("s.withdrawn_at", "is", null).orderBy("s.signed_at").orderBy("s.id"));
  return rows.map(signatureFromRow);
}

/**
 * The pledge's row version, as text: PostgreSQL's `xmin`, the transaction that wrote the row as
 * it now stands (the optimistic lock PostgreSQL offers every row). Every signature made,
 * changed or withdrawn also writes the pledge's row (see `lockPledge`, pledge-changes.ts), so
 * while it is unchanged so are its signatures and count. Anything else that writes the row (its
 * card's place, saved once) changes it too: a change planned from an earlier read is then only
 * decided again in a transaction.
 */
export const pledgeVersion = sql<string>`pledge.xmin::text`;

/**
 * The pledge `pledgeId` of the partnership as a change to it reads it ahead (`PledgeAsRead`,
 * see `pledgeAsReadFrom`): one row `{ pledge }` holding it as JSON, with its version, its count
 * of signatures not withdrawn and `signerId`'s own signatures; no row when there is no such
 * pledge. For a statement that reads more beside it (invocation-reads.ts).
 */
export function pledgeAsReadQuery(partnershipId: number, pledgeId: number, signerId: RawBuilder<number>) {
  const read = db
    .selectFrom("pledge")
    .select((eb) => [
      ...pledgeColumns(eb),
      pledgeVersion.as("version"),
      signedCount(sql<number>`pledge.id`).as("count"),
      sql<SignatureRow[]>`(SELECT coalesce(json_agg(mine ORDER BY mine.id), '[]') FROM (${signatureQuery().where(sql<boolean>`s.pledge_id = pledge.id`).where("s.person_id", "=", signerId)}) AS mine)`.as("mine"),
    ])
    .where("pledge.partnership_id", "=", partnershipId)
    .where("pledge.id", "=", pledgeId);
  return db.selectFrom(read.as("read")).select(sql<PledgeAsReadRow>`row_to_json(read)`.as("pledge"));
}

/** The JSON `pledgeAsReadQuery` gives (instants as ISO text, the count as a number or text). */
export type PledgeAsReadRow = PledgeRow & { version: string; count: number | string; mine: SignatureRow[] };

/** `pledgeAsReadQuery`'s JSON as the command layer's `PledgeAsRead`. */
export const pledgeAsReadFrom = (row: PledgeAsReadRow): PledgeAsRead => ({
  pledge: pledgeFromRow(row),
  version: row.version,
  count: Number(row.count),
  mine: row.mine.map(signatureFromRow),
});

/**
 * The follow-up question of stage `stage` on signature `signatureId`, in the partnership, as an
 * answer to it reads it ahead (`FollowUpAsRead`, see `followUpAsReadFrom`): one row
 * `{ follow_up }` holding it as JSON; no row when there is no such question. For a statement
 * that reads more beside it (invocation-reads.ts).
 */
export function followUpAsReadQuery(partnershipId: number, signatureId: number, stage: number) {
  const read = db
    .selectFrom("pledge_follow_up as f")
    .innerJoin("pledge_signature as s", "s.id", "f.signature_id")
    .innerJoin("pledge as p", "p.id", "s.pledge_id")
    .select(["f.id", "f.signature_id", "f.stage", "f.answer", "f.asked_at", "s.person_id", "s.pledge_id"])
    .where("f.signature_id", "=", signatureId)
    .where("f.stage", "=", stage)
    .where("p.partnership_id", "=", partnershipId);
  return db.selectFrom(read.as("read")).select(sql<FollowUpAsReadRow>`row_to_json(read)`.as("follow_up"));
}

/** The JSON `followUpAsReadQuery` gives (instants as ISO text). */
export interface FollowUpAsReadRow {
  id: number;
  signature_id: number;
  stage: number;
  answer: string | null;
  asked_at: string | null;
  person_id: number;
  pledge_id: number;
}

/** `followUpAsReadQuery`'s JSON as the command layer's `FollowUpAsRead`. */
export const followUpAsReadFrom = (row: FollowUpAsReadRow): FollowUpAsRead => ({
  id: row.id,
  signatureId: row.signature_id,
  stage: row.stage,
  pledgeId: row.pledge_id,
  personId: row.person_id,
  askedAt: instant(row.asked_at),
  answer: row.answer as FollowUpAnswer | null,
});

/** How the follow-ups asked on a pledge were answered: a count per stage (30, 90 days) and answer (null: not yet answered, last). One statement. */
export async function followUpTally(queryable: Queryable, pledgeId: number): Promise<FollowUpTally[]> {
  const rows = await runCompiled(
    queryable,
    db
      .selectFrom("pledge_follow_up as f")
      .innerJoin("pledge_signature as s", "s.id", "f.signature_id")
      .select((eb) => ["f.stage", "f.answer", eb.fn.countAll().as("count")])
      .where("s.pledge_id", "=", pledgeId)
      .where("f.asked_at", "is not", null)
      .groupBy(["f.stage", "f.answer"])
      .orderBy("f.stage")
      .orderBy("f.answer", (ob) => ob.nullsLast()),
  );
  return rows.map((r) => ({ stage: r.stage, answer: r.answer as FollowUpAnswer | null, count: Number(r.count) }));
}

/** Where the pledge's card was posted ("slack:C123:1700000000.0001"), or null (not posted, or not the partnership's pledge). One statement. */
export async function pledgeMessageRef(queryable: Queryable, partnershipId: number, pledgeId: number): Promise<string | null> {
  const [row] = await runCompiled(queryable, db.selectFrom("pledge").select("message_ref").where("id", "=", pledgeId).where("partnership_id", "=", partnershipId));
  return row?.message_ref ?? null;
}

/** Remembers where the pledge's card was first posted; false when it already has a place (another post got there first). One statement. */
export async function savePledgeMessageRef(queryable: Queryable, partnershipId: number, pledgeId: number, ref: string): Promise<boolean> {
  const rows = await runCompiled(
    queryable,
    db
      .updateTable("pledge")
      .set({ message_ref: ref })
      .where("id", "=", pledgeId)
      .where("partnership_id", "=", partnershipId)
      .where("message_ref", "is", null)
      .returning((eb) => eb.lit(1).as("saved")),
  );
  return rows.length === 1;
}

export const pledgeSubject = (pledgeId: number): AuditSubject => ({ type: "pledge", id: pledgeId, ref: `P${pledgeId}`, actionId: null });

/** The pledge (`pledge`) has `title`, case and spacing aside: "Every  DAY counts" is "every day counts". */
export const titled = (title: string) =>
  sql<boolean>`lower(regexp_replace(btrim(pledge.title), '[[:space:]]+', ' ', 'g')) = lower(regexp_replace(btrim(${title}), '[[:space:]]+', ' ', 'g'))`;

/** The pledge (`pledge`) is still open for signing at `at`: it has no closing, or closes after it. */
export const openAt = (eb: ExpressionBuilder<DB, "pledge">, at: Date) => eb.or([eb("pledge.closes_at", "is", null), eb("pledge.closes_at", ">", at)]);

/**
 * The partnership's row version, as text: PostgreSQL's `xmin` (see `pledgeVersion`). Every
 * pledge made writes the partnership's row (`partnershipWritten`), so while it is unchanged no
 * pledge was made; anything else that writes the row (its region, its privacy policy, the risk
 * register's lock) changes it too, and a pledge planned from an earlier read is then only
 * decided again in a transaction.
 */
export const partnershipVersion = sql<string>`partnership.xmin::text`;

/**
 * The partnership's row written as it is (its name set to itself, no key column touched): the
 * lock a new pledge takes, until its transaction (or statement) ends, which also gives the row a
 * new version (`partnershipVersion`). Unexecuted: add any guard, and `returning`.
 */
export const partnershipWritten = (partnershipId: number) =>
  db
    .updateTable("partnership")
    .set((eb) => ({ name: eb.ref("partnership.name") }))
    .where("partnership.id", "=", partnershipId);

/**
 * What /pledge new reads ahead with the person asking (`NewPledgeAsRead`, see
 * `newPledgeAsReadFrom`): one row `{ new_pledge }` holding as JSON the partnership's row
 * version, its pledges titled `title` (case and spacing aside) oldest first, and `next_id`, an id
 * drawn from the pledges' sequence for the pledge to be made, only when `mayDraw` holds (the
 * person is found and the key holds no reply) and no pledge of that title is open at the
 * database's clock; no row when there is no such partnership. A drawn id is the new pledge's if
 * the change goes as read, and is never given out again (a sequence's value never is) otherwise.
 * For a statement that reads more beside it (invocation-reads.ts).
 */
export function newPledgeAsReadQuery(partnershipId: number, title: string, mayDraw: RawBuilder<boolean>) {
  const same = db.selectFrom("pledge").select(pledgeColumns).where("pledge.partnership_id", "=", partnershipId).where(titled(title));
  const openNow = same.clearSelect().select("pledge.id").where((eb) => eb.or([eb("pledge.closes_at", "is", null), eb("pledge.closes_at", ">", sql<Date>`now()`)]));
  const read = db
    .selectFrom("partnership")
    .select([
      partnershipVersion.as("version"),
      sql<PledgeRow[]>`(SELECT coalesce(json_agg(same ORDER BY same.id), '[]') FROM (${same}) AS same)`.as("same"),
      // Drawn only when a pledge may be made: a sequence's value is spent whether or not it is used.
      sql<number | string | null>`CASE WHEN ${mayDraw} AND NOT EXISTS (${openNow}) THEN nextval(pg_get_serial_sequence('pledge', 'id')) END`.as("next_id"),
    ])
    .where("partnership.id", "=", partnershipId);
  return db.selectFrom(read.as("read")).select(sql<NewPledgeAsReadRow>`row_to_json(read)`.as("new_pledge"));
}

/** The JSON `newPledgeAsReadQuery` gives (instants as ISO text, the id as a number or text). */
export interface NewPledgeAsReadRow {
  version: string;
  same: PledgeRow[];
  next_id: number | string | null;
}

/** `newPledgeAsReadQuery`'s JSON, read for `title`, as the command layer's `NewPledgeAsRead`. */
export const newPledgeAsReadFrom = (title: string, row: NewPledgeAsReadRow): NewPledgeAsRead => ({
  title,
  same: row.same.map(pledgeFromRow),
  version: row.version,
  nextId: row.next_id === null ? null : Number(row.next_id),
});

/**
 * A new pledge of the partnership, by the actor, with its audit event ("pledge.created"); or,
 * when a pledge of the partnership with the same title (case and spacing aside) is still open
 * for signing at ctx.at, that one, unchanged. The partnership's row is written first
 * (`partnershipWritten`), so two of the same command at once make one pledge, and a pledge
 * planned from an earlier read (pledge-changes.ts) finds the partnership moved on. Three or
 * four statements. Errors are the database's.
 */
export async function createPledge(tx: Queryable, ctx: ChangeContext, pledge: NewPledgeRow): Promise<{ created: boolean; pledge: PledgeView }> {
  await runCompiled(tx, partnershipWritten(ctx.partnershipId));
  const [same] = await runCompiled(
    tx,
    db
      .selectFrom("pledge")
      .select(pledgeColumns)
      .where("pledge.partnership_id", "=", ctx.partnershipId)
      .where(titled(pledge.title))
      .where((eb) => openAt(eb, ctx.at))
      .orderBy("pledge.id")
      .limit(1),
  );
  if (same) return { created: false, pledge: pledgeFromRow(same) };
  const [row] = await runCompiled(
    tx,
    db
      .insertInto("pledge")
      .values({
        partnership_id: ctx.partnershipId,
        kind: pledge.kind,
        title: pledge.title,
        text: pledge.text,
        opens_at: pledge.opensAt,
        closes_at: pledge.closesAt,
        channel: pledge.channel,
        created_by_id: ctx.actor.id,
        created_at: ctx.at,
      })
      .returning(pledgeColumns),
  );
  const created = pledgeFromRow(row!);
  await writeAudit(tx, changeInContext(ctx, "pledge.created", pledgeSubject(created.id), null, pledge));
  return { created: true, pledge: created };
}

/**
 * Locks the pledge's row until the transaction ends, so its signatures' count is then exact, by
 * writing it as it is: a signature's change gives the pledge a new version (`pledgeVersion`),
 * which a change planned from an earlier read of it then does not find.
 */
const lockPledge = (pledgeId: number) => db.updateTable("pledge").set((eb) => ({ kind: eb.ref("kind") })).where("id", "=", pledgeId).returning("id");

/** The pledge's signatures not withdrawn, as `n` (a bigint: the driver may give text). */
export const signedCount = (pledgeId: number | RawBuilder<number>) =>
  db
    .selectFrom("pledge_signature")
    .select((eb) => eb.fn.countAll().as("n"))
    .where(sql<boolean>`pledge_signature.pledge_id = ${pledgeId}`)
    .where("withdrawn_at", "is", null);

/**
 * The actor signs the pledge (for themselves, or on behalf of a school, agency or business):
 * "signed" the first time; "signed_again" after a withdrawal (its follow-ups start afresh);
 * "updated" when the commitment or being public changed; "unchanged" otherwise (no write, no
 * audit event). The pledge's row is locked first, so `count` (signatures not withdrawn) is
 * exact. Audit events: "pledge.signed", "pledge.signature_changed". Errors are the database's.
 */
export async function sign(tx: Queryable, ctx: ChangeContext, pledge: PledgeView, signing: Signing): Promise<{ outcome: SignOutcome; signature: SignatureView; count: number }> {
  const { actor, at } = ctx;
  await runCompiled(tx, lockPledge(pledge.id));
  const [row] = await runCompiled(
    tx,
    signatureQuery().where("s.pledge_id", "=", pledge.id).where("s.person_id", "=", actor.id).where("s.on_behalf_of", "=", signing.onBehalfOf).forUpdate("s"),
  );
  const existing = row ? signatureFromRow(row) : null;
  let outcome: SignOutcome;
  let id: number;
  if (!existing) {
    const [inserted] = await runCompiled(
      tx,
      db
        .insertInto("pledge_signature")
        .values({ pledge_id: pledge.id, person_id: actor.id, on_behalf_of: signing.onBehalfOf, commitment: signing.commitment, is_public: signing.isPublic ?? false, signed_at: at })
        .returning("id"),
    );
    [outcome, id] = ["signed", inserted!.id];
  } else {
    id = existing.id;
    const isPublic = signing.isPublic ?? existing.isPublic;
    if (existing.withdrawnAt) {
      // Signing again starts the 30- and 90-day follow-through afresh.
      await runCompiled(tx, db.deleteFrom("pledge_follow_up").where("signature_id", "=", id));
      await runCompiled(tx, db.updateTable("pledge_signature").set({ withdrawn_at: null, commitment: signing.commitment, is_public: isPublic, signed_at: at }).where("id", "=", id));
      outcome = "signed_again";
    } else if (existing.commitment === signing.commitment && existing.isPublic === isPublic) {
      outcome = "unchanged";
    } else {
      await runCompiled(tx, db.updateTable("pledge_signature").set({ commitment: signing.commitment, is_public: isPublic }).where("id", "=", id));
      outcome = "updated";
    }
  }
  const [count] = await runCompiled(tx, signedCount(pledge.id));
  const [fresh] = await runCompiled(tx, signatureQuery().where("s.id", "=", id));
  const signature = signatureFromRow(fresh!);
  if (outcome !== "unchanged") {
    await writeAudit(
      tx,
      changeInContext(
        ctx,
        outcome === "updated" ? "pledge.signature_changed" : "pledge.signed",
        pledgeSubject(pledge.id),
        existing ? { commitment: existing.commitment, isPublic: existing.isPublic, withdrawnAt: existing.withdrawnAt } : null,
        { signatureId: id, onBehalfOf: signature.onBehalfOf, commitment: signature.commitment, isPublic: signature.isPublic },
      ),
    );
  }
  return { outcome, signature, count: Number(count!.n) };
}

/**
 * Withdraws the actor's signature on the pledge given for `onBehalfOf` ("" for their own name)
 * and cancels its follow-up questions still waiting in the outbox, with an audit event
 * ("pledge.withdrawn") when there was one. The pledge's row is locked first. Returns how many
 * were withdrawn (0 or 1), and the count of signatures left. Errors are the database's.
 */
export async function withdraw(tx: Queryable, ctx: ChangeContext, pledge: PledgeView, onBehalfOf: string): Promise<{ withdrawn: number; count: number }> {
  await runCompiled(tx, lockPledge(pledge.id));
  const rows = await runCompiled(
    tx,
    db
      .updateTable("pledge_signature")
      .set({ withdrawn_at: ctx.at })
      .where("pledge_id", "=", pledge.id)
      .where("person_id", "=", ctx.actor.id)
      .where("on_behalf_of", "=", onBehalfOf)
      .where("withdrawn_at", "is", null)
      .returning(["id", "on_behalf_of"]),
  );
  for (const row of rows) {
    // Nobody is asked how a withdrawn pledge is going.
    await runCompiled(
      tx,
      db.updateTable("delivery").set({ status: "cancelled", last_error: "pledge withdrawn" }).where("key", "like", `pledge-followup:${row.id}:%`).where("status", "=", "pending"),
    );
  }
  const [count] = await runCompiled(tx, signedCount(pledge.id));
  if (rows.length) {
    await writeAudit(tx, changeInContext(ctx, "pledge.withdrawn", pledgeSubject(pledge.id), { signatures: rows.map((r) => r.id) }, { withdrawnAt: ctx.at.toISOString() }));
  }
  return { withdrawn: rows.length, count: Number(count!.n) };
}

/**
 * The actor answers the follow-up question of stage `stage` (30 or 90 days) on their signature
 * `signatureId`: "not_asked" when that question was never asked (or is not the partnership's),
 * "not_yours" when the signature is someone else's, "unchanged" when it already has this answer,
 * else "answered" (with the audit event "pledge.followup"). The follow-up's row is locked first.
 */
export async function answerFollowUp(tx: Queryable, ctx: ChangeContext, signatureId: number, stage: number, answer: FollowUpAnswer): Promise<"answered" | "unchanged" | "not_asked" | "not_yours"> {
  const [row] = await runCompiled(
    tx,
    db
      .selectFrom("pledge_follow_up as f")
      .innerJoin("pledge_signature as s", "s.id", "f.signature_id")
      .innerJoin("pledge as p", "p.id", "s.pledge_id")
      .select(["f.id", "f.answer", "f.asked_at", "s.person_id", "s.pledge_id"])
      .where("f.signature_id", "=", signatureId)
      .where("f.stage", "=", stage)
      .where("p.partnership_id", "=", ctx.partnershipId)
      .forUpdate("f"),
  );
  if (!row || row.asked_at === null) return "not_asked";
  if (row.person_id !== ctx.actor.id) return "not_yours";
  if (row.answer === answer) return "unchanged";
  await runCompiled(tx, db.updateTable("pledge_follow_up").set({ answer, answered_at: ctx.at }).where("id", "=", row.id));
  await writeAudit(tx, changeInContext(ctx, "pledge.followup", pledgeSubject(row.pledge_id), { answer: row.answer }, { stage, answer }));
  return "answered";
}
