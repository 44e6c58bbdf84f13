import { describe, expect, it } from "vitest";
import { dueReports, nextOccurrence, parseRule, parseTimeOfDay, periodOf, sendDay } from "../../src/domain/reports/calendar.ts";
import { csvFile } from "../../src/domain/pledges/csv.ts";

const rule = (text: string, kind: Parameters<typeof parseRule>[1] = "monthly") => {
  const parsed = parseRule(text, kind);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

describe("the reporting calendar", () => {
  it("puts the monthly report on the first working day, past weekends and bank holidays", () => {
    expect(sendDay(rule("first-working-day"), periodOf("monthly", "2011-10-15"))).toBe("2011-10-03");
    // 1 January 2012 was a Sunday; Monday 2 January its substitute bank holiday.
    expect(sendDay(rule("first-working-day"), periodOf("monthly", "2012-01-20"))).toBe("2012-01-03");
    expect(sendDay(rule("last-working-day"), periodOf("monthly", "2011-12-01"))).toBe("2011-12-30");
  });

  it("moves a report due on a bank holiday to the next working day", () => {
    // The Obsession Tracker on Mondays: Easter Monday 2011 was 25 April.
    expect(sendDay(rule("monday", "obsessions"), periodOf("obsessions", "2011-04-27"))).toBe("2011-04-26");
    // The 29th of April 2011 was the royal wedding bank holiday; the 1st of a month on a Sunday goes on Monday 2nd.
    expect(sendDay(rule("1st"), periodOf("monthly", "2011-05-20"))).toBe("2011-05-03");
    expect(sendDay(rule("29th".replace("29", "28")), periodOf("monthly", "2011-08-02"))).toBe("2011-08-30");
  });

  it("is due once its day and time have come, and late (the same period) after downtime, never before it was set", () => {
    const monday = rule("monday", "obsessions");
    expect(dueReports("obsessions", monday, 540, { date: "2011-04-25", minute: 600 }, "2011-01-01")).toEqual([]);
    expect(dueReports("obsessions", monday, 540, { date: "2011-04-26", minute: 539 }, "2011-01-01")).toEqual([]);
    expect(dueReports("obsessions", monday, 540, { date: "2011-04-26", minute: 540 }, "2011-01-01")).toEqual([{ periodKey: "2011-04-25", start: "2011-04-25", day: "2011-04-26" }]);
    expect(dueReports("obsessions", monday, 540, { date: "2011-04-28", minute: 0 }, "2011-01-01")).toEqual([{ periodKey: "2011-04-25", start: "2011-04-25", day: "2011-04-26" }]);
    expect(dueReports("obsessions", monday, 540, { date: "2011-04-28", minute: 0 }, "2011-04-27")).toEqual([]);
    expect(periodOf("quarterly", "2011-11-30")).toEqual({ key: "2011-10q", start: "2011-10-01", end: "2011-12-31" });
  });

  it("keeps a period whose day a weekend or bank holiday moved into the next one, and says when it goes", () => {
    // Saturday 28 February 2015 goes on Monday 2 March, before March's own 28th (Saturday: Monday 30th).
    const day28 = rule("28th");
    expect(dueReports("monthly", day28, 540, { date: "2015-03-02", minute: 540 }, "2015-01-01")).toEqual([{ periodKey: "2015-02", start: "2015-02-01", day: "2015-03-02" }]);
    expect(dueReports("monthly", day28, 540, { date: "2015-03-30", minute: 540 }, "2015-01-01").map((d) => d.periodKey)).toEqual(["2015-02", "2015-03"]);
    expect(nextOccurrence("monthly", day28, "2015-03-01")).toBe("2015-03-02");
    // Christmas 2015: Friday 25th and Monday 28th (Boxing Day's substitute) were bank holidays.
    const friday = rule("friday", "obsessions");
    expect(dueReports("obsessions", friday, 540, { date: "2015-12-29", minute: 600 }, "2015-01-01")).toEqual([{ periodKey: "2015-12-21", start: "2015-12-21", day: "2015-12-29" }]);
    expect(nextOccurrence("obsessions", friday, "2015-12-26")).toBe("2015-12-29");
    // The last working day never leaves its month.
    expect(dueReports("monthly", rule("last-working-day"), 540, { date: "2015-03-02", minute: 600 }, "2015-01-01")).toEqual([]);
  });

  it("refuses rules and times it cannot keep", () => {
    expect(parseRule("monday", "monthly").ok).toBe(false);
    expect(parseRule("31st", "monthly").ok).toBe(false);
    expect(parseRule("1st", "obsessions").ok).toBe(false);
    expect(parseRule("whenever", "quarterly").ok).toBe(false);
    expect(parseTimeOfDay("09:00")).toBe(540);
    for (const bad of ["9am", "24:00", "09:60", ""]) expect(parseTimeOfDay(bad), bad).toBeNull();
  });
});

describe("CSV files", () => {
  it("start with a UTF-8 byte-order mark, once", () => {
    const file = csvFile('"Siân","Zoë"\r\n');
    expect([...Buffer.from(file, "utf8").subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csvFile(file)).toBe(file);
  });
});
