import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/bot/serve.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { FakeSocketMode } from "../support/fake-socket-mode.ts";
import { eventually, startSlackServer } from "../support/slack-server.ts";

/** A slash command as Socket Mode carries it: the same fields as the HTTP form, in an envelope. */
const slash = (id: string, user: string, command: string, text: string) => ({
  envelope_id: id,
  type: "slash_commands",
  accepts_response_payload: true,
  payload: {
    token: "unused-in-socket-mode", team_id: "T1", team_domain: "leeds", channel_id: "C0SOCKET", channel_name: "attendance",
    user_id: user, user_name: user.toLowerCase(), command, text, api_app_id: "A1",
    response_url: "http://127.0.0.1:9/unused", trigger_id: `${id}.trigger`,
  },
});

describe.each(kindsUnderTest())("Slack over Socket Mode (SLACK_APP_TOKEN), on %s", (kind) => {
  const fake = new FakeSlack("T1");
  const socket = new FakeSocketMode();
  let server: RunningServer;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    await fake.start();
    await socket.start();
    fake.socketModeUrl = socket.url;
    fake.emails.set("U1", "jancis.andrew@example.org");
    ({ server, close } = await startSlackServer(kind, fake, { SLACK_APP_TOKEN: "xapp-1-A1-socket-test" }));
    // Connected and greeted, and the workspace bound to its partnership: wait for the state.
    await eventually(() => (socket.connected && fake.callsTo("auth.test").length > 0 ? true : undefined), 60_000);
  }, 120_000);
  afterAll(async () => {
    await close?.();
    await socket.close();
    await fake.close();
  });

  it("opens its connection through apps.connections.open with the app token, and serves no Slack HTTP endpoint", async () => {
    expect(fake.callsTo("apps.connections.open").length).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${server.url}/slack/events`, { method: "POST", body: "x" })).status).toBe(404);
  });

  it("marks a milestone done from a slash command and answers in the acknowledgement, once", async () => {
    const ack = await socket.send(slash("env-done-1", "U1", "/milestone", "done ATT-4.1 model agreed at cluster chairs"));
    expect(JSON.stringify(ack.payload)).toContain("ATT-4.1 done");
    const db = server.runtime.db.prisma;
    const milestone = await db.milestone.findFirstOrThrow({ where: { ref: "ATT-4.1" } });
    expect(milestone.doneAt).not.toBeNull();
    expect(milestone.evidence).toBe("model agreed at cluster chairs");
    // Sent again as a new envelope: answered, and the change is not made twice.
    const again = await socket.send(slash("env-done-2", "U1", "/milestone", "done ATT-4.1 model agreed at cluster chairs"));
    expect(JSON.stringify(again.payload)).toMatch(/already done/);
    expect(await db.auditEvent.count({ where: { event: "milestone.done", subjectRef: "ATT-4.1" } })).toBe(1);
  });

  it("answers a malformed command and an unknown person in one line each, changing nothing", async () => {
    const db = server.runtime.db.prisma;
    const before = await db.auditEvent.count();
    const bad = await socket.send(slash("env-bad-1", "U1", "/milestone", "done ATT-4.99 nothing"));
    expect(JSON.stringify(bad.payload)).toMatch(/ATT-4\.99/);
    const stranger = await socket.send(slash("env-who-1", "U9", "/milestone", "list mine"));
    expect(JSON.stringify(stranger.payload).length).toBeGreaterThan(20);
    expect(JSON.stringify([bad.payload, stranger.payload])).not.toMatch(/at .*\.ts:\d+/);
    expect(await db.auditEvent.count()).toBe(before);
  });
});
