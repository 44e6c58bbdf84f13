import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Conversation, replyOf, type TurnOutcome } from "../../src/adapters/conversation.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

const NOW = new Date("2011-09-12T10:00:00Z");

describe.each(kindsUnderTest())("a change decided on a read the row has moved on from, through the conversation, on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  it("marks done a milestone someone reopened between the sender's read and the change, and a retry replays that reply", async () => {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, () => NOW);
    const tenant = `T-${partnershipId}`;
    await driver.deps.store.bindTenant("slack", tenant, partnershipId);
    await driver.run("Simon Flowers", "/milestone done ATT-4.1 first go");
    let between: (() => Promise<unknown>) | null = () => driver.run("Simon Flowers", "/milestone undo ATT-4.1"); // someone else, at the same moment
    const conversation = new Conversation(
      { deps: driver.deps, log: driver.deps.log, clock: () => NOW },
      {
        platform: "slack",
        partnershipFor: async () => ({ ok: true, partnershipId }),
        // Someone else's undo lands after the sender and the milestone were read, before the change.
        identified: async () => {
          const run = between;
          between = null;
          await run?.();
        },
      },
    );
    const jancis = (await driver.deps.store.findPersonById(partnershipId, await driver.personId("Jancis Andrew")))!;
    await driver.deps.store.once({ partnershipId, actor: jancis, origin: { platform: "slack", tenant, channel: "setup" }, idempotencyKey: `link-${partnershipId}`, at: NOW }, async (tx) => {
      await tx.linkIdentity(jancis, { platform: "slack", tenant, userId: "U1" });
      return { tone: "info", blocks: [], visibility: "ephemeral" };
    });
    const answers: TurnOutcome[] = [];
    const turn = { tenant, user: { userId: "U1", email: async () => null }, channel: "C1", command: "milestone", text: "done ATT-4.1 agreed", key: "k-race", forms: false };
    await conversation.handle(turn, async (o) => void answers.push(o));
    await conversation.handle(turn, async (o) => void answers.push(o)); // Slack's retry
    const m = await t.db.prisma.milestone.findFirstOrThrow({ where: { ref: "ATT-4.1", action: { plan: { partnershipId } } } });
    expect({ first: replyOf(answers[0]!).heading, retry: replyOf(answers[1]!).heading, done: m.doneAt !== null }).toEqual({ first: "ATT-4.1 done", retry: "ATT-4.1 done", done: true });
  });
});
