import { describe, expect, it } from "vitest";
import { describeDue, parseDue, type DuePrecision } from "../../src/domain/dates/due-phrase.ts";
import { parsePeriod } from "../../src/domain/indicators/periods.ts";

// One grammar for milestone dates, snooze "until", indicator periods and report periods
// (src/domain/dates/README.md). Each row: what a person types, what Curve understands.
type Row = [input: string, precision: DuePrecision, start: string | null, due: string | null, today?: string];

const MONDAY = "2026-11-30"; // a Monday
const TUESDAY = "2026-03-10";

const READ: Row[] = [
  // quarters: financial with a span, calendar with a bare year
  ["Q3 2016/17", "quarter", "2016-10-01", "2016-12-31"],
  ["Q3 2016-17", "quarter", "2016-10-01", "2016-12-31"],
  ["q1 2012/2013", "quarter", "2012-04-01", "2012-06-30"],
  ["Q4 2011/12", "quarter", "2012-01-01", "2012-03-31"],
  ["quarter 2 2014/15", "quarter", "2014-07-01", "2014-09-30"],
  ["2016/17 Q2", "quarter", "2016-07-01", "2016-09-30"],
  ["by Q2 2013/14", "quarter", "2013-07-01", "2013-09-30"],
  // financial years
  ["FY 2016/17", "year", "2016-04-01", "2017-03-31"],
  ["FY16/17", "year", "2016-04-01", "2017-03-31"],
  ["financial year 2012-13", "year", "2012-04-01", "2013-03-31"],
  ["2016/17", "year", "2016-04-01", "2017-03-31"],
  ["2011-12", "year", "2011-04-01", "2012-03-31"],
  ["end of the financial year", "year", "2026-04-01", "2027-03-31", MONDAY],
  ["by the end of the financial year", "year", "2026-04-01", "2027-03-31", MONDAY],
  ["next financial year", "year", "2027-04-01", "2028-03-31", MONDAY],
  // academic years, terms and half terms
  ["academic year 2016/17", "year", "2016-09-01", "2017-07-31"],
  ["2014/15 academic year", "year", "2014-09-01", "2015-07-31"],
  ["end of the academic year", "year", "2026-09-01", "2027-07-31", MONDAY],
  ["spring 2", "half_term", "2027-03-01", "2027-03-31", MONDAY],
  ["spring 2 2017", "half_term", "2017-03-01", "2017-03-31"],
  ["autumn 1 2016/17", "half_term", "2016-09-01", "2016-10-31"],
  ["summer 2 2015/16", "half_term", "2016-06-01", "2016-07-31"],
  ["autumn half term", "half_term", "2027-09-01", "2027-10-31", MONDAY],
  ["by autumn half term 2016", "half_term", "2016-09-01", "2016-10-31"],
  ["spring half term 2013", "half_term", "2013-01-01", "2013-02-28"],
  ["half term 4 2010/11", "half_term", "2011-03-01", "2011-03-31"],
  ["HT1 2011/12", "half_term", "2011-09-01", "2011-10-31"],
  ["summer term 2011", "term", "2011-04-01", "2011-07-31"],
  // week commencing: due on the Friday
  ["w/c 5 September 2011", "week", "2011-09-05", "2011-09-09"],
  ["w/c 23rd September 2013", "week", "2013-09-23", "2013-09-27"],
  ["week commencing 7 March 2016", "week", "2016-03-07", "2016-03-11"],
  ["W/C 12/1/15", "week", "2015-01-12", "2015-01-16"],
  ["w/c 23rd September", "week", "2013-09-23", "2013-09-27", "2013-09-20"],
  ["wc 2 December", "week", "2026-11-30", "2026-12-04", MONDAY],
  // Easter and Christmas: the last working day before Good Friday / Christmas Day
  ["by Easter 2012", "day", "2012-04-05", "2012-04-05"],
  ["Easter 2016", "day", "2016-03-24", "2016-03-24"],
  ["before Easter", "day", "2027-03-24", "2027-03-24", MONDAY],
  ["by Christmas 2011", "day", "2011-12-23", "2011-12-23"],
  ["Christmas 2013", "day", "2013-12-24", "2013-12-24"],
  // early, mid and late in a month
  ["mid April 2012", "day", "2012-04-15", "2012-04-15"],
  ["mid-September 2011", "day", "2011-09-15", "2011-09-15"],
  ["early May 2012", "range", "2012-05-01", "2012-05-10"],
  ["late June 2012", "range", "2012-06-21", "2012-06-30"],
  ["by late February 2016", "range", "2016-02-21", "2016-02-29"],
  ["mid December", "day", "2026-12-15", "2026-12-15", MONDAY],
  // ranges: due at the end
  ["April-June 2012", "range", "2012-04-01", "2012-06-30"],
  ["April – June 2012", "range", "2012-04-01", "2012-06-30"],
  ["Sept 2011 to March 2012", "range", "2011-09-01", "2012-03-31"],
  ["November-February 2013", "range", "2012-11-01", "2013-02-28"],
  ["from April to June 2012", "range", "2012-04-01", "2012-06-30"],
  ["1-5 April 2012", "range", "2012-04-01", "2012-04-05"],
  ["1 April to 15 June 2012", "range", "2012-04-01", "2012-06-15"],
  ["2011 to 2013", "range", "2011-01-01", "2013-12-31"],
  // numeric dates with two- or four-digit years, always day first
  ["31/3/12", "day", "2012-03-31", "2012-03-31"],
  ["31/03/2012", "day", "2012-03-31", "2012-03-31"],
  ["5.9.11", "day", "2011-09-05", "2011-09-05"],
  ["1-4-16", "day", "2016-04-01", "2016-04-01"],
  // relative phrases, resolved to a date when entered
  ["next month", "month", "2026-12-01", "2026-12-31", MONDAY],
  ["end of the month", "month", "2026-11-01", "2026-11-30", MONDAY],
  ["end of next month", "month", "2026-12-01", "2026-12-31", MONDAY],
  ["in 2 weeks", "day", "2026-03-24", "2026-03-24", TUESDAY],
  ["in a fortnight", "day", "2026-03-24", "2026-03-24", TUESDAY],
  ["in 3 months", "day", "2026-06-10", "2026-06-10", TUESDAY],
  ["a week on Tuesday", "day", "2026-03-24", "2026-03-24", TUESDAY],
  ["a week on Friday", "day", "2026-03-20", "2026-03-20", TUESDAY],
  ["Friday week", "day", "2026-03-20", "2026-03-20", TUESDAY],
  ["end of the week", "day", "2026-03-13", "2026-03-13", TUESDAY],
  ["this quarter", "quarter", "2026-10-01", "2026-12-31", MONDAY],
  ["last quarter", "quarter", "2026-07-01", "2026-09-30", MONDAY],
  ["end of the year", "year", "2026-01-01", "2026-12-31", MONDAY],
  // no deadline: TBC
  ["ongoing", "tbc", null, null],
  ["On-going", "tbc", null, null],
  ["n/a", "tbc", null, null],
  ["N/A", "tbc", null, null],
  ["TBA", "tbc", null, null],
  ["not applicable", "tbc", null, null],
];

