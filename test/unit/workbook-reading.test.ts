import { describe, expect, it } from "vitest";
import { readPartnershipWorkbook } from "../../src/domain/workbook/read-partnership.ts";
import { checkReadings } from "../../src/domain/workbook/readings.ts";
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

describe("reading a Readings sheet and checking it as /indicator record checks a reading", () => {
  const indicators = [
    { code: "NEET", unit: "percent", periodicity: "monthly" as const },
    { code: "LAC", unit: "count", periodicity: "quarterly" as const },
    { code: "ATT-PRI", unit: "percent", periodicity: "termly" as const },
  ];

  it("finds the sheet by its headings under any name, in partners' variants, and reads figures and not knowns as chat does", () => {
    const readings = sheet(
      "Scorecard 2011",
      [
        "Indicator code\tReporting period\tFigure\tData source\tEntered by\tDate recorded",
        "neet\tSeptember 2011\t7.9%\tConnexions monthly return\tSue May\t14/10/2011",
        "LAC\tQ1 2011/12\t1,420\t\t\t",
        "ATT-PRI\t2010/11\tnot known\tDfE\t\t",
        "ATT-PRI\tautumn term 2010\t\t\t\t2011-01-20T09:30:00.000Z",
      ].join("\n"),
    );
    const { data, problems, sheets, freeText } = readPartnershipWorkbook([readings], { fileName: "scorecard.xlsx" });
    expect(problems).toEqual([]);
    expect(sheets).toEqual([{ name: "Scorecard 2011", kind: "readings", headingRow: 1 }]);
    expect(data.readings.map((r) => [r.code, r.period, r.value, r.source, r.recordedBy, r.recordedAt?.toISOString() ?? null])).toEqual([
      ["NEET", "September 2011", 7.9, "Connexions monthly return", "Sue May", "2011-10-14T12:00:00.000Z"],
      ["LAC", "Q1 2011/12", 1420, null, null, null],
      ["ATT-PRI", "2010/11", null, "DfE", null, null],
      ["ATT-PRI", "autumn term 2010", null, null, null, "2011-01-20T09:30:00.000Z"],
    ]);
    // The source is free text: the personal-data guard reads it.
    expect(freeText.map((c) => [c.sheet, c.row, c.column, c.heading])).toEqual([
      ["Scorecard 2011", 2, "D", "Data source"],
      ["Scorecard 2011", 4, "D", "Data source"],
    ]);

    const { readings: checked, problems: found } = checkReadings(data.readings, indicators, "2011-10-20");
    expect(found).toEqual([]);
    // Labelled as chat labels them: a termly indicator's "2010/11" is the academic year.
    expect(checked.map((r) => [r.code, r.label, r.periodEnd, r.value])).toEqual([
      ["NEET", "Sep 2011", "2011-09-30", 7.9],
      ["LAC", "Q1 2011/12", "2011-06-30", 1420],
      ["ATT-PRI", "academic year 2010/11", "2011-07-31", null],
      ["ATT-PRI", "autumn term 2010", "2010-12-31", null],
    ]);
  });

  it("refuses a figure chat would refuse, never guessing: a decimal comma, a stray word, a missing period or code", () => {
    const readings = sheet(
      "Readings",
      ["Indicator\tPeriod\tValue", "NEET\tSep 2011\t7,5", "NEET\tOct 2011\t8.1 approx", "NEET\t\t8.0", "\tNov 2011\t8.2", "NEET\tDec 2011\t1 420"].join("\n"),
    );
    const { data, problems } = readPartnershipWorkbook([readings], { fileName: "r.xlsx" });
    expect(problems.map(describeProblem)).toEqual([
      'Readings row 2, column Value: "7,5" has a decimal comma; Curve does not guess: write 7.5 (with a point) or, if you meant a whole number, 7500.',
      'Readings row 3, column Value: "8.1 approx" is not a figure; write a number like 1,420 or 91.6, or "not known"',
      "Readings row 4, column Period: the reading of NEET has no period; write it as for /indicator record, like Sep 2011 or Q2 2011/12",
      'Readings row 5, column Indicator: "" is not an indicator code; use the code on the Indicators sheet, like NEET or ATT-PRI',
      'Readings row 6, column Value: "1 420" has a space inside the number; write 1420 without it, or 1,420.',
    ]);
    expect(data.readings).toEqual([]);
  });

  it("names each reading that cannot be saved as meant: unknown code, unreadable or future period, a figure the unit cannot hold, a period given twice", () => {
    const readings = sheet(
      "Readings",
      [
        "Code\tPeriod\tValue",
        "NEAT\tSep 2011\t7.9",
        "NEET\tSeptember 2011\t7.9",
        "NEET\t2011-09\t8.0",
        "NEET\tlast month\t8.0",
        "NEET\tQ5 2011/12\t8.0",
        "NEET\tNov 2011\t8.0",
        "NEET\tAug 2011\t107.5",
        "LAC\tQ1 2011/12\t1420.5",
        "LAC\tQ4 2010/11\t-3",
        "LAC\tQ3 2010/11\t12%",
      ].join("\n"),
    );
    const { data, problems } = readPartnershipWorkbook([readings], { fileName: "r.xlsx" });
    expect(problems).toEqual([]);
    const { readings: checked, problems: found } = checkReadings(data.readings, indicators, "2011-10-20");
    expect(found.map(describeProblem)).toEqual([
      "Readings row 2, column Code: there is no indicator NEAT; did you mean NEET? (add it to the Indicators sheet, or use one of NEET, LAC, ATT-PRI)",
      "Readings row 4, column Period: NEET Sep 2011 is also on Readings row 3",
      'Readings row 5, column Period: "last month" is not a period Curve can read. Try Dec 2011, 30 June 2013, Q3 2011/12, 2011/12 or half term 4 2010/11.',
      'Readings row 6, column Period: "Q5 2011/12" is not a period Curve can read (there is no quarter 5: a year has Q1 to Q4). Try Dec 2011, 30 June 2013, Q3 2011/12, 2011/12 or half term 4 2010/11.',
      "Readings row 7, column Period: Nov 2011 hasn't started yet, so it can't have a reading.",
      "Readings row 8, column Value: 107.5% can't be a figure of NEET.",
      "Readings row 9, column Value: LAC counts whole numbers, so 1,420.5 can't be one of its figures.",
      "Readings row 10, column Value: -3 can't be a figure of LAC.",
      'Readings row 11, column Value: LAC is a count, not a percentage, so "%" can\'t go with its figures: give the figure in LAC\'s unit, without "%".',
    ]);
    expect(checked.map((r) => [r.code, r.label, r.value])).toEqual([["NEET", "Sep 2011", 7.9]]);
  });
});
