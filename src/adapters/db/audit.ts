// The one audit writer: every audit_event row in Curve is built and inserted here, in the
// transaction of the change it records (DESIGN: "Everything that changes is recorded").
import { sql, type Compilable, type ExpressionBuilder, type Insertable, type InsertResult, type QueryCreator, type RawBuilder, type UpdateQueryBuilder } from "kysely";
import type { Prisma } from "../../../generated/prisma/client.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { PlatformName } from "../../domain/model.ts";
import { compileOnly, runCompiled, type DB, type KyselyDb } from "./kysely.ts";
import type { Queryable } from "./sql-runner.ts";

/**
 * Where a change came from, as /action history and the exports show it: a conversation (the
 * platform, its tenant and channel), a CLI verb (`channel` names it, e.g. "curve plan refresh"),
 * or a workbook import (the file's name).
 */
export type AuditOrigin =
  | { platform: PlatformName; tenant: string; channel: string }
  | { platform: "cli"; channel: string }
  | { platform: "import"; file: string };

/** What changed: its table-like type ("milestone", "risk"), id, the ref people use, and its action, if any. */
export interface AuditSubject {
  type: string;
  id: number;
  ref?: string | null;
  /** The action the subject belongs to, so an action's history is one indexed query. */
  actionId?: number | null;
}

/** One change, as its audit event records it. */
export interface AuditChange {
  partnershipId: number;
  /** Who made it; null when no person did (a plan refresh, an import). */
  actorId: number | null;
  /** What happened, e.g. "milestone.done"; src/domain/audit-sentence.ts reads each as a sentence. */
  event: string;
  subject: AuditSubject;
  /** Stored as JSON: null is JSON null; left out (undefined), the column holds no value. */
  before?: unknown;
  /** Stored as JSON, as `before` is. */
  after?: unknown;
  origin: AuditOrigin;
  /** The invocation's idempotency key, when a conversation made the change. */
  idempotencyKey?: string | null;
  at: Date;
}

/** An audit_event row ready to insert, its JSON columns as JSON text (the same on PGlite and PostgreSQL). */
export type AuditRow = Insertable<DB["audit_event"]> & { before: string | null; after: string | null; origin: string };

/** Something the writer can insert through, inside the caller's transaction. */
export type AuditTarget =
  /** Database.kysely, a Database.transaction's tx, or tx.$kysely under withKysely. */
  | KyselyDb
  /** A Prisma interactive transaction (or client): the compiled query goes through its raw path, as prisma-extension-kysely's does. */
  | Pick<Prisma.TransactionClient, "$executeRawUnsafe">
  /** A raw driver transaction (SqlRunner.transaction's tx). */
  | Queryable;

/** At most this many rows per statement, so an import's memory stays flat however many it changes. */
const ROWS_PER_STATEMENT = 250;

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

/** The origin's own fields only, so nothing else the caller's object carries reaches the log. */
function originJson(origin: AuditOrigin): string {
  if ("file" in origin) return JSON.stringify({ platform: origin.platform, file: origin.file });
  if ("tenant" in origin) return JSON.stringify({ platform: origin.platform, tenant: origin.tenant, channel: origin.channel });
  return JSON.stringify({ platform: origin.platform, channel: origin.channel });
}

/** The audit_event row for one change. Pure; a renamed column fails the type check here. */
export function auditRow(change: AuditChange): AuditRow {
  return {
    partnership_id: change.partnershipId,
    actor_id: change.actorId,
    event: change.event,
    subject_type: change.subject.type,
    subject_id: change.subject.id,
    subject_ref: change.subject.ref ?? null,
    action_id: change.subject.actionId ?? null,
    before: json(change.before),
    after: json(change.after),
    origin: originJson(change.origin),
    idempotency_key: change.idempotencyKey ?? null,
    at: change.at,
  };
}

/** A conversation's change: who made it, where from, its idempotency key and time come from the invocation's context. */
export function changeInContext(ctx: ChangeContext, event: string, subject: AuditSubject, before: unknown, after: unknown): AuditChange {
  return { partnershipId: ctx.partnershipId, actorId: ctx.actor.id, event, subject, before, after, origin: ctx.origin, idempotencyKey: ctx.idempotencyKey, at: ctx.at };
}

/**
 * Inserts the audit events for one or many changes through `target`, in whatever transaction
 * it belongs to: one statement (one round trip) per 250 events, none for an empty list.
 * Errors are the database's (e.g. a foreign key when the partnership or actor does not exist).
 */
export async function writeAudit(target: AuditTarget, changes: AuditChange | readonly AuditChange[]): Promise<void> {
  const list: readonly AuditChange[] = "event" in changes ? [changes] : changes;
  for (let i = 0; i < list.length; i += ROWS_PER_STATEMENT) {
    const insert = (db: KyselyDb) => db.insertInto("audit_event").values(list.slice(i, i + ROWS_PER_STATEMENT).map(auditRow));
    if ("insertInto" in target) {
      await insert(target).execute();
      continue;
    }
    if ("query" in target) {
      await runCompiled(target, insert(compileOnly));
      continue;
    }
    const query = insert(compileOnly).compile();
    await target.$executeRawUnsafe(query.sql, ...query.parameters);
  }
}

