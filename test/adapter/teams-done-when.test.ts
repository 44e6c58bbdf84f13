import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindsUnderTest } from "../support/databases.ts";
import { cardText, checkCard } from "../support/teams-cards.ts";
import { activity, PEOPLE, startTeamsServer, type TeamsServer } from "../support/teams-server.ts";

// Issue 4, "Done when", as one test on each database.
describe.each(kindsUnderTest())("Teams: done when, on %s", (kind) => {
  let t: TeamsServer;
  beforeAll(async () => {
    t = await startTeamsServer(kind, { CURVE_TEAMS_ALLOW_UNAUTHENTICATED: "1" });
  });
  afterAll(async () => t?.close());

  it("answers 'milestone done ATT-4.1 model agreed' with a card, marks it done, and a second copy changes nothing", async () => {
    const { fake, server, partnershipId } = t;
    const message = activity("message.personal", fake, { as: "jancis", text: "milestone done ATT-4.1 model agreed" });
    const milestone = () =>
      server.runtime.db.prisma.milestone.findFirstOrThrow({ where: { ref: "ATT-4.1", action: { plan: { partnershipId } } }, include: { doneBy: true } });
    const audit = () => server.runtime.db.prisma.auditEvent.findMany({ where: { partnershipId, event: "milestone.done" } });
    expect((await milestone()).doneAt).toBeNull();

    // The member lookup is how Curve learns who this is: the fake answers with Jancis's email.
    expect(fake.members.get(PEOPLE.jancis.id)?.email).toBe("jancis.andrew@example.org");
    expect((await t.post(message)).status).toBe(200);
    expect(fake.calls.filter((c) => c.kind === "member" && c.path.endsWith(encodeURIComponent(PEOPLE.jancis.id)))).toHaveLength(1);

    const replies = fake.cardsSent().filter(({ call }) => call.replyToId === message.id);
    expect(replies).toHaveLength(1);
    const card = replies[0]!.card;
    expect(checkCard(card).problems).toEqual([]);
    expect(cardText(card)).toContain("ATT-4.1 done");
    expect(cardText(card)).toContain("Evidence: model agreed");

    const done = await milestone();
    expect(done.doneAt).not.toBeNull();
    expect(done.evidence).toBe("model agreed");
    expect(done.doneBy?.name).toBe("Jancis Andrew");
    const events = await audit();
    expect(events).toHaveLength(1);
    expect(events[0]!.origin).toMatchObject({ platform: "teams", tenant: "4d1f2b9e-61c7-4b8a-9f57-0e2a3c4d5e6f" });

    const callsBefore = fake.calls.length;
    expect((await t.post(message)).status).toBe(200);
    expect(fake.calls.length).toBe(callsBefore);
    expect(await milestone()).toEqual(done);
    expect(await audit()).toEqual(events);
  });
});
