import { findDue } from "../dates/due-phrase.ts";
import { ACTION_STATES, type ActionState } from "../model.ts";
import { parseRef } from "../refs.ts";
import { CellReader, splitNames } from "./cells.ts";
import type { ActionColumn } from "./columns.ts";
import type { ActionData, MilestoneData, PartyName } from "./partnership-data.ts";
import { cellOf, type RawRow } from "./sheet.ts";

/** Where an actions sheet's rows belong when the sheet itself does not say. */
export interface ActionSheetContext {
  /** The plan rows without a Plan cell belong to. */
  plan: string;
  /** The prefix for refs made from numbered rows ("1. Improve…" → LAC-1). */
  refPrefix: string;
  /** The priority rows without a Priority cell belong to (a sheet per obsession), if any. */
  priority: string | null;
}

const NUMBERED = /^\s*(\d{1,4})([a-z])?\s*[.):]\s+/i;
const TEXT_KEYS: ActionColumn[] = ["section", "title", "targeting", "owner", "contributors", "milestones", "whatWeWillDo", "howWeWillDoIt", "howWeWillKnow", "note", "linkedOwners", "linkedContributors"];
const STATE_ALIASES: Record<string, ActionState> = {
  green: "on_track", amber: "at_risk", red: "off_track", complete: "done", completed: "done", not_yet_started: "not_started",
  ontrack: "on_track", "on_track": "on_track", at_risk: "at_risk", off_track: "off_track", closed: "done", cancelled: "dropped",
};

interface Draft {
  row: RawRow;
  ref: string;
  section: string | null;
  cells: Map<ActionColumn, string>;
}

/**
 * Reads an action plan sheet in the partners' own columns. Plans are written for people, so:
 * - a row whose Ref is empty (or merged from the row above) and whose Action does not start
 *   with a number continues the action above: its cells wrap onto it (seed 002's extracts);
 * - a row with only an Action cell, followed by a new action, is a section heading
 *   ("Information Management");
 * - with no Ref column, "12. Develop a 60 day plan…" is action 12, ref PREFIX-12;
 * - each line of the Milestone or Target cell is one milestone; with no such column (the Ofsted
 *   shape), the dated sentences of What will we do are the milestones.
 */
export function readActionRows(reader: CellReader<ActionColumn>, rows: readonly RawRow[], context: ActionSheetContext): ActionData[] {
  const drafts: Draft[] = [];
  let section: string | null = null;
  let current: Draft | null = null;
  // The plan and priority the actions so far named: a section runs on only within them.
  const named: { plan: string | null; priority: string | null } = { plan: null, priority: null };
  const dataRows = rows.filter((r) => r.number > reader.header.row && r.cells.some((c) => c.trim() !== ""));

  dataRows.forEach((row, i) => {
    const merged = row.mergedFromAbove ?? new Set<number>();
    const isMerged = (key: ActionColumn) => {
      const column = reader.header.columns.get(key);
      return column !== undefined && merged.has(column.index);
    };
    const refCell = isMerged("ref") ? "" : cellOf(reader.header, row, "ref");
    const titleCell = isMerged("title") ? "" : cellOf(reader.header, row, "title");
    const numbered = NUMBERED.exec(titleCell);
    const filled = TEXT_KEYS.filter((k) => k !== "title" && !isMerged(k) && cellOf(reader.header, row, k) !== "");

    if (refCell !== "" || numbered) {
      let ref: string | null;
      if (refCell !== "") {
        const explicit = /^\d+[a-z]?$/i.test(refCell) ? `${context.refPrefix}-${refCell}` : refCell;
        const parsed = parseRef(explicit);
        ref = parsed && parsed.step === undefined ? parsed.action : null;
        if (!ref) reader.problem(row, "ref", `"${refCell.slice(0, 30)}" is not an action ref; write it like ATT-5 or LAC-4b`);
      } else {
        ref = `${context.refPrefix}-${numbered![1]}${(numbered![2] ?? "").toLowerCase()}`;
      }
      const cells = new Map<ActionColumn, string>();
      for (const key of TEXT_KEYS) {
        const value = key === "section" ? "" : cellOf(reader.header, row, key);
        if (value !== "") cells.set(key, key === "title" && refCell === "" && numbered ? value.slice(numbered[0].length) : value);
      }
      if (isMerged("owner") || isMerged("contributors") || isMerged("targeting")) {
        // A cell merged down over several actions applies to each of them.
        for (const key of ["owner", "contributors", "targeting"] as const) if (isMerged(key)) cells.set(key, cellOf(reader.header, row, key));
      }
      // A section heading (or a Section cell) covers the actions under it in the same priority:
      // an action of another plan or priority with no section of its own has none.
      // A cell left empty (or merged down) names the same plan or priority as before.
      for (const key of ["plan", "priority"] as const) {
        const value = isMerged(key) ? "" : cellOf(reader.header, row, key);
        if (value === "") continue;
        if (named[key] !== null && named[key] !== value) section = null;
        named[key] = value;
      }
      const explicitSection = cellOf(reader.header, row, "section");
      if (explicitSection) section = explicitSection;
      current = { row, ref: ref ?? `?${row.number}`, section, cells };
      drafts.push(current);
      return;
    }
    const next = dataRows[i + 1];
    const nextStarts = next === undefined || cellOf(reader.header, next, "ref") !== "" || NUMBERED.test(cellOf(reader.header, next, "title"));
    if (titleCell !== "" && filled.length === 0 && (nextStarts || current === null)) {
      section = titleCell;
      return;
    }
    if (!current) {
      reader.problem(row, reader.has("ref") ? "ref" : "title", "this row continues no action above it; give it a Ref, or start its Action with a number (\"1. …\")");
      return;
    }
    const draft: Draft = current;
    for (const key of TEXT_KEYS) {
      if (isMerged(key)) continue;
      const value = cellOf(reader.header, row, key);
      if (value === "") continue;
      const before = draft.cells.get(key);
      draft.cells.set(key, before ? `${before} ${value}` : value);
    }
  });

  return drafts.map((d) => toAction(reader, d, context));
}

