import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import { handleInvocation, readsOf } from "../../src/commands/dispatch.ts";
import { renderText } from "../../src/adapters/shell/render-text.ts";
import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { enqueueInsightDeliveries } from "../../src/jobs/insight-deliveries.ts";
import type { ChangeContext, ChangeStore } from "../../src/commands/store.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// DESIGN "One round trip per change": each change counts its statements, as its driver sends them.
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
    return { partnershipId, store, milestone, counted, ctx };
  }

  it("marks a milestone done, adds evidence and reopens it in one statement each: the update guarded by the row as read, its audit event and its receipt", async () => {
    const d = await demo();
    const open = await d.milestone("ATT-5.1");
    expect(await d.counted((tx) => tx.markMilestoneDone(open, "Script agreed"))).toEqual({ trips: 1, applied: true });
    const done = await d.milestone("ATT-5.1");
    expect(await d.counted((tx) => tx.addMilestoneEvidence(done, "Chairs signed off"))).toEqual({ trips: 1, applied: true });
    const evidenced = await d.milestone("ATT-5.1");
    expect(await d.counted((tx) => tx.reopenMilestone(evidenced))).toEqual({ trips: 1, applied: true });
    const events = await t.db.kysely.selectFrom("audit_event").select(["event", "before", "after"]).where("partnership_id", "=", d.partnershipId).orderBy("id").execute();
    expect(events.map((e) => e.event)).toEqual(["milestone.done", "milestone.evidence", "milestone.reopened"]);
    expect(events[0]!.after).toMatchObject({ doneBy: "Jancis Andrew", evidence: "Script agreed" });
    expect(events[2]!.before).toMatchObject({ doneBy: "Jancis Andrew", evidence: "Script agreed\nChairs signed off" });
    const receipts = await t.db.kysely.selectFrom("command_receipt").select("reply").where("partnership_id", "=", d.partnershipId).execute();
    expect(receipts.map((r) => (r.reply as Reply).heading)).toEqual(["ok", "ok", "ok"]);
  });

  it("makes a change read from a row that has moved on in a transaction, auditing the row as it was: the statement changed nothing, no reply is stored, then BEGIN, lock, change with its audit, receipt, COMMIT", async () => {
    const d = await demo();
    const read = await d.milestone("ATT-5.1");
    expect(await d.counted((tx) => tx.markMilestoneDone(read, "Script agreed"))).toEqual({ trips: 1, applied: true });
    expect(await d.counted((tx) => tx.addMilestoneEvidence(read, "Chairs signed off"))).toEqual({ trips: 7, applied: true });
    const events = await t.db.kysely.selectFrom("audit_event").select(["event", "before", "after"]).where("partnership_id", "=", d.partnershipId).orderBy("id").execute();
    expect(events.map((e) => e.event)).toEqual(["milestone.done", "milestone.evidence"]);
    expect(events[1]!.before).toEqual({ evidence: "Script agreed" });
    expect(events[1]!.after).toEqual({ evidence: "Script agreed\nChairs signed off" });
    // An answer that would change nothing ("not done") on a read the row has moved on from is
    // decided again on the locked row: it is done now, so the undo reopens it.
    expect(await d.counted((tx) => tx.reopenMilestone(read))).toEqual({ trips: 7, applied: true });
    expect((await d.milestone("ATT-5.1")).doneAt).toBeNull();
  });

  it("decides an answer that changes nothing again on the locked row when the row has moved on since it was read", async () => {
    const d = await demo();
    // Read open; made done by someone else; then an undo decided on the old read.
    const open = await d.milestone("ATT-5.1");
    expect(await d.counted((tx) => tx.markMilestoneDone(open, "Script agreed"))).toMatchObject({ applied: true });
    expect(await d.counted((tx) => tx.reopenMilestone(open))).toMatchObject({ applied: true });
    expect((await d.milestone("ATT-5.1")).doneAt).toBeNull();
    // Read done; reopened by someone else; then a done decided on the old read.
    expect(await d.counted(async (tx) => tx.markMilestoneDone(await d.milestone("ATT-5.1"), "Script agreed"))).toMatchObject({ applied: true });
    const done = await d.milestone("ATT-5.1");
    expect(await d.counted((tx) => tx.reopenMilestone(done))).toMatchObject({ applied: true });
    expect(await d.counted((tx) => tx.markMilestoneDone(done, "Script agreed again"))).toMatchObject({ applied: true });
    expect((await d.milestone("ATT-5.1")).evidence).toBe("Script agreed again");
    // Evidence read without a line that someone else has since removed (by an undo).
    const withLine = await d.milestone("ATT-5.1");
    expect(await d.counted((tx) => tx.reopenMilestone(withLine))).toMatchObject({ applied: true });
    expect(await d.counted((tx) => tx.addMilestoneEvidence(withLine, "Script agreed again"))).toMatchObject({ applied: true });
    expect((await d.milestone("ATT-5.1")).evidence).toBe("Script agreed again");
    const events = await t.db.kysely.selectFrom("audit_event").select("event").where("partnership_id", "=", d.partnershipId).orderBy("id").execute();
    expect(events.map((e) => e.event)).toEqual(["milestone.done", "milestone.reopened", "milestone.done", "milestone.reopened", "milestone.done", "milestone.reopened", "milestone.evidence"]);
  });

  it("answers 'nothing changed' from the read in one statement while the row is still as read", async () => {
    const d = await demo();
    const open = await d.milestone("ATT-5.1");
    expect(await d.counted((tx) => tx.reopenMilestone(open))).toEqual({ trips: 1, applied: false });
  });

  it("sets an action's state, with its note, in one statement: the update guarded by the state as read and the plan open, its audit event, the note and the receipt", async () => {
    const d = await demo();
    const [action] = await d.store.findActionsByRef(d.partnershipId, "ATT-5");
    expect(await d.counted((tx) => tx.setActionState(action!, "at_risk", null))).toEqual({ trips: 1, applied: true });
    const [atRisk] = await d.store.findActionsByRef(d.partnershipId, "ATT-5");
    expect(atRisk!.state).toBe("at_risk");
    expect(await d.counted((tx) => tx.setActionState(atRisk!, "at_risk", null))).toEqual({ trips: 1, applied: false });
    expect(await d.counted((tx) => tx.setActionState(atRisk!, "on_track", "Recruitment back on plan"))).toEqual({ trips: 1, applied: true });
    const events = await t.db.kysely.selectFrom("audit_event").select(["event", "before", "after"]).where("partnership_id", "=", d.partnershipId).orderBy("id").execute();
    expect(events).toEqual([
      { event: "action.status", before: { state: "not_started" }, after: { state: "at_risk", note: null } },
      { event: "action.status", before: { state: "at_risk" }, after: { state: "on_track", note: "Recruitment back on plan" } },
    ]);
    const notes = await t.db.kysely.selectFrom("action_note").select(["text", "author_id"]).where("action_id", "=", action!.id).execute();
    expect(notes.map((n) => n.text)).toEqual(["Recruitment back on plan"]);
  });

  it("sets an action's state read before someone else changed it in a transaction, auditing the state it really had, and writes the note once", async () => {
    const d = await demo();
    const [read] = await d.store.findActionsByRef(d.partnershipId, "ATT-5");
    expect(await d.counted((tx) => tx.setActionState(read!, "at_risk", null))).toEqual({ trips: 1, applied: true });
    // Decided on the old read (not started): the statement finds the state moved on and changes nothing; the transaction then does it.
    const stale = await d.counted((tx) => tx.setActionState(read!, "on_track", "Back on plan"));
    expect(stale.applied).toBe(true);
    expect(stale.trips).toBeGreaterThan(2);
    const events = await t.db.kysely.selectFrom("audit_event").select(["before", "after"]).where("partnership_id", "=", d.partnershipId).orderBy("id").execute();
    expect(events.map((e) => e.before)).toEqual([{ state: "not_started" }, { state: "at_risk" }]);
    expect(await t.db.kysely.selectFrom("action_note").select("text").where("action_id", "=", read!.id).execute()).toEqual([{ text: "Back on plan" }]);
    const [current] = await d.store.findActionsByRef(d.partnershipId, "ATT-5");
    expect(current!.state).toBe("on_track");
    // The state a change replaced is the row's own, not the stale read's (the reply's "Was").
    let was: string | null = null;
    await d.store.once(d.ctx(), async (tx) => {
      const outcome = await tx.setActionState(read!, "off_track", null);
      was = outcome.applied ? outcome.value.was : null;
      return { tone: "success", blocks: [] } as unknown as Reply;
    });
    expect(was).toBe("on_track");
    // "Already at risk", decided on a read the row has moved on from, is decided again: it is off track now, so it changes.
    expect(await d.counted((tx) => tx.setActionState({ ...read!, state: "at_risk" }, "at_risk", null))).toMatchObject({ applied: true });
    expect((await d.store.findActionsByRef(d.partnershipId, "ATT-5"))[0]!.state).toBe("at_risk");
  });

  it("adds an action's note in one statement: the note, the action touched while its plan is open, and the audit event naming the note", async () => {
    const d = await demo();
    const [action] = await d.store.findActionsByRef(d.partnershipId, "ATT-5");
    expect(await d.counted(async (tx) => (await tx.addActionNote(action!, "Reviewed at the cluster meeting"), { applied: true }))).toEqual({ trips: 1, applied: true });
    const notes = await t.db.kysely.selectFrom("action_note").select(["id", "text", "author_id"]).where("action_id", "=", action!.id).execute();
    expect(notes.map((n) => n.text)).toEqual(["Reviewed at the cluster meeting"]);
    const events = await t.db.kysely.selectFrom("audit_event").select(["event", "before", "after", "action_id"]).where("partnership_id", "=", d.partnershipId).execute();
    expect(events).toEqual([{ event: "action.note", before: null, after: { noteId: notes[0]!.id, text: "Reviewed at the cluster meeting" }, action_id: action!.id }]);
  });

  it("dates a milestone in one statement guarded by the date as read, and decides again in a transaction when the date moved on", async () => {
    const d = await demo();
    const read = await d.milestone("ATT-5.1");
    const march = { precision: "month" as const, due: "2012-03-31", start: "2012-03-01", phrase: "March 2012" };
    expect(await d.counted((tx) => tx.setMilestoneDue(read, march))).toEqual({ trips: 1, applied: true });
    const dated = await d.milestone("ATT-5.1");
    expect([dated.dueDate, dated.dueStart, dated.precision, dated.duePhrase]).toEqual(["2012-03-31", "2012-03-01", "month", "March 2012"]);
    expect(await d.counted((tx) => tx.setMilestoneDue(dated, march))).toEqual({ trips: 1, applied: false });
    // On the first read (before March was set): the statement changes nothing, the transaction dates it and audits March as "before".
    const april = { precision: "month" as const, due: "2012-04-30", start: "2012-04-01", phrase: "April 2012" };
    expect(await d.counted((tx) => tx.setMilestoneDue(read, april))).toMatchObject({ applied: true });
    const events = await t.db.kysely.selectFrom("audit_event").select(["event", "before", "after"]).where("partnership_id", "=", d.partnershipId).orderBy("id").execute();
    expect(events.map((e) => e.event)).toEqual(["milestone.dated", "milestone.dated"]);
    expect(events[0]!.before).toEqual({ due: read.dueDate, start: read.dueStart, precision: read.precision, phrase: read.duePhrase });
    expect(events[1]!.before).toEqual({ due: "2012-03-31", start: "2012-03-01", precision: "month", phrase: "March 2012" });
    expect((await d.milestone("ATT-5.1")).dueDate).toBe("2012-04-30");
  });

  it("snoozes a milestone in one statement with its snooze row, counting from the row as read, and decides again in a transaction when another snooze came first", async () => {
    const d = await demo();
    const read = await d.milestone("ATT-5.1");
    expect([read.snoozedUntil, read.snoozeCount]).toEqual([null, 0]);
    const until = new Date("2011-09-26T00:00:00Z");
    const first = await d.store.once(d.ctx(), async (tx) => {
      const outcome = await tx.snoozeMilestone(read, until, "waiting for the data");
      return { tone: "success", blocks: [], heading: outcome.applied ? `count ${outcome.value.count}` : "no" } as unknown as Reply;
    });
    expect(first.heading).toBe("count 1");
    const snoozed = await d.milestone("ATT-5.1");
    expect([snoozed.snoozedUntil, snoozed.snoozeCount]).toEqual([until, 1]);
    expect(await d.counted((tx) => tx.snoozeMilestone(snoozed, new Date("2011-10-03T00:00:00Z"), "still waiting"))).toEqual({ trips: 1, applied: true });
    // On the first read (never snoozed): the statement changes nothing; the transaction counts the third.
    const stale = await d.counted((tx) => tx.snoozeMilestone(read, new Date("2011-10-10T00:00:00Z"), "and again"));
    expect(stale.applied).toBe(true);
    expect(stale.trips).toBeGreaterThan(2);
    expect((await d.milestone("ATT-5.1")).snoozeCount).toBe(3);
    const rows = await t.db.kysely.selectFrom("snooze").select(["reason"]).where("milestone_id", "=", read.id).orderBy("id").execute();
    expect(rows.map((r) => r.reason)).toEqual(["waiting for the data", "still waiting", "and again"]);
    const events = await t.db.kysely.selectFrom("audit_event").select(["before", "after"]).where("partnership_id", "=", d.partnershipId).orderBy("id").execute();
    expect(events.map((e) => [e.before, (e.after as { count: number }).count])).toEqual([
      [{ snoozedUntil: null }, 1],
      [{ snoozedUntil: until.toISOString() }, 2],
      [{ snoozedUntil: "2011-10-03T00:00:00.000Z" }, 3],
    ]);
    // A done milestone is not snoozed: answered from the read in one statement.
    expect(await d.counted(async (tx) => tx.markMilestoneDone(await d.milestone("ATT-5.1"), null))).toMatchObject({ applied: true });
    const done = await d.milestone("ATT-5.1");
    expect(await d.counted((tx) => tx.snoozeMilestone(done, until, "late"))).toEqual({ trips: 1, applied: false });
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

  it("costs 2 round trips for a milestone change in all: the person with the action and any stored reply, then the change with its audit and receipt", async () => {
    const run = await commands();
    expect(await run("/milestone done ATT-5.1 Script agreed")).toEqual({ trips: 2, heading: "ATT-5.1 done", replayed: false });
    expect(await run("/milestone evidence ATT-5.1 Chairs signed off")).toEqual({ trips: 2, heading: "Evidence added to ATT-5.1", replayed: false });
    expect(await run("/milestone undo ATT-5.1")).toEqual({ trips: 2, heading: "ATT-5.1 reopened", replayed: false });
  });

  it("costs 1 round trip for a retry (its stored reply is read with the person) and 2 for a change already made under another key", async () => {
    const run = await commands();
    const key = randomUUID();
    expect(await run("/milestone done ATT-4.1 model agreed", key)).toEqual({ trips: 2, heading: "ATT-4.1 done", replayed: false });
    expect(await run("/milestone done ATT-4.1 model agreed", key)).toEqual({ trips: 1, heading: "ATT-4.1 done", replayed: true });
    expect(await run("/milestone done ATT-4.1 model agreed")).toEqual({ trips: 2, heading: "ATT-4.1 was already done", replayed: false });
  });

  it("stores the reply in the receipt of a message already sighted, in the change's one statement, and replays it", async () => {
    const run = await commands();
    const key = randomUUID();
    const store = new PrismaStore(t.db);
    const partnershipId = (await t.db.kysely.selectFrom("partnership").select("id").orderBy("id", "desc").limit(1).executeTakeFirstOrThrow()).id;
    expect(await store.firstSighting(partnershipId, key)).toBe(true);
    expect(await run("/milestone done ATT-5.1 Script agreed", key)).toEqual({ trips: 2, heading: "ATT-5.1 done", replayed: false });
    expect(await run("/milestone done ATT-5.1 Script agreed", key)).toEqual({ trips: 1, heading: "ATT-5.1 done", replayed: true });
    const receipts = await t.db.kysely.selectFrom("command_receipt").select("reply").where("partnership_id", "=", partnershipId).where("idempotency_key", "=", key).execute();
    expect(receipts.map((r) => (r.reply as Reply).heading)).toEqual(["ATT-5.1 done"]);
    expect(await t.db.kysely.selectFrom("audit_event").select("event").where("partnership_id", "=", partnershipId).execute()).toEqual([{ event: "milestone.done" }]);
  });

  /** Pledge changes as people send them in a Slack channel (so each signature's card is updated), counted from identifying them to the reply. */
  async function pledges() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId);
    const invocation = async (as: string, line: string, key: string) => {
      const [command = "", ...rest] = line.replace(/^\//, "").split(" ");
      return {
        partnershipId,
        actor: { personId: await driver.personId(as) },
        place: { platform: "slack" as const, tenant: "T-TEST", channel: "C-TEST" },
        command,
        text: rest.join(" "),
        idempotencyKey: key,
        now: new Date("2011-09-12T10:00:00Z"),
      };
    };
    const run = async (as: string, line: string, key: string = randomUUID()) => {
      const asked = await invocation(as, line, key);
      const before = t.db.roundTrips.count;
      const reply = await handleInvocation(driver.deps, asked);
      return { trips: t.db.roundTrips.count - before, heading: reply.heading, rendered: renderText(reply), replayed: reply.replayed ?? false };
    };
    /** `line` as `as` sends it, read (the person, the pledge and their signatures) before `meanwhile` runs and changed after it. */
    const readThen = async (as: string, line: string, meanwhile: () => Promise<unknown>) => {
      const asked = await invocation(as, line, randomUUID());
      const read = readsOf(asked.command, asked.text)!;
      const found = await driver.deps.store.readInvocation(partnershipId, asked.actor, read.read, asked.idempotencyKey);
      await meanwhile();
      const before = t.db.roundTrips.count;
      const reply = await handleInvocation(driver.deps, { ...asked, actor: { person: found.person! } }, { read: read.read, found });
      return { trips: t.db.roundTrips.count - before, heading: reply.heading, rendered: renderText(reply) };
    };
    const made = await run("Nigel Richardson", "/pledge new attendance Every day counts | We will help every child attend school every day | closes end of March 2012");
    const id = Number(/P(\d+)/.exec(made.heading!)![1]);
    const events = async () =>
      (await t.db.kysely.selectFrom("audit_event").select(["event", "before", "after"]).where("partnership_id", "=", partnershipId).where("subject_type", "=", "pledge").where("event", "<>", "pledge.created").orderBy("id").execute());
    const cards = async () => Number((await t.db.kysely.selectFrom("delivery").select((eb) => eb.fn.countAll().as("n")).where("partnership_id", "=", partnershipId).where("kind", "=", "channel_card").executeTakeFirstOrThrow()).n);
    return { id, partnershipId, run, readThen, events, cards };
  }

  it("costs 2 round trips for /pledge sign, a changed commitment, withdraw and sign again (the person with the pledge, their signatures and any stored reply, then the change with its audit, card update and receipt), and 1 for a retry", async () => {
    const p = await pledges();
    const key = randomUUID();
    const signed = await p.run("Jancis Andrew", `/pledge sign P${p.id} public | I will ring home`, key);
    expect(signed).toMatchObject({ trips: 2, heading: `You signed P${p.id} · Every day counts`, replayed: false });
    expect(signed.rendered).toContain("Signatures: 1");
    expect(await p.run("Jancis Andrew", `/pledge sign P${p.id} public | I will ring home`, key)).toMatchObject({ trips: 1, heading: signed.heading, replayed: true });
    const second = await p.run("Sue May", `/pledge sign P${p.id} for Parklands Primary: we will reward full attendance`);
    expect(second).toMatchObject({ trips: 2, heading: `You signed P${p.id} · Every day counts` });
    expect(second.rendered).toContain("Signatures: 2");
    const updated = await p.run("Jancis Andrew", `/pledge sign P${p.id} I will ring every home`);
    expect(updated).toMatchObject({ trips: 2, heading: `Your commitment to P${p.id} · Every day counts is updated` });
    expect(updated.rendered).toContain("Signatures: 2");
    const withdrawn = await p.run("Jancis Andrew", `/pledge withdraw P${p.id}`);
    expect(withdrawn).toMatchObject({ trips: 2, heading: `Your signature on P${p.id} · Every day counts is withdrawn` });
    expect(withdrawn.rendered).toContain("1 signature remains");
    const again = await p.run("Jancis Andrew", `/pledge sign P${p.id} I will ring home`);
    expect(again).toMatchObject({ trips: 2, heading: `You signed P${p.id} · Every day counts` });
    expect(again.rendered).toContain("Signatures: 2");
    const signatures = await t.db.kysely.selectFrom("pledge_signature").select(["id", "on_behalf_of", "commitment", "is_public", "withdrawn_at"]).where("pledge_id", "=", p.id).orderBy("id").execute();
    expect(signatures.map((s) => [s.on_behalf_of, s.commitment, s.is_public, s.withdrawn_at])).toEqual([
      ["", "I will ring home", true, null],
      ["Parklands Primary", "we will reward full attendance", false, null],
    ]);
    const [jancis, sue] = signatures;
    expect(await p.events()).toEqual([
      { event: "pledge.signed", before: null, after: { signatureId: jancis!.id, onBehalfOf: "", commitment: "I will ring home", isPublic: true } },
      { event: "pledge.signed", before: null, after: { signatureId: sue!.id, onBehalfOf: "Parklands Primary", commitment: "we will reward full attendance", isPublic: false } },
      { event: "pledge.signature_changed", before: { commitment: "I will ring home", isPublic: true, withdrawnAt: null }, after: { signatureId: jancis!.id, onBehalfOf: "", commitment: "I will ring every home", isPublic: true } },
      { event: "pledge.withdrawn", before: { signatures: [jancis!.id] }, after: { withdrawnAt: "2011-09-12T10:00:00.000Z" } },
      { event: "pledge.signed", before: { commitment: "I will ring every home", isPublic: true, withdrawnAt: "2011-09-12T10:00:00.000Z" }, after: { signatureId: jancis!.id, onBehalfOf: "", commitment: "I will ring home", isPublic: true } },
    ]);
    // Each change updates the channel's card once: the retry does not.
    expect(await p.cards()).toBe(6);
  });

  it("signs twice with the same words in 2 round trips the second time, changing nothing: no second audit event, no second card update", async () => {
    const p = await pledges();
    await p.run("Jancis Andrew", `/pledge sign P${p.id} I will ring home`);
    const cards = await p.cards();
    const same = await p.run("Jancis Andrew", `/pledge sign P${p.id} I will ring home`);
    expect(same).toMatchObject({ trips: 2, heading: `You have already signed P${p.id} · Every day counts` });
    expect(same.rendered).toContain("Nothing changed");
    expect((await p.events()).map((e) => e.event)).toEqual(["pledge.signed"]);
    expect(await p.cards()).toBe(cards);
  });

  it("signs on a pledge read before someone else signed it in a transaction, telling the exact count", async () => {
    const p = await pledges();
    const late = await p.readThen("Jancis Andrew", `/pledge sign P${p.id} I will ring home`, () => p.run("Sue May", `/pledge sign P${p.id} I will read with a child`));
    expect(late.heading).toBe(`You signed P${p.id} · Every day counts`);
    expect(late.rendered).toContain("Signatures: 2");
    expect(late.trips).toBeGreaterThan(2);
    expect((await p.events()).map((e) => e.event)).toEqual(["pledge.signed", "pledge.signed"]);
    expect(await p.cards()).toBe(3);
  });

  it("decides again in a transaction an answer read from a signature that has moved on: 'already signed', read before it was withdrawn, signs again", async () => {
    const p = await pledges();
    await p.run("Jancis Andrew", `/pledge sign P${p.id} I will ring home`);
    const late = await p.readThen("Jancis Andrew", `/pledge sign P${p.id} I will ring home`, () => p.run("Jancis Andrew", `/pledge withdraw P${p.id}`));
    expect(late.heading).toBe(`You signed P${p.id} · Every day counts`);
    expect(late.rendered).toContain("Signatures: 1");
    expect((await p.events()).map((e) => e.event)).toEqual(["pledge.signed", "pledge.withdrawn", "pledge.signed"]);
    // A withdrawal read before someone else signed: the count left is the pledge's own.
    const withdrawn = await p.readThen("Jancis Andrew", `/pledge withdraw P${p.id}`, () => p.run("Sue May", `/pledge sign P${p.id} I will read with a child`));
    expect(withdrawn.heading).toBe(`Your signature on P${p.id} · Every day counts is withdrawn`);
    expect(withdrawn.rendered).toContain("1 signature remains");
    expect(withdrawn.trips).toBeGreaterThan(2);
  });

  it("costs 2 round trips for /pledge answer (the person with the question and any stored reply, then the answer with its audit and receipt) and 1 for a retry, and decides again in a transaction an answer read before another", async () => {
    const p = await pledges();
    await p.run("Jancis Andrew", `/pledge sign P${p.id} I will ring home`);
    await enqueueInsightDeliveries(jobStoreOf(t.db), p.partnershipId, new Date("2011-10-14T10:00:00Z"));
    const [signature] = await t.db.kysely.selectFrom("pledge_signature").select("id").where("pledge_id", "=", p.id).execute();
    const question = `${signature!.id}.30`;
    const key = randomUUID();
    expect(await p.run("Jancis Andrew", `/pledge answer done ${question}`, key)).toMatchObject({ trips: 2, heading: "Thank you: done", replayed: false });
    expect(await p.run("Jancis Andrew", `/pledge answer done ${question}`, key)).toMatchObject({ trips: 1, heading: "Thank you: done", replayed: true });
    expect(await p.run("Jancis Andrew", `/pledge answer done ${question}`)).toMatchObject({ trips: 2, heading: "You already answered done" });
    expect(await p.run("Jancis Andrew", `/pledge answer still_doing ${question}`)).toMatchObject({ trips: 2, heading: "Thank you: still doing" });
    expect(await p.run("Sue May", `/pledge answer done ${question}`)).toMatchObject({ heading: "That question was for someone else." });
    // Read while "still doing"; answered "not yet" meanwhile: "still doing" is an answer again, and its "before" is "not yet".
    const late = await p.readThen("Jancis Andrew", `/pledge answer still_doing ${question}`, () => p.run("Jancis Andrew", `/pledge answer not_yet ${question}`));
    expect(late.heading).toBe("Thank you: still doing");
    expect(late.trips).toBeGreaterThan(2);
    const answers = (await p.events()).filter((e) => e.event === "pledge.followup");
    expect(answers.map((e) => [e.before, e.after])).toEqual([
      [{ answer: null }, { stage: 30, answer: "done" }],
      [{ answer: "done" }, { stage: 30, answer: "still_doing" }],
      [{ answer: "still_doing" }, { stage: 30, answer: "not_yet" }],
      [{ answer: "not_yet" }, { stage: 30, answer: "still_doing" }],
    ]);
  });

  // Two connections are needed to commit a receipt while the statement runs: PostgreSQL only.
  it.runIf(kind === "postgresql")("undoes the change when its key is answered by a twin that commits while the statement runs, and replays the twin's reply", async () => {
    const run = await commands();
    const partnershipId = (await t.db.kysely.selectFrom("partnership").select("id").orderBy("id", "desc").limit(1).executeTakeFirstOrThrow()).id;
    const key = randomUUID();
    let commit!: () => void;
    let inserted!: () => void;
    const insertedNow = new Promise<void>((resolve) => (inserted = resolve));
    const twin = t.db.sql.transaction(async (tx) => {
      await tx.query(`INSERT INTO command_receipt (partnership_id, idempotency_key, reply) VALUES ($1, $2, $3::jsonb)`, [partnershipId, key, JSON.stringify({ tone: "success", heading: "the twin's reply", blocks: [] })]);
      inserted();
      await new Promise<void>((resolve) => (commit = resolve));
    });
    await insertedNow;
    const answer = run("/milestone done ATT-5.1 Script agreed", key);
    // The statement's receipt waits on the twin's uncommitted key; commit only once it does.
    for (;;) {
      const [waiting] = await t.db.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%command_receipt%'`,
      );
      if (waiting!.n > 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    commit();
    await twin;
    expect(await answer).toMatchObject({ heading: "the twin's reply", replayed: true });
    expect(await t.db.kysely.selectFrom("audit_event").select("event").where("partnership_id", "=", partnershipId).execute()).toEqual([]);
    const milestone = await t.db.prisma.milestone.findFirstOrThrow({ where: { ref: "ATT-5.1", action: { plan: { partnershipId } } } });
    expect(milestone.doneAt).toBeNull();
  });

  it("costs 2 round trips for /action status, /action note, /milestone date and snooze (the person with the action, then the change with its audit and receipt) and 1 for /action show", async () => {
    const run = await commands();
    expect(await run("/action status ATT-5 at-risk")).toEqual({ trips: 2, heading: "ATT-5 is now at risk", replayed: false });
    expect(await run("/action status ATT-5 at-risk")).toMatchObject({ trips: 2, heading: "ATT-5 is already at risk" });
    expect(await run("/action status ATT-5 on track cluster chairs agreed the script")).toMatchObject({ trips: 2, heading: "ATT-5 is now on track" });
    expect((await run("/milestone date ATT-5.1 end of March 2012")).trips).toBe(2);
    expect(await run("/milestone snooze ATT-5.1 2w waiting for the data")).toMatchObject({ trips: 2, heading: "ATT-5.1 snoozed for 14 days" });
    expect(await run("/action note ATT-5 reviewed at the cluster meeting")).toMatchObject({ trips: 2, heading: "Note added to ATT-5" });
    expect(await run("/action show ATT-5")).toEqual({ trips: 1, heading: "ATT-5", replayed: false });
  });

  it("costs at most 2 round trips for every read command, the person included: the person, then what the command shows", async () => {
    const run = await commands();
    const reads = [
      ["/curve whoami", "Jancis Andrew"],
      ["/plan show", "Plans"],
      ["/plan priorities", "Priorities, CTB sponsors and leads"],
      ["/indicator show LAC", "LAC · Number of looked after children"],
      ["/indicator list", "Key indicators"],
      ["/indicator history LAC", "History of LAC"],
      ["/milestone list mine", "Your open milestones"],
      ["/milestone list overdue", "Overdue milestones"],
      ["/risk list", "Open risks (0)"],
      ["/pledge list", "Pledges"],
      ["/oba list", "Turn-the-curve workshops"],
      ["/team show Clusters", "Clusters"],
      ["/curve settings", "Your settings"],
    ] as const;
    const costs = [];
    for (const [line, heading] of reads) {
      const { trips, heading: shown } = await run(line);
      expect(shown, line).toMatch(new RegExp(`^${heading.replace(/[()]/g, "\\$&")}`));
      costs.push([line, Math.min(trips, 3)]);
    }
    expect(costs).toEqual(reads.map(([line]) => [line, expect.toSatisfy((n: number) => n <= 2)]));
  });
});
