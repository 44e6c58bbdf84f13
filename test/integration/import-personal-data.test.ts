import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { PrismaHeldTextStore } from "../../src/adapters/db/held-texts.ts";
import { importWorkbook, type WorkbookImportReport } from "../../src/adapters/db/workbook-import.ts";
import { readWorkbookFile } from "../../src/adapters/files/read-workbook.ts";
import { describeHeld } from "../../src/bot/import-command.ts";
import { parseConfirmedCells } from "../../src/domain/workbook/held-cells.ts";
import { readPartnershipWorkbook } from "../../src/domain/workbook/read-partnership.ts";
import { kindsUnderTest, openTestDatabase, uniqueName, type TestDatabase } from "../support/databases.ts";
import { plantedCorpus, randomSource, testNhsNumber } from "../support/planted-identifiers.ts";

const NOW = new Date("2011-09-26T08:00:00Z");
const NHS = testNhsNumber(randomSource(15));
const NHS_SPACED = `${NHS.slice(0, 3)} ${NHS.slice(3, 6)} ${NHS.slice(6)}`;
// Invented identifiers, each in a free-text column of its own.
const PLANTED = { dob: "14/03/2009", phone: "0113 496 0123", postcode: "LS6 2QT", ni: "hm 47 28 19 c", nhs: NHS_SPACED };
// A person's email in the People sheet's Email column: structured, so never checked.
const PERSONAL_EMAIL = "kacper.nowak@gmail.com";

type Rows = (string | null)[][];

async function writeXlsx(file: string, sheets: Record<string, Rows>): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) workbook.addWorksheet(name).addRows(rows);
  await workbook.xlsx.writeFile(file);
  return file;
}

const people: Rows = [
  ["Name", "Email", "Organisation"],
  ["Jancis Andrew", "jancis@example.org", "Leeds City Council"],
  ["Kacper Nowak", PERSONAL_EMAIL, "Leeds City Council"],
];

/** The action plan, with a title above the table so the headings are on row 3, as in many councils' files. */
function actionPlan(planted: { milestone?: string; note?: string } = {}): Rows {
  return [
    ["Children and Young People's Plan: attendance actions"],
    [],
    ["Ref", "Action", "Action Owner", "Milestone or Target", "Note"],
    ["ATT-1", "Target children with a 60-70% absence rate", "Jancis Andrew", "Project Brief March 2011", "NI 59 baseline in Year 9"],
    ["ATT-2", "Evaluate the service redesign", "Jancis Andrew", planted.milestone ?? "Model agreed by end of March 2012", null],
    ["ATT-3", "Family support for persistent absentees", "Kacper Nowak", "Delivery Summer term 2011", planted.note ?? "Reviewed at the cluster meeting"],
  ];
}

function milestoneSheet(evidence: { first?: string; second?: string } = {}): Rows {
  return [
    ["Ref", "Milestone", "Due", "Evidence"],
    ["ATT-3.1", "Project brief agreed", "March 2011", evidence.first ?? "Minutes of the March meeting"],
    ["ATT-3.2", "Delivery", "Summer term 2011", evidence.second ?? "Attendance up 4% at the academy"],
  ];
}

const plantedFile = () => ({
  People: people,
  "Action plan": actionPlan({ milestone: `Review case, DOB ${PLANTED.dob}, by March 2012`, note: `Call the parent on ${PLANTED.phone}` }),
  Milestones: milestoneSheet({ first: `Referral form for NHS no ${PLANTED.nhs}`, second: `Home visit at ${PLANTED.postcode}; mum's NI ${PLANTED.ni}` }),
});

async function counts(prisma: PrismaClient, slug: string) {
  const partnership = await prisma.partnership.findUnique({ where: { slug } });
  if (!partnership) return null;
  const partnershipId = partnership.id;
  return {
    people: await prisma.person.count({ where: { partnershipId } }),
    actions: await prisma.action.count({ where: { plan: { partnershipId } } }),
    milestones: await prisma.milestone.count({ where: { action: { plan: { partnershipId } } } }),
    audit: await prisma.auditEvent.count({ where: { partnershipId } }),
  };
}

