import { describe, expect, it } from "vitest";
import { bankHolidaysIn, isBankHoliday, isWorkingDay, previousWorkingDay } from "../../src/domain/schedule/bank-holidays.ts";
import { escalationDue } from "../../src/domain/schedule/escalation.ts";
import { latestStage } from "../../src/domain/schedule/nudge-stages.ts";
import { planSweep, planSweepInSlices, type SweepInput } from "../../src/domain/schedule/plan-nudges.ts";
import { isQuietTime, nextSendableInstant, type QuietRules } from "../../src/domain/schedule/quiet-time.ts";
import { instantAt, localMoment } from "../../src/domain/schedule/zoned-time.ts";

const london: QuietRules = { timeZone: "Europe/London", quietStartMinute: 18 * 60, quietEndMinute: 8 * 60 };
const newYork: QuietRules = { timeZone: "America/New_York", quietStartMinute: 18 * 60, quietEndMinute: 8 * 60 };

describe("bank holidays in England and Wales", () => {
  it("match the published lists, including substitute days and proclaimed ones", () => {
    expect(bankHolidaysIn(2011)).toEqual(["2011-01-03", "2011-04-22", "2011-04-25", "2011-04-29", "2011-05-02", "2011-05-30", "2011-08-29", "2011-12-26", "2011-12-27"]);
    expect(bankHolidaysIn(2012)).toEqual(["2012-01-02", "2012-04-06", "2012-04-09", "2012-05-07", "2012-06-04", "2012-06-05", "2012-08-27", "2012-12-25", "2012-12-26"]);
    expect(bankHolidaysIn(2020)).toEqual(["2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28"]);
    expect(bankHolidaysIn(2022)).toEqual(["2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27"]);
    expect(bankHolidaysIn(2023)).toContain("2023-05-08");
    expect(bankHolidaysIn(2026)).toEqual(["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"]);
    expect(bankHolidaysIn(2027)).toEqual(["2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28"]);
    for (let year = 2010; year <= 2030; year++) expect(bankHolidaysIn(year).length, String(year)).toBeGreaterThanOrEqual(8);
  });

  it("knows working days, in any year from the standing rules", () => {
    expect(isBankHoliday("2011-08-29")).toBe(true);
    expect(isWorkingDay("2011-08-30")).toBe(true);
    expect(isWorkingDay("2011-09-24")).toBe(false);
    expect(previousWorkingDay("2011-05-03")).toBe("2011-04-28"); // over a weekend, a holiday and the royal wedding
    expect(isBankHoliday("2031-01-01")).toBe(true);
    expect(isWorkingDay("2031-01-02")).toBe(true);
  });
});

describe("local time across the clock changes", () => {
  it("finds the instant of a local time, either side of both changes", () => {
    expect(instantAt("2011-03-26", 8 * 60 + 30, "Europe/London").toISOString()).toBe("2011-03-26T08:30:00.000Z"); // GMT
    expect(instantAt("2011-03-28", 8 * 60 + 30, "Europe/London").toISOString()).toBe("2011-03-28T07:30:00.000Z"); // BST
    expect(instantAt("2011-10-31", 8 * 60 + 30, "Europe/London").toISOString()).toBe("2011-10-31T08:30:00.000Z"); // GMT again
    // 01:30 does not exist on 27 March 2011 in London: the first instant after the gap.
    expect(instantAt("2011-03-27", 90, "Europe/London").toISOString()).toBe("2011-03-27T01:00:00.000Z");
    // 01:30 happens twice on 30 October 2011: the first.
    expect(instantAt("2011-10-30", 90, "Europe/London").toISOString()).toBe("2011-10-30T00:30:00.000Z");
  });

  it("reads the weekday and minute in the person's zone", () => {
    expect(localMoment(new Date("2011-09-26T08:00:00Z"), "Europe/London")).toEqual({ date: "2011-09-26", minute: 9 * 60, weekday: 1 });
    expect(localMoment(new Date("2011-09-26T03:00:00Z"), "America/New_York")).toEqual({ date: "2011-09-25", minute: 23 * 60, weekday: 7 });
  });
});

