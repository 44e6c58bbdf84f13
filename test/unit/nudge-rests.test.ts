import { describe, expect, it } from "vitest";
import { addDays } from "../../src/domain/dates/calendar.ts";
import { BankHolidayCalendar, BUILT_IN_CHANGES } from "../../src/domain/schedule/bank-holidays.ts";
import { escalationDue, nextEscalationDate, type EscalationFacts } from "../../src/domain/schedule/escalation.ts";
import { latestStage } from "../../src/domain/schedule/nudge-stages.ts";
import { nextStageChange, planSweep, REST_HORIZON_DAYS, type SweepInput } from "../../src/domain/schedule/plan-nudges.ts";
import type { QuietRules } from "../../src/domain/schedule/quiet-time.ts";

const london: QuietRules = { timeZone: "Europe/London", quietStartMinute: 18 * 60, quietEndMinute: 8 * 60 };

describe("when a milestone's nudges or escalation next change", () => {
  it("finds the first day the latest stage is another, for every due date around Christmas and Easter, in every region", () => {
    for (const region of ["england-and-wales", "scotland", "northern-ireland"] as const) {
      for (const start of ["2026-12-10", "2027-03-15"]) {
        for (let d = 0; d < 40; d++) {
          const dueDate = addDays(start, d);
          for (const kind of ["milestone", "target"] as const) {
            for (let t = 0; t < 30; t += 3) {
              const today = addDays(start, t);
              const milestone = { dueDate, kind, done: false };
              const now = latestStage(milestone, today, region);
              // Tried day by day: the first later day with another stage, or the horizon.
              let expected = addDays(today, REST_HORIZON_DAYS);
              for (let k = 1; k < REST_HORIZON_DAYS; k++) {
                const then = latestStage(milestone, addDays(today, k), region);
                if (JSON.stringify(then) !== JSON.stringify(now)) {
                  expected = addDays(today, k);
                  break;
                }
              }
              expect(nextStageChange(milestone, today, region), `${region} due ${dueDate} ${kind} on ${today}`).toBe(expected);
            }
          }
        }
      }
    }
    // A milestone with no date is asked for one each Monday.
    expect(nextStageChange({ dueDate: null, kind: "milestone", done: false }, "2026-12-02")).toBe("2026-12-07");
  });

  it("works out the first day an escalation is due exactly as escalationDue answers day by day", () => {
    const today = "2026-11-30";
    const dates = [null, "2026-10-01", "2026-11-16", "2026-11-24", "2026-11-30", "2026-12-03", "2026-12-20"];
    let tried = 0;
    for (const dueDate of [null, "2026-10-20", "2026-11-20", "2026-11-29", "2026-12-01", "2026-12-12"])
      for (const snoozeCount of [0, 2, 3, 5])
        for (const overdueNudges of [0, 1, 2, 4])
          for (const firstNudged of dates)
            for (const lead of dates)
              for (const sponsor of [null, "2026-11-28"]) {
                const facts: EscalationFacts = {
                  dueDate,
                  done: false,
                  snoozeCount,
                  overdueNudges,
                  firstNudged,
                  raised: { ...(lead ? { lead } : {}), ...(lead && sponsor ? { sponsor } : {}) },
                };
                let expected: string | null = null;
                for (let k = 1; k <= 60 && !expected; k++) if (escalationDue(facts, addDays(today, k))) expected = addDays(today, k);
                const found = nextEscalationDate(facts, today);
                // Beyond two months nothing is tried; the rule found then must lie beyond too.
                if (expected === null && found !== null) expect(found > addDays(today, 60), JSON.stringify(facts)).toBe(true);
                else expect(found, JSON.stringify(facts)).toBe(expected);
                tried++;
              }
    expect(tried).toBe(9408);
    expect(nextEscalationDate({ dueDate: "2026-11-01", done: true, snoozeCount: 3, overdueNudges: 3, firstNudged: "2026-11-01", raised: {} }, today)).toBeNull();
  });
});

