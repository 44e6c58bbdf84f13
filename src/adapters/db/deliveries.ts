import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from "kysely";
import type { DeliveryStatus } from "../../../generated/kysely/enums.ts";
import type { DB, KyselyDb } from "./kysely.ts";
import type { Queryable } from "./sql-runner.ts";

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

/** A row for the outbox. `payload` is stored as JSON; `status` defaults to pending. */
export interface NewDelivery {
  partnershipId: number;
  personId: number;
  /** Deterministic and unique, e.g. `nudge:person:7:2011-09-26T08:00:00.000Z`: a second insert adds nothing. */
  key: string;
  kind: string;
  payload: unknown;
  dueAt: Date;
  /** Recorded but not sent: "failed" (could not be worked out) or "cancelled" (nothing to say). */
  status?: "pending" | "failed" | "cancelled";
  /** Why a row was recorded as failed or cancelled, for /curve deliveries failed and the digest. */
  lastError?: string | null;
}

/** A row the insert added (not one whose key was already there). */
export interface InsertedDelivery {
  id: number;
  key: string;
  personId: number;
  status: DeliveryStatus;
}

// Compiles only: the caller's own handle (a transaction, Prisma's raw path) runs the statement.
const compiler = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

// 8 parameters a row, under PostgreSQL's 65,535 per statement.
const ROWS_PER_STATEMENT = 4000;

/**
 * The one writer of the outbox: inserts delivery rows through `db` (pass the caller's
 * transaction to keep a row with the change it belongs to), skipping any whose key is
 * already there (`ON CONFLICT (key) DO NOTHING`), so a job run twice never sends twice.
 * One statement per 4,000 rows. Returns the rows it added, in no particular order.
 */
export async function insertDeliveries(db: Queryable, rows: readonly NewDelivery[]): Promise<InsertedDelivery[]> {
  const inserted: InsertedDelivery[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const query = compiler
      .insertInto("delivery")
      .values(
        chunk.map((r) => ({
          partnership_id: r.partnershipId,
          person_id: r.personId,
          key: r.key,
          kind: r.kind,
          // Casts keep the statement the same on every driver: Prisma's raw path types its parameters.
          payload: sql<unknown>`cast(${JSON.stringify(r.payload ?? {})} as jsonb)`,
          status: sql<DeliveryStatus>`cast(${r.status ?? "pending"} as delivery_status)`,
          due_at: sql<Date>`cast(${r.dueAt.toISOString()} as timestamptz)`,
          last_error: r.lastError ?? null,
        })),
      )
      .onConflict((oc) => oc.column("key").doNothing())
      .returning(["id", "key", "person_id", sql<DeliveryStatus>`status::text`.as("status")])
      .compile();
    const added = await db.query<{ id: number; key: string; person_id: number; status: DeliveryStatus }>(query.sql, [...query.parameters]);
    inserted.push(...added.map((r) => ({ id: Number(r.id), key: r.key, personId: Number(r.person_id), status: r.status })));
  }
  return inserted;
}
