import { describe, it, expect } from "vitest";
import { describeDue, findDue, parseDue, readDueIn, type Due, type DuePrecision } from "../../src/domain/dates/due-phrase.ts";
import { readDemo } from "../../src/bot/demo.ts";

type Row = [text: string, precision: DuePrecision, due: string | null];

// Milestone or Target column of the three "Initial action plans for the 3 obsessions" (seed 002), each step as written.
const OBSESSION_MILESTONES: Row[] = [
  // Looked after children, actions 19-21
  ["Approval and funding by May 2011", "month", "2011-05-31"],
  ["CYPSC staff into new structure by Sept. 2011.", "month", "2011-09-30"],
  ["develop integrated teams by March 2012", "month", "2012-03-31"],
  ["Approval and funding by May 2011 CYPSC staff into new structure by Sept. 2011. develop integrated teams by March 2012", "month", "2012-03-31"],
  ["Phase 1 (CYPSC and Education) in post by Sept. 2011 (providing capacity to improve conferences & care planning/reviews.", "month", "2011-09-30"],
  ["Targeted review schedule for all LAC by June 2011 to give prioritised cohort(s) for exit strategies. Increased Sect20 children returning home.", "month", "2011-06-30"],
  // Attendance, actions 1-7
  ["Project Brief March 2011", "month", "2011-03-31"],
  ["Delivery Summer term 2011", "term", "2011-07-31"],
  ["Project Brief March 2011 Delivery Summer term 2011", "term", "2011-07-31"],
  ["Evaluation data end of summer term", "tbc", null],
  ["Project Brief August 2011", "month", "2011-08-31"],
  ["Commence delivery September 2011", "month", "2011-09-30"],
  ["Evaluation data end of summer term Project Brief August 2011 Commence delivery September 2011", "month", "2011-09-30"],
  ["As per 60-70% project", "tbc", null],
  ["Intervention model developed by September 2011", "month", "2011-09-30"],
  ["By December 2011 implemented in 1 cluster with evaluation", "month", "2011-12-31"],
  ["Intervention model developed by September 2011 By December 2011 implemented in 1 cluster with evaluation", "month", "2011-12-31"],
  ["Dissemination in September 2011", "month", "2011-09-30"],
  ["Dissemination in September 2011 linked to ledge, see below", "month", "2011-09-30"],
  ["Initial launch September 2011", "month", "2011-09-30"],
  ["Evaluation end of December 2011", "month", "2011-12-31"],
  ["Initial launch September 2011 Evaluation end of December 2011", "month", "2011-12-31"],
  // NEET, actions 1-10
  ["All secondary schools carry out needs analysis of Year 8 by XXX (XXX= dates to be agreed with schools)", "tbc", null],
  ["Identify needs of young people are least likely to remain in learning after Year 11 by XXX", "tbc", null],
  ["Plan learning programmes and support packages to meet needs of identified young people by XXX", "tbc", null],
  ["Identify occupational preferences and qualifications of current cohort by June 2011", "month", "2011-06-30"],
  ["System to match young people against current offer by June 2011", "month", "2011-06-30"],
  ["Roll out of personal tutoring model to all schools by XXX", "tbc", null],
  ["Additional mentoring support from Children Leeds by XXX", "tbc", null],
  ["Identification of successful models for parental engagement by December 2011", "month", "2011-12-31"],
  ["Dissemination of model to all high schools by April 2012", "month", "2012-04-30"],
  ["Workshops delivered to primary school staff by December 2011", "month", "2011-12-31"],
  ["Resource pack made available to all Leeds primary schools by December 2011", "month", "2011-12-31"],
  ["Developed and distributed by April 2011", "month", "2011-04-30"],
  ["OBA cluster roll out plan to Cluster managers March 2011.", "month", "2011-03-31"],
  ["Project Brief August 2011.", "month", "2011-08-31"],
  ["OBA cluster roll out plan to Cluster managers March 2011. Project Brief August 2011. Commence delivery September 2011", "month", "2011-09-30"],
  ["Briefings delivered to schools staff by Oct 2011.", "month", "2011-10-31"],
  ["Development of models to ensure that all young people receive appropriate information, advice and guidance to plan for learning up to 18 by Jan 2012.", "month", "2012-01-31"],
  ["Models in all schools by April 2012", "month", "2012-04-30"],
  ["Resources available for schools on Leeds Pathways by Sept 2011", "month", "2011-09-30"],
  // Two deadlines in one paragraph: the latest one is when the whole is done.
  ["Models in all schools by April 2012 Resources available for schools on Leeds Pathways by Sept 2011", "month", "2012-04-30"],
  ["Information on financial support available from September 2011 on Leeds Pathways website by April 2011.", "month", "2011-04-30"],
  ["Connexions PAs undertake awareness raising in schools by May 2011.", "month", "2011-05-31"],
  ["Online resources developed and piloted by Sept 2011", "month", "2011-09-30"],
  ["Leeds Pathways developments implemented by April 2012", "month", "2012-04-30"],
  ["Online resources developed and piloted by Sept 2011 Leeds Pathways developments implemented by April 2012", "month", "2012-04-30"],
  // Dates in the action and heading text beside the milestones
  ["Raise awareness with secondary schools, SILCs and PRUs around their new duties for careers guidance from April 2012", "month", "2012-04-30"],
  ["Priority partnership action plan 2011/12", "year", "2012-03-31"],
  ["to be agreed", "tbc", null],
];

