import { CellReader } from "./cells.ts";
import { SHEETS, SHEET_ORDER, type ActionColumn, type SheetKind } from "./columns.ts";
import { emptyPartnershipData, type PartnershipData, type PlanData } from "./partnership-data.ts";
import { importedText } from "./free-text.ts";
import { FREE_TEXT_COLUMNS, type FreeTextCell } from "./held-cells.ts";
import { readActionRows } from "./read-actions.ts";
import { readIndicators, readMilestoneRows, readOutcomes, readPeople, readPlans, readPriorities, readReadingRows, readTeams, slugOf, type MilestoneRow } from "./read-sheets.ts";
import { columnLetter, matchHeaders, normaliseHeader, type HeaderMatch, type ImportProblem, type RawSheet } from "./sheet.ts";

export interface ReadOptions {
  /** The file's base name, for the plan key when the workbook has no Plans sheet. */
  fileName: string;
  /** The plan rows belong to when the workbook does not say (curve import --plan). */
  plan?: string | null;
}

export interface WorkbookReading {
  data: PartnershipData;
  problems: ImportProblem[];
  /** Sheets that are not part of a plan (a cover page, notes), by name. */
  ignored: string[];
  /** What each sheet was read as. */
  sheets: { name: string; kind: SheetKind; headingRow: number }[];
  /** Every non-empty free-text cell (FREE_TEXT_COLUMNS), for the personal-data guard. */
  freeText: FreeTextCell[];
  /** Headed columns of a recognised sheet that Curve does not read: nothing in them is imported, and the report says so. */
  unreadColumns: UnreadColumn[];
}

export interface UnreadColumn {
  sheet: string;
  /** Its letter, as in the spreadsheet: "E". */
  column: string;
  heading: string;
}

// Headings that give an action's milestone a date of its own: the Actions sheet reads a milestone's
// date from its words, so such a column would otherwise be dropped and every milestone left TBC.
const DATE_HEADING = /^(?:date|dates|due|due date|due dates|date due|due by|deadline|deadlines|target date|target dates|completion date|end date|timescale|timescales|timeline|timeframe)$/;

// Which headings, beyond the required ones, make a sheet with an unknown name that kind of sheet.
const SIGNS: Record<SheetKind, readonly string[][]> = {
  milestones: [["ref", "text", "due"], ["ref", "text", "doneAt"], ["ref", "text", "kind"]],
  actions: [["title", "owner"], ["title", "milestones"], ["title", "targeting"], ["whatWeWillDo", "howWeWillDoIt"], ["whatWeWillDo", "owner"], ["ref", "title"]],
  people: [["name", "email"], ["name", "organisation"], ["name", "roles"]],
  teams: [["name", "members"]],
  indicators: [["code", "name", "unit"], ["code", "name", "baselineValue"], ["code", "name", "polarity"], ["code", "name", "targets"]],
  readings: [["indicator", "period", "value"]],
  priorities: [["title", "sponsors"], ["title", "leads"]],
  plans: [["key", "title", "kind"], ["key", "title", "periodStart"]],
  outcomes: [["title", "key"]],
  partnership: [["slug", "name"]],
};
const DETECT_ORDER: readonly SheetKind[] = ["milestones", "actions", "people", "teams", "readings", "indicators", "priorities", "plans", "outcomes", "partnership"];
const GENERIC_SHEET_NAMES = /^(sheet\s*\d*|actions?|action plans?|plan|data|export|table\s*\d*)$/i;

function classify(sheet: RawSheet): { kind: SheetKind; header: HeaderMatch<string> } | { kind: SheetKind; header: null } | null {
  const name = normaliseHeader(sheet.name.replace(/\.csv$/i, ""));
  const byName = (Object.keys(SHEETS) as SheetKind[]).find((k) => SHEETS[k].names.includes(name));
  const tryKind = (kind: SheetKind, signs: readonly string[][]) => {
    for (const sign of signs) {
      const header = matchHeaders(sheet.rows, SHEETS[kind].columns, [...SHEETS[kind].required, ...sign], sign.length);
      if (header) return header;
    }
    return null;
  };
  if (byName) {
    const header = tryKind(byName, [...SIGNS[byName], SHEETS[byName].required.length ? [] : ["title"]]);
    return { kind: byName, header };
  }
  for (const kind of DETECT_ORDER) {
    const header = tryKind(kind, SIGNS[kind]);
    if (header) return { kind, header };
  }
  return null;
}

