import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

describe.each(kindsUnderTest())("commands on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  /** Each test gets its own copy of the Leeds partnership, so tests never share state. */
  async function freshPartnership() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId);
    const snapshot = async () => ({
      audit: await t.db.prisma.auditEvent.count({ where: { partnershipId } }),
      done: await t.db.prisma.milestone.count({ where: { doneAt: { not: null }, action: { plan: { partnershipId } } } }),
      states: await t.db.prisma.action.findMany({ where: { plan: { partnershipId } }, select: { ref: true, state: true }, orderBy: { id: "asc" } }),
      dates: await t.db.prisma.milestone.findMany({ where: { action: { plan: { partnershipId } } }, select: { ref: true, dueDate: true }, orderBy: { id: "asc" } }),
    });
    const milestone = (ref: string) =>
      t.db.prisma.milestone.findFirstOrThrow({ where: { ref, action: { plan: { partnershipId } } }, include: { doneBy: true } });
    return { partnershipId, ...driver, snapshot, milestone };
  }

  it("marks a milestone done for its owner, with evidence and an audit event in history", async () => {
    const p = await freshPartnership();
    const reply = await p.run("Jancis Andrew", "/milestone done ATT-5.1 Script agreed with cluster chairs");
    expect(reply.tone).toBe("success");
    expect(reply.heading).toBe("ATT-5.1 done");
    expect(reply.rendered).toContain("Evidence: Script agreed with cluster chairs");
    const row = await p.milestone("ATT-5.1");
    expect(row.doneBy?.name).toBe("Jancis Andrew");
    expect(row.evidence).toBe("Script agreed with cluster chairs");
    expect(row.doneAt?.toISOString()).toBe("2011-09-12T10:00:00.000Z");

    const history = await p.run("Mary Brittle", "/action history ATT-5");
    expect(history.rendered).toContain('Jancis Andrew marked ATT-5.1 done: "Script agreed with cluster chairs"');
    expect(history.rendered).toContain("12 Sep 2011 11:00 · via shell"); // BST
    const events = await t.db.prisma.auditEvent.findMany({ where: { partnershipId: p.partnershipId } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: "milestone.done", subjectRef: "ATT-5.1", before: { doneAt: null } });
  });

  it("refuses someone who is not an owner, sponsor, lead or coordinator, says who can, and changes nothing", async () => {
    const p = await freshPartnership();
    const before = await p.snapshot();
    const reply = await p.run("Mary Brittle", "/milestone done ATT-5.1 Script agreed with cluster chairs");
    expect(reply.tone).toBe("error");
    expect(reply.code).toBe("not_permitted");
    expect(reply.heading).toContain("Jancis Andrew");
    expect(reply.heading).toContain("Simon Whitehead and Tony Adlard");
    expect(reply.heading).not.toMatch(/\n/);
    expect(await p.snapshot()).toEqual(before);
  });

  it("lets the priority's sponsor, its lead and a coordinator change an action they do not own", async () => {
    const p = await freshPartnership();
    expect((await p.run("Tony Adlard", "/action status ATT-7 at-risk sponsors worried about rewards funding")).tone).toBe("success");
    expect((await p.run("Simon Flowers", "/milestone done ATT-7.1")).tone).toBe("success");
    expect((await p.run("Nigel Richardson", "/milestone done NEET-6.1 briefing sent")).tone).toBe("success");
    const action = await t.db.prisma.action.findFirstOrThrow({ where: { ref: "ATT-7", plan: { partnershipId: p.partnershipId } } });
    expect(action.state).toBe("at_risk");
    const notes = await t.db.prisma.actionNote.findMany({ where: { actionId: action.id } });
    expect(notes.map((n) => n.text)).toEqual(["sponsors worried about rewards funding"]);
  });

  it("applies the same invocation once and answers a retry with the first reply", async () => {
    const p = await freshPartnership();
    const key = randomUUID();
    const first = await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed", key);
    const again = await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed", key);
    expect(again.heading).toBe(first.heading);
    expect(again.blocks).toEqual(first.blocks);
    expect(await t.db.prisma.auditEvent.count({ where: { partnershipId: p.partnershipId } })).toBe(1);

    // A second, separate attempt (new key) is told it was already done, and changes nothing.
    const later = await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed");
    expect(later.tone).toBe("info");
    expect(later.rendered).toContain("Nothing changed");
    expect(later.rendered).not.toContain("not saved");
    expect(await t.db.prisma.auditEvent.count({ where: { partnershipId: p.partnershipId } })).toBe(1);

    // Other words with it are not lost without a word: the reply says they were not saved, and how to add them.
    const more = await p.run("Jancis Andrew", "/milestone done ATT-4.1 minutes at https://example.org/m");
    expect(more.rendered).toContain("Nothing changed");
    expect(more.rendered).toContain("The evidence you gave was not saved. To add it: /milestone evidence ATT-4.1 minutes at https://example.org/m");
    const milestone = await t.db.prisma.milestone.findFirstOrThrow({ where: { ref: "ATT-4.1", action: { plan: { partnershipId: p.partnershipId } } } });
    expect(milestone.evidence).toBe("model agreed");
  });

  it("answers a retry's key from the stored reply only after the same checks as the first: someone who may not make the change is refused", async () => {
    const p = await freshPartnership();
    const key = randomUUID();
    const first = await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed", key);
    expect(first.heading).toBe("ATT-4.1 done");
    const other = await p.run("Mary Brittle", "/milestone done ATT-4.1 model agreed", key);
    expect(other.code).toBe("not_permitted");
    expect(other.replayed).toBeUndefined();
    const retry = await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed", key);
    expect(retry).toMatchObject({ heading: "ATT-4.1 done", replayed: true });
  });

  it("applies concurrent twins of one invocation once", async () => {
    const p = await freshPartnership();
    const key = randomUUID();
    const replies = await Promise.all([1, 2, 3].map(() => p.run("Jancis Andrew", "/milestone done ATT-4.2 pilot cluster chosen", key)));
    expect(new Set(replies.map((r) => r.heading))).toEqual(new Set(["ATT-4.2 done"]));
    expect(await t.db.prisma.auditEvent.count({ where: { partnershipId: p.partnershipId } })).toBe(1);
  });

  it("applies concurrent twins of a change that locks no row once: one note, one audit event, one reply", async () => {
    const p = await freshPartnership();
    const key = randomUUID();
    const replies = await Promise.all([1, 2, 3, 4].map(() => p.run("Jancis Andrew", "/action note ATT-4 cluster chairs briefed", key)));
    expect(new Set(replies.map((r) => r.heading))).toEqual(new Set([replies[0]!.heading]));
    expect(replies[0]!.tone).toBe("success");
    const action = await t.db.prisma.action.findFirstOrThrow({ where: { ref: "ATT-4", plan: { partnershipId: p.partnershipId } } });
    expect((await t.db.prisma.actionNote.findMany({ where: { actionId: action.id } })).map((n) => n.text)).toEqual(["cluster chairs briefed"]);
    expect(await t.db.prisma.auditEvent.count({ where: { partnershipId: p.partnershipId } })).toBe(1);
    // A retry after the fact changes nothing either, and gets the first reply.
    const retry = await p.run("Jancis Andrew", "/action note ATT-4 cluster chairs briefed", key);
    expect(retry.blocks).toEqual(replies[0]!.blocks);
    expect(await t.db.prisma.actionNote.count({ where: { actionId: action.id } })).toBe(1);
  });

  it("answers a refusal made inside the change with that refusal, also for a message already sighted", async () => {
    const p = await freshPartnership();
    const someone = await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId: p.partnershipId, email: { not: null } } });
    const line = `/curve person add Zeb Quarry ${someone.email}`;
    const coordinator = (await t.db.prisma.person.findMany({ where: { partnershipId: p.partnershipId }, orderBy: { id: "asc" } })).find((x) => x.roles.includes("coordinator"))!.name;
    const plain = await p.run(coordinator, line);
    expect(plain.code).toBe("conflict");
    // A Teams message or Slack event is sighted (its receipt written) before its change runs.
    const key = randomUUID();
    expect(await new PrismaStore(t.db).firstSighting(p.partnershipId, key)).toBe(true);
    const sighted = await p.run(coordinator, line, key);
    expect(sighted.code).toBe("conflict");
    expect(sighted.heading).toBe(plain.heading);
    expect(await t.db.prisma.person.count({ where: { partnershipId: p.partnershipId, name: "Zeb Quarry" } })).toBe(0);
  });

  it("suggests the closest refs for an unknown one, and changes nothing", async () => {
    const p = await freshPartnership();
    const before = await p.snapshot();
    const reply = await p.run("Jancis Andrew", "/milestone done ATX-5.1 done");
    expect(reply.code).toBe("unknown_ref");
    expect(reply.heading).toMatch(/Did you mean ATT-5/);
    const step = await p.run("Jancis Andrew", "/milestone done ATT-5.9");
    expect(step.code).toBe("unknown_ref");
    expect(step.heading).toContain("ATT-5.1");
    expect(await p.snapshot()).toEqual(before);
  });

  it("asks which milestone when an action ref could mean several, and accepts it when it means one", async () => {
    const p = await freshPartnership();
    const several = await p.run("Jancis Andrew", "/milestone done ATT-1");
    expect(several.code).toBe("ambiguous_ref");
    expect(several.heading).toContain("ATT-1.1, ATT-1.2");
    const one = await p.run("Jancis Andrew", "/milestone done ATT-5 script agreed");
    expect(one.heading).toBe("ATT-5.1 done");
  });

  it("asks which plan when a ref is in two plans", async () => {
    const p = await freshPartnership();
    const cypp = await t.db.prisma.plan.findFirstOrThrow({ where: { partnershipId: p.partnershipId, key: "cypp-2011-15" } });
    await t.db.prisma.plan.create({
      data: { partnershipId: p.partnershipId, key: "cypp-2015-19", title: "CYPP 2015-19", kind: "children_and_young_peoples_plan", actions: { create: { ref: "ATT-5", title: "Refreshed attendance script" } } },
    });
    const reply = await p.run("Jancis Andrew", "/action show ATT-5");
    expect(reply.code).toBe("ambiguous_ref");
    expect(reply.heading).toContain("cypp-2011-15:ATT-5 or cypp-2015-19:ATT-5");
    const chosen = await p.run("Jancis Andrew", `/action show ${cypp.key}:ATT-5`);
    expect(chosen.rendered).toContain("Produce and promote across the city a common script");
  });

  it("reschedules with a UK date phrase and rejects one it cannot read", async () => {
    const p = await freshPartnership();
    const ok = await p.run("Richard Amos", "/milestone date NEET-1.1 end of March 2012");
    expect(ok.tone).toBe("success");
    const row = await p.milestone("NEET-1.1");
    expect(row.dueDate?.toISOString().slice(0, 10)).toBe("2012-03-31");
    expect(row.duePrecision).toBe("month");

    const before = await p.snapshot();
    const bad = await p.run("Richard Amos", "/milestone date NEET-1.2 when pigs fly");
    expect(bad.code).toBe("bad_date");
    expect(bad.heading).toContain("when pigs fly");
    expect(bad.rendered).toContain("Usage: /milestone date");
    expect(await p.snapshot()).toEqual(before);
  });

  it("resolves year-less dates from the asker's today", async () => {
    const p = await freshPartnership();
    await p.run("Richard Amos", "/milestone date NEET-1.3 end of summer term");
    // today is 12 Sep 2011, so the next summer term ends on 31 July 2012
    expect((await p.milestone("NEET-1.3")).dueDate?.toISOString().slice(0, 10)).toBe("2012-07-31");
  });

  it("reopens a milestone with undo, and records both changes", async () => {
    const p = await freshPartnership();
    await p.run("Jancis Andrew", "/milestone done ATT-5.1 script agreed");
    const undo = await p.run("Jancis Andrew", "/milestone undo ATT-5.1");
    expect(undo.heading).toBe("ATT-5.1 reopened");
    // Re-dating a done milestone says what a date on it means.
    await p.run("Jancis Andrew", "/milestone done ATT-4.1");
    const redated = await p.run("Jancis Andrew", "/milestone date ATT-4.1 end of March 2012");
    expect(redated.rendered).toContain("ATT-4.1 is done, so the date is kept for the record and nobody is nudged about it.");
    // The evidence goes with the done mark, and the reply says so.
    expect(undo.rendered).toContain('Its evidence was cleared with it: "script agreed". /action history ATT-5 keeps it');
    const row = await p.milestone("ATT-5.1");
    expect(row.doneAt).toBeNull();
    expect(row.evidence).toBeNull();
    const history = await p.run("Jancis Andrew", "/action history ATT-5");
    expect(history.rendered).toMatch(/marked ATT-5\.1 done[\s\S]*reopened ATT-5\.1/);
  });

  it("adds evidence to a done milestone without duplicating it", async () => {
    const p = await freshPartnership();
    await p.run("Jancis Andrew", "/milestone done ATT-5.1");
    await p.run("Jancis Andrew", "/milestone evidence ATT-5.1 https://example.org/script.pdf");
    const again = await p.run("Jancis Andrew", "/milestone evidence ATT-5.1 https://example.org/script.pdf");
    expect(again.rendered).toContain("Nothing changed");
    expect((await p.milestone("ATT-5.1")).evidence).toBe("https://example.org/script.pdf");
  });

  it("lists a person's open milestones, the most overdue first", async () => {
    const p = await freshPartnership();
    const reply = await p.run("Mary Brittle", "/milestone list mine");
    const refs = [...reply.rendered.matchAll(/- (NEET-\d+\.\d+)/g)].map((m) => m[1]);
    expect(refs).toEqual(["NEET-6.1", "NEET-2.1", "NEET-2.2"]);
    expect(reply.rendered).toContain("overdue since 30 Apr 2011");
    const due = await p.run("Mary Brittle", "/milestone list due 30d");
    expect(due.heading).toContain("30 days");
  });

  it("shows an action with its owners, sponsors, lead and milestones", async () => {
    const p = await freshPartnership();
    const reply = await p.run("Mary Brittle", "/action show att-1");
    expect(reply.rendered).toContain("Owner: Jancis Andrew, Ken Morton, Multi agency implementation group");
    expect(reply.rendered).toContain("CTB sponsors: Simon Whitehead, Tony Adlard");
    expect(reply.rendered).toContain("ATT-1.1 · Project Brief March 2011");
    expect(reply.rendered).toContain("ATT-1.2 · Delivery Summer term 2011");
  });

  it("answers malformed commands with one line and a usage hint", async () => {
    const p = await freshPartnership();
    const before = await p.snapshot();
    const cases: [string, string][] = [
      ["/milestonez done ATT-5.1", "unknown_command"],
      ["/milestone finish ATT-5.1", "unknown_subcommand"],
      ["/milestone done", "usage"],
      ["/action status ATT-5 sideways", "usage"],
      ["/milestone list due soon", "usage"],
      [`/action note ATT-5 ${"x".repeat(3001)}`, "too_long"],
      ["/action note ATT-5 hello\u0007there", "bad_text"],
      ["/action note ATT-5 \u202Eevil", "bad_text"],
    ];
    for (const [line, code] of cases) {
      const reply = await p.run("Jancis Andrew", line);
      expect(reply.code, line).toBe(code);
      expect(reply.heading!.split("\n"), line).toHaveLength(1);
      expect(reply.rendered, line).not.toMatch(/at \w+ \(|Error:/);
    }
    expect(await p.snapshot()).toEqual(before);
  });

  it("turns an unexpected failure into a reference, never a stack trace", async () => {
    const p = await freshPartnership();
    const broken = commandDriver(t.db, p.partnershipId);
    // A person who does not exist in this partnership reaches the store with an impossible id.
    const reply = await (await import("../../src/commands/dispatch.ts")).handleInvocation(broken.deps, {
      partnershipId: p.partnershipId,
      actor: { personId: 2_147_483_647 },
      place: { platform: "shell", tenant: "t", channel: "c" },
      command: "whoami",
      text: "",
      idempotencyKey: "k",
      now: new Date(),
    });
    expect(reply.code).toBe("unknown_person");
    const invalid = await (await import("../../src/commands/dispatch.ts")).handleInvocation(broken.deps, {
      partnershipId: -1,
    } as never);
    expect(invalid.code).toBe("internal");
    expect(invalid.heading).toMatch(/reference [0-9a-f]{8}/);
    expect(broken.recorded.errors).toHaveLength(1);
  });

  it("keeps reads open to everyone in the partnership", async () => {
    const p = await freshPartnership();
    for (const line of ["/plan show", "/plan show cypp-2011-15", "/plan priorities", "/whoami", "/help", "/help milestone", "/action mine"]) {
      const reply = await p.run("Cllr Blake", line);
      expect(reply.tone, line).toBe("info");
    }
    const plan = await p.run("Cllr Blake", "/plan show");
    expect(plan.rendered).toContain("42 actions");
    expect(plan.rendered).toContain("15 actions");
  });
});
