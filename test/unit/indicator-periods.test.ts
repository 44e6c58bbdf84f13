import { describe, expect, it } from "vitest";
import { dataDue, periodsEndingBetween } from "../../src/domain/indicators/cadence.ts";
import { parsePeriod, periodAsWritten } from "../../src/domain/indicators/periods.ts";
import type { Periodicity } from "../../src/domain/indicators/types.ts";

const read = (text: string, periodicity: Periodicity | null = null) => {
  const result = parsePeriod(text, { periodicity });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
};

describe("reading a period", () => {
  it("reads the forms the issue names", () => {
    expect(read("Dec 2011")).toMatchObject({ kind: "month", label: "Dec 2011", start: "2011-12-01", end: "2011-12-31" });
    expect(read("Q3 2011/12")).toMatchObject({ kind: "quarter", label: "Q3 2011/12", start: "2011-10-01", end: "2011-12-31" });
    expect(read("2011/12")).toMatchObject({ kind: "financial_year", label: "2011/12", start: "2011-04-01", end: "2012-03-31" });
    expect(read("half term 4 2010/11")).toMatchObject({ kind: "half_term", label: "half term 4 2010/11", start: "2011-03-01", end: "2011-03-31" });
  });

  it("reads 2011-12 as the year 2011/12, as milestones do, and says how it read it", () => {
    expect(read("2011-12")).toMatchObject({ kind: "financial_year", label: "2011/12", start: "2011-04-01", end: "2012-03-31" });
    expect(read("2011-12").note).toContain("for December 2011 write Dec 2011");
    expect(read("2011-12", "academic_year")).toMatchObject({ kind: "academic_year", end: "2012-07-31" });
    expect(read("2011-03").note).toBeUndefined();
  });

  it("reads months, days, quarters, terms and years in the ways partners write them", () => {
    expect(read("2011-03")).toMatchObject({ label: "Mar 2011", end: "2011-03-31" });
    expect(read("2012-02").end).toBe("2012-02-29"); // leap year
    expect(read("June 2013")).toMatchObject({ kind: "month", end: "2013-06-30" });
    expect(read("30 June 2013")).toMatchObject({ kind: "day", label: "30 Jun 2013", start: "2013-06-30", end: "2013-06-30" });
    expect(read("30th June 2013").end).toBe("2013-06-30");
    expect(read("30/06/2013").end).toBe("2013-06-30");
    expect(read("2013-06-30").end).toBe("2013-06-30");
    expect(read("Q4 2011/12")).toMatchObject({ start: "2012-01-01", end: "2012-03-31" });
    expect(read("Q1 2011/12")).toMatchObject({ start: "2011-04-01", end: "2011-06-30" });
    expect(read("2011/12 Q2")).toMatchObject({ start: "2011-07-01", end: "2011-09-30" });
    expect(read("Q3 2011")).toMatchObject({ label: "Q2 2011/12", start: "2011-07-01", end: "2011-09-30" });
    expect(read("Q3 2011").note).toContain("calendar quarter");
    expect(read("HT1 2011/12")).toMatchObject({ start: "2011-09-01", end: "2011-10-31" });
    expect(read("half terms 1-5 2009/10")).toMatchObject({ label: "half terms 1-5 2009/10", start: "2009-09-01", end: "2010-05-31" });
    expect(read("spring term 2011/12")).toMatchObject({ label: "spring term 2012", end: "2012-03-31" });
    expect(read("autumn term 2011")).toMatchObject({ end: "2011-12-31" });
    expect(read("academic year 2010/11")).toMatchObject({ kind: "academic_year", start: "2010-09-01", end: "2011-07-31" });
    expect(read("09/10 academic year")).toMatchObject({ end: "2010-07-31" });
    expect(read("FY 2011/12").end).toBe("2012-03-31");
    expect(read("2011")).toMatchObject({ kind: "calendar_year", end: "2011-12-31" });
  });

  it("reads a bare 2011/12 as the academic year for indicators counted by school year", () => {
    expect(read("2011/12", "academic_year")).toMatchObject({ kind: "academic_year", end: "2012-07-31" });
    expect(read("2011/12", "termly").kind).toBe("academic_year");
    expect(read("2011/12", "monthly").kind).toBe("financial_year");
  });

  it("refuses what is not a period, with an example of what is", () => {
    for (const bad of ["", "soon", "2011/13", "Q5 2011/12", "half term 7 2010/11", "half terms 5-2 2010/11", "31/02/2012", "2011-13", "1850", "Smarch 2012"]) {
      const result = parsePeriod(bad);
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.error.message).toContain("Q3 2011/12");
    }
  });
});

describe("when readings are due", () => {
  it("lists the periods of a periodicity that end in a span", () => {
    expect(periodsEndingBetween("quarterly", "2011-04-01", "2012-04-30").map((p) => p.label)).toEqual(["Q1 2011/12", "Q2 2011/12", "Q3 2011/12", "Q4 2011/12"]);
    expect(periodsEndingBetween("termly", "2011-08-31", "2012-08-01").map((p) => p.end)).toEqual(["2011-12-31", "2012-03-31", "2012-07-31"]);
    expect(periodsEndingBetween("annual", "2010-01-01", "2012-12-31").map((p) => p.label)).toEqual(["2009/10", "2010/11", "2011/12"]);
    expect(periodsEndingBetween("monthly", "2011-01-31", "2011-03-31").map((p) => p.label)).toEqual(["Feb 2011", "Mar 2011"]);
  });

  it("asks for the latest period that has ended, after a grace, and only when it has no reading", () => {
    // Monthly: March ends on the 31st and is due 30 days later.
    expect(dataDue("monthly", [], "2011-01-31", "2011-04-29")?.period.label).toBe("Feb 2011");
    expect(dataDue("monthly", [], "2011-01-31", "2011-04-30")).toMatchObject({ period: { label: "Mar 2011" }, dueSince: "2011-04-30" });
    expect(dataDue("monthly", [{ periodEnd: "2011-03-31" }], "2011-01-31", "2011-04-30")).toBeNull();
    // A snapshot inside the period counts as its reading.
    expect(dataDue("monthly", [{ periodEnd: "2011-03-15" }], "2011-01-31", "2011-04-30")).toBeNull();
    expect(dataDue(null, [], "2011-01-31", "2013-01-01")).toBeNull();
    expect(dataDue("annual", [], "2011-01-31", "2011-06-01")).toBeNull();
    expect(dataDue("annual", [], "2011-01-31", "2011-06-29")?.period.label).toBe("2010/11");
  });
});

describe("writing a stored period so that it reads back the same (the Readings sheet of an export)", () => {
  it("writes most labels as they are, and says financial year where a bare 2016/17 would read as a school year", () => {
    expect(periodAsWritten("Sep 2011", "monthly")).toBe("Sep 2011");
    expect(periodAsWritten("Q2 2011/12", "quarterly")).toBe("Q2 2011/12");
    expect(periodAsWritten("academic year 2016/17", "termly")).toBe("academic year 2016/17");
    expect(periodAsWritten("half terms 1-5 2009/10", "academic_year")).toBe("half terms 1-5 2009/10");
    expect(periodAsWritten("2016/17", "annual")).toBe("2016/17");
    expect(periodAsWritten("2016/17", null)).toBe("2016/17");
    expect(periodAsWritten("2016/17", "termly")).toBe("financial year 2016/17");
    const back = parsePeriod(periodAsWritten("2016/17", "academic_year"), { periodicity: "academic_year" });
    expect(back.ok && back.value.label).toBe("2016/17");
  });
});