describe("the one date grammar", () => {
  it.each(READ)("reads %j", (input, precision, start, due, today) => {
    const result = parseDue(input, today ? { today } : {});
    if (!result.ok) throw new Error(result.error.message);
    expect([result.value.precision, result.value.start, result.value.due]).toEqual([precision, start, due]);
  });

  it.each(READ.filter((r) => r[1] !== "tbc"))("labels %j with the date understood, and the label reads back the same", (input, _p, _s, _d, today) => {
    const first = parseDue(input, today ? { today } : {});
    if (!first.ok) throw new Error(first.error.message);
    const label = describeDue(first.value);
    const again = parseDue(label);
    if (!again.ok) throw new Error(`label ${label}: ${again.error.message}`);
    expect([again.value.precision, again.value.start, again.value.due]).toEqual([first.value.precision, first.value.start, first.value.due]);
  });

  const ECHOED: [string, string, string?][] = [
    ["2016/17", "financial year 2016/17 (1 April 2016 to 31 March 2017)"],
    ["2011-12", "for December 2011 write Dec 2011"],
    ["w/c 5 September 2011", "due Friday 9 September 2011"],
    ["by Easter 2012", "Thursday 5 April 2012, the last working day before Good Friday"],
    ["03/04/2016", "3 April 2016 (day/month/year)"],
    ["31/3/12", "31 March 2012"],
    ["in 2 weeks", "Tuesday 24 March 2026", TUESDAY],
    ["a week on Tuesday", "Tuesday 24 March 2026", TUESDAY],
    ["next month", "December 2026", MONDAY],
    ["ongoing", "TBC"],
    ["n/a", "TBC"],
    ["Q3 2016", "calendar quarter"],
  ];

  it.each(ECHOED)("says how it read %j", (input, words, today) => {
    const result = parseDue(input, today ? { today } : {});
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.note).toContain(words);
  });

  it.each(["from April 2011", "starting September 2012", "from 1 April 2016", "commencing March 2013", "from Q3 2016/17", "April 2011 onwards", "from April 2011 onwards", "September 2012 onward.", "Q3 2016/17 and beyond"])(
    "refuses the start %j as a deadline, and asks for the end",
    (input) => {
      const result = parseDue(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.message).toMatch(/when the work starts, not when it is due; give the end/);
      if (!result.ok) expect(result.error.message).toContain(`"${input}"`);
    },
  );

  it.each(["Q5 2016/17", "FY 2016/18", "spring 3", "w/c 31 February 2016", "June-April", "April-June", "2016/18", "half term 7 2010/11", "mid Smarch 2012", "late 2012"])(
    "refuses %j with one sentence",
    (input) => {
      const result = parseDue(input, { today: MONDAY });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.message).toMatch(/^Curve could not read ".*" as a date \(.*\); try .*\.$/);
    },
  );
});

