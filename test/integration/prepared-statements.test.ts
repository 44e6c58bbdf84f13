import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/adapters/db/migrator.ts";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";
import { PREPARED_PER_CONNECTION } from "../../src/adapters/db/prepared-statements.ts";
import { openTestDatabase, type TestDatabase } from "../support/databases.ts";

// Over `pg` (PostgreSQL, and curve serve's PGlite worker), a statement with parameters is
// prepared once per connection and then only bound and run: PostgreSQL's pg_prepared_statements
// is the record of what the connection holds.
// Each check runs in one transaction: the statements and the look at pg_prepared_statements
// then share one connection of the pool.
const PREPARED = "SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'curve\\_%'";

function preparedStatementsOn(name: string, open: () => Promise<{ db: Database; close(): Promise<void> }>) {
  describe(`prepared statements on ${name}`, () => {
    let db: Database;
    let close: () => Promise<void>;
    beforeAll(async () => ({ db, close } = await open()));
    afterAll(async () => close?.());

    it("prepares a statement with parameters once, and answers each run with its own values", async () => {
      const text = "SELECT $1::int * 2 AS doubled /* prepared-once */";
      const held = await db.sql.transaction(async (tx) => {
        for (const n of [1, 2, 3]) expect(await tx.query<{ doubled: number }>(text, [n])).toEqual([{ doubled: n * 2 }]);
        return (await tx.query<{ statement: string }>(PREPARED)).filter((p) => p.statement === text);
      });
      expect(held).toHaveLength(1);
    });

    it("prepares Prisma's and the typed queries' statements too, one each", async () => {
      await db.prisma.partnership.create({ data: { slug: "prepared", name: "Prepared" } });
      const statements = await db.prisma.$transaction(async (tx) => {
        for (let i = 0; i < 3; i++) expect(await tx.partnership.findFirst({ where: { slug: "prepared" }, select: { name: true } })).toEqual({ name: "Prepared" });
        return tx.$queryRawUnsafe<{ statement: string }[]>(PREPARED);
      });
      const held = statements.filter((p) => p.statement.includes('"slug" = $1'));
      expect(held).toHaveLength(1);
    });

    it("leaves a script without parameters unprepared, so it may hold several commands", async () => {
      await db.sql.query("CREATE TABLE scratch (n int); INSERT INTO scratch VALUES (7)");
      expect(await db.sql.query<{ n: number }>("SELECT n FROM scratch")).toEqual([{ n: 7 }]);
      const held = await db.sql.transaction((tx) => tx.query<{ statement: string }>(PREPARED));
      expect(held.some((p) => p.statement.includes("scratch"))).toBe(false);
    });

    it("plans a statement over a list each time, so its plan fits the list's length", async () => {
      const text = "SELECT count(*)::int AS n FROM generate_series(1, 10) AS g WHERE g = ANY($1::int[])";
      const held = await db.sql.transaction(async (tx) => {
        expect(await tx.query<{ n: number }>(text, [[1, 2, 3]])).toEqual([{ n: 3 }]);
        expect(await tx.query<{ n: number }>(text, [[4]])).toEqual([{ n: 1 }]);
        return tx.query<{ statement: string }>(PREPARED);
      });
      expect(held.some((p) => p.statement === text)).toBe(false);
    });

    it("keeps at most PREPARED_PER_CONNECTION statements on a connection, and still runs the rest", async () => {
      const held = await db.sql.transaction(async (tx) => {
        for (let i = 0; i < PREPARED_PER_CONNECTION + 20; i++) {
          expect(await tx.query<{ n: number }>(`SELECT $1::int + ${i} AS n`, [1])).toEqual([{ n: 1 + i }]);
        }
        return tx.query<{ statement: string }>(PREPARED);
      });
      expect(held).toHaveLength(PREPARED_PER_CONNECTION);
    });

    it("re-plans a prepared statement after the table it reads changes", async () => {
      await db.sql.query("CREATE TABLE replanned (id int PRIMARY KEY, label text)");
      await db.sql.query("INSERT INTO replanned VALUES (1, 'one')");
      const read = () => db.sql.query<{ label: string }>("SELECT label FROM replanned WHERE id = $1", [1]);
      expect(await read()).toEqual([{ label: "one" }]);
      await db.sql.query("ALTER TABLE replanned ADD COLUMN extra int");
      await db.sql.query("CREATE INDEX replanned_label ON replanned (label)");
      expect(await read()).toEqual([{ label: "one" }]);
    });
  });
}

describe("over curve serve's PGlite worker", () => {
  preparedStatementsOn("PGlite served by its worker", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "curve-prepared-"));
    const db = await openDatabase({ dataDir, pglite: "worker", holder: "the prepared-statements test" });
    await migrate(db.sql);
    return { db, close: async () => { await db.close(); rmSync(dataDir, { recursive: true, force: true }); } };
  });
});

describe.runIf(process.env.DATABASE_URL)("over PostgreSQL", () => {
  let test: TestDatabase;
  preparedStatementsOn("PostgreSQL", async () => {
    test = await openTestDatabase("postgresql");
    return { db: test.db, close: () => test.close() };
  });
});