// Dated commitments in the 15 areas for improvement of the Ofsted action plan (seed 001).
const OFSTED_COMMITMENTS: Row[] = [
  ["By December 2015 we will have developed revised planning formats that clearly identify the outcomes to be achieved for the child by the next review of the plan in a way that enables information to be aggregated to inform service planning.", "month", "2015-12-31"],
  ["The revised formats will be implemented by April 2016", "month", "2016-04-30"],
  ["The impact of the revised formats will be evaluated by the Practice Improvement Group from September 2016 which brings together quantitative and qualitative data, including feedback from children, young people and families.", "month", "2016-09-30"],
  ["The implementation of Mosaic, anticipated in April 2016, provides an ideal opportunity to carry out training to frontline managers and staff.", "month", "2016-04-30"],
  ["By September 2016 all team managers and front line staff will be able to produce management reports from Frameworki.", "month", "2016-09-30"],
  ["By April 2016, when the next annual appraisal cycle commences, we will have developed new guidance and processes for appraisal and supervision to strengthen its focus on the on-going professional development of staff to deliver high quality practice and good outcomes for children, young people and families.", "month", "2016-04-30"],
  ["Revised assessment and reviewing formats will be developed by December 2015 and implemented by April 2016", "month", "2016-04-30"],
  ["From July 2016 the impact of the revised formats will be evaluated by the Practice Improvement Meeting, which considers a range of quantitative and qualitative data, including feedback from children, young people and families.", "month", "2016-07-31"],
  ["The overarching protocol will be agreed by December 2015.", "month", "2015-12-31"],
  ["This work will be completed by autumn 2016.", "season", "2016-11-30"],
  ["The new return interview format will be available on Frameworki by September 2015 and data collation and analysis arrangements will be operational and reports initiated by December 2015.", "month", "2015-12-31"],
  ["The training needs analysis will be completed by June 2015 and the Child Sexual Exploitation training programme will be developed by September 2015.", "month", "2015-09-30"],
  ["An online portal for the collection of pupil progress data and pupil premium expenditure will be rolled out to identified pilot schools; a review of the pilot will take place and will inform the full roll out of the portal in October 2015.", "month", "2015-10-31"],
  ["Training and development will be provided for all Designated Teachers and Designated Teacher Champions will be confirmed across all clusters by April 2016.", "month", "2016-04-30"],
  ["By December 2015 we will have developed revised planning formats that clearly identify the long term goals for children and young people in a way that is easily understood with them.", "month", "2015-12-31"],
  ["Training programme to Designated Teachers will commence in June 2015.", "month", "2015-06-30"],
  ["Revised Personal Education Plan workflow on Frameworki and Quality Assurance process will be completed by June 2015", "month", "2015-06-30"],
  ["Review of Personal Education Plan format, process and guidance will be completed by September 2015.", "month", "2015-09-30"],
  ["Virtual School surgery/drop-in to Children's Social Work Service area bases to inform them of the revised system will commence in July 2015", "month", "2015-07-31"],
  ["By September 2015 we will have developed revised guidance and formats for later in life letters.", "month", "2015-09-30"],
  ["The revised formats will be implemented by 1st April 2016", "day", "2016-04-01"],
  ["By December 2015 we will have developed revised planning formats that clearly identify the long term goals for children and young people in a way that is easily understood with them. The revised formats will be implemented by 1st April 2016", "day", "2016-04-01"],
  ["We will develop and implement a process for providing a Health Passport to young people as they leave care so that they have their health history by December 2015.", "month", "2015-12-31"],
  ["We will develop and implement a process to ensure all young people leaving care have information about their entitlements by December 2015.", "month", "2015-12-31"],
  ["The Care Leavers MALAP Sub-group will report on progress to MALAP and Corporate Carers by April 2015.", "month", "2015-04-30"],
  // Background dates, not commitments, but the same phrase forms
  ["A whole system review of the emotional and mental health support and services in Leeds took place between September 2014 and March 2015.", "month", "2015-03-31"],
  ["The inspection took place over four weeks and commenced on 20th January 2015 and concluded on 11th February 2015.", "day", "2015-02-11"],
];

