import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import type { ChangeContext } from "../../src/commands/store.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

const WORKSHOP =
  "story: admissions rose as court delays lengthened | partners: police, schools | works: family group conferencing | gaps: no data on short-term admissions" +
  " | action: Sue May: edge-of-care panel for every proposed admission; panel meets weekly by end of October 2011";

// The delivery worker is woken (bot/serve.ts) by the database's outbox signal: after a change
// commits rows to the outbox, and only then. A change whose follow-ups were all skipped wakes
// nobody, so the worker does not read an empty outbox after every change.
describe.each(kindsUnderTest())("the outbox signal on %s", (kind) => {
  let t: TestDatabase;
  let stop: (() => void) | undefined;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterEach(() => stop?.());
  afterAll(async () => t.close());

  /** The Leeds demo, and each signal's view of the partnership's outbox, read as it fired. */
  async function listening() {
    const partnershipId = await loadDemo(t.db);
    const seen: Promise<string[]>[] = [];
    stop = t.db.outbox.onWritten(() => {
      seen.push(
        t.db.kysely
          .selectFrom("delivery")
          .select("kind")
          .where("partnership_id", "=", partnershipId)
          .orderBy("id")
          .execute()
          .then((rows) => rows.map((r) => r.kind)),
      );
    }, (error) => {
      throw error;
    });
    const outbox = async () => (await t.db.kysely.selectFrom("delivery").select("kind").where("partnership_id", "=", partnershipId).orderBy("id").execute()).map((r) => r.kind);
    return { partnershipId, ...commandDriver(t.db, partnershipId), signals: () => Promise.all(seen), outbox };
  }

  it("fires once after a change commits its announcement, and not for a change with nothing to send, nor for its retry", async () => {
    const p = await listening();
    // ATT's priority has no channel, and nobody keeps a Slack App Home: nothing to send.
    expect((await p.run("Jancis Andrew", "/milestone done ATT-5.1 Script agreed")).heading).toBe("ATT-5.1 done");
    expect(await p.signals()).toEqual([]);
    expect(await p.outbox()).toEqual([]);

    await t.db.prisma.priority.updateMany({ where: { plan: { partnershipId: p.partnershipId }, refPrefix: "ATT" }, data: { channel: "slack:T1:C0ATTEND" } });
    const key = randomUUID();
    expect((await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed", key)).heading).toBe("ATT-4.1 done");
    // The signal's own read already saw the row: it fired after the commit.
    expect(await p.signals()).toEqual([["announcement"]]);
    // A retry is answered from its receipt: nothing new in the outbox, no second signal.
    expect((await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed", key)).replayed).toBe(true);
    // The same command under a new key changes nothing, so it sends nothing.
    expect((await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed")).heading).toBe("ATT-4.1 was already done");
    expect(await p.signals()).toHaveLength(1);
    expect(await p.outbox()).toEqual(["announcement"]);
  });

  it("fires for an App Home refresh only while someone keeps an App Home", async () => {
    const p = await listening();
    await p.run("Jancis Andrew", "/milestone done ATT-5.1 Script agreed");
    expect(await p.signals()).toEqual([]);
    const jancis = await p.personId("Jancis Andrew");
    await t.db.sql.query(`INSERT INTO platform_identity (person_id, platform, tenant, user_id, home_opened_at) VALUES ($1, 'slack', 'T1', $2, now())`, [jancis, `U${jancis}`]);
    await p.run("Jancis Andrew", "/milestone undo ATT-5.1");
    expect(await p.signals()).toEqual([["app_home"]]);
  });

  it("fires once after a change made in a transaction commits, however many rows it added", async () => {
    const p = await listening();
    // Two changes in one: more than the one-statement planner takes, so a transaction.
    const store = new PrismaStore(t.db);
    const [jancis] = await store.findPeopleByName(p.partnershipId, "Jancis Andrew");
    const { items } = await store.listMilestones(p.partnershipId, { limit: 500 });
    const [first, second] = ["ATT-5.1", "ATT-4.1"].map((ref) => items.find((m) => m.ref === ref)!);
    const ctx: ChangeContext = { partnershipId: p.partnershipId, actor: jancis!, origin: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" }, idempotencyKey: randomUUID(), at: new Date("2011-09-12T10:00:00Z") };
    const before = t.db.roundTrips.count;
    await store.once(ctx, async (tx): Promise<Reply> => {
      await tx.markMilestoneDone(first!, null);
      await tx.markMilestoneDone(second!, null);
      return { tone: "success", heading: "both done", sections: [], announcements: [{ channel: "slack:T1:C1", text: "one" }, { channel: "slack:T1:C2", text: "two" }] } as unknown as Reply;
    });
    expect(t.db.roundTrips.count - before).toBeGreaterThan(2);
    expect(await p.signals()).toEqual([["announcement", "announcement"]]);

    // A change that throws commits nothing and fires nothing.
    await expect(
      store.once({ ...ctx, idempotencyKey: randomUUID() }, async (tx): Promise<Reply> => {
        await tx.reopenMilestone(first!);
        await tx.reopenMilestone(second!);
        throw new Error("refused after the changes");
      }),
    ).rejects.toThrow("refused after the changes");
    expect(await p.signals()).toHaveLength(1);
    expect(await p.outbox()).toEqual(["announcement", "announcement"]);
  });

  it("keeps a listener's failure from the change, which is committed and answered as made", async () => {
    const partnershipId = await loadDemo(t.db);
    const p = commandDriver(t.db, partnershipId);
    await t.db.prisma.priority.updateMany({ where: { plan: { partnershipId }, refPrefix: "ATT" }, data: { channel: "slack:T1:C0ATTEND" } });
    const failures: unknown[] = [];
    stop = t.db.outbox.onWritten(() => {
      throw new Error("the worker is gone");
    }, (error) => failures.push(error));
    const reply = await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed");
    expect(reply.heading).toBe("ATT-4.1 done");
    expect(reply.replayed).toBeUndefined();
    expect(failures.map((e) => (e as Error).message)).toEqual(["the worker is gone"]);
    expect(p.recorded.errors).toEqual([]);
  });

  it("fires once after a workshop tells the owners of the actions it made", async () => {
    const p = await listening();
    const reply = await p.run("Jackie Wilson", `/oba log LAC ${WORKSHOP}`);
    expect(reply.tone).toBe("success");
    expect(await p.signals()).toEqual([["oba.action"]]);
  });
});
