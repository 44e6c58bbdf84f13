import { describe, expect, it } from "vitest";
import { parseDue } from "../../src/domain/dates/due-phrase.ts";
import { addEvidence, markDone, reopen, reschedule, snooze, type MilestoneState } from "../../src/domain/milestone.ts";

const jancis = { id: 1, name: "Jancis Andrew" };
const AT = new Date("2011-10-03T09:30:00Z");

const open: MilestoneState = {
  id: 41, ref: "ATT-4.1", actionId: 4, actionRef: "ATT-4", text: "Model agreed", kind: "milestone", precision: "month",
  dueDate: "2011-10-31", dueStart: "2011-10-01", duePhrase: "October 2011", doneAt: null, doneBy: null, evidence: null,
  snoozedUntil: null, snoozeCount: 0,
};
const done: MilestoneState = { ...open, doneAt: AT, doneBy: jancis, evidence: "agreed at cluster chairs" };

describe("milestone transitions", () => {
  it("marks an open milestone done, with who, when, evidence, its guard and its audit", () => {
    const t = markDone(open, { ...jancis, email: "j@example.org" } as typeof jancis, AT, "agreed at cluster chairs");
    expect(t).toEqual({
      applied: true,
      next: { ...open, doneAt: AT, doneBy: jancis, evidence: "agreed at cluster chairs" },
      write: { doneAt: AT, doneById: 1, evidence: "agreed at cluster chairs" },
      requires: "open",
      audit: { event: "milestone.done", before: { doneAt: null }, after: { doneAt: "2011-10-03T09:30:00.000Z", doneBy: "Jancis Andrew", evidence: "agreed at cluster chairs" } },
    });
    expect(markDone(done, jancis, AT, null)).toEqual({ applied: false, reason: "already_done" });
  });

  it("reopens a done milestone, keeping what it was in the audit", () => {
    const t = reopen(done);
    expect(t).toMatchObject({
      applied: true,
      next: { doneAt: null, doneBy: null, evidence: null },
      write: { doneAt: null, doneById: null, evidence: null },
      requires: "done",
      audit: { event: "milestone.reopened", before: { doneAt: "2011-10-03T09:30:00.000Z", doneBy: "Jancis Andrew", evidence: "agreed at cluster chairs" }, after: { doneAt: null } },
    });
    expect(reopen(open)).toEqual({ applied: false, reason: "not_done" });
  });

  it("adds evidence as a new line, once, and only to a done milestone", () => {
    const t = addEvidence(done, "minutes: https://example.org/m/3");
    expect(t).toMatchObject({ applied: true, write: { evidence: "agreed at cluster chairs\nminutes: https://example.org/m/3" }, requires: "done" });
    expect(addEvidence(done, "agreed at cluster chairs")).toEqual({ applied: false, reason: "unchanged" });
    expect(addEvidence(open, "anything")).toEqual({ applied: false, reason: "not_done" });
    expect(addEvidence({ ...done, evidence: null }, "first")).toMatchObject({ write: { evidence: "first" }, audit: { before: { evidence: null } } });
  });

  it("reschedules an open milestone to a parsed date; the same date changes nothing", () => {
    const due = parseDue("end of March 2012", { today: "2011-10-03" });
    if (!due.ok) throw new Error("the phrase should parse");
    const t = reschedule(open, due.value);
    expect(t).toMatchObject({
      applied: true,
      write: { dueDate: "2012-03-31", precision: due.value.precision },
      audit: { event: "milestone.dated", before: { due: "2011-10-31", precision: "month" }, after: { due: "2012-03-31" } },
    });
    if (t.applied) expect(reschedule(t.next, due.value)).toEqual({ applied: false, reason: "unchanged" });
    expect(reschedule(done, due.value)).toEqual({ applied: false, reason: "already_done" });
  });

  it("snoozes an open milestone, counting snoozes and keeping who asked and why", () => {
    const until = new Date("2011-10-10T09:30:00Z");
    const t = snooze({ ...open, snoozeCount: 2, snoozedUntil: new Date("2011-09-20T00:00:00Z") }, until, "waiting for the cluster meeting", jancis, AT);
    expect(t).toEqual({
      applied: true,
      next: expect.objectContaining({ snoozedUntil: until, snoozeCount: 3 }),
      write: { snoozedUntil: until, snoozeCount: 3 },
      requires: "open",
      audit: { event: "milestone.snoozed", before: { snoozedUntil: "2011-09-20T00:00:00.000Z" }, after: { snoozedUntil: until.toISOString(), reason: "waiting for the cluster meeting", count: 3 } },
      snooze: { until, reason: "waiting for the cluster meeting", by: jancis, at: AT },
    });
    expect(snooze(open, until, "x", jancis, AT)).toMatchObject({ write: { snoozeCount: 1 }, audit: { before: { snoozedUntil: null } } });
    expect(snooze(done, until, "x", jancis, AT)).toEqual({ applied: false, reason: "already_done" });
  });
});