describe("a month with two digits after it: a day, or a shortened year", () => {
  const FRIDAY = "2026-12-04";
  // "Sept 27" in December 2026 may be 27 September 2027 or September 2027: asked, never guessed.
  it.each(["Sept 27", "end of Sept 27", "by March 27", "March 27", "Jan 28.", "by end of Dec 26", "June 28"])("refuses %j, naming both readings", (input) => {
    const result = parseDue(input, { today: FRIDAY });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^Curve could not read ".*" as a date \(it could be \d+ \w+ or \w+ 20\d\d: write ".*" or ".*"\); try .*\.$/);
  });

  // A past year, an ordinal, one digit or a four-digit year leave no doubt.
  const DAYS: [string, string][] = [
    ["Jan 15", "2027-01-15"], ["Sept 27th", "2027-09-27"], ["Jan 6", "2027-01-06"], ["March 31st", "2027-03-31"],
    ["27 September", "2027-09-27"], ["September 27, 2027", "2027-09-27"], ["Dec 31", "2026-12-31"], ["Oct 30", "2027-10-30"],
  ];
  it.each(DAYS)("reads %j as the day %s", (input, day) => {
    const result = parseDue(input, { today: FRIDAY });
    if (!result.ok) throw new Error(result.error.message);
    expect([result.value.precision, result.value.due]).toEqual(["day", day]);
  });
});

describe("an ambiguous form is read one way everywhere", () => {
  const SAME: [input: string, periodicity: "monthly" | "quarterly" | "annual" | "academic_year" | "termly"][] = [
    ["2011/12", "annual"],
    ["2011-12", "monthly"],
    ["Q3 2011/12", "quarterly"],
    ["w/c 5 September 2011", "monthly"],
    ["April-June 2012", "quarterly"],
    ["31/3/12", "monthly"],
    ["summer term 2012", "termly"],
  ];

  it.each(SAME)("a milestone and a reading for a financial-year indicator read %j as the same period", (input, periodicity) => {
    const due = parseDue(input);
    const period = parsePeriod(input, { periodicity });
    if (!due.ok || !period.ok) throw new Error(`${input} unread`);
    expect([period.value.start, period.value.end]).toEqual([due.value.start, due.value.due]);
  });

  it("follows the indicator's periodicity for a bare span: financial for NEET, academic for attendance", () => {
    const neet = parsePeriod("2016/17", { periodicity: "annual" });
    const attendance = parsePeriod("2016/17", { periodicity: "academic_year" });
    expect(neet.ok && neet.value).toMatchObject({ kind: "financial_year", start: "2016-04-01", end: "2017-03-31" });
    expect(attendance.ok && attendance.value).toMatchObject({ kind: "academic_year", start: "2016-09-01", end: "2017-07-31" });
    expect(attendance.ok && attendance.value.note).toContain("academic year 2016/17");
  });

  // A reading is for a period begun; a deadline or a forecast for one not yet over.
  const BOTH_WAYS: [input: string, today: string, back: string, ahead: string | false][] = [
    ["Sep", "2013-10-15", "Sep 2013", "Sep 2014"],
    ["Oct", "2013-10-15", "Oct 2013", "Oct 2013"],
    ["Dec", "2013-10-15", "Dec 2012", "Dec 2013"],
    ["30 Sep", "2013-10-15", "30 Sep 2013", "30 Sep 2014"],
    ["15 Oct", "2013-10-15", "15 Oct 2013", "15 Oct 2013"],
    // Ahead, only this year and next are looked at: the next 29 February is not a deadline anyone means.
    ["29 Feb", "2013-10-15", "29 Feb 2012", false],
    ["summer term", "2013-10-15", "summer term 2013", "summer term 2014"],
    ["winter", "2014-01-10", "winter 2013/14", "winter 2013/14"],
  ];

  it.each(BOTH_WAYS)("reads %j on %s as %s for a reading and %s looking ahead", (input, today, back, ahead) => {
    const reading = parsePeriod(input, { periodicity: "monthly", today });
    const forecast = parsePeriod(input, { periodicity: "monthly", today, looking: "ahead" });
    expect(reading.ok && reading.value.label).toBe(back);
    expect(forecast.ok && forecast.value.label).toBe(ahead);
    // A milestone's date still looks ahead.
    const due = parseDue(input, { today });
    expect(forecast.ok && [forecast.value.start, forecast.value.end]).toEqual(due.ok && [due.value.start, due.value.due]);
  });

  it("resolves a relative report period against today", () => {
    const last = parsePeriod("last quarter", { periodicity: "quarterly", today: MONDAY });
    expect(last.ok && last.value).toMatchObject({ label: "Q2 2026/27", start: "2026-07-01", end: "2026-09-30" });
    expect(parsePeriod("last quarter").ok).toBe(false);
  });
});
