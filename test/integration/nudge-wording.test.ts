import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatAdapter } from "../../src/adapters/chat/chat-adapter.ts";
import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import { DeliveryWorker } from "../../src/bot/delivery-worker.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";

/** What a nudge says of one milestone, as its recipient reads it: the detail line under its ref. */
function detailOf(reply: Reply, ref: string): string | undefined {
  for (const block of reply.blocks) {
    if (block.type !== "list") continue;
    const item = block.items.find((i) => i.text.startsWith(`${ref} · `));
    if (item) return item.detail;
  }
  return undefined;
}

describe.each(kindsUnderTest())("what a nudge says about when a milestone is due, on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  /** The demo, with Jancis Andrew (owner of ATT-5.1) on Slack, a recording platform and a worker on a clock the test moves. */
  async function jancisOnSlack() {
    const partnershipId = await loadDemo(t.db);
    const jancis = await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId, name: "Jancis Andrew" } });
    await t.db.prisma.platformIdentity.create({ data: { personId: jancis.id, platform: "slack", tenant: "T1", userId: `U-JANCIS-${partnershipId}` } });
    const sent: Reply[] = [];
    const adapter: ChatAdapter = {
      platform: "slack",
      mount: () => undefined,
      close: async () => undefined,
      async sendToPerson(personId, reply) {
        if (personId === jancis.id) sent.push(reply);
        return { messageRef: `m${sent.length}` };
      },
    };
    const clock = { now: new Date(0) };
    const worker = new DeliveryWorker({ sql: t.db.sql, deps: { store: new PrismaStore(t.db), log: { info: () => undefined, error: () => undefined } }, adapters: [adapter], clock: () => clock.now, id: "w" });
    const dueOn = (ref: string, date: string | null) =>
      t.db.sql.query(
        `UPDATE milestone m SET due_date = $3::date, due_start = $3::date, due_precision = CASE WHEN $3::date IS NULL THEN 'tbc' ELSE 'day' END::due_precision
         FROM action a JOIN plan pl ON pl.id = a.plan_id WHERE a.id = m.action_id AND pl.partnership_id = $1 AND m.ref = $2`,
        [partnershipId, ref, date],
      );
    /** Sweeps at `at`, sends what is due then, and returns what Jancis read about `ref`. */
    const readAt = async (at: string, ref: string) => {
      clock.now = new Date(at);
      await runNudgeSweep(jobStoreOf(t.db), partnershipId, clock.now);
      const before = sent.length;
      await worker.drain();
      return sent.slice(before).map((r) => detailOf(r, ref)).find((d) => d !== undefined);
    };
    return { partnershipId, sent, clock, worker, dueOn, readAt };
  }

  it("says 'due on Tuesday', not 'due tomorrow', for the working day before a milestone due after Christmas", async () => {
    const { dueOn, readAt } = await jancisOnSlack();
    await dueOn("ATT-5.1", "2026-12-29");
    // Thursday 24 December 2026: the next working day is Tuesday 29th (Christmas Day, then Boxing Day's substitute on Monday 28th).
    expect(await readAt("2026-12-24T09:00:00Z", "ATT-5.1")).toMatch(/^due on Tuesday \(29 December 2026\)/);
  });

  it("says 'due on Monday' on the Friday before, and 'due today' on the day, across the clocks going forward", async () => {
    const { dueOn, readAt } = await jancisOnSlack();
    await dueOn("ATT-5.1", "2026-03-30");
    expect(await readAt("2026-03-27T09:00:00Z", "ATT-5.1")).toMatch(/^due on Monday \(30 March 2026\)/);
    // Monday 30 March 2026, 08:00 BST (07:00 UTC): the first working minute after the change.
    expect(await readAt("2026-03-30T07:00:00Z", "ATT-5.1")).toMatch(/^due today \(30 March 2026\)/);
    expect(await readAt("2026-03-31T09:00:00+01:00", "ATT-5.1")).toMatch(/^overdue: it was due 30 March 2026/);
  });

  it("counts the days left when a 'week before' nudge was held over a bank holiday", async () => {
    const { dueOn, readAt } = await jancisOnSlack();
    // Due Monday 4 January 2027: its week-before falls on Monday 28 December, a bank holiday; it goes on Tuesday 29th.
    await dueOn("ATT-5.1", "2027-01-04");
    expect(await readAt("2026-12-28T10:00:00Z", "ATT-5.1")).toBeUndefined();
    expect(await readAt("2026-12-29T09:00:00Z", "ATT-5.1")).toMatch(/^due on Monday \(4 January 2027\)/);
  });

  it("reads the date as it is when the message goes, not as it was at the sweep", async () => {
    const { dueOn, clock, worker, partnershipId, sent } = await jancisOnSlack();
    await dueOn("ATT-5.1", null);
    // A sweep asks for a date, in the evening; by the next morning someone has set one.
    clock.now = new Date("2026-11-30T17:45:00Z");
    await runNudgeSweep(jobStoreOf(t.db), partnershipId, clock.now);
    await dueOn("ATT-5.1", "2026-12-11");
    clock.now = new Date("2026-11-30T19:00:00Z");
    await worker.drain();
    expect(sent).toEqual([]);
    clock.now = new Date("2026-12-01T08:00:00Z");
    await worker.drain();
    expect(sent.map((r) => detailOf(r, "ATT-5.1")).find((d) => d)).toMatch(/^due in 10 days \(11 December 2026\)/);
  });
});