describe("quiet time", () => {
  it("holds messages at night, at weekends and on bank holidays, in each person's zone", () => {
    const mondayNine = new Date("2011-09-26T08:00:00Z"); // 09:00 BST, 04:00 in New York
    expect(isQuietTime(mondayNine, london)).toBe(false);
    expect(isQuietTime(mondayNine, newYork)).toBe(true);
    expect(isQuietTime(new Date("2011-09-26T17:30:00Z"), london)).toBe(true); // 18:30 BST
    expect(isQuietTime(new Date("2011-08-29T08:00:00Z"), london)).toBe(true); // Summer bank holiday
    expect(isQuietTime(new Date("2011-09-24T10:00:00Z"), london)).toBe(true); // Saturday
  });

  it("sends held messages at the start of the next working morning", () => {
    expect(nextSendableInstant(new Date("2011-08-26T17:30:00Z"), london).toISOString()).toBe("2011-08-30T07:00:00.000Z"); // Friday evening -> Tuesday after the holiday
    expect(nextSendableInstant(new Date("2011-09-26T05:00:00Z"), london).toISOString()).toBe("2011-09-26T07:00:00.000Z"); // 06:00 -> 08:00 same day
    expect(nextSendableInstant(new Date("2011-10-28T18:00:00Z"), london).toISOString()).toBe("2011-10-31T08:00:00.000Z"); // across the October change: 08:00 GMT
    expect(nextSendableInstant(new Date("2011-03-25T19:00:00Z"), london).toISOString()).toBe("2011-03-28T07:00:00.000Z"); // across the March change: 08:00 BST
    const now = new Date("2011-09-26T10:00:00Z");
    expect(nextSendableInstant(now, london)).toBe(now);
    expect(isQuietTime(new Date("2011-09-26T03:00:00Z"), { ...london, quietStartMinute: 0, quietEndMinute: 0 })).toBe(false);
  });
});

describe("nudge stages", () => {
  const due = (dueDate: string | null, kind: "milestone" | "target" = "milestone") => ({ dueDate, kind, done: false });

  it("reaches a week before, a working day before, the day, then every seven days overdue", () => {
    expect(latestStage(due("2011-09-30"), "2011-09-22")).toBeNull();
    expect(latestStage(due("2011-09-30"), "2011-09-26")).toEqual({ stage: "week_before", stageDate: "2011-09-23" });
    expect(latestStage(due("2011-09-30"), "2011-09-29")).toEqual({ stage: "day_before", stageDate: "2011-09-29" });
    expect(latestStage(due("2011-09-30"), "2011-09-30")).toEqual({ stage: "due", stageDate: "2011-09-30" });
    expect(latestStage(due("2011-09-30"), "2011-10-01")).toEqual({ stage: "overdue", stageDate: "2011-10-01" });
    expect(latestStage(due("2011-09-30"), "2011-10-07")).toEqual({ stage: "overdue", stageDate: "2011-10-01" });
    expect(latestStage(due("2011-09-30"), "2011-10-08")).toEqual({ stage: "overdue", stageDate: "2011-10-08" });
  });

  it("counts the working day before across a weekend and a bank holiday", () => {
    expect(latestStage(due("2011-08-30"), "2011-08-27")).toEqual({ stage: "day_before", stageDate: "2011-08-26" });
  });

  it("sends only the latest of several missed stages", () => {
    expect(latestStage(due("2011-09-30"), "2011-12-01")?.stage).toBe("overdue");
    expect(latestStage(due("2011-09-30"), "2011-12-01")?.stageDate).toBe("2011-11-26");
  });

  it("asks weekly for a date when there is none, and leaves targets and done milestones alone", () => {
    expect(latestStage(due(null), "2011-09-28")).toEqual({ stage: "set_date", stageDate: "2011-09-26" });
    expect(latestStage(due(null, "target"), "2011-09-28")).toBeNull();
    expect(latestStage({ dueDate: "2011-09-30", kind: "milestone", done: true }, "2011-10-10")).toBeNull();
  });
});

