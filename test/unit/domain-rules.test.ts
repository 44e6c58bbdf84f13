import { describe, expect, it } from "vitest";
import { addDays, daysBetween, localDate, shortDateTime } from "../../src/domain/dates/calendar.ts";
import { CurveError } from "../../src/domain/errors.ts";
import { compareForAttention, describeTiming, milestoneStatus } from "../../src/domain/milestone-status.ts";
import type { MilestoneView } from "../../src/domain/model.ts";
import { closestRefs, compareRefs, parseRef } from "../../src/domain/refs.ts";
import { checkUserText } from "../../src/domain/user-text.ts";

const milestone = (ref: string, dueDate: string | null, doneAt: Date | null = null): MilestoneView => ({
  id: 1, ref, actionId: 1, actionRef: ref.split(".")[0]!, text: ref, kind: "milestone", precision: dueDate ? "month" : "tbc",
  dueDate, dueStart: null, duePhrase: null, doneAt, doneBy: null, evidence: null, snoozedUntil: null, snoozeCount: 0,
});

describe("refs", () => {
  it("normalises what people type", () => {
    expect(parseRef("att-5.1")).toEqual({ action: "ATT-5", step: 1 });
    expect(parseRef("ATT5")).toEqual({ action: "ATT-5" });
    expect(parseRef("lac-4B")).toEqual({ action: "LAC-4b" });
    // Without a hyphen every digit is the number's: "lac14" is LAC-14, not LAC1-4.
    const unhyphenated: [string, ReturnType<typeof parseRef>][] = [
      ["lac14", { action: "LAC-14" }], ["ATT41", { action: "ATT-41" }], ["neet10.2", { action: "NEET-10", step: 2 }],
      ["PIAP123b", { action: "PIAP-123b" }], ["(lac14.)", { action: "LAC-14" }], ["L3-19", { action: "L3-19" }],
    ];
    for (const [typed, read] of unhyphenated) expect(parseRef(typed), typed).toEqual(read);
    expect(parseRef("cypp-2011-15:ATT-5.2")).toEqual({ plan: "cypp-2011-15", action: "ATT-5", step: 2 });
    for (const bad of ["", "ATT", "5.1", "ATT-", "ATT-5.x", "<!channel>"]) expect(parseRef(bad), bad).toBeNull();
  });

  it("suggests near refs and sorts them as people read them", () => {
    expect(closestRefs("ATX-5", ["ATT-5", "LAC-5", "NEET-10"])[0]).toBe("ATT-5");
    expect(closestRefs("ZZZ-99", ["ATT-5", "LAC-5"])).toEqual([]);
    expect(["ATT-10", "ATT-2", "LAC-4b", "LAC-4"].sort(compareRefs)).toEqual(["ATT-2", "ATT-10", "LAC-4", "LAC-4b"]);
  });
});

describe("user text", () => {
  it("accepts ordinary text, trimmed, with tabs as spaces", () => {
    expect(checkUserText("  model agreed\tat cluster chairs  ")).toBe("model agreed at cluster chairs");
    expect(checkUserText("x".repeat(3000))).toHaveLength(3000);
  });

  it("refuses text over 3,000 characters and control or bidi characters", () => {
    const code = (input: string) => {
      try {
        checkUserText(input);
        return "accepted";
      } catch (error) {
        return (error as CurveError).code;
      }
    };
    expect(code("x".repeat(3001))).toBe("too_long");
    expect(code("a\u0000b")).toBe("bad_text");
    expect(code("line one\nline two")).toBe("bad_text");
    expect(code("\u202Egnp.exe")).toBe("bad_text");
  });
});

describe("milestone timing", () => {
  it("classifies against the person's today", () => {
    expect(milestoneStatus(milestone("A-1.1", "2011-09-30"), "2011-10-01")).toBe("overdue");
    expect(milestoneStatus(milestone("A-1.1", "2011-09-30"), "2011-09-30")).toBe("due_today");
    expect(milestoneStatus(milestone("A-1.1", "2011-09-30"), "2011-09-20")).toBe("due_soon");
    expect(milestoneStatus(milestone("A-1.1", "2011-12-30"), "2011-09-20")).toBe("upcoming");
    expect(milestoneStatus(milestone("A-1.1", null), "2011-09-20")).toBe("tbc");
    expect(milestoneStatus(milestone("A-1.1", "2011-09-30", new Date()), "2012-01-01")).toBe("done");
    expect(describeTiming(milestone("A-1.1", "2011-09-30"), "2011-10-03")).toBe("overdue by 3 days (due 30 Sep 2011)");
    expect(describeTiming(milestone("A-1.1", "2011-09-30"), "2011-09-29")).toBe("due in 1 day (30 Sep 2011)");
    expect(describeTiming(milestone("A-1.1", "2011-09-30"), "2011-10-30")).toBe("overdue by 4 weeks (due 30 Sep 2011)");
    expect(describeTiming(milestone("A-1.1", "2011-09-30"), "2026-11-23")).toBe("overdue since 30 Sep 2011");
  });

  it("puts the most overdue first and dateless ones last", () => {
    const sorted = [milestone("B-2.1", null), milestone("B-10.1", "2011-05-31"), milestone("B-2.2", "2011-05-31"), milestone("C-1.1", "2011-03-31")].sort(compareForAttention);
    expect(sorted.map((m) => m.ref)).toEqual(["C-1.1", "B-2.2", "B-10.1", "B-2.1"]);
  });

  it("uses the calendar date in the person's zone, across the clock change", () => {
    expect(localDate(new Date("2011-03-31T23:30:00Z"), "Europe/London")).toBe("2011-04-01"); // BST
    expect(localDate(new Date("2011-12-31T23:30:00Z"), "Europe/London")).toBe("2011-12-31"); // GMT
    expect(shortDateTime(new Date("2011-10-30T00:30:00Z"), "Europe/London")).toBe("30 Oct 2011 01:30");
    expect(shortDateTime(new Date("2011-10-30T01:30:00Z"), "Europe/London")).toBe("30 Oct 2011 01:30");
    expect(addDays("2012-02-28", 1)).toBe("2012-02-29");
    expect(daysBetween("2011-03-26", "2011-03-28")).toBe(2);
  });

  it("adds and counts days exactly as Date does, every day from 1899 to 2101, across leap years and centuries", () => {
    const byDate = (iso: string, n: number) => {
      const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
      return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
    };
    let day = "1899-12-25";
    for (let i = 0; i < 73_100; i++) {
      for (const n of [-400, -29, -1, 0, 1, 7, 366]) expect(addDays(day, n)).toBe(byDate(day, n));
      expect(daysBetween("1970-01-01", day)).toBe(Math.round(Date.parse(`${day}T00:00:00Z`) / 86_400_000));
      day = byDate(day, 1);
    }
    // A day past the month's end runs on, as Date.UTC does; text that is not a date is refused.
    expect(addDays("2011-02-30", 0)).toBe("2011-03-02");
    expect(() => addDays("30/09/2011", 1)).toThrow(RangeError);
    expect(daysBetween("soon", "2011-09-30")).toBeNaN();
  });
});
