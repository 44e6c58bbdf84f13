import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/adapters/db/migrator.ts";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";
import { PREPARED_PER_CONNECTION } from "../../src/adapters/db/prepared-statements.ts";
import { openTestDatabase, type TestDatabase } from "../support/databases.ts";

// Over `pg` (PostgreSQL, and curve serve's PGlite worker), a statement with parameters is
// prepared once per connection and then only bound and run; on PGlite in this thread (the shell,
// the command line), once per session and then only executed. PostgreSQL's
// pg_prepared_statements is the record of what the connection holds.
// Each check runs in one transaction: the statements and the look at pg_prepared_statements
// then share one connection of the pool.
const PREPARED = "SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'curve\\_%'";

function preparedStatementsOn(name: string, open: () => Promise<{ db: Database; close(): Promise<void> }>, options = { prisma: true, scripts: true }) {
  describe(`prepared statements on ${name}`, () => {
    let db: Database;
    let close: () => Promise<void>;
    beforeAll(async () => ({ db, close } = await open()));
    afterAll(async () => close?.());

    it("prepares a statement with parameters once, and answers each run with its own values", async () => {
      const text = "SELECT $1::int * 2 AS doubled /* prepared-once */";
      const held = await db.sql.transaction(async (tx) => {
        for (const n of [1, 2, 3]) expect(await tx.query<{ doubled: number }>(text, [n])).toEqual([{ doubled: n * 2 }]);
        // Over `pg`, the statement's text; made with SQL's PREPARE, the command that made it.
        return (await tx.query<{ statement: string }>(PREPARED)).filter((p) => p.statement.includes(text));
      });
      expect(held).toHaveLength(1);
    });

    it.runIf(options.prisma)("prepares Prisma's and the typed queries' statements too, one each", async () => {
      await db.prisma.partnership.create({ data: { slug: "prepared", name: "Prepared" } });
      const statements = await db.prisma.$transaction(async (tx) => {
        for (let i = 0; i < 3; i++) expect(await tx.partnership.findFirst({ where: { slug: "prepared" }, select: { name: true } })).toEqual({ name: "Prepared" });
        return tx.$queryRawUnsafe<{ statement: string }[]>(PREPARED);
      });
      const held = statements.filter((p) => p.statement.includes('"slug" = $1'));
      expect(held).toHaveLength(1);
    });

    it.runIf(options.scripts)("leaves a script without parameters unprepared, so it may hold several commands", async () => {
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
      expect(held.some((p) => p.statement.includes(text))).toBe(false);
    });

    it("keeps at most PREPARED_PER_CONNECTION statements on a connection, and still runs the rest", async () => {
      const held = await db.sql.transaction(async (tx) => {
        // Each twice: PGlite in this thread prepares a statement the second time it runs.
        for (let i = 0; i < PREPARED_PER_CONNECTION + 20; i++) {
          for (const n of [1, 2]) expect(await tx.query<{ n: number }>(`SELECT $1::int + ${i} AS n`, [n])).toEqual([{ n: n + i }]);
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

describe("on PGlite in this thread", () => {
  preparedStatementsOn(
    "PGlite in this thread",
    async () => {
      const db = await openDatabase({ dataDir: "memory://" });
      await migrate(db.sql);
      return { db, close: () => db.close() };
    },
    // Prisma reaches this PGlite through its own adapter, which prepares nothing; and a statement
    // sent as one with parameters holds one command, with parameters or not, as PGlite's own query does.
    { prisma: false, scripts: false },
  );
});

describe("values and failures through PGlite's prepared statements", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({ dataDir: "memory://" });
  });
  afterAll(async () => db.close());

  it("gives back every value as it was sent: quotes, backslashes, line breaks, other scripts, nulls, dates, JSON and numbers", async () => {
    await db.sql.query("CREATE TABLE kept (id int PRIMARY KEY, label text, at timestamptz, doc jsonb, flag boolean, amount numeric)");
    const values = [
      [1, "it's O'Brien's \\ \\' \\n '' ;) DROP TABLE kept; --", new Date("2026-03-31T23:59:59.999Z"), { a: ["it's", "\\"], b: null }, true, 12.5],
      [2, "line one\nline two\ttab ‘curly’ “quotes” ₤ 漢字 🙂", new Date("2011-10-31T00:00:00.000Z"), [1, "two"], false, -3],
      [3, null, null, null, null, null],
      [4, "", new Date(0), "a JSON string", true, 0],
    ] as const;
    const insert = "INSERT INTO kept (id, label, at, doc, flag, amount) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    // A plain row first: the statement is prepared on its second run, so every value below travels as a literal.
    expect(await db.sql.query(insert, [100, "plain", new Date(), "{}", true, 1])).toEqual([{ id: 100 }]);
    for (const [id, label, at, doc, flag, amount] of values) {
      // A JSON value travels as its text, as the callers send jsonb.
      expect(await db.sql.query(insert, [id, label, at, doc === null ? null : JSON.stringify(doc), flag, amount])).toEqual([{ id }]);
    }
    const read = await db.sql.query<{ id: number; label: string | null; at: Date | null; doc: unknown; flag: boolean | null; amount: string | null }>(
      "SELECT id, label, at, doc, flag, amount::text AS amount FROM kept WHERE id BETWEEN $1 AND $2 ORDER BY id",
      [1, 4],
    );
    expect(read).toEqual(values.map(([id, label, at, doc, flag, amount]) => ({ id, label, at, doc, flag, amount: amount === null ? null : String(amount) })));
    // The table is still there: nothing in a value ran as SQL.
    expect(await db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM kept WHERE id > $1", [0])).toEqual([{ n: 5 }]);
  });

  it("runs a statement whose first run failed in a rolled-back transaction again, under a name of its own, and leaves nothing of the failure", async () => {
    await db.sql.query("CREATE TABLE once (id int PRIMARY KEY)");
    await db.sql.query("INSERT INTO once VALUES (1)");
    const insert = "INSERT INTO once (id) VALUES ($1) RETURNING id /* first run fails */";
    // Run once already, so the failing run is the one that prepares it.
    expect(await db.sql.query(insert, [5])).toEqual([{ id: 5 }]);
    await expect(db.sql.transaction(async (tx) => tx.query(insert, [1]))).rejects.toMatchObject({ code: "23505" });
    expect(await db.sql.transaction(async (tx) => tx.query(insert, [2]))).toEqual([{ id: 2 }]);
    expect(await db.sql.query(insert, [3])).toEqual([{ id: 3 }]);
    expect(await db.sql.query<{ id: number }>("SELECT id FROM once ORDER BY id")).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 5 }]);
    const held = (await db.sql.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements")).filter((p) => p.statement.includes(` AS ${insert}`));
    // The failed run's name, prepared before its insert failed, and the name it runs under now.
    expect(held).toHaveLength(2);
  });

  it("costs one call into PGlite per statement: run, prepared and then only executed", async () => {
    const before = db.roundTrips.count;
    for (const n of [41, 1, 2]) expect(await db.sql.query<{ n: number }>("SELECT $1::int + 1 AS n /* counted */", [n])).toEqual([{ n: n + 1 }]);
    expect(db.roundTrips.count - before).toBe(3);
    expect((await db.sql.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements")).filter((p) => p.statement.includes("/* counted */"))).toHaveLength(1);
  });
});

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

describe("what PGlite keeps of a statement's first values", () => {
  it("keeps short first values with the statement, and long ones (a sweep's rows) not at all", async () => {
    const db = await openDatabase({ dataDir: "memory://" });
    try {
      const text = "SELECT length($1::text) AS n /* first values */";
      const long = "x".repeat(10_000);
      // The second run of each is the one that prepares it, with its values.
      for (const value of ["first", long]) expect(await db.sql.query<{ n: number }>(text, [value])).toEqual([{ n: value.length }]);
      for (const value of ["first", "abc"]) expect(await db.sql.query<{ n: number }>(`${text} -- short`, [value])).toEqual([{ n: value.length }]);
      const kept = (await db.sql.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements")).map((p) => p.statement);
      const ofLong = kept.filter((k) => k.includes(` AS ${text}`) && !k.includes("-- short"));
      expect(ofLong).toHaveLength(1);
      expect(ofLong[0]!.length).toBeLessThan(200);
      expect(kept.some((k) => k.includes("-- short") && k.includes("'abc'"))).toBe(true);
    } finally {
      await db.close();
    }
  });
});