describe("escalation", () => {
  const facts = { dueDate: "2011-09-30", done: false, snoozeCount: 0, overdueNudges: 0, raised: {}, firstNudged: "2011-09-30" as string | null };

  it("tells the lead after 3 snoozes, 2 unanswered overdue nudges or 14 days overdue", () => {
    expect(escalationDue(facts, "2011-10-05")).toBeNull();
    expect(escalationDue({ ...facts, snoozeCount: 3 }, "2011-09-20")).toEqual({ level: "lead", reason: "snoozed 3 times" });
    expect(escalationDue({ ...facts, overdueNudges: 2 }, "2011-10-09")).toEqual({ level: "lead", reason: "2 overdue reminders unanswered" });
    expect(escalationDue(facts, "2011-10-14")).toEqual({ level: "lead", reason: "14 days overdue" });
  });

  it("then the sponsors, a week later, and each level only once", () => {
    const raised = { ...facts, raised: { lead: "2011-10-14" } };
    expect(escalationDue(raised, "2011-10-20")).toBeNull();
    expect(escalationDue(raised, "2011-10-21")?.level).toBe("sponsor");
    expect(escalationDue({ ...facts, raised: { lead: "2011-10-14", sponsor: "2011-10-21" } }, "2011-12-01")).toBeNull();
    expect(escalationDue({ ...facts, done: true }, "2011-12-01")).toBeNull();
  });

  it("counts days overdue from Curve's first nudge, so an old item is not escalated on the first sweep", () => {
    // Fell due a year before Curve started; never nudged yet: no escalation on day one.
    const old = { ...facts, dueDate: "2010-09-30", firstNudged: null };
    expect(escalationDue(old, "2011-10-01")).toBeNull();
    // First nudged on 1 October: 13 days later still not, 14 days later the lead hears.
    expect(escalationDue({ ...old, firstNudged: "2011-10-01" }, "2011-10-14")).toBeNull();
    expect(escalationDue({ ...old, firstNudged: "2011-10-01" }, "2011-10-15")).toEqual({
      level: "lead",
      reason: "380 days overdue, 14 days since Curve first reminded the owner",
    });
    // A nudge before the due date does not make the clock start early.
    expect(escalationDue({ ...facts, firstNudged: "2011-09-23" }, "2011-10-13")).toBeNull();
    expect(escalationDue({ ...facts, firstNudged: "2011-09-23" }, "2011-10-14")?.reason).toBe("14 days overdue");
  });
});

describe("a sweep's plan", () => {
  // Person 1 owns milestone 10 (due today) and leads priority 5, under which milestone 11
  // (owned by 2) has been snoozed three times; milestone 12 has no owner and a priority with
  // no lead; person 9 is the coordinator, in New York, where it is still night.
  const input = (coordinatorZone: QuietRules): SweepInput => ({
    now: new Date("2011-09-26T09:00:00+01:00"),
    people: new Map([
      [1, london],
      [2, london],
      [9, coordinatorZone],
    ]),
    milestones: [
      { id: 10, dueDate: "2011-09-26", kind: "milestone", snoozedUntil: null, snoozeCount: 0, priorityId: 5, ownerIds: [1], teamMemberIds: [] },
      { id: 11, dueDate: "2011-09-20", kind: "milestone", snoozedUntil: null, snoozeCount: 3, priorityId: 5, ownerIds: [2], teamMemberIds: [] },
      { id: 12, dueDate: "2011-09-26", kind: "milestone", snoozedUntil: null, snoozeCount: 3, priorityId: 6, ownerIds: [], teamMemberIds: [] },
    ],
    sent: new Set(),
    overdueNudges: new Map(),
    firstNudged: new Map(),
    raised: new Map(),
    roles: new Map([[5, { lead: [1], sponsor: [] }]]),
    coordinatorIds: [9],
  });

  it("gives a person their nudges and escalations in one message, each with why", () => {
    const plan = planSweep(input(london));
    expect(plan.messages.get(1)).toEqual({
      nudges: [{ milestoneId: 10, stage: "due", stageDate: "2011-09-26", because: "owner" }],
      escalations: [{ milestoneId: 11, level: "lead", reason: "snoozed 3 times", because: "lead" }],
    });
    expect(plan.messages.get(9)?.nudges).toEqual([{ milestoneId: 12, stage: "due", stageDate: "2011-09-26", because: "coordinator" }]);
    expect(plan.raised.map((r) => r.milestoneId)).toEqual([11]);
  });

  it("holds a coordinator's items through their own night", () => {
    const plan = planSweep(input(newYork));
    expect(plan.messages.has(9)).toBe(false);
    expect(plan.messages.get(1)?.escalations).toHaveLength(1);
  });
});