// Numbers in these texts are counts, ages, school years and staffing, never dates.
const UNDATED: string[] = [
  "Reduction in 10+ children admitted to care",
  "Net increase of 20 in-house carers per annum (recruit 40).",
  "Reduction in the numbers of LAC who are under 5",
  "Completed carers assessments (Strengths and Difficulties Questionnaires)",
  "Refocus of Therapeutic social worker's priorities and include 1.8FTE clinical psychologists (Health funded)",
  "Develop a 60 day plan for all children on cusp of entering care or who have just entered care",
  "Awareness raising for young people in KS4 and parents / carers of financial support available to young people and families for young people to continue in learning post 16 and to higher education",
  "Actions have already been taken to address the waiting times for first consultation clinic (for assessment and first intervention) and for ADHD; and are now both below the 18 week standard.",
  "to within NICE guidelines of 12 weeks",
  "The number of looked after children - baseline at 1,434 (£13.7M)",
  "Children and Young People's Plan 2011-15",
  // A span of several years names a plan, not a deadline; nor does a year glued to a code.
  "Children and Young People's Plan 2015-2019",
  "see report CYPP2016 for details",
  "Sue May Jean Davey Multi Agency",
  "Net increase of 1850 carers",
];

const today = (iso: string) => ({ today: iso });
const value = (input: string, context?: { today?: string }): Due => {
  const result = parseDue(input, context);
  if (!result.ok) throw new Error(`expected "${input}" to parse: ${result.error.message}`);
  return result.value;
};

