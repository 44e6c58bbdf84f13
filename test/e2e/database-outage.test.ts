import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo, openTestDatabase, uniqueName, type TestDatabase } from "../support/databases.ts";
import { FakeSlack, commandBody, postToSlackEndpoint } from "../support/fake-slack.ts";
import { startServeProcess, type ServeProcess } from "../support/serve-process.ts";

const SECRET = "outage-test-signing-secret-0001";

/** Waits for the state, never for a time. */
async function until<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// An instance of curve serve that loses its PostgreSQL connections while other work on the
// same server goes on: the instance connects as a role of its own, which the test lets in
// (CONNECTION LIMIT -1) or keeps out (0, with its backends ended by pg_terminate_backend).
describe.runIf(Boolean(process.env.DATABASE_URL))("curve serve losing its PostgreSQL connections", () => {
  const fake = new FakeSlack("T1");
  let t: TestDatabase;
  let a: ServeProcess;
  let role: string;
  let partnershipId: number;
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.db.sql.query<T>(text, params);
  const cutOff = async () => {
    await sql(`ALTER ROLE ${role} CONNECTION LIMIT 0`);
    await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
    await until(async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1`, [role]))[0]!.n === 0);
  };
  const letBackIn = () => sql(`ALTER ROLE ${role} CONNECTION LIMIT -1`);

  beforeAll(async () => {
    await fake.start();
    t = await openTestDatabase("postgresql");
    partnershipId = await loadDemo(t.db, "leeds-outage");
    await sql(`INSERT INTO platform_identity (person_id, platform, tenant, user_id) SELECT id, 'slack', 'T1', 'U' || id FROM person WHERE partnership_id = $1`, [partnershipId]);
    role = uniqueName("curve_instance");
    const schema = new URL(t.url!).searchParams.get("schema")!;
    await sql(`CREATE ROLE ${role} LOGIN`);
    await sql(`GRANT ALL ON SCHEMA "${schema}" TO ${role}`);
    await sql(`GRANT ALL ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`);
    await sql(`GRANT ALL ON ALL SEQUENCES IN SCHEMA "${schema}" TO ${role}`);
    const url = new URL(t.url!);
    url.username = role;
    a = await startServeProcess({ DATABASE_URL: url.toString(), SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: "xoxb-outage", SLACK_API_URL: `${fake.url}/api/`, CURVE_SCHEDULES: "off" });
  }, 120_000);
  afterAll(async () => {
    await letBackIn().catch(() => undefined);
    await a?.stop();
    await sql(`DROP OWNED BY ${role}`).catch(() => undefined);
    await sql(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await t?.close();
    await fake.close();
  });

  it("records a message Slack accepted while the database was away once it returns, and never sends it again", async () => {
    const release = fake.hold("chat.postMessage");
    const [person] = await sql<{ id: number }>(`SELECT min(id) AS id FROM person WHERE partnership_id = $1`, [partnershipId]);
    await sql(
      `INSERT INTO delivery (partnership_id, person_id, key, kind, payload, due_at) VALUES ($1, $2, 'announcement:outage:1', 'announcement', $3::jsonb, now() - interval '1 minute')`,
      [partnershipId, person!.id, JSON.stringify({ channel: "slack:T1:C-OUTAGE", text: "GEN-1.1 done" })],
    );
    // Slack has the post; before it answers, the instance loses every connection and cannot make another.
    await until(() => fake.callsTo("chat.postMessage").some((c) => c.body.channel === "C-OUTAGE"));
    await cutOff();
    const said = a.stderr().length;
    release();
    await until(() => /too many connections for role/.test(a.stderr().slice(said)));
    await letBackIn();
    const [row] = await until(async () => {
      const rows = await sql<{ status: string; message_ref: string | null }>(`SELECT status, message_ref FROM delivery WHERE key = 'announcement:outage:1' AND status = 'sent'`);
      return rows.length ? rows : null;
    });
    expect(row!.message_ref).toMatch(/^C-OUTAGE\//);
    expect(fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "C-OUTAGE")).toHaveLength(1);
  }, 300_000);

  it("tells the load balancer and each person the database is away, in one line, and answers again once it is back", async () => {
    const [person] = await sql<{ id: number }>(`SELECT min(id) AS id FROM person WHERE partnership_id = $1`, [partnershipId]);
    const command = (trigger: string) =>
      postToSlackEndpoint(a.url, commandBody({ team_id: "T1", channel_id: "C1", user_id: `U${person!.id}`, command: "/milestone", text: "", trigger_id: trigger, response_url: "http://127.0.0.1:9/unused" }), { secret: SECRET });
    await cutOff();
    try {
      expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${a.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false, reason: "database unreachable" });
      const answered = await command("outage.1");
      expect(answered.status).toBe(200);
      expect(answered.json().text).toMatch(/^Curve cannot reach its database just now \(reference [0-9a-f]{8}\)\. Please try again in a minute: nothing is done twice\.$/);
      const page = await fetch(`${a.url}/`);
      expect(page.status).toBe(503);
      expect(page.headers.get("retry-after")).toBe("30");
      expect(await page.text()).toMatch(/^Curve cannot reach its database just now: please try again in a minute \(reference [0-9a-f]{8}\)\.$/);
    } finally {
      await letBackIn();
    }
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
    const again = await command("outage.2");
    expect(again.status).toBe(200);
    expect(again.json().text).toBe("Your open milestones");
    expect((await fetch(`${a.url}/`)).status).toBe(404);
  }, 120_000);
});
