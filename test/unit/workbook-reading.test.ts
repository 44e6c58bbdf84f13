import { describe, expect, it } from "vitest";
import { readPartnershipWorkbook } from "../../src/domain/workbook/read-partnership.ts";
import { resolveActionParties } from "../../src/domain/workbook/resolve-names.ts";
import { describeProblem, type RawSheet } from "../../src/domain/workbook/sheet.ts";

/** A sheet from tab-separated lines, as the seed documents' tables are extracted. */
function sheet(name: string, text: string, merged: Record<number, number[]> = {}): RawSheet {
  return {
    name,
    rows: text
      .split("\n")
      .map((line, i) => ({ number: i + 1, cells: line.split("\t").map((c) => c.replace(/¶/g, "\n")), ...(merged[i + 1] ? { mergedFromAbove: new Set(merged[i + 1]) } : {}) })),
  };
}

describe("reading an action plan in the CYPP's own columns (seed 002)", () => {
  const attendance = sheet(
    "ATT",
    [
      "Initial action plans for the 3 obsessions- Attendance",
      "Priority partnership action plan 2011/12",
      "Action\tTargeting\tAction Owner\tContributing Officers or agencies\tMilestone or Target",
      "Information Management\t\t\t\t",
      "1. Target children with a 60-70% absence rate, carrying out OBA exercises\tPriority clusters\tJancis Andrew\tCluster chairs\tProject Brief March 2011",
      "at cluster level to establish the local reasons for low attendance.\t\t\t\tDelivery Summer term 2011",
      "2. Evaluate and test the local & city wide service redesign implications\tCity wide\tMulti agency implementation group\tAs above\tModel agreed by end of March 2012",
    ].join("\n"),
  );

  it("finds the heading row under a title, joins wrapped rows and takes section rows as sections", () => {
    const { data, problems, sheets } = readPartnershipWorkbook([attendance], { fileName: "attendance.xlsx", plan: "cypp-2011-15" });
    expect(problems).toEqual([]);
    expect(sheets).toEqual([{ name: "ATT", kind: "actions", headingRow: 3 }]);
    expect(data.actions.map((a) => [a.ref, a.section, a.ownerText])).toEqual([
      ["ATT-1", "Information Management", "Jancis Andrew"],
      ["ATT-2", "Information Management", "Multi agency implementation group"],
    ]);
    expect(data.actions[0]!.title).toBe(
      "Target children with a 60-70% absence rate, carrying out OBA exercises at cluster level to establish the local reasons for low attendance.",
    );
    // A wrapped row continues the cell above; it does not start a milestone of its own.
    expect(data.actions[0]!.milestones.map((m) => m.text)).toEqual(["Project Brief March 2011 Delivery Summer term 2011"]);
    expect(data.plans).toEqual([expect.objectContaining({ key: "cypp-2011-15", at: null })]);
  });

  it("accepts header variants and one milestone per line of a cell", () => {
    const variant = sheet(
      "Sheet1",
      ["Ref\tActions\tOwner(s)\tContributors\tMilestone/Target", "NEET-4\tParental engagement\tAndrea Cowans\tSchools\tModels identified by June 2011¶Target: roll out by March 2012"].join("\n"),
    );
    const { data, problems } = readPartnershipWorkbook([variant], { fileName: "neet.csv", plan: "cypp-2011-15" });
    expect(problems).toEqual([]);
    expect(data.actions[0]).toMatchObject({ ref: "NEET-4", title: "Parental engagement", ownerText: "Andrea Cowans", contributorText: "Schools" });
    expect(data.actions[0]!.milestones.map((m) => [m.position, m.kind, m.text])).toEqual([
      [1, "milestone", "Models identified by June 2011"],
      [2, "target", "roll out by March 2012"],
    ]);
  });

  it("reads a cell merged over several rows as belonging to each action, not as a wrapped row", () => {
    const merged = sheet(
      "LAC",
      ["Ref\tAction\tAction Owner\tMilestone or Target", "LAC-6\tDevelop outreach\tSaleem Tariq\tPackages by May 2011", "LAC-7\tIntensive Prevention Team\tSaleem Tariq\tTeam in place by Sept. 2011"].join("\n"),
      { 3: [2] },
    );
    const { data, problems } = readPartnershipWorkbook([merged], { fileName: "lac.xlsx", plan: "cypp-2011-15" });
    expect(problems).toEqual([]);
    expect(data.actions.map((a) => [a.ref, a.ownerText])).toEqual([
      ["LAC-6", "Saleem Tariq"],
      ["LAC-7", "Saleem Tariq"],
    ]);
  });
});

