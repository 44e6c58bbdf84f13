import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// DESIGN "One round trip per change": a message the personal-data guard holds, and a decision
// on it, counted at the driver from identifying the sender to the reply. Holding it is 2 (the
// person with the action and the guard's context; then the hold, its audit event and its
// receipt), and so is deciding it (the person with the hold and the action its line names; then
// the change, its audit event, its receipt and the hold settled). A retry with the same key is
// 1: the stored reply.
describe.each(kindsUnderTest())("round trips of a held message on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  const NOW = new Date("2011-09-12T10:00:00Z");
  // A valid NHS number from the range reserved for testing.
  const LINE = "/milestone done ATT-4.1 referral sent for 999 123 4578";

  async function partnership() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, () => NOW);
    const jancis = await driver.personId("Jancis Andrew");
    /** One line as Jancis (by id, as the shell sends it), with its reply and the round trips it cost. */
    const send = (line: string, key: string) => driver.countedReply(jancis, line, key);
    const tokenOf = (reply: Reply): string => reply.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : [])).find((b) => b.actionId === "privacy.cancel")!.value;
    /** What the hold, the decision and the change leave: held rows, audit events, receipts, the milestone. */
    async function stored() {
      const held = await t.db.kysely.selectFrom("held_text").select(["token", "request_key", "text", "line_read", "expires_at"]).where("partnership_id", "=", partnershipId).execute();
      const audit = await t.db.kysely.selectFrom("audit_event").select(["event", "subject_type", "before", "after", "idempotency_key"]).where("partnership_id", "=", partnershipId).orderBy("id").execute();
      const receipts = await t.db.kysely.selectFrom("command_receipt").select(["idempotency_key", "reply"]).where("partnership_id", "=", partnershipId).orderBy("idempotency_key").execute();
      const milestone = await t.db.kysely
        .selectFrom("milestone as m")
        .innerJoin("action as a", "a.id", "m.action_id")
        .innerJoin("plan as pl", "pl.id", "a.plan_id")
        .select(["m.done_at", "m.done_by_id", "m.evidence"])
        .where("pl.partnership_id", "=", partnershipId)
        .where("m.ref", "=", "ATT-4.1")
        .executeTakeFirstOrThrow();
      return { held, audit, receipts: receipts.map((r) => [r.idempotency_key, (r.reply as Reply).heading]), milestone };
    }
    return { partnershipId, jancis, send, tokenOf, stored };
  }

  it("holds it in 2 round trips, with its audit event and receipt; a retry is 1 and gets the same prompt, holding nothing more", async () => {
    const p = await partnership();
    const key = randomUUID();
    const held = await p.send(LINE, key);
    expect(held.trips).toBe(2);
    expect(held.reply.code).toBe("held_personal_data");
    const token = p.tokenOf(held.reply);
    const after = await p.stored();
    expect(after.held).toEqual([{ token, request_key: key, text: "done ATT-4.1 referral sent for 999 123 4578", line_read: { ref: "ATT-4" }, expires_at: new Date("2011-09-13T10:00:00Z") }]);
    expect(after.audit).toEqual([{ event: "privacy.held", subject_type: "held_text", before: null, after: { command: "milestone", outcome: "block", kinds: { nhs_number: 1 } }, idempotency_key: key }]);
    expect(after.receipts).toEqual([[key, "Held: this may be personal data"]]);
    expect(JSON.stringify(after.audit)).not.toMatch(/999|4578/);
    expect(after.milestone.done_at).toBeNull();

    const retry = await p.send(LINE, key);
    expect(retry.trips).toBe(1);
    expect(retry.reply.replayed).toBe(true);
    expect(p.tokenOf(retry.reply)).toBe(token);
    expect(await p.stored()).toEqual(after);
  });

  it("removes the parts and saves in 2 round trips, settling the hold with the change; a retry is 1 and changes nothing, and a second click finds nothing held", async () => {
    const p = await partnership();
    const holdKey = randomUUID();
    const token = p.tokenOf((await p.send(LINE, holdKey)).reply);
    const key = randomUUID();
    const saved = await p.send(`/curve held remove ${token}`, key);
    expect(saved.trips).toBe(2);
    expect(saved.reply.heading).toBe("ATT-4.1 done");
    const after = await p.stored();
    expect(after.held).toEqual([]);
    expect(after.milestone).toMatchObject({ done_by_id: p.jancis, evidence: "referral sent for [removed]" });
    expect(after.milestone.done_at).toEqual(NOW);
    // One statement writes the change's event and the decision's, in no set order.
    expect(after.audit.map((a) => [a.event, a.after]).sort()).toEqual([
      ["milestone.done", { doneAt: NOW.toISOString(), doneBy: "Jancis Andrew", evidence: "referral sent for [removed]" }],
      ["privacy.decided", { decision: "removed" }],
      ["privacy.held", { command: "milestone", outcome: "block", kinds: { nhs_number: 1 } }],
    ]);
    expect(after.audit.find((a) => a.event === "privacy.decided")).toMatchObject({ subject_type: "held_text", before: { outcome: "block", kinds: { nhs_number: 1 } }, idempotency_key: null });
    // The change's own receipt (under the hold's key) and the decision's.
    expect(after.receipts).toEqual(
      [
        [holdKey, "Held: this may be personal data"],
        [key, "ATT-4.1 done"],
        [`held:${token}`, "ATT-4.1 done"],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );

    const retry = await p.send(`/curve held remove ${token}`, key);
    expect(retry.trips).toBe(1);
    expect(retry.reply).toMatchObject({ heading: "ATT-4.1 done", replayed: true });
    expect(await p.stored()).toEqual(after);

    const again = await p.send(`/curve held remove ${token}`, randomUUID());
    expect(again.reply.heading).toBe("Nothing is held under that");
    expect(again.trips).toBe(1);
    expect(await p.stored()).toEqual(after);
  });

  it("cancels in 2 round trips, leaving the milestone as it was; a retry is 1", async () => {
    const p = await partnership();
    const token = p.tokenOf((await p.send(LINE, randomUUID())).reply);
    const key = randomUUID();
    const cancelled = await p.send(`/curve held cancel ${token}`, key);
    expect(cancelled).toMatchObject({ trips: 2, reply: { heading: "Cancelled" } });
    const after = await p.stored();
    expect(after.held).toEqual([]);
    expect(after.milestone.done_at).toBeNull();
    expect(after.audit.map((a) => [a.event, a.after])).toEqual([
      ["privacy.held", { command: "milestone", outcome: "block", kinds: { nhs_number: 1 } }],
      ["privacy.decided", { decision: "cancelled" }],
    ]);
    const retry = await p.send(`/curve held cancel ${token}`, key);
    expect(retry).toMatchObject({ trips: 1, reply: { heading: "Cancelled", replayed: true } });
    expect(await p.stored()).toEqual(after);
  });

  it("saves as written ('save anyway', for what only asks) in 2 round trips", async () => {
    const p = await partnership();
    const token = p.tokenOf((await p.send("/milestone done ATT-4.1 met at the office at LS2 8BB", randomUUID())).reply);
    const kept = await p.send(`/curve held keep ${token}`, randomUUID());
    expect(kept).toMatchObject({ trips: 2, reply: { heading: "ATT-4.1 done" } });
    const after = await p.stored();
    expect(after.held).toEqual([]);
    expect(after.milestone.evidence).toBe("met at the office at LS2 8BB");
    expect(after.audit.map((a) => a.event).sort()).toEqual(["milestone.done", "privacy.decided", "privacy.held"]);
  });

  it("answers a decision on a milestone done since the hold 'already done' in 2 round trips, settling the hold", async () => {
    const p = await partnership();
    const token = p.tokenOf((await p.send(LINE, randomUUID())).reply);
    // Done by someone else meanwhile: the answer is 'already done', stored with the hold settled.
    await p.send("/milestone done ATT-4.1 signed off", randomUUID());
    const saved = await p.send(`/curve held remove ${token}`, randomUUID());
    expect(saved.reply.heading).toBe("ATT-4.1 was already done");
    expect(saved.trips).toBe(2);
    const after = await p.stored();
    expect(after.held).toEqual([]);
    expect(after.milestone.evidence).toBe("signed off");
    expect(after.audit.map((a) => a.event).sort()).toEqual(["milestone.done", "privacy.decided", "privacy.held"]);
  });

  it("settles the hold in the transaction when the milestone moved on after the decision read it", async () => {
    const p = await partnership();
    const token = p.tokenOf((await p.send(LINE, randomUUID())).reply);
    const store = commandDriver(t.db, p.partnershipId, () => NOW).deps;
    const held = (await store.heldTexts!.findHeld(p.partnershipId, token, NOW))!;
    const [action] = await store.store.findActionsByRef(p.partnershipId, "ATT-4");
    const asRead = action!.milestones.find((m) => m.ref === "ATT-4.1")!;
    // Done by someone else after the read: the one statement's guard fails, and the transaction decides again.
    await p.send("/milestone done ATT-4.1 signed off", randomUUID());
    const actor = (await store.store.findPersonById(p.partnershipId, p.jancis))!;
    const key = randomUUID();
    const settles = { held, decision: "removed" as const, key, settled: false };
    const reply = await store.store.once(
      { partnershipId: p.partnershipId, actor, origin: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" }, idempotencyKey: `held:${token}`, at: NOW, settles },
      async (tx) => {
        const outcome = await tx.markMilestoneDone(asRead, "referral sent for [removed]");
        return { tone: outcome.applied ? "success" : "info", heading: outcome.applied ? "done" : "already done", blocks: [], visibility: "ephemeral" } satisfies Reply;
      },
    );
    expect(reply.heading).toBe("already done");
    expect(settles.settled).toBe(true);
    const after = await p.stored();
    expect(after.held).toEqual([]);
    expect(after.milestone.evidence).toBe("signed off");
    expect(after.audit.map((a) => a.event).sort()).toEqual(["milestone.done", "privacy.decided", "privacy.held"]);
    expect(after.receipts.filter(([k]) => k === key || k === `held:${token}`)).toEqual(
      [
        [key, "already done"],
        [`held:${token}`, "already done"],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
  });
});
