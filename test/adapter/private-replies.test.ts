import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/bot/serve.ts";
import { FakeSlack, commandBody, postToSlackEndpoint } from "../support/fake-slack.ts";
import { SIGNING_SECRET, fixture, startSlackServer } from "../support/slack-server.ts";
import { cardText } from "../support/teams-cards.ts";
import { activity, startTeamsServer, type TeamsServer } from "../support/teams-server.ts";

/**
 * Replies holding private data (a pledge's CSV export, a manager's register with the
 * follow-up answers, a person's settings) are never posted into a channel: in Teams they go
 * to the person's 1:1 chat with a note in the thread; in Slack they stay ephemeral.
 */
describe("private answers asked for in a Teams channel", () => {
  let t: TeamsServer;
  let pledgeId: number;
  beforeAll(async () => {
    t = await startTeamsServer("pglite");
    const created = await say("nigel", "<at>Curve</at> pledge new attendance Every day counts | We will get every child to school, every day");
    expect(created.thread).toContain("Every day counts");
    pledgeId = (await t.server.runtime.db.prisma.pledge.findFirstOrThrow({ where: { partnershipId: t.partnershipId } })).id;
    await say("jancis", `<at>Curve</at> pledge sign P${pledgeId} private | I will walk my street's children to school`);
  });
  afterAll(async () => t?.close());

  /** Says something in the channel; returns the text of the card in the thread and of anything sent to a 1:1 chat since. */
  async function say(as: "nigel" | "jancis", text: string): Promise<{ thread: string; privately: string }> {
    const before = t.fake.calls.length;
    const message = activity("message.channel-mention", t.fake, { as, text });
    expect((await t.post(message)).status).toBe(200);
    const reply = await t.fake.next((c) => c.replyToId === message.id, 30_000);
    const thread = ((reply.body.attachments as { content: unknown }[]) ?? []).map((a) => cardText(a.content)).join("\n");
    const privately = t.fake.calls
      .slice(before)
      .filter((c) => c !== reply && (c.kind === "send" || c.kind === "reply") && String(c.conversationId).startsWith("a:"))
      .map((c) => ((c.body.attachments as { content: unknown }[]) ?? []).map((a) => cardText(a.content)).join("\n"))
      .join("\n");
    return { thread, privately };
  }

  const cases: [string, () => string, "nigel" | "jancis", string][] = [
    ["pledge export", () => `<at>Curve</at> pledge export P${pledgeId}`, "nigel", "walk my street"],
    ["a manager's pledge register", () => `<at>Curve</at> pledge register P${pledgeId}`, "nigel", "After 30 days"],
    ["curve settings", () => "<at>Curve</at> curve settings", "jancis", "Quiet hours"],
  ];
  it.each(cases)("%s goes to the 1:1 chat, with a note in the thread", async (_family, text, as, marker) => {
    const { thread, privately } = await say(as, text());
    expect(thread).toContain("Sent to you privately");
    expect(thread).not.toContain("walk my street");
    expect(thread).not.toContain("Quiet hours");
    if (marker !== "After 30 days") expect(privately).toContain(marker);
    else expect(privately).toContain("Who has pledged");
  });

  it("a register anyone may see is still answered in the channel", async () => {
    const { thread } = await say("jancis", `<at>Curve</at> pledge register P${pledgeId}`);
    expect(thread).toContain("Who has pledged");
    expect(thread).not.toContain("Sent to you privately");
  });
});

describe("private answers in Slack stay ephemeral", () => {
  const fake = new FakeSlack("T1");
  let server: RunningServer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    await fake.start();
    fake.emails.set("U1", "jancis.andrew@example.org");
    ({ server, close } = await startSlackServer("pglite", fake));
  });
  afterAll(async () => {
    await close();
    await fake.close();
  });

  it("answers /curve settings in a channel only to the person who asked, and posts nothing there", async () => {
    const body = commandBody({ ...fixture<Record<string, string>>("command.milestone"), command: "/curve", text: "settings", user_id: "U1", response_url: `${fake.url}/response/settings`, trigger_id: "777.1.settings" });
    const response = await postToSlackEndpoint(server.url, body, { secret: SIGNING_SECRET });
    expect(response.status).toBe(200);
    const ack = response.json();
    expect(ack.response_type).toBe("ephemeral");
    expect(JSON.stringify(ack.blocks)).toContain("Quiet hours");
    expect(fake.callsTo("chat.postMessage").filter((c) => JSON.stringify(c.body).includes("Quiet hours"))).toEqual([]);
    expect(server.url).toBeTruthy();
  });
});
