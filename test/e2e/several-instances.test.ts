import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePartnership } from "../../bench/generate.ts";
import { openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { FakeSlack, commandBody, postToSlackEndpoint } from "../support/fake-slack.ts";
import { startServeProcess, type ServeProcess } from "../support/serve-process.ts";

const SECRET = "instances-test-signing-secret-01";

interface LogLine {
  message: string;
  tick?: string;
  instance?: string;
}
const logLines = (stderr: string): LogLine[] =>
  stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);

/** Waits for the state (both processes' logs), never for a time. */
async function until(probe: () => boolean): Promise<void> {
  while (!probe()) await new Promise((resolve) => setTimeout(resolve, 100));
}

// Several instances of curve serve behind a load balancer share one PostgreSQL database.
describe.skipIf(!process.env.DATABASE_URL)("two curve serve processes on one PostgreSQL schema", () => {
  const fake = new FakeSlack("T1");
  let t: TestDatabase;
  let a: ServeProcess;
  let b: ServeProcess;

  beforeAll(async () => {
    await fake.start();
    t = await openTestDatabase("postgresql");
    const generated = await generatePartnership(t.db.sql, "instances", { people: 10, actions: 20, perAction: 2 });
    const people = await t.db.prisma.person.findMany({ where: { partnershipId: generated.partnershipId }, select: { id: true, name: true } });
    await t.db.prisma.platformIdentity.createMany({ data: people.map((p) => ({ personId: p.id, platform: "slack", tenant: "T1", userId: `U${p.name.replace("Person ", "")}` })) });
    // A sweep every 2 seconds instead of every 15 minutes, so that ticks come while the test waits.
    const env = { DATABASE_URL: t.url!, SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: "xoxb-instances", SLACK_API_URL: `${fake.url}/api/`, CURVE_SWEEP_SCHEDULE: "*/2 * * * * *" };
    [a, b] = await Promise.all([startServeProcess(env), startServeProcess(env)]);
  }, 240_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await t?.close();
    await fake.close();
  });

  it("runs each tick of the sweep on exactly one of them, and records which", async () => {
    const ticks = () => {
      const byTick = new Map<string, { ran: string[]; skipped: string[] }>();
      for (const [name, server] of [["a", a], ["b", b]] as const) {
        for (const line of logLines(server.stderr())) {
          if (!line.tick || (line.message !== "sweep ran" && line.message !== "sweep skipped")) continue;
          const entry = byTick.get(line.tick) ?? { ran: [], skipped: [] };
          (line.message === "sweep ran" ? entry.ran : entry.skipped).push(name);
          byTick.set(line.tick, entry);
        }
      }
      return byTick;
    };
    // Three ticks both instances reached.
    await until(() => [...ticks().values()].filter((e) => e.ran.length + e.skipped.length === 2).length >= 3);
    const seen = ticks();
    for (const [tick, entry] of seen) {
      expect(entry.ran, `tick ${tick}`).toHaveLength(1);
      expect(entry.skipped.length, `tick ${tick}`).toBeLessThanOrEqual(1);
    }
    const both = [...seen].filter(([, e]) => e.skipped.length === 1);
    expect(both.map(([, e]) => [...e.ran, ...e.skipped].sort())).toEqual(both.map(() => ["a", "b"]));
    const rows = await t.db.prisma.scheduleRun.findMany({ where: { job: "sweep", tick: { in: [...seen.keys()].map((tick) => new Date(tick)) } } });
    expect(rows).toHaveLength(seen.size);
    const pidOf = { a: a.child.pid, b: b.child.pid };
    for (const row of rows) {
      const ranOn = seen.get(row.tick.toISOString())!.ran[0] as "a" | "b";
      expect(row.instance).toMatch(new RegExp(`:${pidOf[ranOn]}$`));
    }
  }, 120_000);

  it("applies a change once when Slack's retry reaches the other instance", async () => {
    const body = commandBody({
      team_id: "T1", team_domain: "instances", channel_id: "C1", channel_name: "general", user_id: "U3", user_name: "person3",
      command: "/milestone", text: "done GEN-3.1 agreed at the board", api_app_id: "A1", response_url: "http://127.0.0.1:9/unused", trigger_id: "instances.3.1",
    });
    // Sent again (as Slack would) if Bolt gave up on the ack first: 404 after 3 s on a busy machine.
    let first = await postToSlackEndpoint(a.url, body, { secret: SECRET });
    while (first.status === 404 && first.body === "") first = await postToSlackEndpoint(a.url, body, { secret: SECRET, retryNum: 1 });
    expect(first.status).toBe(200);
    expect(first.body).toContain("GEN-3.1 done");
    const retry = await postToSlackEndpoint(b.url, body, { secret: SECRET, retryNum: 1 });
    expect(retry.status).toBe(200);
    expect(retry.json().blocks).toEqual(first.json().blocks);
    const events = await t.db.prisma.auditEvent.count({ where: { event: { startsWith: "milestone." }, subjectRef: "GEN-3.1" } });
    expect(events).toBe(1);
  }, 60_000);

  it("applies a change once, and announces it once, when the same request reaches both instances at the same moment", async () => {
    const plan = await t.db.prisma.priority.findFirst({ where: { refPrefix: "GEN" }, select: { planId: true } });
    await t.db.prisma.priority.updateMany({ where: { planId: plan!.planId, refPrefix: "GEN" }, data: { channel: "slack:T1:C0TWICE" } });
    const body = commandBody({
      team_id: "T1", team_domain: "instances", channel_id: "C1", channel_name: "general", user_id: "U5", user_name: "person5",
      command: "/milestone", text: "done GEN-5.1 agreed at the board", api_app_id: "A1", response_url: "http://127.0.0.1:9/unused", trigger_id: "instances.5.1",
    });
    const [first, retry] = await Promise.all([postToSlackEndpoint(a.url, body, { secret: SECRET }), postToSlackEndpoint(b.url, body, { secret: SECRET, retryNum: 1 })]);
    const answered = [first, retry].filter((r) => r.status === 200);
    expect(answered.length).toBeGreaterThan(0);
    for (const r of answered) expect(r.body).toContain("GEN-5.1 done");
    if (answered.length === 2) expect(retry.json().blocks).toEqual(first.json().blocks);
    expect(await t.db.prisma.auditEvent.count({ where: { event: { startsWith: "milestone." }, subjectRef: "GEN-5.1" } })).toBe(1);
    // Once the outbox holds no unsent announcement for the channel, the fake Slack has every post it will get.
    const unsent = () => t.db.prisma.delivery.count({ where: { kind: "announcement", status: { in: ["pending", "sending"] }, payload: { path: ["channel"], equals: "slack:T1:C0TWICE" } } });
    const rows = await t.db.prisma.delivery.count({ where: { kind: "announcement", payload: { path: ["channel"], equals: "slack:T1:C0TWICE" } } });
    expect(rows).toBe(1);
    while ((await unsent()) > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "C0TWICE")).toHaveLength(1);
  }, 60_000);

  it("answers /readyz on both, so a load balancer sends to either", async () => {
    for (const server of [a, b]) {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ready: true, database: "postgresql" });
    }
  });
});