describe("who is quiet, in a sweep", () => {
  const due = (id: number, ownerIds: number[]) => ({ id, dueDate: "2011-09-26", kind: "milestone" as const, snoozedUntil: null, snoozeCount: 0, priorityId: null, ownerIds, teamMemberIds: [] });
  const input = (people: [number, QuietRules][]): SweepInput => ({
    now: new Date("2011-09-26T07:30:00+01:00"),
    people: new Map(people),
    milestones: people.map(([id]) => due(100 + id, [id])),
    sent: new Set(),
    overdueNudges: new Map(),
    firstNudged: new Map(),
    raised: new Map(),
    roles: new Map(),
    coordinatorIds: [],
  });

  it("judges each person by their own rules, however many share a zone", () => {
    const early = { timeZone: "Europe/London", quietStartMinute: 18 * 60, quietEndMinute: 7 * 60 };
    const late = { timeZone: "Europe/London", quietStartMinute: 18 * 60, quietEndMinute: 8 * 60 };
    const scot = { ...early, region: "scotland" as const };
    const plan = planSweep(input([[1, early], [2, late], [3, early], [4, late], [5, scot], [6, { ...late, timeZone: "Asia/Kolkata" }]]));
    // 07:30 in London: awake from 07:00, quiet until 08:00. Kolkata is mid-afternoon.
    expect([...plan.messages.keys()].sort()).toEqual([1, 3, 5, 6]);
  });

  it("records everyone whose rules cannot be read, and still sends to the rest", () => {
    const broken = { timeZone: "Mars/Olympus_Mons", quietStartMinute: 18 * 60, quietEndMinute: 7 * 60 };
    const fine = { timeZone: "Europe/London", quietStartMinute: 18 * 60, quietEndMinute: 7 * 60 };
    const plan = planSweep(input([[1, broken], [2, fine], [3, broken]]));
    expect([...plan.failures.keys()].sort()).toEqual([1, 3]);
    expect(plan.failures.get(3)).toMatch(/Mars\/Olympus_Mons/);
    expect([...plan.messages.keys()]).toEqual([2]);
  });
});

describe("a sweep planned in slices", () => {
  // A city's worth of variety from a fixed seed: time zones, quiet hours, snoozes,
  // team owners, unowned work, stages already sent, escalations already raised.
  function city(seed: number): SweepInput {
    let state = seed;
    const next = (n: number) => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31), state % n);
    const zones = ["Europe/London", "America/New_York", "Asia/Kolkata"];
    const people = new Map(
      Array.from({ length: 60 }, (_, i) => [i + 1, { timeZone: zones[next(zones.length)]!, quietStartMinute: 18 * 60 + next(240), quietEndMinute: 6 * 60 + next(120) }] as const),
    );
    const milestones = Array.from({ length: 400 }, (_, i) => {
      const day = next(120);
      return {
        id: i + 1,
        dueDate: next(15) === 0 ? null : new Date(Date.UTC(2011, 7, 1) + day * 86_400_000).toISOString().slice(0, 10),
        kind: next(6) === 0 ? ("target" as const) : ("milestone" as const),
        snoozedUntil: next(10) === 0 ? new Date("2011-10-01T00:00:00Z") : null,
        snoozeCount: next(4),
        priorityId: next(8) === 0 ? null : 1 + next(5),
        ownerIds: next(7) === 0 ? [] : [1 + next(60)],
        teamMemberIds: next(5) === 0 ? [1 + next(60), 1 + next(60)] : [],
      };
    });
    const sent = new Set(milestones.filter(() => next(3) === 0).flatMap((m) => m.ownerIds.map((p) => `${m.id}:${p}:overdue:2011-09-20`)));
    return {
      now: new Date("2011-09-26T09:00:00+01:00"),
      people,
      milestones,
      sent,
      overdueNudges: new Map(milestones.filter(() => next(4) === 0).map((m) => [m.id, 1 + next(5)])),
      firstNudged: new Map(milestones.filter(() => next(4) === 0).map((m) => [m.id, "2011-09-01"])),
      raised: new Map(milestones.filter(() => next(9) === 0).map((m) => [m.id, { lead: "2011-09-10" }])),
      roles: new Map(Array.from({ length: 5 }, (_, i) => [i + 1, { lead: next(3) === 0 ? [] : [1 + next(60)], sponsor: [1 + next(60)] }] as const)),
      coordinatorIds: [7, 8],
    };
  }

  it("plans exactly what planning all at once does, pausing between slices", async () => {
    for (const seed of [1, 7, 2011]) {
      const input = city(seed);
      const whole = planSweep(input);
      expect(whole.messages.size).toBeGreaterThan(10);
      for (const size of [1, 7, 64, 1000]) {
        let pauses = 0;
        const sliced = await planSweepInSlices(input, size, async () => void pauses++);
        expect(sliced).toEqual(whole);
        expect([...sliced.messages.keys()]).toEqual([...whole.messages.keys()]);
        expect(pauses).toBe(Math.ceil(input.milestones.length / size) - 1);
      }
    }
  });
});
