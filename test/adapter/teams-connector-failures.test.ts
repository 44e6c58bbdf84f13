import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DeliveryWorker } from "../../src/bot/delivery-worker.ts";
import { describeFailure } from "../../src/domain/delivery-failure.ts";
import { reply, text } from "../../src/domain/reply.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { cardText } from "../support/teams-cards.ts";
import { activity, PEOPLE, startTeamsServer, TENANT, type TeamsServer } from "../support/teams-server.ts";

const nudge = reply("info", "Your milestones this week", [text("One milestone of yours is due on Friday.")]);

// What the Bot Connector answers when a 1:1 chat is gone, and when the bot was removed.
const GONE = { status: 404, code: "ConversationNotFound", message: "Conversation not found." };
const REMOVED = { status: 403, code: "BotNotInConversationRoster", message: "The bot is not part of the conversation roster." };

describe.each(kindsUnderTest())("Teams connector failures on %s", (kind) => {
  let t: TeamsServer;
  beforeAll(async () => {
    t = await startTeamsServer(kind);
    // Sue installs Curve, so Curve has her 1:1 chat.
    expect((await t.post(activity("installationUpdate.add", t.fake))).status).toBe(200);
  });
  afterAll(async () => t?.close());
  beforeEach(() => t.fake.clearFailures());

  const personId = async (name: string) =>
    (await t.server.runtime.db.prisma.person.findFirstOrThrow({ where: { partnershipId: t.partnershipId, name } })).id;
  const chatOf = async (aadObjectId: string) =>
    ((await t.server.runtime.db.prisma.platformIdentity.findFirstOrThrow({ where: { platform: "teams", tenant: TENANT, userId: aadObjectId } })).conversation as {
      conversation: { id: string; conversationType: string };
    }).conversation;
  const creates = () => t.fake.calls.filter((c) => c.kind === "create").length + t.fake.refused.filter((c) => c.kind === "create").length;

  it("opens a fresh 1:1 chat, once, when Teams says the old one is not found, and keeps it", async () => {
    const sue = await personId("Sue May");
    const old = await chatOf(PEOPLE.sue.aadObjectId);
    t.fake.fail({ ...GONE, kinds: ["reply", "send"], conversationId: old.id });
    const before = creates();

    const { messageRef } = await t.teams.sendToPerson(sue, nudge);
    const refusedAt = t.fake.refused.findIndex((c) => c.conversationId === old.id);
    expect(refusedAt).toBeGreaterThanOrEqual(0);
    const created = await t.fake.next((c) => c.kind === "create" && (c.body.members as { id: string }[])[0]?.id === PEOPLE.sue.id);
    expect(created.body).toMatchObject({ isGroup: false, tenantId: TENANT });
    const sent = await t.fake.next((c) => c.id === messageRef);
    expect(sent.conversationId).toBe(created.id);
    expect(sent.at).toBeGreaterThan(created.at);
    expect(cardText((sent.body.attachments as { content: unknown }[])[0]!.content)).toContain("Your milestones this week");
    expect(creates() - before).toBe(1);
    // Later messages go to the new chat, without opening another.
    expect(await chatOf(PEOPLE.sue.aadObjectId)).toMatchObject({ id: created.id, conversationType: "personal" });
    const again = await t.teams.sendToPerson(sue, nudge);
    expect((await t.fake.next((c) => c.id === again.messageRef)).conversationId).toBe(created.id);
    expect(creates() - before).toBe(1);
  });

  it("fails the delivery, after one try at a fresh chat, when the new chat is not found either", async () => {
    const sue = await personId("Sue May");
    const chat = await chatOf(PEOPLE.sue.aadObjectId);
    t.fake.fail({ ...GONE, kinds: ["reply", "send"] });
    const before = creates();
    const error = await t.teams.sendToPerson(sue, nudge).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "send_failed", retryable: false });
    expect(creates() - before).toBe(1);
    expect(describeFailure((error as Error).message, "Sue May", "teams").reason).toBe("the Teams chat no longer exists");
    // The chat Curve had is kept: the new one never took a message.
    expect((await chatOf(PEOPLE.sue.aadObjectId)).id).toBe(chat.id);
  });

  it("never answers /api/messages with 500, nor replies twice, when the connector refuses the reply", async () => {
    for (const failure of [REMOVED, GONE]) {
      t.fake.clearFailures();
      t.fake.fail({ ...failure, kinds: ["reply", "send"] });
      const message = activity("message.personal", t.fake, { as: "sue", text: "help" });
      const response = await t.post(message);
      expect(response.status, `connector answered ${failure.status}`).not.toBe(500);
      expect(response.status).toBeLessThan(300);
      const tries = [...t.fake.calls, ...t.fake.refused].filter((c) => c.replyToId === message.id);
      expect(tries, `connector answered ${failure.status}`).toHaveLength(1);
    }
  });

  // A message in the outbox for one person, sent by a delivery worker whose clock is `now`.
  let sequence = 0;
  const enqueue = async (name: string, now: Date) => {
    const row = await t.server.runtime.db.prisma.delivery.create({
      data: { partnershipId: t.partnershipId, personId: await personId(name), key: `test:connector:${++sequence}`, kind: "digest", payload: nudge as object, dueAt: now },
    });
    return row.id;
  };
  const drain = (now: Date) => new DeliveryWorker({ sql: t.server.runtime.db.sql, deps: t.server.runtime.deps, adapters: t.server.adapters, clock: () => now }).drain();
  const deliveryRow = (id: number) => t.server.runtime.db.prisma.delivery.findUniqueOrThrow({ where: { id } });
  const MONDAY = new Date("2011-09-12T10:00:00Z");

  it("waits as long as Teams' Retry-After says on a 429, then sends; if Teams still says wait, the delivery waits that long", async () => {
    const chat = await chatOf(PEOPLE.sue.aadObjectId);
    t.fake.fail({ status: 429, code: "Throttled", message: "Too many requests", retryAfterSeconds: 1, kinds: ["reply", "send"], conversationId: chat.id, times: 1 });
    const landed = await enqueue("Sue May", MONDAY);
    await drain(MONDAY);
    const row = await deliveryRow(landed);
    expect(row).toMatchObject({ status: "sent", platform: "teams" });
    const refused = t.fake.refused.filter((c) => c.status === 429);
    expect(refused).toHaveLength(1);
    const throttledBefore = 1;
    const sent = await t.fake.next((c) => c.id === row.messageRef);
    // Never sooner than the second Teams asked for.
    expect(sent.at - refused[0]!.at).toBeGreaterThanOrEqual(950);

    // Still throttled after the client's own retries: the outbox holds the message for Retry-After, not its own backoff.
    t.fake.fail({ status: 429, code: "Throttled", message: "Too many requests", retryAfterSeconds: 1, kinds: ["reply", "send"], conversationId: chat.id });
    const held = await enqueue("Sue May", MONDAY);
    await drain(MONDAY);
    const waiting = await deliveryRow(held);
    expect(waiting.status).toBe("pending");
    expect(waiting.dueAt.getTime()).toBe(MONDAY.getTime() + 1000);
    expect(waiting.lastError).toContain("HTTP 429");
    const tries = t.fake.refused.filter((c) => c.status === 429).slice(throttledBefore);
    expect(tries.length).toBeGreaterThan(1);
    for (let i = 1; i < tries.length; i++) expect(tries[i]!.at - tries[i - 1]!.at).toBeGreaterThanOrEqual(950);

    t.fake.clearFailures();
    const later = new Date(MONDAY.getTime() + 1000);
    await drain(later);
    expect(await deliveryRow(held)).toMatchObject({ status: "sent" });
  });

  it("records, in words, a failure when the bot was removed from a person's chat, and does not try again", async () => {
    const chat = await chatOf(PEOPLE.sue.aadObjectId);
    t.fake.fail({ ...REMOVED, kinds: ["reply", "send"], conversationId: chat.id });
    const before = creates();
    const refusedBefore = t.fake.refused.length;
    const id = await enqueue("Sue May", MONDAY);
    await drain(MONDAY);
    const row = await deliveryRow(id);
    expect(row.status).toBe("failed");
    expect(row.attempts).toBe(1);
    expect(describeFailure(row.lastError, "Sue May", row.platform ?? "teams").reason).toBe("Sue May blocked Curve in Teams");
    // A 403 is not a missing chat: no fresh one is opened.
    expect(creates()).toBe(before);
    expect(t.fake.refused.slice(refusedBefore).map((c) => [c.conversationId, c.status])).toEqual([[chat.id, 403]]);
  });

  it("records, in words, a failure when Teams will not open a 1:1 chat with someone Curve knows only from a channel", async () => {
    expect((await t.post(activity("conversationUpdate.membersAdded", t.fake))).status).toBe(200);
    t.fake.fail({ status: 403, code: "Forbidden", message: "The bot is not installed for this user.", kinds: ["create"] });
    const refusedBefore = t.fake.refused.length;
    const id = await enqueue("Tony Adlard", MONDAY);
    await drain(MONDAY);
    const row = await deliveryRow(id);
    expect(row.status).toBe("failed");
    expect(row.lastError).toContain("could not open a 1:1 chat");
    expect(describeFailure(row.lastError, "Tony Adlard", "teams").reason).toBe(
      "Teams would not open a chat between Curve and Tony Adlard: the Curve app may not be installed for them",
    );
    expect(t.fake.refused.slice(refusedBefore).map((c) => [c.kind, c.status])).toEqual([["create", 403]]);
  });
});
