import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import { handleInvocation } from "../../src/commands/dispatch.ts";
import type { ChangeContext, ChangeStore } from "../../src/commands/store.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

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

  /** A whole command as a person sends it, from identifying them (by person id, as the shell does) to the reply. */
  async function commands() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId);
    const jancis = await driver.personId("Jancis Andrew");
    return async (line: string, key: string = randomUUID()) => {
      const [command = "", ...rest] = line.replace(/^\//, "").split(" ");
      const before = t.db.roundTrips.count;
      const reply = await handleInvocation(driver.deps, {
        partnershipId,
        actor: { personId: jancis },
        place: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" },
        command,
        text: rest.join(" "),
        idempotencyKey: key,
        now: new Date("2011-09-12T10:00:00Z"),
      });
      return { trips: t.db.roundTrips.count - before, heading: reply.heading, replayed: reply.replayed ?? false };
    };
  }

  it("costs 7 round trips for a milestone change in all: identify, the action read, BEGIN, lock, change with its audit, receipt, COMMIT", async () => {
    const run = await commands();
    expect(await run("/milestone done ATT-5.1 Script agreed")).toEqual({ trips: 7, heading: "ATT-5.1 done", replayed: false });
    expect(await run("/milestone evidence ATT-5.1 Chairs signed off")).toEqual({ trips: 7, heading: "Evidence added to ATT-5.1", replayed: false });
    expect(await run("/milestone undo ATT-5.1")).toEqual({ trips: 7, heading: "ATT-5.1 reopened", replayed: false });
  });

  it("costs 7 round trips for a retry (replayed) and 6 for a change already made under another key", async () => {
    const run = await commands();
    const key = randomUUID();
    expect(await run("/milestone done ATT-4.1 model agreed", key)).toEqual({ trips: 7, heading: "ATT-4.1 done", replayed: false });
    expect(await run("/milestone done ATT-4.1 model agreed", key)).toEqual({ trips: 7, heading: "ATT-4.1 done", replayed: true });
    expect(await run("/milestone done ATT-4.1 model agreed")).toEqual({ trips: 6, heading: "ATT-4.1 was already done", replayed: false });
  });

  it("costs 9 round trips for /action status and 2 for /action show", async () => {
    const run = await commands();
    expect(await run("/action status ATT-5 at-risk")).toEqual({ trips: 9, heading: "ATT-5 is now at risk", replayed: false });
    expect(await run("/action show ATT-5")).toEqual({ trips: 2, heading: "ATT-5", replayed: false });
  });
});
