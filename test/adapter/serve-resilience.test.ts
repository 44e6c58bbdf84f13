import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/bot/config.ts";
import { startServer, type RunningServer } from "../../src/bot/serve.ts";
import { NOT_CONNECTED } from "../../src/adapters/slack/broken-text-guard.ts";
import { FakeSlack, commandBody, eventBody, postToSlackEndpoint } from "../support/fake-slack.ts";
import { eventually } from "../support/slack-server.ts";
import { captureLog } from "../support/log-capture.ts";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls an async probe until it is true: the state, not a sleep. */
async function until(probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<true> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

const readyz = async (server: RunningServer) => {
  const response = await fetch(`${server.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; adapters: { platform: string; state: string; reason?: string }[] } };
};

describe("curve serve when Slack refuses the token", () => {
  const fake = new FakeSlack("TREFUSED");
  let server: RunningServer;
  let log: ReturnType<typeof captureLog>;

  beforeAll(async () => {
    await fake.start();
    fake.authError = "invalid_auth";
    log = captureLog();
    server = await startServer(
      readConfig({ DATA_DIR: "memory://", PORT: "0", LOG_LEVEL: "info", SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: "xoxb-refused-123", SLACK_API_URL: `${fake.url}/api/`, CURVE_TEAMS_ALLOW_UNAUTHENTICATED: "1" }),
      { adapterRetry: { firstRetryMs: 50, maxRetryMs: 100 } },
    );
  });
  afterAll(async () => {
    log.restore();
    await server?.close();
    await fake.close();
  });

  it("starts anyway, with Teams running, says why in one sentence at warn, and reports each adapter in /readyz", async () => {
    const ready = await readyz(server);
    expect(ready.status).toBe(200);
    expect(ready.body.adapters).toContainEqual(expect.objectContaining({ platform: "teams", state: "ready" }));
    expect(ready.body.adapters).toContainEqual(expect.objectContaining({ platform: "slack", state: "retrying", reason: expect.stringContaining("refused the bot token (invalid_auth)") }));
    const warning = log.lines.find((l) => String(l.message).startsWith("Slack adapter could not connect"));
    expect(warning).toMatchObject({ level: "warn" });
    expect(String(warning!.message)).not.toContain("\n");
    expect(log.raw.join("")).not.toContain("xoxb-refused-123");
    expect(log.lines.filter((l) => "notJson" in l)).toEqual([]);
    // Teams answers while Slack is down.
    const teams = await fetch(`${server.url}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(teams.status).toBe(400);
  });

  it("keeps retrying in the background and connects once the token is accepted", async () => {
    const before = fake.callsTo("auth.test").length;
    await eventually(() => fake.callsTo("auth.test").length > before + 1);
    fake.authError = undefined;
    await until(async () => (await readyz(server)).body.adapters.every((a) => a.state === "ready"));
    expect(log.lines).toContainEqual(expect.objectContaining({ level: "info", message: "Slack adapter connected" }));
  });
});

describe("curve serve when Slack cannot be reached", () => {
  it("starts, and reports Slack as retrying with the address it tried", async () => {
    const port = await closedPort();
    const log = captureLog();
    const server = await startServer(
      readConfig({ DATA_DIR: "memory://", PORT: "0", LOG_LEVEL: "warn", SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: "xoxb-unreachable", SLACK_API_URL: `http://127.0.0.1:${port}/api/` }),
      { adapterRetry: { firstRetryMs: 60_000, maxRetryMs: 60_000 } },
    );
    try {
      const ready = await readyz(server);
      expect(ready.body.adapters).toEqual([expect.objectContaining({ platform: "slack", state: "retrying", reason: expect.stringContaining(`could not be reached at http://127.0.0.1:${port}`) })]);
      expect(log.lines.filter((l) => "notJson" in l)).toEqual([]);
    } finally {
      log.restore();
      await server.close();
    }
  });
});

