import { describe, expect, it } from "vitest";
import { closedPlanRefusal, readPlanPeriod, refreshedTitle, successorPeriodProblem } from "../../src/domain/plan-refresh.ts";

describe("a successor's period", () => {
  const cypp = { title: "CYPP 2011-15", start: "2011-04-01", end: "2015-03-31" };
  it("must end after the old plan ends and start no earlier than it started", () => {
    for (const [label, ok] of [["2015-19", true], ["2013-17", true], ["2011-16", true], ["2014-15", false], ["2011-15", false], ["2010-14", false], ["2009-16", false]] as const) {
      expect(successorPeriodProblem(cypp, readPlanPeriod(label, cypp.start)!) === null, label).toBe(ok);
    }
  });
  it("is checked only against the ends the old plan has", () => {
    expect(successorPeriodProblem({ title: "Plan", start: null, end: null }, readPlanPeriod("2001-02", null)!)).toBeNull();
    expect(successorPeriodProblem({ title: "Plan", start: null, end: "2015-03-31" }, readPlanPeriod("2006-15", null)!)).toContain("no later than Plan");
  });
});

describe("a refreshed plan's period and title", () => {
  it("reads 2015-19 as financial years when the old plan started on 1 April (the CYPP's convention)", () => {
    expect(readPlanPeriod("2015-19", "2011-04-01")).toEqual({ label: "2015-19", start: "2015-04-01", end: "2019-03-31" });
    expect(readPlanPeriod("2015-2019", null)).toEqual({ label: "2015-19", start: "2015-04-01", end: "2019-03-31" });
    expect(readPlanPeriod("2015/19", "2011-04-01")?.end).toBe("2019-03-31");
  });

  it("follows the old plan's own start day: calendar years, or academic years from 1 September", () => {
    expect(readPlanPeriod("2015-19", "2011-01-01")).toEqual({ label: "2015-19", start: "2015-01-01", end: "2019-12-31" });
    expect(readPlanPeriod("2015-19", "2011-09-01")).toEqual({ label: "2015-19", start: "2015-09-01", end: "2019-08-31" });
    expect(readPlanPeriod("1998-02", "1994-04-01")).toEqual({ label: "1998-02", start: "1998-04-01", end: "2002-03-31" });
  });

  it("is null for anything that is not a period of one to ten years", () => {
    for (const bad of ["2015", "2019-15", "2015-15", "2015-40", "next year", "15-19", ""]) expect(readPlanPeriod(bad, "2011-04-01"), bad).toBeNull();
  });

  it("swaps the old period in the title, or adds the new one", () => {
    const period = readPlanPeriod("2015-19", "2011-04-01")!;
    expect(refreshedTitle("Children and Young People's Plan 2011-15", period)).toBe("Children and Young People's Plan 2015-19");
    expect(refreshedTitle("Children and Young People's Plan", period)).toBe("Children and Young People's Plan 2015-19");
  });

  it("says where a closed plan's action went, or that it stayed behind", () => {
    const closed = { title: "CYPP 2011-15", closedOn: "2015-04-01", into: "cypp-2015-19" };
    expect(closedPlanRefusal({ ref: "ATT-4", closedPlan: { ...closed, carriedRef: "ATT-4" } })).toBe(
      "CYPP 2011-15 was refreshed into cypp-2015-19 on 1 Apr 2015; ATT-4 is carried over as ATT-4 there.",
    );
    expect(closedPlanRefusal({ ref: "ATT-3", closedPlan: { ...closed, carriedRef: null } })).toBe(
      "CYPP 2011-15 was refreshed into cypp-2015-19 on 1 Apr 2015; ATT-3 was not carried over (it was done or dropped).",
    );
    expect(closedPlanRefusal({ ref: "ATT-4", closedPlan: null })).toBeNull();
  });
});