describe.each(kindsUnderTest())("the personal-data guard on curve import, on %s", (kind) => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    dir = mkdtempSync(path.join(tmpdir(), "curve-import-guard-"));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function importFiles(files: string[], slug: string, options: { dryRun?: boolean; confirm?: string[] } = {}): Promise<WorkbookImportReport> {
    const sheets = (await Promise.all(files.map((f) => readWorkbookFile(f)))).flat();
    const reading = readPartnershipWorkbook(sheets, { fileName: path.basename(files[0]!), plan: "our-plan" });
    const confirmed = parseConfirmedCells(options.confirm ?? []);
    if (!confirmed.ok) throw new Error(confirmed.message);
    return importWorkbook(t.db.prisma, reading, {
      fileName: files.map((f) => path.basename(f)).join(", "),
      dryRun: options.dryRun ?? false,
      partnership: slug,
      now: NOW,
      timeZone: "Europe/London",
      confirmedCells: confirmed.cells,
    });
  }

  const expectNoRawValues = (output: string) => {
    for (const value of [...Object.values(PLANTED), NHS, PLANTED.ni.toUpperCase()]) expect(output).not.toContain(value);
  };

  it("holds every free-text cell with personal data, by sheet, row and column, masked, and writes nothing", async () => {
    const slug = uniqueName("guard").replace(/_/g, "-");
    const file = await writeXlsx(path.join(dir, `${slug}.xlsx`), plantedFile());
    for (const dryRun of [true, false]) {
      const report = await importFiles([file], slug, { dryRun });
      expect(report.applied).toBe(false);
      expect(report.held.map((c) => [c.ref, c.outcome, c.findings.map((f) => f.kind)])).toEqual([
        ["'Action plan'!D5", "block", ["date_of_birth"]],
        ["'Action plan'!E6", "ask", ["phone"]],
        ["Milestones!D2", "block", ["nhs_number"]],
        ["Milestones!D3", "block", ["postcode", "ni_number"]],
      ]);
      const output = describeHeld(report.held, report.unheldConfirmations, path.basename(file));
      expect(output.split("\n")).toEqual([
        `'Action plan'!D5 (row 5, column D "Milestone or Target"): a date of birth (••/••/••09); fix the file`,
        `'Action plan'!E6 (row 6, column E "Note"): a phone number (•••• ••• ••23); fix the file or confirm`,
        `Milestones!D2 (row 2, column D "Evidence"): an NHS number (••• ••• ••${NHS.slice(8)}); fix the file`,
        `Milestones!D3 (row 3, column D "Evidence"): a home postcode (LS6 •••); a National Insurance number (h• •• •• •• •); fix the file`,
        `4 cells in ${slug}.xlsx may hold a child's personal data: nothing was imported. Remove it from the file where it says "fix the file" (a coordinator can change what the guard checks with /curve privacy) and import again, or, if no child's personal data remains in that cell, confirm it by re-running with --confirm-personal-data 'Action plan!E6'.`,
        "",
      ]);
      expectNoRawValues(output);
      expectNoRawValues(JSON.stringify(report));
      expect(await counts(t.db.prisma, slug)).toBeNull();
    }
  });

  it("does not check structured columns: a person's own email in the People sheet passes, while the same address in a note is held", async () => {
    const slug = uniqueName("guard").replace(/_/g, "-");
    const clean = await writeXlsx(path.join(dir, `${slug}-clean.xlsx`), { People: people, "Action plan": actionPlan(), Milestones: milestoneSheet() });
    const report = await importFiles([clean], slug);
    expect(report.held).toEqual([]);
    expect(report.applied).toBe(true);
    expect(await t.db.prisma.person.findFirst({ where: { partnership: { slug }, email: PERSONAL_EMAIL } })).not.toBeNull();

    // Someone outside the partnership, named in free text: held, and the People sheet still is not.
    const outside = "tyler.brennan@hotmail.co.uk";
    const before = await counts(t.db.prisma, slug);
    const noted = await writeXlsx(path.join(dir, `${slug}-noted.xlsx`), { People: people, "Action plan": actionPlan({ note: `Parent's email ${outside}` }), Milestones: milestoneSheet() });
    const held = await importFiles([noted], slug);
    expect(held.held.map((c) => [c.ref, c.findings.map((f) => f.masked)])).toEqual([["'Action plan'!E6", ["t•••@hotmail.co.uk"]]]);
    expect(await counts(t.db.prisma, slug)).toEqual(before);
  });

  it("imports once the file is fixed and the listed cells are confirmed, and audits the decision without the values", async () => {
    const slug = uniqueName("guard").replace(/_/g, "-");
    const file = await writeXlsx(path.join(dir, `${slug}.xlsx`), plantedFile());

    // Confirming cannot release a cell the policy blocks: the NHS, NI and date-of-birth cells stay held.
    const blocked = await importFiles([file], slug, { confirm: ["'Action plan'!E6,Milestones!D2,Milestones!D3,'Action plan'!D5"] });
    expect(blocked.applied).toBe(false);
    expect(blocked.held.map((c) => c.ref)).toEqual(["'Action plan'!D5", "Milestones!D2", "Milestones!D3"]);
    expect(await counts(t.db.prisma, slug)).toBeNull();

    // The file fixed: the NHS number, NI number and date of birth removed, the phone and postcode left.
    const fixed = await writeXlsx(path.join(dir, `${slug}-fixed.xlsx`), {
      People: people,
      "Action plan": actionPlan({ note: `Call the school office on ${PLANTED.phone}` }),
      Milestones: milestoneSheet({ second: `Session at the family hub, ${PLANTED.postcode}` }),
    });
    const asked = await importFiles([fixed], slug);
    expect(asked.held.map((c) => [c.ref, c.outcome])).toEqual([
      ["'Action plan'!E6", "ask"],
      ["Milestones!D3", "ask"],
    ]);
    expect(describeHeld(asked.held, [], "fixed.xlsx")).toContain(`re-running with --confirm-personal-data 'Action plan!E6,Milestones!D3'.`);

    // Naming only one of them leaves the other held; naming a cell that holds nothing is refused.
    const partly = await importFiles([fixed], slug, { confirm: ["'Action plan'!E6"] });
    expect(partly.held.map((c) => c.ref)).toEqual(["Milestones!D3"]);
    const stale = await importFiles([fixed], slug, { confirm: ["'Action plan'!E6,Milestones!D3,Milestones!D2"] });
    expect(stale.held).toEqual([]);
    expect(stale.unheldConfirmations).toEqual(["Milestones!D2"]);
    expect(describeHeld(stale.held, stale.unheldConfirmations, "fixed.xlsx")).toContain("--confirm-personal-data names a cell where Curve found no personal data: Milestones!D2.");
    expect(await counts(t.db.prisma, slug)).toBeNull();

    // A dry run with the confirmation says what it would do, and still writes nothing.
    const dry = await importFiles([fixed], slug, { dryRun: true, confirm: ["'action plan'!$E$6", "milestones!d3"] });
    expect(dry.held).toEqual([]);
    expect(dry.changes.filter((c) => c.subject === "action").map((c) => c.ref)).toEqual(["ATT-1", "ATT-2", "ATT-3"]);
    expect(await counts(t.db.prisma, slug)).toBeNull();

    const report = await importFiles([fixed], slug, { confirm: ["'Action plan'!E6, Milestones!D3"] });
    expect(report.applied).toBe(true);
    expect(report.confirmed.map((c) => c.ref)).toEqual(["'Action plan'!E6", "Milestones!D3"]);
    const { id } = await t.db.prisma.partnership.findUniqueOrThrow({ where: { slug } });
    const note = await t.db.prisma.action.findFirstOrThrow({ where: { plan: { partnershipId: id }, ref: "ATT-3" } });
    expect(note.sourceNote).toBe(`Call the school office on ${PLANTED.phone}`);
    const events = await t.db.prisma.auditEvent.findMany({ where: { partnershipId: id, event: { startsWith: "privacy." } }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.event, e.subjectType, e.after, e.origin])).toEqual([
      ["privacy.held", "import", { command: "import", outcome: "ask", kinds: { phone: 1, postcode: 1 } }, { platform: "import", file: `${slug}-fixed.xlsx` }],
      ["privacy.decided", "import", { decision: "kept", cells: ["'Action plan'!E6", "Milestones!D3"] }, { platform: "import", file: `${slug}-fixed.xlsx` }],
    ]);
    expectNoRawValues(JSON.stringify(events));
    // Coordinators' held counts (/curve privacy) include the confirmed cells' kinds.
    expect(await new PrismaHeldTextStore(t.db.prisma, t.db.sql).heldCounts(id, new Date("2011-09-01T00:00:00Z"))).toEqual([
      { kind: "postcode", count: 1 },
      { kind: "phone", count: 1 },
    ]);
  });

  it("follows the partnership's policy: with NHS numbers set to ask, a confirmed NHS number imports", async () => {
    const slug = uniqueName("guard").replace(/_/g, "-");
    const clean = await writeXlsx(path.join(dir, `${slug}-clean.xlsx`), { People: people, "Action plan": actionPlan(), Milestones: milestoneSheet() });
    expect((await importFiles([clean], slug)).applied).toBe(true);
    await t.db.prisma.partnership.update({ where: { slug }, data: { privacyPolicy: { nhs_number: "ask", phone: "off" } } });
    const file = await writeXlsx(path.join(dir, `${slug}.xlsx`), {
      People: people,
      "Action plan": actionPlan({ note: `Call the parent on ${PLANTED.phone}` }),
      Milestones: milestoneSheet({ first: `Referral form for NHS no ${PLANTED.nhs}` }),
    });
    const before = await counts(t.db.prisma, slug);
    const asked = await importFiles([file], slug);
    expect(asked.held.map((c) => [c.ref, c.outcome])).toEqual([["Milestones!D2", "ask"]]);
    expect(await counts(t.db.prisma, slug)).toEqual(before);
    const report = await importFiles([file], slug, { confirm: ["Milestones!D2"] });
    expect(report.applied).toBe(true);
  });

  it("checks CSV files too, naming the cell by the file's name as its sheet", async () => {
    const slug = uniqueName("guard").replace(/_/g, "-");
    const file = path.join(dir, "actions.csv");
    writeFileSync(file, ["Ref,Action,Action Owner,Milestone or Target", `ATT-1,Support for pupils,Jancis Andrew,"Visit planned; born ${PLANTED.dob}"`].join("\n"));
    const report = await importFiles([file], slug);
    expect(report.held.map((c) => describeHeld([c], [], "actions.csv").split("\n")[0])).toEqual([`actions!D2 (row 2, column D "Milestone or Target"): a date of birth (••/••/••09); fix the file`]);
    expect(await counts(t.db.prisma, slug)).toBeNull();
  });

  it("catches planted identifiers of every kind in each free-text column, and nothing in the clean cells", async () => {
    const slug = uniqueName("guard").replace(/_/g, "-");
    const corpus = plantedCorpus(42, 1515);
    const columns = ["Action", "Milestone or Target", "Note", "Targeting"];
    const rows: Rows = [["Ref", "Action Owner", ...columns]];
    corpus.forEach((planted, i) => {
      const cells = columns.map((_, c) => (c === i % columns.length ? planted.text : "Cluster review in the Autumn term 2011"));
      rows.push([`ATT-${i + 1}`, "Jancis Andrew", ...cells]);
    });
    const file = await writeXlsx(path.join(dir, `${slug}.xlsx`), { People: people, Actions: rows });
    const report = await importFiles([file], slug);
    const letters = ["C", "D", "E", "F"];
    expect(report.held.map((c) => c.ref)).toEqual(corpus.map((_, i) => `Actions!${letters[i % 4]}${i + 2}`));
    expect(report.held.map((c) => c.findings.map((f) => f.kind))).toEqual(corpus.map((p) => [p.kind]));
    const output = describeHeld(report.held, [], "corpus.xlsx");
    for (const planted of corpus) if (planted.value.replace(/\W/g, "").length > 6) expect(output).not.toContain(planted.value);
    expect(await counts(t.db.prisma, slug)).toBeNull();
  });
});
