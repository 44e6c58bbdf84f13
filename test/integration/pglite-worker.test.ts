import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataDirInUseError } from "../../src/adapters/db/data-dir-lock.ts";
import { migrate } from "../../src/adapters/db/migrator.ts";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";

// curve serve's embedded database: PGlite on a worker thread, served over the PostgreSQL
// protocol (pglite-wire.ts) and reached with pg on one connection. These check that what Curve
// relies on behaves over it: transactions, concurrent callers on the pool, repeated statements.
describe("PGlite on its own thread, reached over the PostgreSQL protocol", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "curve-worker-"));
  let db: Database;

  beforeAll(async () => {
    db = await openDatabase({ dataDir, pglite: "worker", holder: "the worker test" });
    await migrate(db.sql);
    await db.sql.query("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)");
    await db.sql.query("INSERT INTO counter VALUES (1, 0)");
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const count = async () => (await db.sql.query<{ n: number }>("SELECT n FROM counter WHERE id = 1"))[0]!.n;

  it("is PGlite, migrated through the same migrator as PostgreSQL", async () => {
    expect(db.kind).toBe("pglite");
    const [version] = await db.sql.query<{ version: string }>("SELECT version()");
    expect(version!.version).toMatch(/PostgreSQL/);
    expect(await db.prisma.partnership.count()).toBe(0);
  });

  it("serialises 25 concurrent read-modify-write transactions without losing one", async () => {
    const before = await count();
    await Promise.all(
      Array.from({ length: 25 }, () =>
        db.sql.transaction(async (tx) => {
          const [row] = await tx.query<{ n: number }>("SELECT n FROM counter WHERE id = 1 FOR UPDATE");
          await tx.query("UPDATE counter SET n = $1 WHERE id = 1", [row!.n + 1]);
        }),
      ),
    );
    expect(await count()).toBe(before + 25);
  });

  it("rolls a failed transaction back whole, and the connection is usable at once", async () => {
    const before = await count();
    await expect(
      db.sql.transaction(async (tx) => {
        await tx.query("UPDATE counter SET n = n + 100 WHERE id = 1");
        await tx.query("SELECT no_such_column FROM counter");
      }),
    ).rejects.toThrow(/no_such_column/);
    await expect(
      db.sql.transaction(async (tx) => {
        await tx.query("UPDATE counter SET n = n + 100 WHERE id = 1");
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await count()).toBe(before);
  });

  it("runs Prisma's interactive transactions: committed when they resolve, rolled back when they throw", async () => {
    await db.prisma.$transaction(async (tx) => {
      await tx.partnership.create({ data: { slug: "kept", name: "Kept" } });
    });
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.partnership.create({ data: { slug: "dropped", name: "Dropped" } });
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    expect((await db.prisma.partnership.findMany({ select: { slug: true } })).map((p) => p.slug)).toEqual(["kept"]);
  });

  it("keeps Prisma, raw queries and transactions issued together apart, and answers each with its own rows", async () => {
    const work = Array.from({ length: 30 }, (_, i) => {
      if (i % 3 === 0) return db.prisma.partnership.create({ data: { slug: `p-${i}`, name: `P ${i}` } }).then((p) => p.slug);
      if (i % 3 === 1) return db.sql.query<{ echo: string }>("SELECT $1::text AS echo", [`q-${i}`]).then((rows) => rows[0]!.echo);
      return db.sql.transaction(async (tx) => (await tx.query<{ echo: string }>("SELECT $1::text || '-' || $2::text AS echo", ["t", String(i)]))[0]!.echo);
    });
    const answers = await Promise.all(work);
    expect(answers).toEqual(Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? `p-${i}` : i % 3 === 1 ? `q-${i}` : `t-${i}`)));
  });

  it("runs the same parameterised statement many times with different values (no prepared-statement mix-ups)", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => db.sql.query<{ n: number }>("SELECT $1::int * 2 AS n", [i])));
    expect(results.map((rows) => rows[0]!.n)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
  });

  it("refuses a second opener of the directory, naming the owner, and leaves the owner working", async () => {
    const second = openDatabase({ dataDir, holder: "a second opener" });
    await expect(second).rejects.toBeInstanceOf(DataDirInUseError);
    await expect(second).rejects.toThrow(`${path.resolve(dataDir)} is in use by the worker test (pid ${process.pid})`);
    expect(await count()).toBeGreaterThan(0);
  });

  it("hands the directory on when closed: the next opener sees every committed change", async () => {
    const n = await count();
    await db.close();
    const again = await openDatabase({ dataDir });
    try {
      expect((await again.sql.query<{ n: number }>("SELECT n FROM counter WHERE id = 1"))[0]!.n).toBe(n);
      expect(await again.prisma.partnership.count()).toBe(11);
    } finally {
      await again.close();
    }
    db = await openDatabase({ dataDir, pglite: "worker" });
  });
});