/**
 * Reads a workbook (or several CSV files, one sheet each) into a partnership's data, in the
 * partners' own columns. Sheets are recognised by name ("Actions", "People") or, failing that,
 * by their headings, so an action plan saved as "LAC" or "Sheet1" still reads; a sheet that is
 * none of them (a cover page) is ignored. Never throws on bad input: every problem is returned
 * with its sheet, row and column.
 */
export function readPartnershipWorkbook(sheets: readonly RawSheet[], options: ReadOptions): WorkbookReading {
  const problems: ImportProblem[] = [];
  const data = emptyPartnershipData();
  const ignored: string[] = [];
  const classified: { sheet: RawSheet; kind: SheetKind; header: HeaderMatch<string> }[] = [];
  for (const sheet of sheets) {
    const found = classify(sheet);
    if (!found) {
      if (sheet.rows.some((r) => r.cells.some((c) => c.trim() !== ""))) ignored.push(sheet.name);
      continue;
    }
    if (!found.header) {
      const spec = SHEETS[found.kind];
      problems.push({
        sheet: sheet.name,
        row: null,
        column: null,
        message: `no heading row found; a ${spec.name} sheet has columns like ${spec.columns.slice(0, 4).map((c) => `"${c.heading}"`).join(", ")}`,
      });
      continue;
    }
    classified.push({ sheet, kind: found.kind, header: found.header });
  }
  classified.sort((a, b) => SHEET_ORDER.indexOf(a.kind) - SHEET_ORDER.indexOf(b.kind));
  // A file with nothing Curve reads (the wrong spreadsheet, an empty export) imports nothing:
  // said, not reported as "imported" with a new, empty partnership named after the file.
  if (classified.length === 0 && problems.length === 0) problems.push(nothingRecognised(options.fileName, ignored));
  for (const c of classified) problems.push(...unreadableCells(c.sheet, c.header));

  const ofKind = (kind: SheetKind) => classified.filter((c) => c.kind === kind);
  const reader = <K extends string>(c: { sheet: RawSheet; header: HeaderMatch<string> }) => new CellReader<K>(c.sheet.name, c.header as HeaderMatch<K>, problems);

  for (const c of ofKind("partnership")) {
    const r = reader<"slug" | "name">(c);
    const row = c.sheet.rows.find((x) => x.number > c.header.row && x.cells.some((v) => v.trim() !== ""));
    if (!row) continue;
    const slug = r.line(row, "slug")?.toLowerCase() ?? null;
    if (slug && !/^[a-z0-9][a-z0-9-]*$/.test(slug)) r.problem(row, "slug", `"${slug}" is not a partnership slug; use lower-case letters, digits and dashes`);
    data.partnership = { slug, name: r.line(row, "name") };
  }
  for (const c of ofKind("plans")) data.plans.push(...readPlans(reader(c), c.sheet.rows));
  const defaultPlan = options.plan ?? (data.plans.length === 1 ? data.plans[0]!.key : slugOf(options.fileName.replace(/\.(xlsx|csv)$/i, "")));
  for (const c of ofKind("outcomes")) data.outcomes.push(...readOutcomes(reader(c), c.sheet.rows, defaultPlan));
  for (const c of ofKind("priorities")) data.priorities.push(...readPriorities(reader(c), c.sheet.rows, defaultPlan));
  for (const c of ofKind("people")) data.people.push(...readPeople(reader(c), c.sheet.rows));
  for (const c of ofKind("teams")) data.teams.push(...readTeams(reader(c), c.sheet.rows));
  for (const c of ofKind("indicators")) data.indicators.push(...readIndicators(reader(c), c.sheet.rows));
  for (const c of ofKind("actions")) {
    const sheetPrefix = /^[A-Za-z][A-Za-z0-9]{0,11}$/.test(c.sheet.name.trim()) && !GENERIC_SHEET_NAMES.test(c.sheet.name.trim()) ? c.sheet.name.trim().toUpperCase() : null;
    const priority = sheetPrefix ? data.priorities.find((p) => p.plan === defaultPlan && p.refPrefix === sheetPrefix) : undefined;
    const planPrefix = (defaultPlan.match(/[a-z]+/)?.[0] ?? "A").toUpperCase();
    data.actions.push(
      ...readActionRows(reader<ActionColumn>(c), c.sheet.rows, {
        plan: defaultPlan,
        refPrefix: sheetPrefix ?? planPrefix,
        priority: priority ? String(priority.number ?? priority.title) : null,
      }),
    );
    if (!data.plans.some((p) => p.key === defaultPlan) && data.actions.some((a) => a.plan === defaultPlan)) {
      const ofsted = c.header.columns.has("whatWeWillDo") && !c.header.columns.has("targeting");
      data.plans.push(impliedPlan(defaultPlan, ofsted));
    }
  }
  const milestoneRows = ofKind("milestones").flatMap((c) => readMilestoneRows(reader(c), c.sheet.rows));
  applyMilestoneRows(data, milestoneRows, problems);
  for (const c of ofKind("readings")) data.readings.push(...readReadingRows(reader(c), c.sheet.rows));
  checkDuplicates(data, problems);
  const unreadColumns = classified.flatMap((c) => unreadColumnsOf(c.sheet, c.header));
  for (const u of unreadColumns) {
    const sheet = classified.find((c) => c.sheet.name === u.sheet)!;
    if (sheet.kind !== "actions" || !DATE_HEADING.test(normaliseHeader(u.heading))) continue;
    const milestones = sheet.header.columns.get("milestones")?.heading ?? "Milestone or Target";
    problems.push({
      sheet: u.sheet,
      row: sheet.header.row,
      column: u.heading,
      message: `Curve reads a milestone's date from its words in "${milestones}", not from a column of its own, so column ${u.column} would be left out: put each date in its milestone's words ("Project brief agreed by 31/03/2027"), or give the milestones on a Milestones sheet with a Due column`,
    });
  }
  return {
    unreadColumns,
    data,
    problems,
    ignored,
    sheets: classified.map((c) => ({ name: c.sheet.name, kind: c.kind, headingRow: c.header.row })),
    freeText: classified.flatMap((c) => freeTextCells(c.sheet, c.kind, c.header)),
  };
}