describe("findDue on the partnership's own documents", () => {
  it.each(OBSESSION_MILESTONES)("seed 002: %s", (text, precision, due) => {
    const found = findDue(text);
    expect([found.precision, found.due]).toEqual([precision, due]);
  });

  it.each(OFSTED_COMMITMENTS)("seed 001: %s", (text, precision, due) => {
    const found = findDue(text);
    expect([found.precision, found.due]).toEqual([precision, due]);
  });

  it.each(UNDATED)("no date in: %s", (text) => {
    expect(findDue(text, today("2011-05-01"))).toEqual({ precision: "tbc", start: null, due: null, phrase: null });
  });

  it("keeps the phrase as written, with its deadline word", () => {
    expect(findDue("CYPSC staff into new structure by Sept. 2011.")).toEqual({
      precision: "month", start: "2011-09-01", due: "2011-09-30", phrase: "by Sept. 2011",
    });
    expect(findDue("Roll out of personal tutoring model to all schools by XXX").phrase).toBe("by XXX");
    expect(findDue("This work will be completed by autumn 2016.")).toMatchObject({ start: "2016-09-01", phrase: "by autumn 2016" });
    expect(findDue("Evaluation data end of summer term").phrase).toBe("end of summer term");
  });

  it("reads a spaced ordinal as seed 000 writes it", () => {
    expect(findDue("Children's Services Improvement Board\tNA\t19 th January 2010\t1.1")).toMatchObject({ precision: "day", due: "2010-01-19" });
  });

  it("prefers the deadline introduced by 'by' over a later phrase", () => {
    expect(findDue("by May 2011 then reviewed in September 2011").due).toBe("2011-05-31");
  });

  it("resolves a year-less term against today", () => {
    expect(findDue("Evaluation data end of summer term", today("2011-05-01"))).toMatchObject({ precision: "term", start: "2011-04-01", due: "2011-07-31" });
    expect(findDue("Evaluation data end of summer term", today("2011-08-01")).due).toBe("2012-07-31");
  });

  it("reads relative and year-less month phrases only with today", () => {
    expect(findDue("Send the brief by Friday", today("2026-03-10")).due).toBe("2026-03-13");
    expect(findDue("Send the brief by Friday")).toEqual({ precision: "tbc", start: null, due: null, phrase: null });
    expect(findDue("Review by March", today("2026-04-02")).due).toBe("2027-03-31");
    expect(findDue("Review in 2 weeks", today("2026-03-10")).due).toBe("2026-03-24");
  });

  it("rejects a malformed today as a caller bug", () => {
    expect(() => findDue("by May 2011", today("2011-13-01"))).toThrow(RangeError);
  });
});

