import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql, type Compilable, type DeleteResult, type Expression, type InsertResult, type RawBuilder, type UpdateResult } from "kysely";
import kyselyExtension from "prisma-extension-kysely";
import type { DB } from "../../../generated/kysely/types.ts";
import type { PrismaClient } from "../../../generated/prisma/client.ts";
import type { Queryable } from "./sql-runner.ts";

/**
 * Curve's one typed way to the data: a Kysely query builder whose table and column types
 * are generated from prisma/schema.prisma (prisma-kysely, into generated/kysely on install).
 * Queries run through Prisma Client, which keeps the connections and transactions:
 *
 *   const rows = await db.kysely.selectFrom("milestone").select(["id", "ref"]).where("id", "=", id).execute();
 *   await db.transaction(async (tx) => { await tx.updateTable("milestone").set({ ... }).where("id", "=", id).execute(); });
 *
 * Column names are the database's (snake_case); a renamed column fails the type check.
 * Each `execute()` is one statement and one round trip to the database. Kysely's own
 * `transaction()` is not supported here: use `Database.transaction`.
 */
export type KyselyDb = Kysely<DB>;
export type { DB } from "../../../generated/kysely/types.ts";

/** Prisma Client extended with `$kysely`; `$transaction(tx => …)` gives `tx.$kysely` bound to the transaction. */
export function withKysely(prisma: PrismaClient) {
  return prisma.$extends(
    kyselyExtension({
      kysely: (driver) =>
        new Kysely<DB>({
          dialect: {
            createDriver: () => driver,
            createAdapter: () => new PostgresAdapter(),
            createIntrospector: (db) => new PostgresIntrospector(db),
            createQueryCompiler: () => new PostgresQueryCompiler(),
          },
        }),
    }),
  );
}

/**
 * A Kysely that only compiles (it has no connection): for running a typed query through a
 * handle that takes SQL text and parameters, such as a raw driver transaction.
 *
 *   const q = compileOnly.insertInto("snooze").values(row).compile();
 *   await tx.query(q.sql, [...q.parameters]);
 */
export const compileOnly: KyselyDb = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** The rows a statement returns: its RETURNING (or SELECT) row type; none without RETURNING. */
export type ReturnedRow<O> = O extends InsertResult | UpdateResult | DeleteResult ? never : O;

/**
 * Runs one typed query (built on `compileOnly`) through a raw driver transaction, as one
 * statement and one round trip, and returns its rows typed as the query's output:
 *
 *   const [row] = await runCompiled(tx, compileOnly.selectFrom("action").select("state").where("id", "=", id).forUpdate());
 *
 * Rows are as the driver gives them (an enum array as text: read it with `enumArray`).
 * Errors are the database's.
 */
export function runCompiled<O>(tx: Queryable, query: Compilable<O>): Promise<ReturnedRow<O>[]> {
  const compiled = query.compile();
  return tx.query<ReturnedRow<O>>(compiled.sql, [...compiled.parameters]);
}

/**
 * A list of values as ONE PostgreSQL array parameter (`= any(…)`, `@>`, `unnest`), typed as
 * `type[]`. Prisma's raw-query path passes a JavaScript array as a PostgreSQL array on `pg`
 * but not on PGlite, so arrays travel as an array literal, the same on both.
 *
 *   .where("m.id", "=", sql<number>`any(${arrayOf([1, 2], "int4")})`)
 */
export function arrayOf<T extends string | number>(values: readonly T[], type: "int4" | "text" | PgEnumName): RawBuilder<T[]> {
  const literal = `{${values.map((v) => `"${String(v).replace(/[\\"]/g, "\\$&")}"`).join(",")}}`;
  return sql<T[]>`cast(${literal} as ${sql.raw(`${type}[]`)})`;
}

/**
 * Rows as ONE jsonb parameter, read back as a table aliased `r` with the given column types
 * (`jsonb_to_recordset`): how a writer sends thousands of rows in one statement without a
 * parameter per value or an escaped array literal per column. `columns` maps each field
 * to its PostgreSQL type, in the order of the table's definition; the types are Curve's
 * own constants, never user input. Dates travel as ISO text.
 *
 *   compileOnly.insertInto("escalation").columns(["milestone_id", "level"])
 *     .expression(compileOnly.selectFrom(recordset(rows, { milestone_id: "int", level: "text" })).select(["r.milestone_id", "r.level"]))
 */
export function recordset<R extends Record<string, unknown>>(rows: readonly R[], columns: { [K in keyof R]: string }) {
  const definition = Object.entries(columns)
    .map(([name, type]) => `${name} ${type}`)
    .join(", ");
  return sql<R>`jsonb_to_recordset(cast(${JSON.stringify(rows)} as jsonb))`.as<"r">(sql`r(${sql.raw(definition)})`);
}

/** The enum types in schema.prisma, by their database names. */
export type PgEnumName =
  | "plan_kind" | "priority_kind" | "priority_role_kind" | "action_state" | "milestone_kind" | "due_precision"
  | "person_role" | "platform" | "team_kind" | "polarity" | "pledge_kind" | "delivery_status";

/**
 * An enum-array column read as a JavaScript array. Drivers return arrays of a custom enum
 * type as text ("{coordinator,admin}"); as `text[]` they arrive parsed on both databases.
 */
export function enumArray<T extends string>(column: Expression<T[] | null> | string): RawBuilder<T[]> {
  const ref = typeof column === "string" ? sql.ref(column) : column;
  return sql<T[]>`coalesce(${ref}::text[], '{}')`;
}
