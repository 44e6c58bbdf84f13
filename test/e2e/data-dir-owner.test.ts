import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePartnership } from "../../bench/generate.ts";
import { migrate } from "../../src/adapters/db/migrator.ts";
import { openDatabase } from "../../src/adapters/db/open-database.ts";
import { FakeSlack, commandBody, postToSlackEndpoint } from "../support/fake-slack.ts";
import { curve } from "../support/run-curve.ts";
import { startServeProcess, type ServeProcess } from "../support/serve-process.ts";

const SECRET = "owner-test-signing-secret-0123";
const PEOPLE_CSV = fileURLToPath(new URL("../../templates/plan-people.csv", import.meta.url));
const PEOPLE = 20;

/** A data directory with a small generated partnership whose people are Slack users U1…U20 of T1. */
async function preparedDataDir(): Promise<string> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "curve-owner-"));
  const db = await openDatabase({ dataDir });
  try {
    await migrate(db.sql);
    const generated = await generatePartnership(db.sql, "owner-test", { people: PEOPLE, actions: 60, perAction: 2 });
    const people = await db.prisma.person.findMany({ where: { partnershipId: generated.partnershipId }, select: { id: true, name: true } });
    await db.prisma.platformIdentity.createMany({
      data: people.map((p) => ({ personId: p.id, platform: "slack", tenant: "T1", userId: `U${p.name.replace("Person ", "")}` })),
    });
  } finally {
    await db.close();
  }
  return dataDir;
}

/**
 * Marks GEN-k.1 done as its owner through Slack. True once curve serve has acknowledged the
 * change; false if Bolt gave up on the ack first (404 after 3 s, on a busy machine).
 */
let attempts = 0;
async function sendDone(server: ServeProcess, k: number): Promise<boolean> {
  const owner = ((k - 1) % PEOPLE) + 1;
  const body = commandBody({
    team_id: "T1", team_domain: "owners", channel_id: "C1", channel_name: "general", user_id: `U${owner}`, user_name: `person${owner}`,
    command: "/milestone", text: `done GEN-${k}.1 evidence ${k}`, api_app_id: "A1", response_url: "http://127.0.0.1:9/unused", trigger_id: `owner.${k}.${++attempts}`,
  });
  const ack = await postToSlackEndpoint(server.url, body, { secret: SECRET });
  if (ack.status === 404 && ack.body === "") return false;
  // curve serve binds its Slack workspace just after it is ready; until then it changes nothing.
  if (ack.body.includes("isn't connected to Curve")) return false;
  expect(ack.status).toBe(200);
  // "was already done" when an earlier attempt Bolt gave up acking had made the change.
  expect(ack.body).toMatch(new RegExp(`GEN-${k}\\.1 (was already )?done`));
  return true;
}

/** Marks GEN-k.1 done, sending again (as Slack retries) until acknowledged; the change is made once. */
async function markDone(server: ServeProcess, k: number): Promise<void> {
  while (!(await sendDone(server, k)));
}

/** The refs of GEN milestones marked done, read by a new opener of the directory. */
async function doneRefs(dataDir: string): Promise<string[]> {
  const db = await openDatabase({ dataDir });
  try {
    const rows = await db.prisma.milestone.findMany({ where: { doneAt: { not: null } }, select: { ref: true } });
    return rows.map((r) => r.ref).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  } finally {
    await db.close();
  }
}

const serveEnv = (dataDir: string, fake: FakeSlack) => ({
  DATA_DIR: dataDir, SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: "xoxb-owner-test", SLACK_API_URL: `${fake.url}/api/`, CURVE_SCHEDULES: "off",
});
const refs = (ks: number[]) => [...ks].sort((a, b) => a - b).map((k) => `GEN-${k}.1`);

describe("a data directory curve serve owns", () => {
  const fake = new FakeSlack("T1");
  let dataDir: string;
  let server: ServeProcess;
  beforeAll(async () => {
    await fake.start();
    dataDir = await preparedDataDir();
    server = await startServeProcess(serveEnv(dataDir, fake));
  }, 240_000);
  afterAll(async () => {
    await server?.stop();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("turns away a second process in one sentence naming curve serve, and serve loses nothing and carries on", async () => {
    for (const k of [1, 2, 3]) await markDone(server, k);
    const owner = `${path.resolve(dataDir)} is in use by curve serve (pid ${server.child.pid})`;
    const second = [
      ["status"],
      ["status", "--json"],
      ["nudge", "--now", "2026-11-23T09:00:00Z"],
      ["seed", "--demo"],
      ["migrate"],
      ["shell", "--as", "Person 1"],
      ["serve"],
      // Refused before the file is read, not after.
      ["import", PEOPLE_CSV],
      ["import", PEOPLE_CSV, "--dry-run"],
      ["report", "monthly", "--now", "2026-11-23T09:00:00Z"],
      ["export", "--xlsx", path.join(dataDir, "..", "owner-export.xlsx")],
      ["digest", "--dry-run", "--as", "Person 1", "--now", "2026-11-23T09:00:00Z"],
      ["plan", "refresh", "gen", "--to", "gen-2", "--period", "2015-19", "--dry-run"],
      ["start"],
    ];
    for (const args of second) {
      const run = await curve(args, { DATA_DIR: dataDir, PORT: "0", CURVE_SCHEDULES: "off" }, "/milestone done GEN-4.1 from the shell\n");
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stderr.trim().split("\n"), args.join(" ")).toEqual([`curve: ${owner}: only one process may open an embedded database, so stop that one first (for several processes, use PostgreSQL with DATABASE_URL).`]);
      expect(run.stdout).toBe("");
    }
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    for (const k of [5, 6]) await markDone(server, k);
    await server.stop();
    // The shell's change was refused, not queued: only serve's five are there.
    expect(await doneRefs(dataDir)).toEqual(refs([1, 2, 3, 5, 6]));
  }, 240_000);
});

describe("kill -9 of curve serve", () => {
  const fake = new FakeSlack("T1");
  let dataDir: string;
  beforeAll(async () => {
    await fake.start();
    dataDir = await preparedDataDir();
  }, 240_000);
  afterAll(async () => {
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("loses no acknowledged change, frees the directory at once, and the next curve serve carries on", async () => {
    const server = await startServeProcess(serveEnv(dataDir, fake));
    const acknowledged: number[] = [];
    try {
      // Five people at a time, as a busy morning would send them.
      for (let batch = 0; batch < 6; batch++) {
        const ks = Array.from({ length: 5 }, (_, i) => batch * 5 + i + 1);
        const acks = await Promise.all(ks.map((k) => sendDone(server, k)));
        acknowledged.push(...ks.filter((_, i) => acks[i]));
      }
    } finally {
      server.child.kill("SIGKILL");
    }
    expect(await server.exited).toMatchObject({ signal: "SIGKILL" });

    expect(acknowledged.length).toBeGreaterThan(0);
    const done = await doneRefs(dataDir);
    // Every acknowledged change is there; one whose ack Bolt gave up on may be there too, nothing else.
    expect(done).toEqual(expect.arrayContaining(refs(acknowledged)));
    expect(refs(Array.from({ length: 30 }, (_, i) => i + 1))).toEqual(expect.arrayContaining(done));
    const again = await startServeProcess(serveEnv(dataDir, fake));
    try {
      await markDone(again, 31);
    } finally {
      await again.stop();
    }
    expect(await doneRefs(dataDir)).toEqual([...done, "GEN-31.1"]);
  }, 300_000);
});