describe("a sweep's rests", () => {
  // Monday 30 November 2026, 09:00 in London.
  const now = new Date("2026-11-30T09:00:00Z");
  const milestone = (id: number, dueDate: string | null, ownerIds: number[], extra: Partial<SweepInput["milestones"][number]> = {}) => ({
    id,
    dueDate,
    kind: "milestone" as const,
    snoozedUntil: null,
    snoozeCount: 0,
    priorityId: 5,
    ownerIds,
    teamMemberIds: [],
    ...extra,
  });
  const input = (milestones: SweepInput["milestones"], sent: string[] = [], people: [number, QuietRules][] = [[1, london], [2, london], [3, london]]): SweepInput => ({
    now,
    people: new Map(people),
    milestones,
    sent: new Set(sent),
    overdueNudges: new Map(),
    firstNudged: new Map(),
    raised: new Map(),
    roles: new Map([[5, { lead: [3], sponsor: [] }]]),
    coordinatorIds: [],
  });
  const restOf = (plan: ReturnType<typeof planSweep>, id: number) => plan.rests.find((r) => r.milestone.id === id)?.until.toISOString();

  it("rests a milestone everyone has heard of until its next stage begins, at midnight where they are", () => {
    // Due 10 December: nothing is owed until "due in a week", on 3 December. Due today: both owners have heard.
    const plan = planSweep(input([milestone(1, "2026-12-10", [1]), milestone(2, "2026-11-30", [1, 2])], ["2:1:due:2026-11-30", "2:2:due:2026-11-30"]));
    expect(plan.messages.size).toBe(0);
    // Milestone 1 reaches "due in a week" on 3 December; milestone 2 turns overdue on 1 December.
    expect(restOf(plan, 1)).toBe("2026-12-03T00:00:00.000Z");
    expect(restOf(plan, 2)).toBe("2026-12-01T00:00:00.000Z");
  });

  it("ends a rest at the earliest recipient's midnight: a later stage reaches Auckland half a day before London", () => {
    const auckland = { ...london, timeZone: "Pacific/Auckland" };
    // 09:00 in London is 22:00 in Auckland, in its quiet hours: nothing rests while someone may not hear.
    const quiet = planSweep(input([milestone(1, "2026-12-10", [1, 2])], [], [[1, london], [2, auckland]]));
    expect(quiet.rests).toEqual([]);
    const awake = planSweep(input([milestone(1, "2026-12-10", [1, 2])], [], [[1, london], [2, { ...auckland, quietStartMinute: 23 * 60 + 59, quietEndMinute: 0 }]]));
    // Auckland's 3 December begins at 11:00 on 2 December, UTC.
    expect(restOf(awake, 1)).toBe("2026-12-02T11:00:00.000Z");
  });

  it("rests nothing that is owed, snoozed, or has someone quiet or unreadable among those who would hear", () => {
    const plan = planSweep(
      input(
        [
          milestone(1, "2026-11-30", [1]), // due today, not yet sent: owed
          milestone(2, "2026-12-20", [1], { snoozedUntil: new Date("2026-12-02T00:00:00Z") }),
          milestone(3, "2026-12-20", [1, 4]), // person 4 cannot be read
        ],
        [],
        [[1, london], [4, { ...london, timeZone: "Mars/Olympus_Mons" }]],
      ),
    );
    expect(plan.rests.map((r) => r.milestone.id)).toEqual([]);
    expect(plan.messages.get(1)?.nudges.map((n) => n.milestoneId)).toEqual([1]);
  });

  it("rests an overdue milestone until its lead is to be told, when that comes before its next weekly reminder", () => {
    const overdue = milestone(1, "2026-11-20", [1], { snoozeCount: 0 });
    const facts = input([overdue], ["1:1:overdue:2026-11-28"]);
    // First nudged on 19 November: fourteen days from the due date, 4 December, the lead hears.
    facts.firstNudged.set(1, "2026-11-19");
    const plan = planSweep(facts);
    expect(plan.messages.size).toBe(0);
    expect(restOf(plan, 1)).toBe("2026-12-04T00:00:00.000Z");
    // Told already, and sponsor-less: rests until the next weekly reminder (5 December).
    facts.raised.set(1, { lead: "2026-11-29", sponsor: "2026-11-29" });
    expect(restOf(planSweep(facts), 1)).toBe("2026-12-05T00:00:00.000Z");
  });
});

describe("a bank holiday calendar's fingerprint", () => {
  it("names the same changes alike, and other changes, or the same in another order, otherwise", () => {
    const extra = { region: "scotland" as const, date: "2027-11-30", change: "added" as const, title: "St Andrew's Day, proclaimed" };
    const a = new BankHolidayCalendar([...BUILT_IN_CHANGES, extra]);
    expect(a.fingerprint).toBe(new BankHolidayCalendar([...BUILT_IN_CHANGES, { ...extra, title: "Renamed" }]).fingerprint);
    expect(a.fingerprint).not.toBe(new BankHolidayCalendar().fingerprint);
    const removed = { ...extra, change: "removed" as const };
    expect(new BankHolidayCalendar([removed]).fingerprint).not.toBe(new BankHolidayCalendar([extra]).fingerprint);
    // Added then removed is no holiday; removed then added is one.
    const addedThenRemoved = new BankHolidayCalendar([extra, removed]);
    const removedThenAdded = new BankHolidayCalendar([removed, extra]);
    expect(addedThenRemoved.isBankHoliday("2027-11-30", "scotland")).not.toBe(removedThenAdded.isBankHoliday("2027-11-30", "scotland"));
    expect(addedThenRemoved.fingerprint).not.toBe(removedThenAdded.fingerprint);
  });
});
