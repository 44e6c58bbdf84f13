import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importWorkbook } from "../../src/adapters/db/workbook-import.ts";
import { readWorkbookFile } from "../../src/adapters/files/read-workbook.ts";
import { describeReport } from "../../src/bot/import-command.ts";
import { readPartnershipWorkbook } from "../../src/domain/workbook/read-partnership.ts";
import { kindsUnderTest, openTestDatabase, uniqueName, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

const NOW = new Date("2011-09-26T08:00:00Z");
const csv = (rows: string[][]) => rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",")).join("\n");

describe.each(kindsUnderTest())("importing a partnership's own files on %s", (kind) => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    dir = mkdtempSync(path.join(tmpdir(), "curve-import-"));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function importFiles(files: string[], partnership: string, dryRun = false) {
    const sheets = (await Promise.all(files.map((f) => readWorkbookFile(f)))).flat();
    const reading = readPartnershipWorkbook(sheets, { fileName: path.basename(files[0]!), plan: "our-plan" });
    return importWorkbook(t.db.prisma, reading, { fileName: files.map((f) => path.basename(f)).join(", "), dryRun, partnership, now: NOW, timeZone: "Europe/London" });
  }

  function write(name: string, rows: string[][]): string {
    const file = path.join(dir, name);
    writeFileSync(file, csv(rows));
    return file;
  }

  const people = [
    ["Name", "Email", "Organisation", "Roles"],
    ["Jancis Andrew", "jancis@example.org", "Leeds City Council", ""],
    ["Andrea Richardson", "andrea@example.org", "Leeds City Council", ""],
    ["Simon Flowers", "simon@example.org", "Leeds City Council", "coordinator"],
  ];
  const priorities = [["Priority", "Number", "Ref prefix", "CTB sponsors", "Leads"], ["Improve behaviour, attendance and achievement", "3", "ATT", "Simon Whitehead; Tony Adlard", "Simon Flowers"]];
  const teams = [["Team", "Members"], ["Multi agency implementation group", "Jancis Andrew; Andrea Richardson"]];
  const actions = (milestones2: string) => [
    ["Ref", "Priority", "Action", "Action Owner", "Contributing Officers/Teams", "Milestone or Target"],
    ["ATT-1", "3", "Target children with a 60-70% absence rate", "Jancis Andrew", "Multi agency implementation group", "Project Brief March 2011\nDelivery Summer term 2011"],
    ["ATT-2", "3", "Evaluate the service redesign implications", "Multi agency implementation group", "Cluster chairs", milestones2],
  ];

  it("imports CSVs in the plan's columns, linking people, teams and sponsors, and audits each change with the file's name", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const files = [write("people.csv", people), write("priorities.csv", priorities), write("teams.csv", teams), write("actions.csv", actions("Model agreed by end of March 2012"))];
    const dry = await importFiles(files, slug, true);
    expect(dry.problems).toEqual([]);
    expect(dry.milestones.map((m) => [m.ref, m.phrase, m.precision, m.due])).toEqual([
      ["ATT-1.1", "March 2011", "month", "2011-03-31"],
      ["ATT-1.2", "Summer term 2011", "term", "2011-07-31"],
      ["ATT-2.1", "by end of March 2012", "month", "2012-03-31"],
    ]);
    expect(dry.unmatched.map((u) => u.name)).toEqual(["Cluster chairs"]);
    expect(dry.newPeople).toEqual(["Simon Whitehead", "Tony Adlard"]);
    expect(await t.db.prisma.partnership.count({ where: { slug } })).toBe(0);

    const report = await importFiles(files, slug);
    expect(report.applied).toBe(true);
    const { id } = await t.db.prisma.partnership.findUniqueOrThrow({ where: { slug } });
    const chat = commandDriver(t.db, id, () => NOW);
    const shown = (await chat.run("Simon Flowers", "/action show ATT-2")).rendered;
    expect(shown).toContain("Owner: Multi agency implementation group");
    expect(shown).toContain("CTB sponsors: Simon Whitehead, Tony Adlard");
    expect(shown).toContain("Lead: Simon Flowers");
    const council = await t.db.prisma.team.findFirstOrThrow({ where: { partnershipId: id, name: "Leeds City Council" }, include: { members: true } });
    expect(council.kind).toBe("organisation");
    expect(council.members).toHaveLength(3);
    const events = await t.db.prisma.auditEvent.findMany({ where: { partnershipId: id, event: "action.imported" } });
    expect(events.map((e) => e.origin)).toEqual([
      { platform: "import", file: "people.csv, priorities.csv, teams.csv, actions.csv" },
      { platform: "import", file: "people.csv, priorities.csv, teams.csv, actions.csv" },
    ]);
  });

  it("updates an edited file by ref without losing a done milestone, its evidence or the history", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const files = [write("people.csv", people), write("priorities.csv", priorities), write("teams.csv", teams), write("actions.csv", actions("Model agreed by end of March 2012\nRolled out city wide by July 2012"))];
    expect((await importFiles(files, slug)).applied).toBe(true);
    const { id } = await t.db.prisma.partnership.findUniqueOrThrow({ where: { slug } });
    const chat = commandDriver(t.db, id, () => NOW);
    expect((await chat.run("Jancis Andrew", "/milestone done ATT-2.2 rolled out early")).tone).toBe("success");
    const historyBefore = await t.db.prisma.auditEvent.count({ where: { partnershipId: id } });

    // The edit: ATT-2's first milestone reworded, its (done) second one dropped from the file, ATT-1's owner changed.
    const edited = actions("Model agreed by cluster chairs by end of April 2012");
    edited[1]![3] = "Andrea Richardson";
    writeFileSync(files[3]!, csv(edited));
    const report = await importFiles(files, slug);
    expect(report.problems).toEqual([]);
    expect(report.changes.filter((c) => c.kind !== "keep").map((c) => `${c.kind} ${c.subject} ${c.ref}: ${c.detail}`)).toEqual([
      "update action ATT-1: ownerText",
      "update action ATT-1: owners",
      "update milestone ATT-2.1: text, dueStart, dueDate, duePhrase",
    ]);
    expect(report.changes.filter((c) => c.kind === "keep").map((c) => c.ref)).toEqual(["ATT-2.2"]);
    const kept = await t.db.prisma.milestone.findFirstOrThrow({ where: { ref: "ATT-2.2", action: { plan: { partnershipId: id } } } });
    expect(kept.doneAt).not.toBeNull();
    expect(kept.evidence).toBe("rolled out early");
    expect(await t.db.prisma.auditEvent.count({ where: { partnershipId: id } })).toBe(historyBefore + 3);
    const history = (await chat.run("Simon Flowers", "/action history ATT-2")).rendered;
    expect(history).toContain("via import");
    expect((await chat.run("Simon Flowers", "/action show ATT-1")).rendered).toContain("Owner: Andrea Richardson");
  });

  /**
   * A milestone cell's lines have no refs: a line added above a done milestone, or one deleted
   * above it, moves it down or up. Matched by place alone, the done mark and its evidence went to
   * whichever words now stood in its place.
   */
  it("keeps a done milestone's mark and evidence with its own words when lines are added or deleted above it", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const files = [write("people.csv", people), write("priorities.csv", priorities), write("teams.csv", teams), write("actions.csv", actions("Model agreed by end of March 2012\nRolled out city wide by July 2012"))];
    expect((await importFiles(files, slug)).applied).toBe(true);
    const { id } = await t.db.prisma.partnership.findUniqueOrThrow({ where: { slug } });
    const chat = commandDriver(t.db, id, () => NOW);
    expect((await chat.run("Jancis Andrew", "/milestone done ATT-2.1 model agreed at cluster chairs")).tone).toBe("success");
    const milestonesOf = async () =>
      (await t.db.prisma.milestone.findMany({ where: { action: { ref: "ATT-2", plan: { partnershipId: id } } }, orderBy: { position: "asc" } })).map((m) => [m.ref, m.text, m.evidence]);

    // A consultation is added above the agreed model.
    writeFileSync(files[3]!, csv(actions("Consultation with cluster chairs by February 2012\nModel agreed by end of March 2012\nRolled out city wide by July 2012")));
    const added = await importFiles(files, slug);
    expect(added.problems).toEqual([]);
    expect(await milestonesOf()).toEqual([
      ["ATT-2.1", "Consultation with cluster chairs by February 2012", null],
      ["ATT-2.2", "Model agreed by end of March 2012", "model agreed at cluster chairs"],
      ["ATT-2.3", "Rolled out city wide by July 2012", null],
    ]);
    expect((await importFiles(files, slug)).changes.filter((c) => c.kind !== "keep")).toEqual([]);

    // The consultation and the done milestone are deleted from the file: the done one is kept, after the file's.
    writeFileSync(files[3]!, csv(actions("Rolled out city wide by July 2012")));
    const deleted = await importFiles(files, slug);
    expect(deleted.changes.map((c) => `${c.kind} ${c.ref}`)).toEqual(["remove ATT-2.1", "update ATT-2.1", "keep ATT-2.2"]);
    expect(await milestonesOf()).toEqual([
      ["ATT-2.1", "Rolled out city wide by July 2012", null],
      ["ATT-2.2", "Model agreed by end of March 2012", "model agreed at cluster chairs"],
    ]);
    expect((await chat.run("Simon Flowers", "/action show ATT-2")).rendered).toMatch(/ATT-2\.2 · Model agreed by end of March 2012\n\s+done .* model agreed at cluster chairs/);
    expect((await importFiles(files, slug)).changes.filter((c) => c.kind !== "keep")).toEqual([]);
  });

  it("changes nothing when any row has a problem, and names each one", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const bad = actions("Model agreed by end of March 2012");
    bad[2]![1] = "14";
    const files = [write("people.csv", people), write("priorities.csv", priorities), write("teams.csv", teams), write("actions.csv", bad)];
    const report = await importFiles(files, slug);
    expect(report.applied).toBe(false);
    expect(report.problems).toEqual([{ sheet: "actions", row: 3, column: "Priority", message: "no priority \"14\" in plan our-plan; the Priorities sheet lists them" }]);
    expect(await t.db.prisma.partnership.count({ where: { slug } })).toBe(0);
    expect(await t.db.prisma.person.count({ where: { email: "jancis@example.org", partnership: { slug } } })).toBe(0);
  });

  it("refuses a ref given twice and a milestone date that does not exist, in one line each, on a new partnership and on one with the plan already in", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const good = [write("people.csv", people), write("priorities.csv", priorities), write("teams.csv", teams)];
    // First on a new partnership, then again once the plan is in: the second pass updates, and must fail the same way.
    for (const round of ["new", "existing"]) {
      const bad = actions("Model agreed by 31 February 2012\nEvaluation Q5 2011/12");
      bad.push(["ATT-1", "3", "The same ref again", "Jancis Andrew", "", "Report by May 2011"]);
      const report = await importFiles([...good, write("actions.csv", bad)], slug);
      expect(report.applied, round).toBe(false);
      expect(report.problems.map((p) => [p.row, p.column, p.message.split(";")[0]]), round).toEqual([
        [4, "Ref", "action ATT-1 is also on actions row 2"],
        [3, "Milestone", 'Curve could not read "by 31 February 2012" as a date (February 2012 has no day 31)'],
        [3, "Milestone", 'Curve could not read "Q5 2011/12" as a date (there is no quarter 5: a year has Q1 to Q4)'],
      ]);
      if (round === "new") {
        expect(await t.db.prisma.partnership.count({ where: { slug } })).toBe(0);
        const fixed = await importFiles([...good, write("actions.csv", actions("Model agreed by end of March 2012"))], slug);
        expect(fixed.problems).toEqual([]);
        expect(fixed.applied).toBe(true);
      }
    }
    const refs = await t.db.prisma.action.findMany({ where: { plan: { partnership: { slug } } }, select: { ref: true, title: true, milestones: { select: { text: true } } }, orderBy: { ref: "asc" } });
    expect(refs.map((a) => [a.ref, a.title, a.milestones.map((m) => m.text)])).toEqual([
      ["ATT-1", "Target children with a 60-70% absence rate", ["Project Brief March 2011", "Delivery Summer term 2011"]],
      ["ATT-2", "Evaluate the service redesign implications", ["Model agreed by end of March 2012"]],
    ]);
  });

  it("refuses a milestone that is only a number, naming the date it would be as an Excel serial, rather than keep it as date to be agreed", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const good = [write("people.csv", people), write("priorities.csv", priorities), write("teams.csv", teams)];
    const report = await importFiles([...good, write("actions.csv", actions("45700\n12"))], slug);
    expect(report.applied).toBe(false);
    expect(report.problems.map((p) => [p.row, p.column, p.message])).toEqual([
      [3, "Milestone", '"45700" is a number, not a milestone: write what will be done and by when, e.g. "Model agreed by March 2027". If it is a date Excel shows as a number (45700 is 12 February 2025), format the cell as a date or type the date.'],
      [3, "Milestone", '"12" is a number, not a milestone: write what will be done and by when, e.g. "Model agreed by March 2027".'],
    ]);
    expect(await t.db.prisma.partnership.count({ where: { slug } })).toBe(0);
  });

  it("refuses a baseline or target the indicator's unit cannot hold: a count of 1450.5, a percentage over 100", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const base = [write("people.csv", people), write("priorities.csv", priorities), write("teams.csv", teams), write("actions.csv", actions("Model agreed by end of March 2012"))];
    const indicators = [
      ["Code", "Indicator", "Priority", "Unit", "Polarity", "Baseline", "Baseline date", "Targets"],
      ["NEET", "16-18 NEET", "3", "percent", "lower", "8.1", "2011-03-31", "107.5 by June 2012"],
      ["LAC", "Looked after children", "3", "count", "lower", "1450.5", "2011-03-31", "1300 by March 2013"],
      // A unit sign that is not the indicator's own, a decimal comma, or more digits than are kept: refused, never read round.
      ["CIN", "Children in need", "3", "count", "lower", "12%", "2011-03-31", "£1300 by March 2013"],
      ["TEEN-PREG", "Under-18 conceptions", "3", "per_1000", "lower", "99999999999999999999", "2011-03-31", "7,5 by March 2013"],
    ];
    const report = await importFiles([...base, write("indicators.csv", indicators)], slug);
    expect(report.applied).toBe(false);
    expect(report.problems.map((p) => [p.row, p.column, p.message])).toEqual([
      [2, "Targets", "107.5% can't be a figure of NEET."],
      [3, "Baseline", "LAC counts whole numbers, so 1,450.5 can't be one of its figures."],
      [4, "Baseline", `CIN is a count, not a percentage, so "%" can't go with its figures: give the figure in CIN's unit, without "%".`],
      [4, "Targets", `CIN is a count, not money, so "£" can't go with its figures: give the figure in CIN's unit, without "£".`],
      [5, "Baseline", expect.stringMatching(/^"99999999999999999999" can't be kept exactly as typed/)],
      [5, "Targets", expect.stringMatching(/^"7,5" has a decimal comma/)],
    ]);
    expect(await t.db.prisma.partnership.count({ where: { slug } })).toBe(0);
  });

  it("reads each indicator's RAG tolerance from a Tolerance column, refuses one that is not a number, and leaves a chat-set tolerance alone when the column is absent", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const indicators = (tolerances: string[] | null) => [
      ["Code", "Indicator", "Priority", "Unit", "Polarity", "Baseline", "Baseline date", "Targets", ...(tolerances ? ["Tolerance"] : [])],
      ["NEET", "16-18 NEET", "3", "percent", "lower", "8.1", "2011-03-31", "7.5 by June 2012", ...(tolerances ? [tolerances[0]!] : [])],
      ["LAC", "Looked after children", "3", "count", "lower", "1450", "2011-03-31", "1300 by March 2013", ...(tolerances ? [tolerances[1]!] : [])],
    ];
    const base = [write("people.csv", people), write("priorities.csv", priorities), write("teams.csv", teams), write("actions.csv", actions("Model agreed by end of March 2012"))];
    const tolerance = async (code: string) =>
      (await t.db.prisma.indicator.findFirstOrThrow({ where: { code, partnership: { slug } }, select: { ragTolerance: true } })).ragTolerance;

    const bad = await importFiles([...base, write("indicators.csv", indicators(["0.5%", "about ten"]))], slug);
    expect(bad.applied).toBe(false);
    expect(bad.problems).toEqual([expect.objectContaining({ sheet: "indicators", row: 3, column: "Tolerance", message: expect.stringContaining('"about ten" is not') })]);
    // A percentage is a percentage's tolerance only; a decimal comma is not guessed.
    const signs = await importFiles([...base, write("indicators.csv", indicators(["0,5", "2%"]))], slug);
    expect(signs.problems.map((p) => [p.row, p.column, p.message.split(":")[0]])).toEqual([
      [2, "Tolerance", '"0,5" has a decimal comma; Curve does not guess'],
      [3, "Tolerance", 'LAC is a count, not a percentage, so "%" can\'t go with its figures'],
    ]);
    expect(await t.db.prisma.partnership.count({ where: { slug } })).toBe(0);

    expect((await importFiles([...base, write("indicators.csv", indicators(["0.5%", "50"]))], slug)).applied).toBe(true);
    expect([await tolerance("NEET"), await tolerance("LAC")]).toEqual([0.5, 50]);

    // "default" (or blank) goes back to the documented default.
    expect((await importFiles([...base, write("indicators.csv", indicators(["default", ""]))], slug)).applied).toBe(true);
    expect([await tolerance("NEET"), await tolerance("LAC")]).toEqual([null, null]);

    // Set in chat, then a file with no Tolerance column: the chat's value stays.
    const { id } = await t.db.prisma.partnership.findUniqueOrThrow({ where: { slug } });
    expect((await commandDriver(t.db, id, () => NOW).run("Simon Flowers", "/indicator tolerance LAC 25")).tone).toBe("success");
    expect((await importFiles([...base, write("indicators.csv", indicators(null))], slug)).applied).toBe(true);
    expect(await tolerance("LAC")).toBe(25);
  });

  const readingIndicators = [
    ["Code", "Indicator", "Priority", "Unit", "Polarity", "Baseline", "Baseline date", "Periodicity"],
    ["NEET", "16-18 NEET", "3", "percent", "lower", "8.3", "2011-01-31", "monthly"],
    ["LAC", "Looked after children", "3", "count", "lower", "1450", "2011-03-31", "quarterly"],
  ];
  const readingRows = [
    ["Indicator", "Period", "Value", "Source", "Recorded by", "Recorded"],
    ["NEET", "August 2011", "8.1", "Connexions monthly return", "Simon Flowers", "2011-09-14"],
    ["NEET", "2011-07", "not known", "", "", ""],
    ["LAC", "Q1 2011/12", "1,420", "", "Ken Morton", ""],
  ];
  const storedReadings = async (slug: string) =>
    (
      await t.db.prisma.indicatorReading.findMany({
        where: { indicator: { partnership: { slug } } },
        include: { indicator: { select: { code: true } }, recordedBy: { select: { name: true } } },
        orderBy: [{ indicatorId: "asc" }, { periodEnd: "asc" }],
      })
    ).map((r) => [r.indicator.code, r.period, r.periodEnd.toISOString().slice(0, 10), r.value, r.source, r.recordedBy?.name ?? null, r.recordedAt.toISOString()]);

  it("imports a Readings sheet for indicators the file defines, audits each reading as coming from the file, and changes nothing when imported again", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const files = [write("people.csv", people), write("priorities.csv", priorities), write("actions.csv", actions("Model agreed by end of March 2012")), write("indicators.csv", readingIndicators), write("readings.csv", readingRows)];
    const dry = await importFiles(files, slug, true);
    expect(dry.problems).toEqual([]);
    expect(dry.changes.filter((c) => c.subject === "reading").map((c) => `${c.kind} ${c.ref}: ${c.detail}`)).toEqual([
      "create NEET Aug 2011: 8.1",
      "create NEET Jul 2011: not known",
      "create LAC Q1 2011/12: 1420",
    ]);
    // A name only in Recorded by becomes a person, as an indicator owner's does, and the dry run says so.
    expect(dry.newPeople).toEqual(["Simon Whitehead", "Tony Adlard", "Ken Morton"]);
    expect(describeReport(dry, [], [])).toContain("3 readings");
    expect(await t.db.prisma.partnership.count({ where: { slug } })).toBe(0);

    const report = await importFiles(files, slug);
    expect(report.applied).toBe(true);
    expect(await storedReadings(slug)).toEqual([
      ["NEET", "Jul 2011", "2011-07-31", null, null, null, NOW.toISOString()],
      ["NEET", "Aug 2011", "2011-08-31", 8.1, "Connexions monthly return", "Simon Flowers", "2011-09-14T12:00:00.000Z"],
      ["LAC", "Q1 2011/12", "2011-06-30", 1420, null, "Ken Morton", NOW.toISOString()],
    ]);
    const { id } = await t.db.prisma.partnership.findUniqueOrThrow({ where: { slug } });
    const events = await t.db.prisma.auditEvent.findMany({ where: { partnershipId: id, event: "reading.imported" }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.subjectRef, e.origin])).toEqual([
      ["NEET Aug 2011", { platform: "import", file: "people.csv, priorities.csv, actions.csv, indicators.csv, readings.csv" }],
      ["NEET Jul 2011", { platform: "import", file: "people.csv, priorities.csv, actions.csv, indicators.csv, readings.csv" }],
      ["LAC Q1 2011/12", { platform: "import", file: "people.csv, priorities.csv, actions.csv, indicators.csv, readings.csv" }],
    ]);
    // Chat sees them as it sees readings recorded there: the not known counts as reported, with no figure.
    const history = (await commandDriver(t.db, id, () => NOW).run("Simon Flowers", "/indicator history NEET")).rendered;
    expect(history).toContain("Aug 2011 · 8.1%");
    expect(history).toContain("source: Connexions monthly return");
    expect(history).toContain("Jul 2011 · not known");

    const audits = await t.db.prisma.auditEvent.count({ where: { partnershipId: id } });
    const again = await importFiles(files, slug);
    expect(again.problems).toEqual([]);
    expect(again.changes.filter((c) => c.kind !== "keep")).toEqual([]);
    expect(await t.db.prisma.auditEvent.count({ where: { partnershipId: id } })).toBe(audits);
  });

  it("updates a reading whose value or source changed, for an indicator already in Curve, keeps a recorded source when the file gives none, and leaves readings the file does not list alone", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    expect((await importFiles([write("people.csv", people), write("priorities.csv", priorities), write("actions.csv", actions("Model agreed by end of March 2012")), write("indicators.csv", readingIndicators), write("readings.csv", readingRows)], slug)).applied).toBe(true);
    const { id } = await t.db.prisma.partnership.findUniqueOrThrow({ where: { slug } });
    expect((await commandDriver(t.db, id, () => NOW).run("Simon Flowers", "/indicator record NEET 8.4 Jun 2011 Connexions")).tone).toBe("success");
    const audits = await t.db.prisma.auditEvent.count({ where: { partnershipId: id } });

    // Only a Readings sheet this time: the indicators are in Curve already.
    const edited = [
      ["Code", "Period", "Value", "Source"],
      ["NEET", "Aug 2011", "8.0", ""],
      ["NEET", "Jul 2011", "n/a", ""],
      ["LAC", "Q1 2011/12", "1420", "SSDA903 return"],
    ];
    const report = await importFiles([write("readings-edited.csv", edited)], slug);
    expect(report.problems).toEqual([]);
    expect(report.changes.filter((c) => c.kind !== "keep").map((c) => `${c.kind} ${c.subject} ${c.ref}: ${c.detail}`)).toEqual([
      "update reading NEET Aug 2011: value 8.1 → 8",
      'update reading LAC Q1 2011/12: source none → "SSDA903 return"',
    ]);
    expect(await storedReadings(slug)).toEqual([
      ["NEET", "Jun 2011", "2011-06-30", 8.4, "Connexions", "Simon Flowers", NOW.toISOString()],
      ["NEET", "Jul 2011", "2011-07-31", null, null, null, NOW.toISOString()],
      ["NEET", "Aug 2011", "2011-08-31", 8, "Connexions monthly return", null, NOW.toISOString()],
      ["LAC", "Q1 2011/12", "2011-06-30", 1420, "SSDA903 return", null, NOW.toISOString()],
    ]);
    const events = await t.db.prisma.auditEvent.findMany({ where: { partnershipId: id, id: { gt: 0 } }, orderBy: { id: "asc" }, skip: audits });
    expect(events.map((e) => [e.event, e.subjectRef, e.before, e.after, e.origin])).toEqual([
      ["reading.import_updated", "NEET Aug 2011", { period: "Aug 2011", value: 8.1, source: "Connexions monthly return" }, { period: "Aug 2011", value: 8, source: "Connexions monthly return" }, { platform: "import", file: "readings-edited.csv" }],
      ["reading.import_updated", "LAC Q1 2011/12", { period: "Q1 2011/12", value: 1420, source: null }, { period: "Q1 2011/12", value: 1420, source: "SSDA903 return" }, { platform: "import", file: "readings-edited.csv" }],
    ]);
  });

  it("changes nothing when any reading has a problem, naming each with its sheet, row and column", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const base = [write("people.csv", people), write("priorities.csv", priorities), write("actions.csv", actions("Model agreed by end of March 2012")), write("indicators.csv", readingIndicators)];
    expect((await importFiles([...base, write("readings.csv", readingRows)], slug)).applied).toBe(true);
    const before = await storedReadings(slug);
    const bad = [
      ["Indicator", "Period", "Value"],
      ["NEET", "Sep 2011", "7.9"],
      ["NEAT", "Sep 2011", "7.9"],
      ["LAC", "Q2 2011/12", "1420.5"],
      ["NEET", "Dec 2011", "7.5"],
      ["NEET", "September 2011", "7.8"],
      ["NEET", "Septober 2011", "7.8"],
    ];
    const report = await importFiles([...base, write("readings-bad.csv", bad)], slug);
    expect(report.applied).toBe(false);
    expect(report.problems.map((p) => [p.sheet, p.row, p.column, p.message])).toEqual([
      ["readings-bad", 3, "Indicator", "there is no indicator NEAT; did you mean NEET? (add it to the Indicators sheet, or use one of NEET, LAC)"],
      ["readings-bad", 4, "Value", "LAC counts whole numbers, so 1,420.5 can't be one of its figures."],
      ["readings-bad", 5, "Period", "Dec 2011 hasn't started yet, so it can't have a reading."],
      ["readings-bad", 6, "Period", "NEET Sep 2011 is also on readings-bad row 2"],
      ["readings-bad", 7, "Period", '"Septober 2011" is not a period Curve can read. Try Dec 2011, 30 June 2013, Q3 2011/12, 2011/12 or half term 4 2010/11.'],
    ]);
    // Not even the good row: a file with a problem changes nothing.
    expect(await storedReadings(slug)).toEqual(before);
  });

  /**
   * Excel stores what it shows differently: 8.1% as 0.081, and "September 2011" typed into a cell
   * as the date 1 September 2011 shown "Sep-11". A cell showing #N/A, or a formula a program
   * wrote but never calculated, is stored with no value at all. Each is read as the person sees it
   * in Excel, or refused; never as 0.081 per cent, a month's first day, or an empty cell.
   */
  it("reads an .xlsx as Excel shows it: percentages, months typed into date cells, and refuses cells that show an error", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet("Indicators").addRows(readingIndicators);
    workbook.getWorksheet("Indicators")!.getCell("F2").value = 0.083;
    workbook.getWorksheet("Indicators")!.getCell("F2").numFmt = "0.0%";
    const readings = workbook.addWorksheet("Readings");
    readings.addRows([
      ["Indicator", "Period", "Value", "Source"],
      ["NEET", new Date(Date.UTC(2011, 7, 1)), 0.081, "Connexions"],
      ["NEET", new Date(Date.UTC(2011, 5, 30)), { formula: "C2-0.002", result: 0.079 }, "Connexions"],
    ]);
    readings.getCell("B2").numFmt = "mmm-yy";
    readings.getCell("B3").numFmt = "dd/mm/yyyy";
    for (const cell of ["C2", "C3"]) readings.getCell(cell).numFmt = "0.0%";
    const actionSheet = workbook.addWorksheet("Actions");
    actionSheet.addRows([
      ["Ref", "Priority", "Action", "Action Owner", "Milestone or Target"],
      ["ATT-1", "3", "Target children with a 60-70% absence rate", "Jancis Andrew", new Date(Date.UTC(2012, 2, 1))],
    ]);
    actionSheet.getCell("E2").numFmt = "mmmm yyyy";
    workbook.addWorksheet("People").addRows(people);
    workbook.addWorksheet("Priorities").addRows(priorities);
    const file = path.join(dir, "as-shown.xlsx");
    await workbook.xlsx.writeFile(file);
    const reading = readPartnershipWorkbook(await readWorkbookFile(file), { fileName: "as-shown.xlsx", plan: "our-plan" });
    expect(reading.problems).toEqual([]);
    const report = await importWorkbook(t.db.prisma, reading, { fileName: "as-shown.xlsx", dryRun: false, partnership: slug, now: NOW, timeZone: "Europe/London" });
    expect(report.problems).toEqual([]);
    expect((await storedReadings(slug)).map((r) => r.slice(0, 4))).toEqual([
      ["NEET", "30 Jun 2011", "2011-06-30", 7.9],
      ["NEET", "Aug 2011", "2011-08-31", 8.1],
    ]);
    const neet = await t.db.prisma.indicator.findFirstOrThrow({ where: { code: "NEET", partnership: { slug } } });
    expect(neet.baselineValue).toBe(8.3);
    expect(report.milestones.map((m) => [m.ref, m.phrase, m.precision, m.due])).toEqual([["ATT-1.1", "March 2012", "month", "2012-03-31"]]);

    // A milestone showing #N/A and a title whose formula was never calculated: refused, nothing saved.
    actionSheet.addRow(["ATT-2", "3", "Evaluate the service redesign", "Jancis Andrew", { formula: "VLOOKUP(A3,Dates!A:B,2,FALSE)", result: { error: "#N/A" } }]);
    actionSheet.addRow(["ATT-3", "3", { formula: "Titles!B4" }, "Jancis Andrew", "Model agreed by end of March 2012"]);
    // Rows that are empty but for a formula copied down the sheet are not rows of the plan.
    actionSheet.addRow([null, null, null, { formula: "VLOOKUP(A5,Owners!A:B,2,FALSE)", result: { error: "#N/A" } }]);
    await workbook.xlsx.writeFile(file);
    const broken = readPartnershipWorkbook(await readWorkbookFile(file), { fileName: "as-shown.xlsx", plan: "our-plan" });
    expect(broken.problems.map((p) => [p.sheet, p.row, p.column, p.message])).toEqual([
      ["Actions", 3, "Milestone or Target", "cell E3 shows the error #N/A, not a value: correct the formula or type the value in"],
      ["Actions", 4, "Action", "cell C4 holds a formula whose result was never saved: open the file in Excel and save it, or type the value in"],
      ["Actions", 4, "Action", "action ATT-3 has no title"],
    ]);
    const refused = await importWorkbook(t.db.prisma, broken, { fileName: "as-shown.xlsx", dryRun: false, partnership: slug, now: NOW, timeZone: "Europe/London" });
    expect(refused.applied).toBe(false);
    expect(await t.db.prisma.action.count({ where: { plan: { partnership: { slug } } } })).toBe(1);
  });

  it("refuses a file with no sheet Curve reads (the wrong spreadsheet, an empty CSV) and creates no partnership for it", async () => {
    const slug = uniqueName("budget").replace(/_/g, "-");
    for (const [file, said] of [
      [write("budget.csv", [["Cost centre", "Budget 2025/26"], ["CS-101", "12,000"]]), "has no sheet Curve reads as part of a plan (it looked at budget)"],
      [write("export.csv", []), "has nothing in it"],
    ] as const) {
      const report = await importFiles([file], slug);
      expect(report.applied).toBe(false);
      expect(report.problems.map((p) => [p.sheet, p.row, p.column, p.message])).toEqual([
        [path.basename(file), null, null, `${said}; an action plan has headings such as "Ref", "Action", "Action Owner", "Milestone or Target", as in templates/plan.xlsx`],
      ]);
      expect(describeReport(report, [], [])).not.toContain("Curve already has everything");
    }
    expect(await t.db.prisma.partnership.findUnique({ where: { slug } })).toBeNull();
  });

  /**
   * A partnership's own tracker often has columns Curve has no place for ("RAG status", "Budget")
   * and, beside the milestone, a "Deadline" column. Left out without a word, every milestone was
   * imported as date to be agreed.
   */
  it("names the columns it does not read, and refuses a date column beside the milestones rather than leave every milestone TBC", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const tracker = [
      ["Ref", "Action", "Lead officer", "Milestone", "Deadline", "RAG status"],
      ["ATT-1", "Target children with a 60-70% absence rate", "Jancis Andrew", "Project brief agreed", "31/03/2027", "Green"],
    ];
    const files = [write("people.csv", people), write("tracker.csv", tracker)];
    const report = await importFiles(files, slug);
    expect(report.applied).toBe(false);
    expect(report.problems.map((p) => [p.sheet, p.row, p.column, p.message])).toEqual([
      [
        "tracker",
        1,
        "Deadline",
        'Curve reads a milestone\'s date from its words in "Milestone", not from a column of its own, so column E would be left out: put each date in its milestone\'s words ("Project brief agreed by 31/03/2027"), or give the milestones on a Milestones sheet with a Due column',
      ],
    ]);
    expect(await t.db.prisma.partnership.count({ where: { slug } })).toBe(0);

    // With the date in the milestone's words, the import goes ahead and says which column it left out.
    const fixed = [tracker[0]!.filter((h) => h !== "Deadline"), ["ATT-1", "Target children with a 60-70% absence rate", "Jancis Andrew", "Project brief agreed by 31/03/2027", "Green"]];
    writeFileSync(files[1]!, csv(fixed));
    const sheets = (await Promise.all(files.map((f) => readWorkbookFile(f)))).flat();
    const reading = readPartnershipWorkbook(sheets, { fileName: "tracker.csv", plan: "our-plan" });
    expect(reading.unreadColumns).toEqual([{ sheet: "tracker", column: "E", heading: "RAG status" }]);
    const imported = await importWorkbook(t.db.prisma, reading, { fileName: "tracker.csv", dryRun: false, partnership: slug, now: NOW, timeZone: "Europe/London" });
    expect(imported.applied).toBe(true);
    expect(describeReport(imported, reading.sheets, reading.ignored, reading.unreadColumns)).toContain('Columns Curve does not read, so nothing in them is imported: tracker E "RAG status".');
    expect(imported.milestones.map((m) => [m.ref, m.due])).toEqual([["ATT-1.1", "2027-03-31"]]);
  });

  // Two people of one name failed inside the database ("Invalid `prisma.person.update()` invocation").
  it("refuses two people of one name on the People sheet in one line, rather than fail inside the database", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const twoSams = [...people, ["Jancis  Andrew", "jancis.andrew@nhs.net", "Leeds Community Healthcare", ""]];
    const report = await importFiles([write("people.csv", twoSams), write("priorities.csv", priorities), write("teams.csv", teams), write("actions.csv", actions("Model agreed by end of March 2012"))], slug);
    expect(report.applied).toBe(false);
    expect(report.problems.map((p) => [p.sheet, p.row, p.column, p.message])).toEqual([
      ["people", 5, "Name", 'a person called Jancis Andrew (give each a name that tells them apart, e.g. "Jancis Andrew (Leeds Community Healthcare)") is also on people row 2'],
    ]);
  });

  it("reads an .xlsx whose cells are merged down over several actions", async () => {
    const slug = uniqueName("council").replace(/_/g, "-");
    const workbook = new ExcelJS.Workbook();
    const ws = workbook.addWorksheet("LAC");
    ws.addRows([
      ["Priority partnership action plan 2011/12"],
      ["Action", "Targeting", "Action Owner", "Contributing Officers/Teams", "Milestone or Target"],
      ["6. Develop assertive outreach and core support packages", "City Wide", "Saleem Tariq", "Sue May", "Portfolio of packages by May 2011"],
      ["7. Develop Intensive Prevention Team", "Children 10+ on edge of care", null, "Sue May", "Team in post by Sept. 2011"],
    ]);
    ws.mergeCells("C3:C4");
    const file = path.join(dir, "lac.xlsx");
    await workbook.xlsx.writeFile(file);
    const sheets = await readWorkbookFile(file);
    const reading = readPartnershipWorkbook(sheets, { fileName: "lac.xlsx", plan: "cypp" });
    expect(reading.problems).toEqual([]);
    expect(reading.data.actions.map((a) => [a.ref, a.ownerText, a.milestones.map((m) => m.text)])).toEqual([
      ["LAC-6", "Saleem Tariq", ["Portfolio of packages by May 2011"]],
      ["LAC-7", "Saleem Tariq", ["Team in post by Sept. 2011"]],
    ]);
    const report = await importWorkbook(t.db.prisma, reading, { fileName: "lac.xlsx", dryRun: false, partnership: slug, now: NOW, timeZone: "Europe/London" });
    expect(report.applied).toBe(true);
    expect(report.unmatched.map((u) => u.name).sort()).toEqual(["Saleem Tariq", "Sue May"]);
  });
});
