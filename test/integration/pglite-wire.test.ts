import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGLITE_SESSION } from "../../src/adapters/db/pglite-directory.ts";
import { serveProtocol } from "../../src/adapters/db/pglite-wire.ts";

// The embedded database's wire protocol side (curve serve's PGlite worker), driven by `pg`
// exactly as the HTTP thread drives it, on a real PGlite.
describe("PGlite served over the PostgreSQL protocol", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-wire-"));
  const socketDir = path.join(dir, "socket");
  let db: PGlite;
  let served: Awaited<ReturnType<typeof serveProtocol>>;

  const connect = async () => {
    const client = new pg.Client({ host: socketDir, port: 5432, user: "postgres", database: "postgres" });
    await client.connect();
    return client;
  };
  const hangUp = async (client: pg.Client) => {
    const gone = new Promise<void>((resolve) => client.once("end", () => resolve()));
    await client.end();
    await gone;
  };

  beforeAll(async () => {
    rmSync(socketDir, { recursive: true, force: true });
    mkdirSync(socketDir);
    db = await PGlite.create();
    await db.exec(PGLITE_SESSION);
    await db.exec("CREATE TABLE kept (id serial PRIMARY KEY, body text NOT NULL)");
    served = await serveProtocol(db, path.join(socketDir, ".s.PGSQL.5432"));
  });
  afterAll(async () => {
    await served?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers parameterised statements, prepared ones again and again, each with its own rows", async () => {
    const client = await connect();
    const named = await Promise.all(Array.from({ length: 40 }, (_, i) => client.query({ name: "twice", text: "SELECT $1::int * 2 AS n", values: [i] })));
    expect(named.map((r) => r.rows[0].n)).toEqual(Array.from({ length: 40 }, (_, i) => i * 2));
    const unnamed = await client.query("SELECT $1::text || $2::text AS s", ["a", "b"]);
    expect(unnamed.rows).toEqual([{ s: "ab" }]);
    await hangUp(client);
  });

  it("takes a parameter and gives a result far larger than one socket read, intact", async () => {
    const client = await connect();
    const body = "x".repeat(3_000_000) + "end";
    const [{ id }] = (await client.query("INSERT INTO kept (body) VALUES ($1) RETURNING id", [body])).rows;
    const back = await client.query("SELECT body, length(body) AS n FROM kept WHERE id = $1", [id]);
    expect(back.rows[0].n).toBe(body.length);
    expect(back.rows[0].body.endsWith("xend")).toBe(true);
    await hangUp(client);
  });

  it("skips to the end of a failed statement and goes on: the error is the statement's, the next one runs", async () => {
    const client = await connect();
    await expect(client.query("SELECT no_such_column FROM kept WHERE id = $1", [1])).rejects.toThrow(/no_such_column/);
    expect((await client.query("SELECT $1::int + 1 AS n", [41])).rows).toEqual([{ n: 42 }]);
    await hangUp(client);
  });

  it("sends PGlite's debug chatter to nobody: no notice reaches the client", async () => {
    const client = await connect();
    const notices: string[] = [];
    client.on("notice", (n) => notices.push(n.message ?? ""));
    await client.query("SELECT $1::int AS n", [1]);
    await client.query("BEGIN");
    await client.query("INSERT INTO kept (body) VALUES ($1)", ["quiet"]);
    await client.query("COMMIT");
    expect(notices).toEqual([]);
    await hangUp(client);
  });

  it("rolls back a transaction its client left open, so the next client starts clean", async () => {
    const first = await connect();
    await first.query("BEGIN");
    await first.query("INSERT INTO kept (body) VALUES ($1)", ["never committed"]);
    await hangUp(first);
    const next = await connect();
    expect((await next.query("SELECT count(*)::int AS n FROM kept WHERE body = $1", ["never committed"])).rows[0].n).toBe(0);
    // A transaction of its own begins and commits as usual: the session was not left inside one.
    const notices: string[] = [];
    next.on("notice", (n) => notices.push(n.message ?? ""));
    await next.query("BEGIN");
    await next.query("INSERT INTO kept (body) VALUES ($1)", ["committed"]);
    await next.query("COMMIT");
    expect(notices).toEqual([]);
    expect((await next.query("SELECT count(*)::int AS n FROM kept WHERE body = $1", ["committed"])).rows[0].n).toBe(1);
    await hangUp(next);
  });

  it("refuses a second client while one is connected, with PostgreSQL's own error, and keeps serving the first", async () => {
    const first = await connect();
    const second = new pg.Client({ host: socketDir, port: 5432, user: "postgres", database: "postgres" });
    await expect(second.connect()).rejects.toThrow("sorry, too many clients already");
    expect((await first.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await hangUp(first);
  });
});