/** An update of any table (aliased or not) that returns the id of the row it changed. */
export type ChangedRow = UpdateQueryBuilder<DB, any, any, { id: number }>;

/**
 * A change and its audit event as ONE statement (one round trip):
 * `WITH changed AS (UPDATE … RETURNING …) INSERT INTO audit_event … SELECT … FROM changed`.
 * PostgreSQL applies both or neither, with no transaction of their own. The event is written
 * once for each row the change returns, so `changed` must return exactly the changed row (e.g.
 * `.returning("id")` on a row the caller has locked); a change that matched nothing records nothing.
 * Run it with `runCompiled` in the change's transaction. Errors are the database's.
 */
export function changedWithAudit(changed: ChangedRow, change: AuditChange): Compilable<InsertResult> {
  return auditEachChanged(compileOnly.with("changed", () => changed), change);
}

/** A query creator that has a CTE named `changed` returning the changed rows' ids. */
export type WithChanged = QueryCreator<DB & { changed: { id: number } }>;

/**
 * The audit event of one change, inserted once for each row the CTE `changed` returns (none
 * when it returns none): the builder under `changedWithAudit`, for a statement that does more
 * in the same WITH (the receipt of receipts.ts's `changedOnce`). With `subjectIsChanged`, the
 * event's subject id is the id `changed` returns (a new row's). Pure; runs as part of that statement.
 */
export function auditEachChanged(db: WithChanged, change: AuditChange, subjectIsChanged = false, idAs?: string) {
  const row = auditRow(change);
  const columns = Object.keys(row) as (keyof AuditRow & string)[];
  // With `idAs` (and `subjectIsChanged`), the new row's id is also in `after` under that name (a schedule added).
  const value = (eb: ExpressionBuilder<DB & { changed: { id: number } }, "changed">, column: keyof AuditRow & string) =>
    subjectIsChanged && column === "subject_id"
      ? sql.ref<number>("changed.id").as(column)
      : subjectIsChanged && idAs && column === "after"
        ? sql<unknown>`jsonb_build_object(${idAs}::text, changed.id) || cast(${row.after ?? "{}"} as jsonb)`.as(column)
        : eb.val(row[column]).as(column);
  return db
    .insertInto("audit_event")
    .columns(columns)
    // Parameters in an INSERT's SELECT list take the target columns' types, as in VALUES.
    // With `subjectIsChanged`, the subject is the changed row itself (a row inserted, by its new id).
    .expression((eb) => eb.selectFrom("changed").select((changed) => columns.map((column) => value(changed, column))));
}

/** A query creator whose CTE `alongside` returns the ids of the rows inserted with a change. */
export type WithAlongside = QueryCreator<DB & { changed: { id: number }; alongside: { id: number } }>;

/**
 * The audit event of one change, inserted once for each row the CTE `alongside` inserted with
 * it, with that row's id in the event's `after` under `idAs` (an action's note: { noteId, text }).
 * Pure; runs as part of the change's statement (receipts.ts, `changedWithReceipt`).
 */
export function auditEachAlongside(db: WithAlongside, change: AuditChange, idAs: string) {
  return auditOncePerRow(db as unknown as WithChanged, "alongside", change, (column, row) =>
    column === "after" ? sql<unknown>`jsonb_build_object(${idAs}::text, source.id) || cast(${row.after ?? "{}"} as jsonb)` : null,
  );
}

/**
 * The audit event of one change, inserted once for each row the CTE named `from` returns (none
 * when it returns none), its subject id that row's `id`, returning the event's id: for a row a
 * statement writes beside its change, whose event stands on that row (a team made in the same
 * statement, by the id its insert returned, team-changes.ts; a held request settled with the
 * change that decides it, receipts.ts). Pure; runs as part of that statement.
 */
export function auditEachRowOf(db: WithChanged, from: string, change: AuditChange) {
  return auditOncePerRow(db, from, change, (column) => (column === "subject_id" ? sql<unknown>`source.id` : null)).returning("id");
}

/**
 * The audit event of `change`, inserted once for each row of the CTE `from` (as `source`), each
 * column as the change gives it unless `fromRow` takes it from the row.
 */
function auditOncePerRow(db: WithChanged, from: string, change: AuditChange, fromRow: (column: keyof AuditRow & string, row: AuditRow) => RawBuilder<unknown> | null) {
  const row = auditRow(change);
  const columns = Object.keys(row) as (keyof AuditRow & string)[];
  return db
    .insertInto("audit_event")
    .columns(columns)
    .expression((eb) => eb.selectFrom(sql.table(from).as("source")).select(columns.map((column) => (fromRow(column, row) ?? (eb.val(row[column]) as unknown as RawBuilder<unknown>)).as(column))));
}