/** The headed columns of a sheet that no column spec of its kind matched. */
function unreadColumnsOf(sheet: RawSheet, header: HeaderMatch<string>): UnreadColumn[] {
  const headings = sheet.rows.find((r) => r.number === header.row)?.cells ?? [];
  const read = new Set([...header.columns.values()].map((c) => c.index));
  return headings.flatMap((text, index) => (text.trim() === "" || read.has(index) ? [] : [{ sheet: sheet.name, column: columnLetter(index), heading: text.trim() }]));
}

/** The problem for a file none of whose sheets Curve recognises: which were looked at, and what a plan's sheets are headed. */
function nothingRecognised(fileName: string, ignored: readonly string[]): ImportProblem {
  const actions = SHEETS.actions.columns.filter((c) => ["ref", "title", "owner", "milestones"].includes(c.key)).map((c) => `"${c.heading}"`);
  const seen = ignored.length === 0 ? "has nothing in it" : `has no sheet Curve reads as part of a plan (it looked at ${ignored.join(", ")})`;
  return {
    sheet: fileName,
    row: null,
    column: null,
    message: `${seen}; an action plan has headings such as ${actions.join(", ")}, as in templates/plan.xlsx`,
  };
}

/**
 * A problem for each cell below the headings, in a column Curve reads, that shows no value
 * (RawRow.unreadable: "#N/A", a formula never calculated). Read as empty, it would drop a
 * milestone or an owner without a word; the person fixes the cell or types the value instead.
 */
function unreadableCells(sheet: RawSheet, header: HeaderMatch<string>): ImportProblem[] {
  const read = new Map([...header.columns.values()].map((c) => [c.index, c.heading || columnLetter(c.index)]));
  const problems: ImportProblem[] = [];
  for (const row of sheet.rows) {
    if (row.number <= header.row || !row.unreadable) continue;
    for (const [index, why] of row.unreadable) {
      const heading = read.get(index);
      if (heading === undefined || row.mergedFromAbove?.has(index)) continue;
      problems.push({ sheet: sheet.name, row: row.number, column: heading, message: `cell ${columnLetter(index)}${row.number} ${why}` });
    }
  }
  return problems;
}

/** The sheet's free-text cells below its heading row, tidied as the import stores them; a merged cell counts once. */
function freeTextCells(sheet: RawSheet, kind: SheetKind, header: HeaderMatch<string>): FreeTextCell[] {
  const columns = FREE_TEXT_COLUMNS[kind].flatMap((key) => {
    const column = header.columns.get(key);
    return column ? [column] : [];
  });
  const cells: FreeTextCell[] = [];
  for (const row of sheet.rows) {
    if (row.number <= header.row) continue;
    for (const column of columns) {
      if (row.mergedFromAbove?.has(column.index)) continue;
      const checked = importedText(row.cells[column.index]);
      if (!checked.ok || checked.text === null) continue;
      const letter = columnLetter(column.index);
      cells.push({ sheet: sheet.name, row: row.number, column: letter, heading: column.heading || letter, text: checked.text });
    }
  }
  return cells;
}

