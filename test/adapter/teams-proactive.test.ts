import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ProactiveSendError } from "../../src/adapters/teams/proactive-sender.ts";
import { context, list, reply, text } from "../../src/domain/reply.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { cardText, checkCard } from "../support/teams-cards.ts";
import { activity, PEOPLE, startTeamsServer, TENANT, type TeamsServer } from "../support/teams-server.ts";

const nudge = reply("info", "Your milestones this week", [
  text("One milestone of yours is due on Friday."),
  list([{ text: "ATT-5.1 · Dissemination in September 2011", detail: "due 30 Sep 2011", buttons: [{ actionId: "milestone.done", label: "Mark done", value: "ATT-5.1", style: "primary" }] }]),
  context("Curve sends this on Mondays; /help lists what you can do."),
]);

describe.each(kindsUnderTest())("Teams messages Curve starts, on %s", (kind) => {
  let t: TeamsServer;
  beforeAll(async () => {
    t = await startTeamsServer(kind);
  });
  afterAll(async () => t?.close());
  beforeEach(() => {
    t.fake.failSendsWith = null;
  });

  const personId = async (name: string) =>
    (await t.server.runtime.db.prisma.person.findFirstOrThrow({ where: { partnershipId: t.partnershipId, name } })).id;
  const conversationOf = async (aadObjectId: string) =>
    (await t.server.runtime.db.prisma.platformIdentity.findFirstOrThrow({ where: { platform: "teams", tenant: TENANT, userId: aadObjectId } })).conversation as {
      conversation: { id: string; conversationType: string };
      serviceUrl: string;
    };

  it("remembers a person who installs Curve, and sends to their 1:1 chat, returning the message id", async () => {
    const installed = activity("installationUpdate.add", t.fake);
    expect((await t.post(installed)).status).toBe(200);
    // Installing is answered with nothing; Curve looked the installer up and kept the chat.
    expect(t.fake.calls.filter((c) => c.kind !== "member")).toEqual([]);
    const stored = await conversationOf(PEOPLE.sue.aadObjectId);
    expect(stored).toMatchObject({ serviceUrl: t.fake.url, conversation: { id: (installed.conversation as { id: string }).id, conversationType: "personal" } });

    const { messageRef } = await t.teams.sendToPerson(await personId("Sue May"), nudge);
    const sent = await t.fake.next((c) => c.id === messageRef);
    expect(sent).toMatchObject({ kind: "reply", conversationId: stored.conversation.id });
    const card = (sent.body.attachments as { content: Record<string, unknown> }[])[0]!.content;
    expect(checkCard(card).problems).toEqual([]);
    expect(cardText(card)).toContain("Your milestones this week");
    expect(card.fallbackText).toContain("One milestone of yours is due on Friday.");
  });

  it("opens a 1:1 chat with someone Curve knows only from a channel, and uses it from then on", async () => {
    const added = activity("conversationUpdate.membersAdded", t.fake);
    expect((await t.post(added)).status).toBe(200);
    expect((await conversationOf(PEOPLE.tony.aadObjectId)).conversation.conversationType).toBe("channel");

    const tony = await personId("Tony Adlard");
    const first = await t.teams.sendToPerson(tony, nudge);
    const created = await t.fake.next((c) => c.kind === "create");
    expect(created.body).toMatchObject({ isGroup: false, tenantId: TENANT, members: [{ id: PEOPLE.tony.id }] });
    expect(await t.fake.next((c) => c.id === first.messageRef)).toMatchObject({ conversationId: created.id });
    expect((await conversationOf(PEOPLE.tony.aadObjectId)).conversation).toMatchObject({ id: created.id, conversationType: "personal" });

    const creates = t.fake.calls.filter((c) => c.kind === "create").length;
    const second = await t.teams.sendToPerson(tony, nudge);
    expect(await t.fake.next((c) => c.id === second.messageRef)).toMatchObject({ conversationId: created.id });
    expect(t.fake.calls.filter((c) => c.kind === "create").length).toBe(creates);
  });

  it("says so, with a code, when it has no way to reach a person, and never drops a message silently", async () => {
    const calls = t.fake.calls.length;
    const error = await t.teams.sendToPerson(await personId("Ken Morton"), nudge).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProactiveSendError);
    expect(error).toMatchObject({ code: "no_conversation", retryable: false });
    expect(t.fake.calls.length).toBe(calls);

    const sue = await personId("Sue May");
    t.fake.failSendsWith = 403;
    await expect(t.teams.sendToPerson(sue, nudge)).rejects.toMatchObject({ code: "send_failed", retryable: false });
    t.fake.failSendsWith = 503;
    await expect(t.teams.sendToPerson(sue, nudge)).rejects.toMatchObject({ code: "send_failed", retryable: true });
  });

  it("announces progress in the priority's channel once a sponsor chooses it there", async () => {
    const choose = activity("message.channel-mention", t.fake, { as: "tony", text: "<at>Curve</at> plan channel ATT-1 here" });
    await t.post(choose);
    const chosen = await t.fake.next((c) => c.replyToId === choose.id);
    expect(cardText((chosen.body.attachments as { content: unknown }[])[0]!.content)).toContain("Progress will be announced here");

    const done = activity("message.personal", t.fake, { as: "jancis", text: "milestone done ATT-5.1 script agreed" });
    await t.post(done);
    const channel = "19:5b2c9b5e0d4b4e8a9f3c1d2e7a6b4c3d@thread.tacv2";
    // A new thread in the channel: Teams creates it with the message in one call.
    const announced = await t.fake.next((c) => c.kind === "create" && (c.body.channelData as { channel?: { id?: string } }).channel?.id === channel);
    expect(announced.body).toMatchObject({ isGroup: true, tenantId: TENANT });
    const card = ((announced.body.activity as { attachments: { content: unknown }[] }).attachments)[0]!.content;
    expect(cardText(card)).toContain("Jancis Andrew marked ATT-5.1 done: Dissemination in September 2011 (evidence: script agreed)");
    expect(checkCard(card).problems).toEqual([]);
  });

  it("sent only cards that the adaptivecards library takes whole", () => {
    const cards = t.fake.cardsSent();
    expect(cards.length).toBeGreaterThanOrEqual(6);
    for (const { card } of cards) expect(checkCard(card).problems).toEqual([]);
  });
});
