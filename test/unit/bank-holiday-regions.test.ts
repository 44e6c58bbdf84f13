import { describe, expect, it } from "vitest";
import { BankHolidayCalendar, BUILT_IN_CHANGES, parseRegion, standingHolidays } from "../../src/domain/schedule/bank-holidays.ts";
import { nextSendableInstant } from "../../src/domain/schedule/quiet-time.ts";
import { latestStage } from "../../src/domain/schedule/nudge-stages.ts";

const calendar = new BankHolidayCalendar();

describe("bank holidays after 2030: no cliff", () => {
  it("England and Wales come from the standing rules for any year", () => {
    expect(calendar.holidaysIn(2031)).toEqual(["2031-01-01", "2031-04-11", "2031-04-14", "2031-05-05", "2031-05-26", "2031-08-25", "2031-12-25", "2031-12-26"]);
    for (let year = 2031; year <= 2200; year++) {
      const days = calendar.holidaysIn(year);
      expect(days, String(year)).toHaveLength(8);
      expect(days.every((d) => calendar.isWorkingDay(d) === false), String(year)).toBe(true);
    }
  });

  it("one-off changes from the operator's data apply without a release: a day added, a day moved", () => {
    const proclaimed = new BankHolidayCalendar([
      ...BUILT_IN_CHANGES,
      { region: "england-and-wales", date: "2032-06-07", change: "added", title: "A jubilee" },
      { region: "england-and-wales", date: "2032-05-31", change: "removed", title: "Spring bank holiday moved" },
      { region: "england-and-wales", date: "2032-06-04", change: "added", title: "Spring bank holiday (moved)" },
    ]);
    expect(proclaimed.isBankHoliday("2032-06-07")).toBe(true);
    expect(proclaimed.isBankHoliday("2032-05-31")).toBe(false);
    expect(proclaimed.isBankHoliday("2032-06-04")).toBe(true);
    // Only that region changed.
    expect(proclaimed.isBankHoliday("2032-06-07", "scotland")).toBe(false);
    expect(calendar.isBankHoliday("2032-05-31")).toBe(true);
  });
});

describe("Scotland and Northern Ireland", () => {
  it("Scotland: 2 January, no Easter Monday, early August, St Andrew's Day, with substitutes (gov.uk lists)", () => {
    expect(calendar.holidaysIn(2024, "scotland")).toEqual(["2024-01-01", "2024-01-02", "2024-03-29", "2024-05-06", "2024-05-27", "2024-08-05", "2024-12-02", "2024-12-25", "2024-12-26"]);
    expect(calendar.holidaysIn(2021, "scotland")).toEqual(["2021-01-01", "2021-01-04", "2021-04-02", "2021-05-03", "2021-05-31", "2021-08-02", "2021-11-30", "2021-12-27", "2021-12-28"]);
    // New Year's Day on a Saturday: Monday 3rd and Tuesday 4th.
    expect(calendar.holidaysIn(2022, "scotland").slice(0, 2)).toEqual(["2022-01-03", "2022-01-04"]);
  });

  it("Northern Ireland: St Patrick's Day and 12 July, with substitutes (gov.uk lists)", () => {
    expect(calendar.holidaysIn(2024, "northern-ireland")).toEqual([
      "2024-01-01", "2024-03-18", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-07-12", "2024-08-26", "2024-12-25", "2024-12-26",
    ]);
    expect(calendar.holidaysIn(2021, "northern-ireland")).toEqual([
      "2021-01-01", "2021-03-17", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-07-12", "2021-08-30", "2021-12-27", "2021-12-28",
    ]);
    // 12 July 2026 is a Sunday: Monday 13th.
    expect(standingHolidays(2026, "northern-ireland")).toContain("2026-07-13");
  });

  it("quiet time and 'a working day before' follow the person's region", () => {
    const rules = { timeZone: "Europe/London", quietStartMinute: 18 * 60, quietEndMinute: 8 * 60 };
    // 2 January 2024, 10:00: a working day in England, a holiday in Scotland.
    const morning = new Date("2024-01-02T10:00:00Z");
    expect(nextSendableInstant(morning, rules)).toEqual(morning);
    expect(nextSendableInstant(morning, { ...rules, region: "scotland" })).toEqual(new Date("2024-01-03T08:00:00Z"));
    // Due Tuesday 2 December 2024: in Scotland the working day before is Friday 29 November.
    expect(latestStage({ dueDate: "2024-12-03", kind: "milestone", done: false }, "2024-12-02", "scotland")).toEqual({ stage: "day_before", stageDate: "2024-11-29" });
    expect(latestStage({ dueDate: "2024-12-03", kind: "milestone", done: false }, "2024-12-02")).toEqual({ stage: "day_before", stageDate: "2024-12-02" });
  });

  it("reads region names as people write them", () => {
    expect(parseRegion("Scotland")).toBe("scotland");
    expect(parseRegion("northern ireland")).toBe("northern-ireland");
    expect(parseRegion("NI")).toBe("northern-ireland");
    expect(parseRegion("wales")).toBe("england-and-wales");
    expect(parseRegion("france")).toBeNull();
  });
});