describe("parseDue", () => {
  const TUESDAY = today("2026-03-10");
  const cases: [string, DuePrecision, string | null, string | null, { today?: string }?][] = [
    ["1st April 2016", "day", "2016-04-01", "2016-04-01"],
    ["1 April 2016", "day", "2016-04-01", "2016-04-01"],
    ["April 1 2016", "day", "2016-04-01", "2016-04-01"],
    ["April 1st, 2016", "day", "2016-04-01", "2016-04-01"],
    ["by 1st April 2016", "day", "2016-04-01", "2016-04-01"],
    ["30 June 2013", "day", "2013-06-30", "2013-06-30"],
    ["30/06/2013", "day", "2013-06-30", "2013-06-30"],
    ["30.06.2013", "day", "2013-06-30", "2013-06-30"],
    ["03/04/2016", "day", "2016-04-03", "2016-04-03"],
    ["2016-04-01", "day", "2016-04-01", "2016-04-01"],
    ["Friday 1 April 2016", "day", "2016-04-01", "2016-04-01"],
    ["Friday, 1st of April 2016", "day", "2016-04-01", "2016-04-01"],
    ["29 February 2028", "day", "2028-02-29", "2028-02-29"],
    ["before 1 April 2016", "day", "2016-03-31", "2016-03-31"],
    ["before April 2016", "day", "2016-03-31", "2016-03-31"],
    ["today", "day", "2026-03-10", "2026-03-10", TUESDAY],
    ["tomorrow", "day", "2026-03-11", "2026-03-11", TUESDAY],
    ["in 3 days", "day", "2026-03-13", "2026-03-13", TUESDAY],
    ["in 2 weeks", "day", "2026-03-24", "2026-03-24", TUESDAY],
    ["next Friday", "day", "2026-03-13", "2026-03-13", TUESDAY],
    ["Friday", "day", "2026-03-13", "2026-03-13", TUESDAY],
    ["Tuesday", "day", "2026-03-17", "2026-03-17", TUESDAY],
    // Typed on that weekday: "this Tuesday" is today; "Tuesday" and "next Tuesday" are a week on.
    ["this Tuesday", "day", "2026-03-10", "2026-03-10", TUESDAY],
    ["by this Tuesday", "day", "2026-03-10", "2026-03-10", TUESDAY],
    ["next Tuesday", "day", "2026-03-17", "2026-03-17", TUESDAY],
    ["this Friday", "day", "2026-03-13", "2026-03-13", TUESDAY],
    ["end of next week", "day", "2026-03-20", "2026-03-20", TUESDAY],
    ["March 2011", "month", "2011-03-01", "2011-03-31"],
    ["Mar 2011", "month", "2011-03-01", "2011-03-31"],
    ["Sept 2011", "month", "2011-09-01", "2011-09-30"],
    ["Sept. 2011", "month", "2011-09-01", "2011-09-30"],
    ["Sep 2011", "month", "2011-09-01", "2011-09-30"],
    ["Jan. 2012", "month", "2012-01-01", "2012-01-31"],
    ["by December 2015", "month", "2015-12-01", "2015-12-31"],
    ["end of December 2011", "month", "2011-12-01", "2011-12-31"],
    ["  BY   the end of  March 2026. ", "month", "2026-03-01", "2026-03-31"],
    ["February 2028", "month", "2028-02-01", "2028-02-29"],
    ["March", "month", "2026-03-01", "2026-03-31", TUESDAY],
    ["February", "month", "2027-02-01", "2027-02-28", TUESDAY],
    ["Summer term 2011", "term", "2011-04-01", "2011-07-31"],
    ["the summer term 2011", "term", "2011-04-01", "2011-07-31"],
    ["autumn term 2015", "term", "2015-09-01", "2015-12-31"],
    ["spring term 2012", "term", "2012-01-01", "2012-03-31"],
    ["autumn term 2011/12", "term", "2011-09-01", "2011-12-31"],
    ["summer term 2011/12", "term", "2012-04-01", "2012-07-31"],
    ["end of summer term", "term", "2011-04-01", "2011-07-31", today("2011-05-01")],
    ["end of summer term", "term", "2012-04-01", "2012-07-31", today("2011-08-01")],
    ["autumn 2016", "season", "2016-09-01", "2016-11-30"],
    ["by summer 2016", "season", "2016-06-01", "2016-08-31"],
    ["spring 2017", "season", "2017-03-01", "2017-05-31"],
    ["Winter 2015/16", "season", "2015-12-01", "2016-02-29"],
    ["winter", "season", "2026-12-01", "2027-02-28", TUESDAY],
    ["2016", "year", "2016-01-01", "2016-12-31"],
    ["in 2016", "year", "2016-01-01", "2016-12-31"],
    ["end of 2016", "year", "2016-01-01", "2016-12-31"],
    ["by 2016", "year", "2016-01-01", "2016-12-31"],
    ["2011/12", "year", "2011-04-01", "2012-03-31"],
    ["2011-12", "year", "2011-04-01", "2012-03-31"],
    ["TBC", "tbc", null, null],
    ["tba", "tbc", null, null],
    ["tbd", "tbc", null, null],
    ["XXX", "tbc", null, null],
    ["by XXX", "tbc", null, null],
    ["to be agreed", "tbc", null, null],
    ["to be confirmed", "tbc", null, null],
    ["date to be agreed", "tbc", null, null],
  ];

  it.each(cases)("reads %j", (input, precision, start, due, context) => {
    const got = value(input, context);
    expect([got.precision, got.start, got.due]).toEqual([precision, start, due]);
  });

  it("keeps the phrase without surrounding space or trailing punctuation", () => {
    expect(value("  by   Sept. 2011 ! ").phrase).toBe("by Sept. 2011");
  });

  const failures: [string, { today?: string }?][] = [
    ["next blue moon"], ["sometime"], ["31 February 2026"], ["2026-13-01"], ["32/01/2026"],
    ["29 February 2027"], ["1850"], ["March 1850"], ["2011/13"], ["summer term 2011/13"],
    ["tomorrow"], ["next Friday"], ["March"], ["end of summer term"], ["Year 8"],
    ["by May 2011 and June 2011"], ["06/30/2013"],
  ];

  it.each(failures)("refuses %j with bad_date naming the input", (input, context) => {
    const result = parseDue(input, context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("bad_date");
    expect(result.error.message).toContain(`"${input}"`);
    expect(result.error.message).toContain("1 April 2016");
  });

  it("refuses empty input with example phrases", () => {
    for (const input of ["", "   "]) {
      const result = parseDue(input);
      expect(result).toMatchObject({ ok: false, error: { code: "bad_date" } });
      if (!result.ok) expect(result.error.message).toMatch(/No date was given; try "1 April 2016"/);
    }
  });

  it("says why an impossible date is refused", () => {
    const result = parseDue("31 February 2026");
    expect(result.ok ? "" : result.error.message).toContain("February 2026 has no day 31");
  });
});

describe("a day written with its weekday", () => {
  it("is read when the two agree, in every form that takes a weekday", () => {
    for (const input of ["Friday 30 April 2027", "Fri 30th April 2027", "Friday, April 30th 2027", "w/c Monday 4 January 2027"]) {
      expect(parseDue(input).ok, input).toBe(true);
    }
  });

  it("is refused when they disagree, naming the day the date really falls on", () => {
    const cases: [string, string][] = [
      ["Tuesday 30 April 2027", "30 April 2027 is a Friday, not a Tuesday"],
      ["Tue, April 30th 2027", "30 April 2027 is a Friday, not a Tuesday"],
      ["by Monday 29 February 2028", "29 February 2028 is a Tuesday, not a Monday"],
      ["w/c Tuesday 4 January 2027", "4 January 2027 is a Monday, not a Tuesday"],
      ["by Thursday 30 April", "30 April 2027 is a Friday, not a Thursday"],
    ];
    for (const [input, why] of cases) {
      const result = parseDue(input, { today: "2026-12-01" });
      expect(result.ok ? "" : result.error.message, input).toContain(why);
      // In free text as well: never the date alone, with the weekday dropped.
      const found = readDueIn(`Panel meets ${input}`, { today: "2026-12-01" });
      expect(found.ok ? "" : found.error.message, input).toContain(why);
    }
  });
});

describe("readDueIn: milestone text a person has just written", () => {
  it("reads what findDue reads when every date phrase in it can be read", () => {
    for (const text of ["Model agreed by end of March 2012", "Report 2 March 2027", "Panel set up Q4 2026/27", "Review in the summer term 2027", "Agree the brief (date to be agreed)", "XXX", ""]) {
      const read = readDueIn(text, { today: "2026-12-01" });
      expect(read, text).toEqual({ ok: true, value: findDue(text, { today: "2026-12-01" }) });
    }
  });

  it("refuses a date that does not exist, rather than the part of it that does", () => {
    const cases: [string, string, string][] = [
      // [text, the phrase named, why], with what findDue would have read instead in the comment.
      ["Project brief 31 February 2027", "31 February 2027", "February 2027 has no day 31"], // February 2027
      ["Launch 31 April 2027", "31 April 2027", "April 2027 has no day 31"], // April 2027
      ["Deliver by 29 February 2027", "by 29 February 2027", "February 2027 has no day 29"], // February 2027
      ["Review by the 31st of February 2027", "31st of February 2027", "February 2027 has no day 31"],
      ["Deliver 31/02/2027", "31/02/2027", "February 2027 has no day 31"],
      ["Evaluate Q5 2026/27", "Q5 2026/27", "there is no quarter 5"], // the whole financial year
      ["Evaluate in quarter 0 of 2026/27", "in quarter 0 of 2026/27", "there is no quarter 0"],
      ["Evaluate 2026/27 Q5", "2026/27 Q5", "there is no quarter 5"],
      ["Sign off by 30 February", "by 30 February", "February has no day 30"], // TBC
      // Numeric dates with a four-digit year or slashes are dates for certain, whatever is wrong with them.
      ["Report 2025-13-01", "2025-13-01", "there is no month 13"], // TBC
      ["Board 03/15/2026", "03/15/2026", "there is no month 15; Curve reads numeric dates day first, so write 15 March 2026"], // TBC
      ["Panel 32/01/2026", "32/01/2026", "January 2026 has no day 32"], // TBC
      ["Panel 12.13.2026", "12.13.2026", "there is no month 13"], // TBC
      ["Launch 31-Feb-2027", "31-Feb-2027", "February 2027 has no day 31"], // 2027
    ];
    for (const [text, phrase, why] of cases) {
      const read = readDueIn(text, { today: "2026-12-01" });
      expect(read.ok, text).toBe(false);
      if (!read.ok) {
        expect(read.error.code).toBe("bad_date");
        expect(read.error.message, text).toContain(`"${phrase}"`);
        expect(read.error.message, text).toContain(why);
      }
    }
  });

  it("reads Excel's own date formats, as a CSV saved from Excel writes them: d-mmm-yy a day, mmm-yy a month", () => {
    const cases: [string, DuePrecision, string, string][] = [
      ["Project brief 1-Mar-2026", "day", "2026-03-01", "2026-03-01"], // was the whole of 2026
      ["Project brief 01-Mar-26", "day", "2026-03-01", "2026-03-01"], // was TBC
      ["Delivery Sep-26", "month", "2026-09-01", "2026-09-30"],
      ["Delivery September-2026", "month", "2026-09-01", "2026-09-30"], // was the whole of 2026
    ];
    for (const [text, precision, start, due] of cases) {
      const read = readDueIn(text, { today: "2025-12-01" });
      expect(read.ok && [read.value.precision, read.value.start, read.value.due], text).toEqual([precision, start, due]);
    }
  });

  it("leaves numbers in prose alone: counts, a plan's years, section numbers and age bands are not dates", () => {
    for (const text of [
      "Reduce the 1358 looked after children by March 2012",
      "Reduce the number of looked after children from 1358 to 1200 by March 2012",
      "Increase places from 1200 to 1500 by 2013",
      "By March 1500 families supported",
      "in May 1200 children seen",
      "Update the CYPP 2011-15 by March 2012",
      "3000 secondary pupils persistently absent",
      "Q1 10 staff trained, Q2 20 staff trained",
      "by Q4 50 schools audited",
      "Quarter 3 25 referrals",
      "by summer 2 30 schools",
      "In spring 2 12 schools joined",
      "aged 0-25 April 2014 reforms",
      "Section 4.21.11 refers",
      "see para 3.14.12",
      "deliver 11-16-19 provision",
      // "sat" is a verb here, not Saturday: 14 May 2012 was a Monday.
      "KS2 tests sat 14 May 2012",
    ]) {
      expect(readDueIn(text, { today: "2011-04-01" }), text).toEqual({ ok: true, value: findDue(text, { today: "2011-04-01" }) });
    }
  });

  it("reads every milestone of the demo plans as findDue does", () => {
    const texts: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        const o = node as Record<string, unknown>;
        if (typeof o.text === "string" && "kind" in o) texts.push(o.text);
        Object.values(o).forEach(walk);
      }
    };
    walk(readDemo().plans);
    expect(texts.length).toBeGreaterThan(100);
    for (const text of texts) expect(readDueIn(text), text).toEqual({ ok: true, value: findDue(text) });
  });
});

describe("describeDue", () => {
  const labels: [string, string][] = [
    ["1st April 2016", "1 April 2016"],
    ["by Sept. 2011", "September 2011"],
    ["Summer term 2011", "summer term 2011"],
    ["autumn term 2011/12", "autumn term 2011"],
    ["autumn 2016", "autumn 2016"],
    ["Winter 2015/16", "winter 2015/16"],
    ["in 2016", "2016"],
    ["2011/12", "2011/12"],
    ["before April 2016", "31 March 2016"],
    ["XXX", "TBC"],
  ];

  it.each(labels)("labels %j as %j, and the label reads back the same", (input, label) => {
    const due = value(input);
    expect(describeDue(due)).toBe(label);
    const again = value(label);
    expect([again.precision, again.start, again.due]).toEqual([due.precision, due.start, due.due]);
  });

  it("labels a milestone with no date as TBC", () => {
    expect(describeDue(findDue("Reduction in 10+ children admitted to care"))).toBe("TBC");
  });
});
