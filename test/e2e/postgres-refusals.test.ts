import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../support/databases.ts";
import { curve } from "../support/run-curve.ts";

/**
 * `curve serve` and `curve status` against a PostgreSQL that turns them away: the operator reads
 * one sentence saying what PostgreSQL said and what to change, not "something went wrong inside
 * Curve", and the process exits 1. Real PostgreSQL only (DATABASE_URL set).
 */
describe.runIf(Boolean(process.env.DATABASE_URL))("PostgreSQL refusing Curve, end to end", () => {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  const limited = uniqueName("curve_full");
  const at = (change: (url: URL) => void) => {
    const url = new URL(process.env.DATABASE_URL!);
    change(url);
    return url.toString();
  };
  beforeAll(async () => {
    await admin.connect();
    // A role with no connections to spare, as when every instance's pool has taken them.
    await admin.query(`CREATE ROLE ${limited} LOGIN CONNECTION LIMIT 0`);
  });
  afterAll(async () => {
    await admin.query(`DROP ROLE IF EXISTS ${limited}`);
    await admin.end();
  });

  it("says the database named in DATABASE_URL does not exist", async () => {
    const missing = uniqueName("curve_missing");
    const run = await curve(["status"], { DATABASE_URL: at((u) => (u.pathname = `/${missing}`)) });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`curve: PostgreSQL refused Curve (database "${missing}" does not exist): create that database, or correct its name in DATABASE_URL.\n`);
  });

  it("says the user in DATABASE_URL is not one PostgreSQL knows, without the password", async () => {
    const stranger = uniqueName("curve_nobody");
    const run = await curve(["serve"], { DATABASE_URL: at((u) => ((u.username = stranger), (u.password = "s3cret-pw"))), PORT: "0" });
    expect(run.code).toBe(1);
    // curve serve also logs why it could not start (JSON, for the journal); the person reads the sentence.
    const said = run.stderr.trim().split("\n").filter((line) => !line.startsWith("{"));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^curve: PostgreSQL refused Curve \\((role "${stranger}" does not exist|password authentication failed for user "${stranger}")\\): check the user`));
    expect(run.stderr).not.toContain("s3cret-pw");
  });

  it("says PostgreSQL has no connections left, and which settings to change", async () => {
    const run = await curve(["status"], { DATABASE_URL: at((u) => (u.username = limited)) });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `curve: PostgreSQL refused Curve (too many connections for role "${limited}"): PostgreSQL has no connections left: lower DATABASE_POOL_SIZE, or raise max_connections (every instance's pool, added up, must stay under it).\n`,
    );
  });
});

/**
 * DATABASE_URL pointing at something that is not an answering PostgreSQL: a host that takes
 * the connection and never speaks (a firewall, a frozen server), or a port where something
 * else listens. `curve status` and `curve serve` used to wait for ever in silence, or blame
 * Curve; now they stop with a sentence naming the address, and exit 1.
 */
describe("DATABASE_URL at an address where PostgreSQL does not answer, end to end", () => {
  const sockets = new Set<Socket>();
  const listening = (onConnection: (socket: Socket) => void) =>
    new Promise<Server>((resolve) => {
      const server = createServer((socket) => {
        sockets.add(socket);
        onConnection(socket);
      });
      server.listen(0, "127.0.0.1", () => resolve(server));
    });
  const servers: Server[] = [];
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it("stops waiting for a server that never answers, and says so", async () => {
    const silent = await listening(() => undefined);
    servers.push(silent);
    const { port } = silent.address() as AddressInfo;
    for (const args of [["status"], ["serve"]]) {
      const run = await curve(args, { DATABASE_URL: `postgresql://curve:s3cret@127.0.0.1:${port}/curve`, PORT: "0" });
      expect(run.code, args[0]).toBe(1);
      const said = run.stderr.trim().split("\n").filter((line) => !line.startsWith("{"));
      expect(said, args[0]).toEqual([
        `curve: cannot connect to 127.0.0.1:${port}: it did not answer within 10 s. Check DATABASE_URL, and that PostgreSQL is running there and a firewall lets Curve through.`,
      ]);
      expect(run.stderr).not.toContain("s3cret");
    }
  }, 60_000);

  it("says a server that hangs up at once may not be PostgreSQL", async () => {
    const other = await listening((socket) => socket.destroy());
    servers.push(other);
    const { port } = other.address() as AddressInfo;
    const run = await curve(["status"], { DATABASE_URL: `postgresql://curve@127.0.0.1:${port}/curve` });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`curve: cannot connect to 127.0.0.1:${port}: it closed the connection at once, so it may not be PostgreSQL. Check the host and port in DATABASE_URL.\n`);
  });
});