describe("reading the Ofsted plan's shape (seed 001)", () => {
  it("takes the dated sentences of What will we do as milestones when there is no milestone column", () => {
    const ofsted = sheet(
      "Areas for improvement",
      [
        "No.\tArea for improvement\tWhat will we do?\tHow will we do it?\tHow will we know that we are making a difference?\tLead",
        "1\tExtend the reach of OBA\tBy December 2015 we will have developed revised planning formats. The revised formats will be implemented by April 2016\tA working party\tEvaluated from September 2016\tChief Officer",
      ].join("\n"),
    );
    const { data, problems } = readPartnershipWorkbook([ofsted], { fileName: "piap.xlsx", plan: "piap-2015" });
    expect(problems).toEqual([]);
    expect(data.actions[0]).toMatchObject({ ref: "PIAP-1", title: "Extend the reach of OBA", ownerText: "Chief Officer", howWeWillKnow: "Evaluated from September 2016" });
    expect(data.actions[0]!.milestones.map((m) => m.text)).toEqual([
      "By December 2015 we will have developed revised planning formats.",
      "The revised formats will be implemented by April 2016",
    ]);
    expect(data.plans[0]).toMatchObject({ key: "piap-2015", kind: "inspection_action" });
  });
});

describe("problems name the sheet, row and column on one line", () => {
  it("reports every bad cell, not just the first", () => {
    const people = sheet("People", ["Name\tEmail\tRoles\tTime zone", "Sue May\tsue.may@\tcoordinator\tEurope/London", "\tx@y.org\t\t", "Ken Morton\tken@example.org\tboss\tMars/Olympus"].join("\n"));
    const indicators = sheet("Indicators", ["Code\tIndicator\tUnit\tTargets", "LAC\tLooked after children\tcount\t1300 by March 2013; lots by soon"].join("\n"));
    const { problems } = readPartnershipWorkbook([people, indicators], { fileName: "bad.xlsx" });
    expect(problems.map(describeProblem)).toEqual([
      'People row 2, column Email: "sue.may@" is not an email address',
      "People row 3, column Name: the person has no name",
      'People row 4, column Time zone: "Mars/Olympus" is not a time zone; use a name like Europe/London',
      'People row 4, column Roles: "boss" is not a role; roles are coordinator, admin, board member, ambassador',
      'Indicators row 2, column Targets: "lots by soon" is not a target; write it like "1300 by March 2013"',
    ]);
  });

  it("says when a row continues no action, and when a ref is used twice", () => {
    const actions = sheet("Actions", ["Ref\tAction\tAction Owner", "\tdangling words\tSomeone", "ATT-1\tFirst\tA", "ATT-1\tAgain\tB", "ATT 1.2\tBad\tC"].join("\n"));
    const { problems } = readPartnershipWorkbook([actions], { fileName: "a.xlsx", plan: "p" });
    expect(problems.map(describeProblem)).toEqual([
      'Actions row 2, column Ref: this row continues no action above it; give it a Ref, or start its Action with a number ("1. …")',
      'Actions row 5, column Ref: "ATT 1.2" is not an action ref; write it like ATT-5 or LAC-4b',
      "Actions row 4, column Ref: action ATT-1 is also on Actions row 3",
    ]);
  });
});

describe("linking owner cells to people and teams", () => {
  it("splits cells, finds names run together, and lists what matches no one with the closest names", () => {
    const actions = sheet(
      "Actions",
      ["Ref\tAction\tAction Owner\tContributing Officers/Teams", "LAC-6\tOutreach\tJancis Andrew & Andrea Richardson\tSue May Jean Davey Multi Agency", "LAC-7\tTeam\tJackie Wilson/ Sarah Sinclaire\tCommunications Team"].join("\n"),
    );
    const { data } = readPartnershipWorkbook([actions], { fileName: "x.xlsx", plan: "p" });
    const unmatched = resolveActionParties(data, {
      people: ["Jancis Andrew", "Andrea Richardson", "Sue May", "Jean Davey", "Jackie Wilson", "Sarah Sinclair"],
      teams: ["Communications Team", "Multi agency implementation group"],
    });
    expect(data.actions[0]!.owners).toEqual([{ person: "Jancis Andrew" }, { person: "Andrea Richardson" }]);
    expect(data.actions[0]!.contributors).toEqual([{ person: "Sue May" }, { person: "Jean Davey" }, { unmatched: "multi agency" }]);
    expect(data.actions[1]!.owners).toEqual([{ person: "Jackie Wilson" }, { unmatched: "Sarah Sinclaire" }]);
    expect(data.actions[1]!.contributors).toEqual([{ team: "Communications Team" }]);
    expect(unmatched).toEqual([
      { name: "multi agency", where: ["Actions row 2, Contributing Officers/Teams (LAC-6)"], closest: ["Multi agency implementation group"] },
      { name: "Sarah Sinclaire", where: ["Actions row 3, Action Owner (LAC-7)"], closest: ["Sarah Sinclair"] },
    ]);
  });
});
