import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/adapters/db/migrator.ts";
import { openDatabase } from "../../src/adapters/db/open-database.ts";
import { reply, text } from "../../src/domain/reply.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { loadDemo } from "../support/databases.ts";

const BIN = fileURLToPath(new URL("../../bin/curve.js", import.meta.url));
const PEOPLE = 30;
const PER_PERSON = 5;

/**
 * A zone where it is a weekday between 10:00 and 16:00 now, so the worker sends rather than
 * holding everything for quiet time; null at a weekend everywhere (then nothing is sent,
 * and the test checks only that nothing is lost or stuck).
 */
function workingZone(now = new Date()): string | null {
  for (const zone of ["Europe/London", "Asia/Tokyo", "America/New_York", "Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Honolulu", "Pacific/Kiritimati"]) {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone: zone, weekday: "short", hour: "numeric", hourCycle: "h23" }).formatToParts(now).map((p) => [p.type, p.value]));
    if (!["Sat", "Sun"].includes(parts.weekday!) && Number(parts.hour) >= 10 && Number(parts.hour) < 16) return zone;
  }
  return null;
}

describe("curve serve stops gracefully on SIGTERM with deliveries pending", () => {
  const fake = new FakeSlack("TSHUT");
  let dataDir: string;
  let zone: string | null;

  beforeAll(async () => {
    await fake.start();
    // Each send takes a while, so some are in flight when the signal comes.
    fake.delays.set("chat.postMessage", 1500);
    dataDir = mkdtempSync(path.join(tmpdir(), "curve-shutdown-"));
    zone = workingZone();
    const db = await openDatabase({ dataDir });
    try {
      await migrate(db.sql);
      // Not the demo's own slug: a database holding only the demo runs on the demo's 2011
      // clock, where these deliveries (due a minute ago in real time) would not be due.
      const partnershipId = await loadDemo(db, "leeds-shutdown");
      const people = await db.prisma.person.findMany({ where: { partnershipId }, orderBy: { id: "asc" }, take: PEOPLE, select: { id: true } });
      await db.prisma.person.updateMany({ where: { id: { in: people.map((p) => p.id) } }, data: { quietStartMinute: 0, quietEndMinute: 0, timeZone: zone ?? "Europe/London" } });
      await db.prisma.platformIdentity.createMany({ data: people.map((p) => ({ personId: p.id, platform: "slack" as const, tenant: "TSHUT", userId: `U${p.id}` })) });
      const payload = reply("info", "Monthly monitoring report", [text("Nothing new this month.")]);
      await db.prisma.delivery.createMany({
        data: people.flatMap((p) =>
          Array.from({ length: PER_PERSON }, (_, i) => ({ partnershipId, personId: p.id, key: `report:test:${p.id}:${i}`, kind: "report", payload: payload as never, dueAt: new Date(Date.now() - 60_000) })),
        ),
      });
    } finally {
      await db.close();
    }
  });
  afterAll(async () => fake.close());

  it("answers /readyz 503 at once, stops claiming, finishes or gives back what it holds, logs and exits 0", async () => {
    const child = spawn(process.execPath, [BIN, "serve"], {
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dataDir,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        SLACK_SIGNING_SECRET: "8f742231b10e8888abcd99yyyzzz85a5",
        SLACK_BOT_TOKEN: "xoxb-shutdown-test",
        SLACK_API_URL: `${fake.url}/api/`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const lines = () => stderr.split("\n").filter(Boolean).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return { notJson: l }; } });
    const until = async (probe: () => boolean, what: string) => {
      const started = Date.now();
      while (!probe()) {
        if (Date.now() - started > 200_000) throw new Error(`timed out waiting for ${what}: ${stderr.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await until(() => lines().some((l) => l.message === "curve serve listening"), "curve serve to listen");
    const port = lines().find((l) => l.message === "curve serve listening")!.port as number;
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    // The worker starts on its own; with a working day somewhere, wait for sends in flight.
    if (zone) await until(() => fake.callsTo("chat.postMessage").length >= 3, "sends to start");

    child.kill("SIGTERM");
    let readiness = 0;
    // /readyz goes 503 while the in-flight sends finish (they take 1.5 s each).
    while (readiness !== 503) {
      const response = await fetch(`${base}/readyz`).catch(() => null);
      if (!response) break;
      readiness = response.status;
    }
    expect(readiness).toBe(503);
    expect(await exited).toBe(0);

    const stopped = lines().find((l) => l.message === "curve serve stopped");
    expect(stopped).toMatchObject({ level: "info", signal: "SIGTERM" });
    expect(Number(stopped!.tookMs)).toBeLessThan(10_000 + 2_000);
    expect(lines().filter((l) => "notJson" in l)).toEqual([]);

    const db = await openDatabase({ dataDir });
    try {
      const rows = await db.prisma.delivery.findMany({ where: { key: { startsWith: "report:test:" } }, select: { key: true, status: true, claimedBy: true, attempts: true } });
      expect(rows).toHaveLength(PEOPLE * PER_PERSON);
      // Nothing is left claimed: each row was either sent or given back untouched.
      expect(rows.filter((r) => r.status === "sending")).toEqual([]);
      expect(rows.filter((r) => r.status === "pending" && r.claimedBy !== null)).toEqual([]);
      const sent = rows.filter((r) => r.status === "sent").length;
      const pending = rows.filter((r) => r.status === "pending").length;
      expect(sent + pending).toBe(rows.length);
      // Claiming stopped: most of the work is still waiting for the next start.
      expect(pending).toBeGreaterThan(rows.length / 2);
      // Every send that reached Slack is recorded as sent, once.
      expect(fake.callsTo("chat.postMessage")).toHaveLength(sent);
      if (zone) expect(sent).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  }, 240_000);
});