describe("Slack requests while Slack cannot be reached", () => {
  it("answers a signed command in one sentence, asks Slack to send an event again, and still refuses what Slack did not sign", async () => {
    const port = await closedPort();
    const server = await startServer(
      readConfig({ DATA_DIR: "memory://", PORT: "0", LOG_LEVEL: "silent", SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: "xoxb-unreachable", SLACK_API_URL: `http://127.0.0.1:${port}/api/` }),
      { adapterRetry: { firstRetryMs: 60_000, maxRetryMs: 60_000 } },
    );
    try {
      await until(async () => (await readyz(server)).body.adapters.some((a) => a.state === "retrying"));
      const command = commandBody({ command: "/milestone", text: "done ATT-4.1 model agreed", team_id: "T1", user_id: "U1", channel_id: "C1", trigger_id: "1.2.3", response_url: "https://hooks.slack.com/x" });
      const answered = await postToSlackEndpoint(server.url, command, { secret: SECRET });
      expect(answered.status).toBe(200);
      expect(answered.json()).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining(NOT_CONNECTED) });
      const event = await postToSlackEndpoint(server.url, eventBody({ type: "event_callback", team_id: "T1", event: { type: "app_home_opened", user: "U1" } }), { secret: SECRET, contentType: "application/json" });
      expect(event.status).toBe(503);
      expect(event.body).not.toMatch(/\n\s+at /);
      const forged = await postToSlackEndpoint(server.url, command, { secret: "not-the-secret-at-all" });
      expect(forged.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe("no HTML error pages and no stack traces on any route", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(readConfig({ DATA_DIR: "memory://", PORT: "0", LOG_LEVEL: "silent", CURVE_TEAMS_ALLOW_UNAUTHENTICATED: "1", CURVE_PUBLIC_URL: "https://curve.example.org", SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: "xoxb-x", SLACK_API_URL: `http://127.0.0.1:9/api/` }), {
      adapterRetry: { firstRetryMs: 60_000, maxRetryMs: 60_000 },
    });
  });
  afterAll(async () => server?.close());

  const requests: [string, string, RequestInit?][] = [
    ["a malformed escape in a chart address", "/charts/%E0%A4%A.png"],
    ["a malformed escape in an export address", "/exports/%E0%A4%A.csv"],
    ["a lone percent sign", "/charts/%.png"],
    ["a malformed escape anywhere", "/%E0%A4%A"],
    ["an unknown page", "/no/such/page"],
    ["an unknown method", "/readyz", { method: "DELETE" }],
    ["a body that is not JSON", "/api/messages", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }],
    ["a body too large", "/api/messages", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "message", text: "x".repeat(400_000) }) }],
  ];
  it.each(requests)("%s gets a JSON 4xx with a reference", async (_what, path, init) => {
    const response = await fetch(`${server.url}${path}`, init);
    const text = await response.text();
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(text).not.toMatch(/<html|<pre|URIError|at \w+ \(|node_modules|\/work\/|\.ts:\d+/i);
    const body = JSON.parse(text) as { error: string; reference?: string };
    expect(body.error).toBeTruthy();
    if (response.status !== 404 || path.includes("%")) expect(response.headers.get("x-request-id")).toBeTruthy();
  });

  it("serves the privacy and terms pages the Teams manifest links to", async () => {
    for (const path of ["/privacy", "/terms"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/<h1>(Privacy|Terms of use)<\/h1>/);
    }
    const manifest = JSON.parse(readFileSync(new URL("../../manifests/teams/manifest.json", import.meta.url), "utf8")) as { developer: { privacyUrl: string; termsOfUseUrl: string } };
    expect(manifest.developer.privacyUrl).toBe("{{CURVE_URL}}/privacy");
    expect(manifest.developer.termsOfUseUrl).toBe("{{CURVE_URL}}/terms");
  });

  it("a malformed address is a 400 whose reference is the request id", async () => {
    const response = await fetch(`${server.url}/charts/%E0%A4%A.png`, { headers: { "x-request-id": "lb-7f3a" } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "The request is malformed.", reference: "lb-7f3a" });
  });
});
