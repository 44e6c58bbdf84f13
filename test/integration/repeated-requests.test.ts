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

  it("changes nothing, and posts nothing, when the same status, note or snooze is sent again under a new key", async () => {
    const p = await setUp();
    const twice = async (who: string, line: string) => {
      const first = await p.run(who, line, undefined, { platform: "slack" });
      const [outbox, audit] = [await p.outbox(), await p.audit()];
      const second = await p.run(who, line, undefined, { platform: "slack" });
      return { first, second, outbox: (await p.outbox()) - outbox, audit: (await p.audit()) - audit };
    };
    // Setting the state it has, with the note it was just given: no second announcement, no second note.
    const status = await twice("Jancis Andrew", "/action status ATT-5 at risk waiting on the leaflet");
    expect(status.first.heading).toBe("ATT-5 is now at risk");
    expect([status.second.heading, status.second.announcements, status.outbox, status.audit]).toEqual(["ATT-5 is already at risk", undefined, 0, 0]);
    // The same state with a new note is news: the note is kept and announced.
    const news = await p.run("Jancis Andrew", "/action status ATT-5 at risk leaflet printed, not yet sent", undefined, { platform: "slack" });
    expect([news.heading, news.announcements?.length]).toEqual(["ATT-5 is now at risk", 1]);

    const note = await twice("Jancis Andrew", "/action note ATT-5 called the head at Park View");
    expect([note.second.heading, note.outbox, note.audit]).toEqual(["ATT-5 already has that note", 0, 0]);
    const notes = await t.db.prisma.actionNote.count({ where: { text: "called the head at Park View", action: { ref: "ATT-5", priority: { plan: { partnershipId: p.partnershipId } } } } });
    expect(notes).toBe(1);

    // A snooze to the moment it is already quiet until: not a second snooze (three bring in the lead).
    const snooze = await twice("Jancis Andrew", "/milestone snooze ATT-5.1 7d | waiting for the data");
    expect(snooze.first.heading).toBe("ATT-5.1 snoozed for 7 days");
    expect([snooze.second.heading, snooze.outbox, snooze.audit]).toEqual(["ATT-5.1 is already snoozed", 0, 0]);
    expect((await p.milestone("ATT-5.1")).snoozeCount).toBe(1);
  });

  it("records no change when an indicator's tolerance is sent again with the value it already has", async () => {
    const p = await setUp();
    const line = "/indicator tolerance NEET 0.2";
    expect((await p.run("Nigel Richardson", line)).heading).toBe("NEET's tolerance is now 0.2 percentage points");
    const audit = await p.audit();
    expect((await p.run("Nigel Richardson", line)).heading).toBe("NEET's tolerance is already 0.2 percentage points.");
    expect(await p.audit()).toBe(audit);
  });
});
