import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeFailure } from "../../src/domain/delivery-failure.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

describe("failure reasons in words", () => {
  it.each([
    ["Teams refused the message (403 Forbidden)", "teams", "Jancis Andrew blocked Curve in Teams"],
    ["teams proactive send failed: 404 conversation not found", "teams", "the Teams chat no longer exists"],
    ["Teams could not open a 1:1 chat between Curve and person 7 (HTTP 403 Forbidden The bot is not installed for this user.).", "teams", "Teams would not open a chat between Curve and Jancis Andrew: the Curve app may not be installed for them"],
    ["Teams did not take the message for person 7 (HTTP 404 ConversationNotFound Conversation not found.).", "teams", "the Teams chat no longer exists"],
    ["Teams did not take the message for person 7 (HTTP 403 BotNotInConversationRoster The bot is not part of the conversation roster.).", "teams", "Jancis Andrew blocked Curve in Teams"],
    ["no Slack or Teams account linked", null, "no Slack or Teams account linked"],
    ["Slack refused the message: account_inactive", "slack", "Jancis Andrew's Slack account no longer exists or is deactivated"],
  ])("%s -> %s", (recorded, platform, words) => expect(describeFailure(recorded, "Jancis Andrew", platform).reason).toBe(words));
});

describe.each(kindsUnderTest())("/curve deliveries on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  it("lists every failure to coordinators, fixable people first, paged, and refuses others", async () => {
    const partnershipId = await loadDemo(t.db);
    const people = await t.db.prisma.person.findMany({ where: { partnershipId }, orderBy: { id: "asc" }, take: 21 });
    const when = new Date("2011-09-26T09:00:00Z");
    // 19 people never linked, and two real failures behind them.
    await t.db.prisma.delivery.createMany({
      data: [
        ...people.slice(0, 19).map((p, i) => ({ partnershipId, personId: p.id, key: `t:unlinked:${p.id}`, kind: "nudge", payload: {}, dueAt: new Date(when.getTime() + i * 1000), status: "failed" as const, lastError: "no Slack or Teams account linked" })),
        { partnershipId, personId: people[19]!.id, key: "t:blocked", kind: "digest", payload: {}, dueAt: when, status: "failed" as const, platform: "teams" as const, lastError: "Teams refused the message (403)" },
        { partnershipId, personId: people[20]!.id, key: "t:gone", kind: "nudge", payload: {}, dueAt: when, status: "failed" as const, platform: "teams" as const, lastError: "conversation not found (404)" },
      ],
    });
    const p = commandDriver(t.db, partnershipId);
    const refused = await p.run("Jancis Andrew", "/curve deliveries failed");
    expect(refused.code).toBe("not_permitted");

    const first = await p.run("Nigel Richardson", "/curve deliveries failed");
    expect(first.private).toBe(true);
    expect(first.heading).toBe("Failed deliveries (21)");
    const lines = first.rendered.split("\n");
    const firstPerson = lines.findIndex((l) => l.includes(`${people[19]!.name}`));
    const gone = lines.findIndex((l) => l.includes("the Teams chat no longer exists"));
    // The first unlinked person's row (not the summary sentence above the list).
    const unlinked = lines.findIndex((l) => l.includes("no Slack or Teams account linked") && !l.includes("can be fixed"));
    expect(first.rendered).toContain(`${people[19]!.name} blocked Curve in Teams`);
    expect(firstPerson).toBeGreaterThanOrEqual(0);
    expect(gone).toBeGreaterThanOrEqual(0);
    expect(unlinked).toBeGreaterThan(Math.max(firstPerson, gone));
    expect(first.rendered).toContain("Page 1 of 3");

    const third = await p.run("Nigel Richardson", "/curve deliveries failed page 3");
    expect(third.rendered).toContain("Page 3 of 3");
    expect(third.rendered).not.toContain("blocked Curve");
    expect((await p.run("Nigel Richardson", "/curve deliveries failed page 4")).code).toBe("usage");
    expect((await p.run("Nigel Richardson", "/curve deliveries sideways")).code).toBe("usage");
  });
});