/** A plan the workbook implies (its actions name it) but does not describe: created with its key as title. */
function impliedPlan(key: string, ofsted: boolean): PlanData {
  return { key, title: key, kind: ofsted ? "inspection_action" : "cypp", periodStart: null, periodEnd: null, source: null, at: null };
}

/** The Milestones sheet, where given, holds an action's milestones exactly (with their dates and evidence). */
function applyMilestoneRows(data: PartnershipData, rows: MilestoneRow[], problems: ImportProblem[]): void {
  if (rows.length === 0) return;
  const byAction = new Map<string, MilestoneRow[]>();
  const actionsByRef = new Map<string, PartnershipData["actions"]>();
  for (const a of data.actions) actionsByRef.set(a.ref, [...(actionsByRef.get(a.ref) ?? []), a]);
  for (const row of rows) {
    const candidates = (actionsByRef.get(row.actionRef) ?? []).filter((a) => row.plan === null || a.plan === row.plan);
    if (candidates.length !== 1) {
      problems.push({
        sheet: row.at.sheet,
        row: row.at.row,
        column: "Ref",
        message: candidates.length === 0 ? `no action ${row.actionRef} in the Actions sheet${row.plan ? ` of plan ${row.plan}` : ""}` : `${row.actionRef} is in more than one plan; give the Plan`,
      });
      continue;
    }
    const key = `${candidates[0]!.plan}:${row.actionRef}`;
    byAction.set(key, [...(byAction.get(key) ?? []), row]);
  }
  for (const action of data.actions) {
    const list = byAction.get(`${action.plan}:${action.ref}`);
    if (!list) continue;
    const seen = new Map<number, MilestoneRow>();
    for (const m of list) {
      const earlier = seen.get(m.position);
      if (earlier) problems.push({ sheet: m.at.sheet, row: m.at.row, column: "Ref", message: `${action.ref}.${m.position} is also on row ${earlier.at.row}` });
      seen.set(m.position, m);
    }
    action.milestones = [...seen.values()]
      .sort((a, b) => a.position - b.position)
      .map((m) => ({ position: m.position, text: m.text, kind: m.kind, duePhrase: m.duePhrase, due: m.due, doneAt: m.doneAt, doneBy: m.doneBy, evidence: m.evidence, fromRef: true, at: m.at }));
  }
}

/**
 * Reports each item given twice (an action's ref in its plan, a person's email, …) as a
 * problem at the later row, and leaves that row out of `data`: the import is refused for the
 * problem, and the rest of the file is still checked as it would be imported.
 */
function checkDuplicates(data: PartnershipData, problems: ImportProblem[]): void {
  const once = <T extends { at: { sheet: string; row: number } | null }>(items: T[], keyOf: (t: T) => string | null, what: (t: T) => string, column: string): T[] => {
    const seen = new Map<string, T>();
    return items.filter((item) => {
      const key = keyOf(item);
      if (key === null) return true;
      const first = seen.get(key);
      if (!first) {
        seen.set(key, item);
        return true;
      }
      const at = item.at ?? first.at;
      problems.push({
        sheet: at?.sheet ?? "file",
        row: at?.row ?? null,
        column,
        message: `${what(item)} is also on ${first.at && item.at ? `${first.at.sheet} row ${first.at.row}` : "another row"}`,
      });
      return false;
    });
  };
  data.plans = once(data.plans, (p) => p.key, (p) => `plan ${p.key}`, "Plan");
  data.actions = once(data.actions, (a) => `${a.plan}:${a.ref}`, (a) => `action ${a.ref}`, "Ref");
  data.people = once(data.people, (p) => p.email, (p) => `${p.email}`, "Email");
  // Owners, sponsors, leads and members are named, not emailed: two people of one name could not be told apart.
  data.people = once(data.people, (p) => p.name.toLowerCase().replace(/\s+/g, " ").trim(), (p) => `a person called ${p.name} (give each a name that tells them apart, e.g. "${p.name} (${p.organisation ?? "NHS"})")`, "Name");
  data.teams = once(data.teams, (t) => t.name, (t) => `team ${t.name}`, "Team");
  data.indicators = once(data.indicators, (i) => i.code, (i) => `indicator ${i.code}`, "Code");
  data.priorities = once(data.priorities, (p) => `${p.plan}:${p.kind}:${p.title.toLowerCase()}`, (p) => `priority "${p.title}"`, "Priority");
}