function toAction(reader: CellReader<ActionColumn>, d: Draft, context: ActionSheetContext): ActionData {
  const row: RawRow = { number: d.row.number, cells: [] };
  // Cells of wrapped rows were joined above; read them back through the one free-text gate.
  const column = (key: ActionColumn) => {
    const index = reader.header.columns.get(key)?.index;
    if (index !== undefined) row.cells[index] = d.cells.get(key) ?? "";
  };
  TEXT_KEYS.forEach(column);
  (["plan", "priority", "state"] as const).forEach((key) => {
    const index = reader.header.columns.get(key)?.index;
    if (index !== undefined) row.cells[index] = cellOf(reader.header, d.row, key);
  });
  for (let i = 0; i < row.cells.length; i++) row.cells[i] ??= "";

  const whatWeWillDo = reader.text(row, "whatWeWillDo");
  const title = reader.line(row, "title") ?? firstSentence(whatWeWillDo);
  if (!title) reader.problem(row, reader.has("title") ? "title" : "whatWeWillDo", `action ${d.ref} has no title`);
  const ownerText = reader.line(row, "owner");
  const contributorText = reader.line(row, "contributors");
  const milestoneCell = reader.text(row, "milestones");
  const milestoneLines = reader.has("milestones") ? splitMilestones(milestoneCell) : datedSentences(whatWeWillDo);
  const at = { sheet: reader.sheet, row: d.row.number };
  const milestones: MilestoneData[] = milestoneLines.map((line, index) => {
    const target = /^target\s*[:-]\s*/i.exec(line);
    return {
      position: index + 1,
      text: target ? line.slice(target[0].length) : line,
      kind: target ? "target" : "milestone",
      duePhrase: null,
      due: null,
      doneAt: null,
      doneBy: null,
      evidence: null,
      at,
    };
  });
  const linked = (key: "linkedOwners" | "linkedContributors"): PartyName[] | null =>
    reader.has(key) && cellOf(reader.header, row, key) !== "" ? splitNames(reader.text(row, key), /\s*(?:\n|;)\s*/).map((name) => ({ unmatched: name })) : null;
  return {
    plan: cellOf(reader.header, d.row, "plan") || context.plan,
    ref: d.ref,
    priority: cellOf(reader.header, d.row, "priority") || context.priority,
    section: d.section,
    title: title ?? d.ref,
    targeting: reader.line(row, "targeting"),
    ownerText,
    contributorText,
    owners: linked("linkedOwners") ?? [],
    contributors: linked("linkedContributors") ?? [],
    linkedOwners: reader.has("linkedOwners") && cellOf(reader.header, row, "linkedOwners") !== "",
    linkedContributors: reader.has("linkedContributors") && cellOf(reader.header, row, "linkedContributors") !== "",
    whatWeWillDo,
    howWeWillDoIt: reader.text(row, "howWeWillDoIt"),
    howWeWillKnow: reader.text(row, "howWeWillKnow"),
    state: reader.choice(row, "state", ACTION_STATES, STATE_ALIASES),
    note: reader.text(row, "note"),
    milestones,
    at,
  };
}

/** One milestone a line; bullets and numbering dropped. */
export function splitMilestones(cell: string | null): string[] {
  if (!cell) return [];
  return cell
    .split("\n")
    .map((line) => line.replace(/^\s*(?:[-•*·]|\d+[.)])\s+/, "").trim())
    .filter((line) => line.length > 0);
}

/** The Ofsted shape: milestones are the sentences of "What will we do" that carry a date. */
function datedSentences(text: string | null): string[] {
  if (!text) return [];
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && findDue(s).precision !== "tbc");
}

function firstSentence(text: string | null): string | null {
  if (!text) return null;
  const sentence = text.split(/(?<=[.!?])\s+|\n/)[0]!.trim();
  return sentence.length > 0 ? sentence : null;
}
