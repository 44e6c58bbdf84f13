import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// A request's key (a Slack trigger id, a Teams activity id) answers only that request: a
// retry of it gets its stored reply, and nothing else that arrives under the same key does.
describe.each(kindsUnderTest())("requests sent again, on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function setUp() {
    const partnershipId = await loadDemo(t.db);
    await t.db.prisma.priority.updateMany({ where: { plan: { partnershipId } }, data: { channel: "slack:T1:C0" } });
    const driver = commandDriver(t.db, partnershipId);
    const outbox = () => t.db.prisma.delivery.count({ where: { partnershipId } });
    const audit = () => t.db.prisma.auditEvent.count({ where: { partnershipId } });
    const milestone = (ref: string) => t.db.prisma.milestone.findFirstOrThrow({ where: { ref, action: { priority: { plan: { partnershipId } } } } });
    return { ...driver, partnershipId, outbox, audit, milestone };
  }

  it("answers a request that arrives under another request's key with a refusal, not the other's stored reply, and changes nothing", async () => {
    const p = await setUp();
    const first = await p.run("Jancis Andrew", "/milestone done ATT-4.1 agreed at cluster chairs", "reused-1");
    expect(first.heading).toBe("ATT-4.1 done");
    const [outbox, audit] = [await p.outbox(), await p.audit()];

    // Other words under the same key: a different change, so not the first one's reply.
    const other = await p.run("Jancis Andrew", "/milestone done ATT-5.1 script agreed", "reused-1");
    expect(other.code).toBe("conflict");
    expect(other.rendered).not.toContain("ATT-4.1 done");
    expect((await p.milestone("ATT-5.1")).doneAt).toBeNull();

    // Someone else under the same key: never shown another person's change.
    const note = await p.run("Jancis Andrew", "/action note ATT-5 called the head at Park View", "reused-2");
    expect(note.heading).toBe("Note added to ATT-5");
    const stranger = await p.run("Tony Adlard", "/action note ATT-5 called the head at Park View", "reused-2");
    expect(stranger.code).toBe("conflict");
    expect(stranger.rendered).not.toContain("Park View");

    // A change of another family (the pledges' store, the risk register) under a used key.
    expect((await p.run("Nigel Richardson", "/indicator record NEET 7.8 2011-06", "reused-1")).code).toBe("conflict");
    expect((await p.run("Nigel Richardson", "/risk add NEET | Minor slippage | likelihood: 1 | impact: 2", "reused-1")).code).toBe("conflict");
    expect(await p.outbox()).toBe(outbox);
    expect(await p.audit()).toBe(audit + 1);

    // The very same request again is still answered with its stored reply, and repeats nothing.
    const again = await p.run("Jancis Andrew", "/milestone done ATT-4.1 agreed at cluster chairs", "reused-1");
    expect([again.heading, again.replayed]).toEqual(["ATT-4.1 done", true]);
    expect(await p.audit()).toBe(audit + 1);
  });

});
