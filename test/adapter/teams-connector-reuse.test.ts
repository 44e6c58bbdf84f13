import type { Activity, TurnContext } from "botbuilder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CurveBotAdapter } from "../../src/adapters/teams/bot-adapter.ts";
import { FakeConnector } from "../support/teams-fake-connector.ts";
import { fixture } from "../support/teams-server.ts";

// botbuilder's CloudAdapter makes a new Bot Connector client (and its HTTP pipeline) for every
// turn and every proactive send; Curve's adapter keeps one per service URL and audience.
describe("the Teams adapter's Bot Connector clients", () => {
  const fakes: FakeConnector[] = [];
  beforeAll(async () => {
    fakes.push(await FakeConnector.start(), await FakeConnector.start());
  });
  afterAll(async () => Promise.all(fakes.map((f) => f.close())));

  /** A turn from the emulator (no credentials) through `serviceUrl`: the client it was given, once its reply reached the connector. */
  async function turn(adapter: CurveBotAdapter, fake: FakeConnector, id: string): Promise<unknown> {
    const activity = { ...fixture("message.personal"), id, text: "hello", serviceUrl: fake.url } as Activity;
    let client: unknown;
    const arrived = fake.next((c) => c.replyToId === id, 10_000);
    const outcome = await adapter.processAuthenticated(activity, "", () => null, async (context: TurnContext) => {
      client = context.turnState.get(context.adapter.ConnectorClientKey);
      await context.sendActivity(`echo ${id}`);
    });
    expect(outcome.kind).toBe("handled");
    expect(JSON.stringify((await arrived).body)).toContain(`echo ${id}`);
    return client;
  }

  it("reuses one client for every turn to a service URL, one for every proactive send, and makes another for another URL", async () => {
    const adapter = new CurveBotAdapter(null);
    const [a, b] = fakes as [FakeConnector, FakeConnector];
    const first = await turn(adapter, a, "turn-1");
    expect(first).toBeDefined();
    // Turns at once share it too.
    const together = await Promise.all([turn(adapter, a, "turn-2"), turn(adapter, a, "turn-3")]);
    expect(together).toEqual([first, first]);
    expect(together[0]).toBe(first);

    const other = await turn(adapter, b, "turn-4");
    expect(other).not.toBe(first);
    expect(await turn(adapter, b, "turn-5")).toBe(other);

    // Proactive sends (the outbox's) to that service URL share one too. They ask for the
    // Bot Connector's own audience, which a turn's token need not name, so theirs may differ.
    const proactive = async () => {
      let client: unknown;
      await adapter.continueConversationAsync("", { serviceUrl: a.url, conversation: { id: "a:proactive", isGroup: false, conversationType: "personal", name: "" }, channelId: "msteams" }, async (context) => {
        client = context.turnState.get(context.adapter.ConnectorClientKey);
      });
      return client;
    };
    const sent = await proactive();
    expect(sent).toBeDefined();
    expect(await proactive()).toBe(sent);

    // Another adapter (another app) has clients of its own.
    expect(await turn(new CurveBotAdapter(null), a, "turn-6")).not.toBe(first);
  });
});
