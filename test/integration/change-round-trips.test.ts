import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import type { ChangeContext, ChangeStore } from "../../src/commands/store.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";

// DESIGN "One round trip per change": each change counts its statements, from BEGIN to COMMIT.
describe.each(kindsUnderTest())("round trips per change on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function demo() {
    const partnershipId = await loadDemo(t.db);
    const store = new PrismaStore(t.db);
    const [actor] = await store.findPeopleByName(partnershipId, "Jancis Andrew");
    const ctx = (): ChangeContext => ({
      partnershipId,
      actor: actor!,
      origin: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" },
      idempotencyKey: randomUUID(),
      at: new Date("2011-09-12T10:00:00Z"),
    });
    const milestone = async (ref: string) => {
      const { items } = await store.listMilestones(partnershipId, { limit: 500 });
      return items.find((m) => m.ref === ref)!;
    };
    /** Runs one change and returns how many statements it sent, and what it applied. */
    async function counted(change: (tx: ChangeStore) => Promise<{ applied: boolean }>): Promise<{ trips: number; applied: boolean }> {
      let applied = false;
      const before = t.db.roundTrips.count;
      await store.once(ctx(), async (tx): Promise<Reply> => {
        applied = (await change(tx)).applied;
        return { tone: "success", heading: "ok", sections: [] } as unknown as Reply;
      });
      return { trips: t.db.roundTrips.count - before, applied };
    }
    return { partnershipId, store, milestone, counted };
  }

  it("marks a milestone done, adds evidence and reopens it in 5 statements each: BEGIN, lock, change with its audit, receipt, COMMIT", async () => {
    const d = await demo();
    const m = await d.milestone("ATT-5.1");
    expect(await d.counted((tx) => tx.markMilestoneDone(m, "Script agreed"))).toEqual({ trips: 5, applied: true });
    expect(await d.counted((tx) => tx.addMilestoneEvidence(m, "Chairs signed off"))).toEqual({ trips: 5, applied: true });
    expect(await d.counted((tx) => tx.reopenMilestone(m))).toEqual({ trips: 5, applied: true });
    const events = await t.db.kysely.selectFrom("audit_event").select(["event", "before", "after"]).where("partnership_id", "=", d.partnershipId).orderBy("id").execute();
    expect(events.map((e) => e.event)).toEqual(["milestone.done", "milestone.evidence", "milestone.reopened"]);
    expect(events[0]!.after).toMatchObject({ doneBy: "Jancis Andrew", evidence: "Script agreed" });
    expect(events[2]!.before).toMatchObject({ evidence: "Script agreed\nChairs signed off" });
  });

  it("sets an action's state in 7 statements: BEGIN, lock, closed-plan check, change with its audit, the action read back, receipt, COMMIT", async () => {
    const d = await demo();
    const [action] = await d.store.findActionsByRef(d.partnershipId, "ATT-5");
    expect(await d.counted((tx) => tx.setActionState(action!, "at_risk", null))).toEqual({ trips: 7, applied: true });
    const [after] = await d.store.findActionsByRef(d.partnershipId, "ATT-5");
    expect(after!.state).toBe("at_risk");
    const events = await t.db.kysely.selectFrom("audit_event").select(["event", "before", "after"]).where("partnership_id", "=", d.partnershipId).execute();
    expect(events).toEqual([{ event: "action.status", before: { state: "not_started" }, after: { state: "at_risk", note: null } }]);
  });
});
