import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Button, Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// A valid NHS number from the range reserved for testing (modulus 11 check digit 8).
const NHS = "999 123 4578";

const buttonsOf = (reply: Reply): Button[] => reply.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : []));
const tokenOf = (reply: Reply): string => buttonsOf(reply).find((b) => b.actionId === "privacy.cancel")!.value;

describe.each(kindsUnderTest())("the personal-data guard on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function freshPartnership() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId);
    const milestone = (ref: string) => t.db.prisma.milestone.findFirstOrThrow({ where: { ref, action: { plan: { partnershipId } } } });
    const stored = async () => ({
      held: await t.db.prisma.heldText.count({ where: { partnershipId } }),
      audit: await t.db.prisma.auditEvent.findMany({ where: { partnershipId }, orderBy: { id: "asc" }, select: { event: true, before: true, after: true } }),
      done: await t.db.prisma.milestone.count({ where: { doneAt: { not: null }, action: { plan: { partnershipId } } } }),
    });
    return { partnershipId, ...driver, milestone, stored };
  }

  it("holds evidence with an NHS number, stores nothing, and shows it masked", async () => {
    const p = await freshPartnership();
    const reply = await p.run("Jancis Andrew", `/milestone done ATT-5.1 referral sent for ${NHS}`);
    expect(reply.code).toBe("held_personal_data");
    expect(reply.private).toBe(true);
    expect(reply.rendered).toContain("an NHS number (••• ••• ••78)");
    expect(reply.rendered).not.toContain("123 45");
    expect(buttonsOf(reply).map((b) => b.actionId)).toEqual(["privacy.remove", "privacy.cancel"]);
    const row = await p.milestone("ATT-5.1");
    expect(row.doneAt).toBeNull();
    expect(row.evidence).toBeNull();
    const after = await p.stored();
    expect(after.done).toBe(0);
    expect(after.held).toBe(1);
    // Audited without the value.
    expect(after.audit.map((a) => a.event)).toEqual(["privacy.held"]);
    expect(JSON.stringify(after.audit)).not.toMatch(/999|4578/);
  });

  it("gives a retried request the same held prompt, and holds it once", async () => {
    const p = await freshPartnership();
    const key = randomUUID();
    const first = await p.run("Jancis Andrew", `/milestone done ATT-5.1 referral sent for ${NHS}`, key);
    const retry = await p.run("Jancis Andrew", `/milestone done ATT-5.1 referral sent for ${NHS}`, key);
    expect(tokenOf(retry)).toBe(tokenOf(first));
    expect((await p.stored()).held).toBe(1);
  });

  it("removes the found parts and saves when asked, once however often the button is pressed", async () => {
    const p = await freshPartnership();
    const held = await p.run("Jancis Andrew", `/milestone done ATT-5.1 referral sent for ${NHS} today`);
    const saved = await p.run("Jancis Andrew", `/curve held remove ${tokenOf(held)}`);
    expect(saved.tone).toBe("success");
    expect(saved.heading).toBe("ATT-5.1 done");
    const row = await p.milestone("ATT-5.1");
    expect(row.evidence).toBe("referral sent for [removed] today");
    const again = await p.run("Jancis Andrew", `/curve held remove ${tokenOf(held)}`);
    expect(again.heading).toBe("Nothing is held under that");
    const after = await p.stored();
    expect(after.held).toBe(0);
    expect(after.audit.filter((a) => a.event === "milestone.done")).toHaveLength(1);
    expect(after.audit.find((a) => a.event === "privacy.decided")?.after).toEqual({ decision: "removed" });
  });

  it("saves as written after 'save anyway' for what only asks, and refuses it for what blocks", async () => {
    const p = await freshPartnership();
    const asked = await p.run("Jancis Andrew", "/action note ATT-5 Meeting moved to the office at LS2 8BB");
    expect(asked.code).toBe("held_personal_data");
    expect(buttonsOf(asked).map((b) => b.label)).toEqual(["Remove and save", "Save anyway", "Cancel"]);
    const kept = await p.run("Jancis Andrew", `/curve held keep ${tokenOf(asked)}`);
    expect(kept.tone).toBe("success");
    const notes = await t.db.prisma.actionNote.findMany({ where: { action: { ref: "ATT-5", plan: { partnershipId: p.partnershipId } } } });
    expect(notes.map((n) => n.text)).toEqual(["Meeting moved to the office at LS2 8BB"]);

    const blocked = await p.run("Jancis Andrew", `/action note ATT-5 child's NHS number ${NHS}`);
    const refused = await p.run("Jancis Andrew", `/curve held keep ${tokenOf(blocked)}`);
    expect(refused.code).toBe("not_permitted");
    expect(await t.db.prisma.actionNote.count({ where: { action: { ref: "ATT-5", plan: { partnershipId: p.partnershipId } } } })).toBe(1);
  });

  it("cancels, leaving nothing behind; only the writer decides; an expired hold saves nothing", async () => {
    const p = await freshPartnership();
    const held = await p.run("Jancis Andrew", `/milestone evidence ATT-5.1 DOB 14/03/2012`);
    const stranger = await p.run("Mary Brittle", `/curve held remove ${tokenOf(held)}`);
    expect(stranger.code).toBe("not_permitted");
    const cancelled = await p.run("Jancis Andrew", `/curve held cancel ${tokenOf(held)}`);
    expect(cancelled.heading).toBe("Cancelled");
    expect((await p.stored()).held).toBe(0);
    expect((await p.milestone("ATT-5.1")).doneAt).toBeNull();

    const later = commandDriver(t.db, p.partnershipId, () => new Date("2011-09-13T10:00:01Z"));
    const again = await p.run("Jancis Andrew", `/milestone evidence ATT-5.1 DOB 14/03/2012`);
    const expired = await later.run("Jancis Andrew", `/curve held remove ${tokenOf(again)}`);
    expect(expired.heading).toBe("Nothing is held under that");
    expect((await p.milestone("ATT-5.1")).doneAt).toBeNull();
  });

  it("guards notes, snooze reasons, pledge texts and risks too", async () => {
    const p = await freshPartnership();
    const lines: [string, string][] = [
      ["Jancis Andrew", `/action status ATT-5 at-risk waiting on 943 476 5919`],
      ["Jancis Andrew", `/milestone snooze ATT-5.1 7d mum on 07700 900123 asked us to wait`],
      ["Nigel Richardson", `/pledge new attendance Every day counts | Call kerry.parent@gmail.com first`],
      ["Nigel Richardson", `/risk add ATT | Tyler Brennan, a looked after child, missed 40 days | owner: Jancis Andrew | likelihood: 3 | impact: 4`],
    ];
    for (const [as, line] of lines) {
      const reply = await p.run(as, line);
      expect(reply.code, line).toBe("held_personal_data");
    }
    const after = await p.stored();
    expect(after.held).toBe(lines.length);
    expect(after.audit.every((a) => a.event === "privacy.held")).toBe(true);
  });

  it("holds an NHS number or a date of birth however it is typed, in evidence, notes, pledge texts and indicator sources", async () => {
    const p = await freshPartnership();
    const lines: [string, string][] = [
      ["Jancis Andrew", "/milestone done ATT-5.1 referral sent, NHS number 9991 234 578"],
      ["Jancis Andrew", "/action note ATT-5 nhs no 999/123/4578 on the referral form"],
      ["Jancis Andrew", "/action note ATT-5 NHS：９９９１２３４５７８"],
      ["Jancis Andrew", "/action note ATT-5 pupil's dob 2012/03/14, seen at home"],
      ["Jancis Andrew", "/action note ATT-5 date-of-birth 14032012"],
      ["Nigel Richardson", "/pledge new custom Safe at home | We will visit the child born in 14/03/2012 every week"],
      ["Nigel Richardson", "/indicator record LAC 1380 2011-08 | case file, DOB—14/03/2012"],
    ];
    for (const [as, line] of lines) {
      const reply = await p.run(as, line);
      expect(reply.code, line).toBe("held_personal_data");
      expect(reply.rendered, line).not.toMatch(/9991|999\/123|1234|14\/03|2012\/03|14032012/);
    }
    const after = await p.stored();
    expect(after.held).toBe(lines.length);
    expect(after.done).toBe(0);
    expect(after.audit.every((a) => a.event === "privacy.held")).toBe(true);
    // Ordinary plan text with dates, refs, a service's phone line and percentages is kept as written.
    const plain = await p.run("Jancis Andrew", "/action note ATT-5 Agreed at cluster chairs on 14/03/2012; NHS 111 and ATT-4.1 cover 92.5% of pupils in Gipton ward");
    expect(plain.tone, plain.rendered).toBe("success");
  });

  it("lets coordinators see how many were held by kind, and change what blocks, asks or is off", async () => {
    const p = await freshPartnership();
    await p.run("Jancis Andrew", `/milestone done ATT-5.1 referral for ${NHS}`);
    await p.run("Jancis Andrew", `/action note ATT-5 office LS2 8BB`);
    const shown = await p.run("Nigel Richardson", "/curve privacy");
    expect(shown.rendered).toContain("NHS number: 1 held");
    expect(shown.rendered).toContain("home postcode: 1 held");
    const refused = await p.run("Jancis Andrew", "/curve privacy postcode off");
    expect(refused.code).toBe("not_permitted");
    const changed = await p.run("Nigel Richardson", "/curve privacy postcode off");
    expect(changed.tone).toBe("success");
    const note = await p.run("Jancis Andrew", `/action note ATT-5 office LS2 8BB`);
    expect(note.tone).toBe("success");
  });
  it("never repeats an NHS, National Insurance or phone number or a date of birth in a refusal that quotes what was typed", async () => {
    const p = await freshPartnership();
    const before = await p.milestone("ATT-5.1");
    const refusals = [
      `/milestone date ATT-5.1 NHS ${NHS} by March`,
      `/milestone date ATT-5.1 born 14/03/2012`,
      `/milestone date ATT-5.1 ring mum 07700 900123`,
      `/milestone date ATT-5.1 NI QQ 12 34 56 C`,
      `/indicator set nosuch 12 ${NHS}`,
    ];
    for (const line of refusals) {
      const reply = await p.run("Jancis Andrew", line);
      expect(reply.tone, line).toBe("error");
      expect(reply.rendered, line).not.toMatch(/123 ?45|4578|14\/03\/2012|900123|12 34 56/);
    }
    // What was masked is still recognisable, as the held prompt shows it.
    const dated = await p.run("Jancis Andrew", `/milestone date ATT-5.1 NHS ${NHS} by March`);
    expect(dated.rendered).toContain("••• ••• ••78");
    // Nothing was saved, and a refusal that quotes no identifier reads as before.
    expect(await p.milestone("ATT-5.1")).toEqual(before);
    expect((await p.run("Jancis Andrew", `/milestone date ATT-5.1 next blue moon`)).rendered).toContain('"next blue moon"');
  });
});
