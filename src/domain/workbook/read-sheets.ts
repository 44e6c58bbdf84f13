import { parseDue, type Due } from "../dates/due-phrase.ts";
import { wholeFigure } from "../indicators/report-card.ts";
import type { PersonRole } from "../model.ts";
import { readFigure } from "../numbers.ts";
import { parseRef } from "../refs.ts";
import { CellReader, readDay, splitNames } from "./cells.ts";
import type { INDICATOR_COLUMNS, MILESTONE_COLUMNS, OUTCOME_COLUMNS, PEOPLE_COLUMNS, PLAN_COLUMNS, PRIORITY_COLUMNS, READING_COLUMNS, TEAM_COLUMNS } from "./columns.ts";
import type {
  IndicatorData, IndicatorTargetData, OutcomeData, PersonData, PlanData, PlanKindName, PriorityData, ReadingData, TeamData,
} from "./partnership-data.ts";
import { cellOf, type RawRow } from "./sheet.ts";

type Keys<T extends readonly { key: string }[]> = T[number]["key"];
const dataRows = <K extends string>(reader: CellReader<K>, rows: readonly RawRow[]) =>
  rows.filter((r) => r.number > reader.header.row && r.cells.some((c) => c.trim() !== ""));

const PLAN_KIND_ALIASES: Record<string, PlanKindName> = {
  children_and_young_peoples_plan: "cypp", children_and_young_people_s_plan: "cypp", improvement_plan: "improvement",
  priority_improvement_plan: "improvement", inspection_action_plan: "inspection_action", ofsted: "inspection_action",
  post_inspection_action_plan: "inspection_action", inspection: "inspection_action",
};

export function readPlans(reader: CellReader<Keys<typeof PLAN_COLUMNS>>, rows: readonly RawRow[]): PlanData[] {
  return dataRows(reader, rows).flatMap((row) => {
    const key = reader.line(row, "key")?.toLowerCase() ?? null;
    if (!key || !/^[a-z0-9][a-z0-9-]*$/.test(key)) {
      reader.problem(row, "key", `"${key ?? ""}" is not a plan key; use lower-case letters, digits and dashes, like cypp-2011-15`);
      return [];
    }
    return [{
      key,
      title: reader.line(row, "title") ?? key,
      kind: reader.choice(row, "kind", ["cypp", "improvement", "inspection_action"] as const, PLAN_KIND_ALIASES) ?? "cypp",
      periodStart: reader.isoDate(row, "periodStart"),
      periodEnd: reader.isoDate(row, "periodEnd"),
      source: reader.line(row, "source"),
      at: { sheet: reader.sheet, row: row.number },
    }];
  });
}

export function readOutcomes(reader: CellReader<Keys<typeof OUTCOME_COLUMNS>>, rows: readonly RawRow[], defaultPlan: string): OutcomeData[] {
  return dataRows(reader, rows).flatMap((row, i) => {
    const title = reader.line(row, "title");
    if (!title) return [];
    const number = reader.number(row, "number") ?? i + 1;
    return [{
      plan: reader.line(row, "plan")?.toLowerCase() ?? defaultPlan,
      number,
      key: reader.line(row, "key") ?? slugOf(title),
      title,
      at: { sheet: reader.sheet, row: row.number },
    }];
  });
}

export function readPriorities(reader: CellReader<Keys<typeof PRIORITY_COLUMNS>>, rows: readonly RawRow[], defaultPlan: string): PriorityData[] {
  return dataRows(reader, rows).flatMap((row) => {
    const title = reader.line(row, "title");
    if (!title) {
      reader.problem(row, "title", "the priority has no title");
      return [];
    }
    const prefix = reader.line(row, "refPrefix");
    if (prefix && !/^[A-Za-z][A-Za-z0-9]{0,11}$/.test(prefix)) reader.problem(row, "refPrefix", `"${prefix}" is not a ref prefix; use letters and digits, like ATT`);
    return [{
      plan: reader.line(row, "plan")?.toLowerCase() ?? defaultPlan,
      kind: reader.choice(row, "kind", ["priority", "ambition"] as const) ?? "priority",
      number: reader.number(row, "number"),
      title,
      outcome: reader.line(row, "outcome"),
      obsession: reader.line(row, "obsession"),
      startingPoint: reader.flag(row, "startingPoint"),
      refPrefix: prefix?.toUpperCase() ?? null,
      sponsors: splitNames(reader.text(row, "sponsors")),
      leads: splitNames(reader.text(row, "leads")),
      note: reader.text(row, "note"),
      at: { sheet: reader.sheet, row: row.number },
    }];
  });
}

const PERSON_ROLES: readonly PersonRole[] = ["coordinator", "admin", "board_member", "ambassador"];
const ROLE_ALIASES: Record<string, PersonRole> = { board: "board_member", board_members: "board_member", coordinators: "coordinator", admins: "admin", ambassadors: "ambassador", cfc_ambassador: "ambassador" };

export function readPeople(reader: CellReader<Keys<typeof PEOPLE_COLUMNS>>, rows: readonly RawRow[]): PersonData[] {
  return dataRows(reader, rows).flatMap((row) => {
    const name = reader.line(row, "name");
    if (!name) {
      reader.problem(row, "name", "the person has no name");
      return [];
    }
    const email = reader.line(row, "email")?.toLowerCase() ?? null;
    if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) reader.problem(row, "email", `"${email}" is not an email address`);
    const timeZone = reader.line(row, "timeZone");
    if (timeZone && !isTimeZone(timeZone)) reader.problem(row, "timeZone", `"${timeZone}" is not a time zone; use a name like Europe/London`);
    let roles: PersonRole[] | null = null;
    if (reader.has("roles")) {
      roles = [];
      for (const word of splitNames(reader.text(row, "roles"))) {
        const w = word.toLowerCase().replace(/[\s-]+/g, "_");
        const role = (PERSON_ROLES as readonly string[]).includes(w) ? (w as PersonRole) : ROLE_ALIASES[w];
        if (role) roles.push(role);
        else reader.problem(row, "roles", `"${word}" is not a role; roles are ${PERSON_ROLES.join(", ").replace(/_/g, " ")}`);
      }
    }
    return [{ name, email, organisation: reader.line(row, "organisation"), roles, timeZone, jobTitle: reader.line(row, "jobTitle"), at: { sheet: reader.sheet, row: row.number } }];
  });
}

export function readTeams(reader: CellReader<Keys<typeof TEAM_COLUMNS>>, rows: readonly RawRow[]): TeamData[] {
  return dataRows(reader, rows).flatMap((row) => {
    const name = reader.line(row, "name");
    if (!name) {
      reader.problem(row, "name", "the team has no name");
      return [];
    }
    return [{
      name,
      kind: reader.choice(row, "kind", ["team", "organisation"] as const, { organization: "organisation", org: "organisation", agency: "organisation" }) ?? "team",
      members: reader.has("members") ? splitNames(reader.text(row, "members"), /\s*(?:\n|;|,)\s*/) : null,
      at: { sheet: reader.sheet, row: row.number },
    }];
  });
}

export function readIndicators(reader: CellReader<Keys<typeof INDICATOR_COLUMNS>>, rows: readonly RawRow[]): IndicatorData[] {
  return dataRows(reader, rows).flatMap((row) => {
    const code = reader.line(row, "code")?.toUpperCase() ?? null;
    const name = reader.line(row, "name");
    if (!code || !/^[A-Z0-9][A-Z0-9-]*$/.test(code)) {
      reader.problem(row, "code", `"${code ?? ""}" is not an indicator code; use capitals, digits and dashes, like NEET or ATT-PRI`);
      return [];
    }
    if (!name) {
      reader.problem(row, "name", `indicator ${code} has no name`);
      return [];
    }
    const unitRaw = cellOf(reader.header, row, "unit");
    const unit = unitRaw === "" ? "count" : reader.choice(row, "unit", ["count", "percent", "per_1000"] as const, { "%": "percent", percentage: "percent", number: "count", rate_per_1000: "per_1000", per_1_000: "per_1000" });
    // Figures are read as chat reads them (no decimal comma guessed, no digits lost), and those the
    // indicator's unit cannot hold (a count of 1400.5, a rate below zero, "12%" for a count) are problems, as in chat.
    const figure = { unit: unit ?? "count", code };
    const baselineValue = readFigureCell(reader, row, "baselineValue", figure);
    const targets = readTargets(reader, row, figure);
    return [{
      code,
      name,
      plan: reader.line(row, "plan")?.toLowerCase() ?? null,
      priority: reader.line(row, "priority"),
      number: reader.number(row, "number"),
      unit: unit ?? "count",
      polarity: reader.choice(row, "polarity", ["lower_is_better", "higher_is_better", "unknown"] as const, { lower: "lower_is_better", higher: "higher_is_better", down: "lower_is_better", up: "higher_is_better" }) ?? "unknown",
      obsession: reader.flag(row, "obsession"),
      baselineValue,
      baselineDate: reader.isoDate(row, "baselineDate"),
      baselineText: reader.line(row, "baselineText"),
      targets,
      periodicity: reader.choice(row, "periodicity", ["monthly", "quarterly", "termly", "annual", "academic_year"] as const, { yearly: "annual", annually: "annual", termly: "termly", academic: "academic_year" }),
      owner: reader.line(row, "owner"),
      forecast: readForecast(reader, row, figure),
      tolerance: reader.has("tolerance") ? readTolerance(reader, row, figure) : undefined,
      note: reader.text(row, "note"),
      at: { sheet: reader.sheet, row: row.number },
    }];
  });
}

type FigureOf = { unit: string; code: string };
type IndicatorReader = CellReader<Keys<typeof INDICATOR_COLUMNS>>;

/** A cell holding one figure of the indicator (its baseline); a problem, and null, when it is not one its unit can hold. */
function readFigureCell(reader: IndicatorReader, row: RawRow, key: "baselineValue", of: FigureOf): number | null {
  const raw = reader.line(row, key);
  if (raw === null) return null;
  const figure = wholeFigure(raw, of.unit, of.code);
  if (!figure.ok) reader.problem(row, key, figure.error.message);
  else if (figure.value === null) reader.problem(row, key, `"${raw.slice(0, 40)}" is not a number; leave the cell empty when there is no baseline`);
  return figure.ok ? figure.value : null;
}

/** "0.5", "2%" (for a percentage), "50": a tolerance in the indicator's unit; blank or "default" for the default. */
function readTolerance(reader: IndicatorReader, row: RawRow, of: FigureOf): number | null {
  const raw = reader.line(row, "tolerance");
  if (raw === null || /^default$/i.test(raw)) return null;
  const tolerance = wholeFigure(raw, of.unit, of.code);
  if (!tolerance.ok && !/is not a number\.$/.test(tolerance.error.message)) reader.problem(row, "tolerance", tolerance.error.message);
  else if (!tolerance.ok || tolerance.value === null) reader.problem(row, "tolerance", `"${raw.slice(0, 40)}" is not a tolerance; write how far short of its target a reading may be and still be amber, in the indicator's unit, like 0.5`);
  return tolerance.ok ? tolerance.value : null;
}

/** "1300 by March 2013; 1250 by 31/03/2014": each target a value and the day it is due (a month means its last day). */
function readTargets(reader: IndicatorReader, row: RawRow, of: FigureOf): IndicatorTargetData[] {
  const targets: IndicatorTargetData[] = [];
  for (const part of splitNames(reader.text(row, "targets"), /\s*(?:\n|;)\s*/)) {
    const m = /^(.+?)\s+(?:by|at|for|in)\s+(.+)$/i.exec(part);
    const due = m ? dueDay(m[2]!) : null;
    const value = m ? wholeFigure(m[1]!, of.unit, of.code) : null;
    if (!m || !due || !value || (value.ok && value.value === null)) {
      reader.problem(row, "targets", `"${part.slice(0, 40)}" is not a target; write it like "1300 by March 2013"`);
      continue;
    }
    if (!value.ok) {
      reader.problem(row, "targets", value.error.message);
      continue;
    }
    targets.push({ value: value.value!, dueDate: due, text: part });
  }
  return targets;
}

/** "2012-03-31 1400; 2013-03-31 1450": where we would be if nothing changed. */
function readForecast(reader: IndicatorReader, row: RawRow, of: FigureOf): { periodEnd: string; value: number }[] | null {
  const parts = splitNames(reader.text(row, "forecast"), /\s*(?:\n|;)\s*/);
  if (parts.length === 0) return null;
  const out: { periodEnd: string; value: number }[] = [];
  for (const part of parts) {
    const m = /^(.+?)\s*[:=]?\s+([^\s:=]+(?:\s*%)?)$/.exec(part);
    const day = m ? dueDay(m[1]!) : null;
    const value = m ? wholeFigure(m[2]!, of.unit, of.code) : null;
    if (!m || !day || !value || (value.ok && value.value === null)) {
      reader.problem(row, "forecast", `"${part.slice(0, 40)}" is not a forecast; write it like "2013-03-31 1400"`);
      continue;
    }
    if (!value.ok) {
      reader.problem(row, "forecast", value.error.message);
      continue;
    }
    out.push({ periodEnd: day, value: value.value! });
  }
  return out;
}

function dueDay(text: string): string | null {
  const day = readDay(text);
  if (day) return day;
  const phrase = parseDue(text);
  return phrase.ok && phrase.value.due ? phrase.value.due : null;
}

export interface MilestoneRow {
  plan: string | null;
  actionRef: string;
  position: number;
  text: string;
  kind: "milestone" | "target";
  duePhrase: string | null;
  due: Due | null;
  doneAt: Date | null;
  doneBy: string | null;
  evidence: string | null;
  at: { sheet: string; row: number };
}

/** The Milestones sheet of an export: each milestone by ref, with its date, and whether and how it was done. */
export function readMilestoneRows(reader: CellReader<Keys<typeof MILESTONE_COLUMNS>>, rows: readonly RawRow[]): MilestoneRow[] {
  return dataRows(reader, rows).flatMap((row) => {
    const refText = reader.line(row, "ref") ?? "";
    const ref = parseRef(refText);
    const text = reader.text(row, "text");
    if (!ref || ref.step === undefined) {
      reader.problem(row, "ref", `"${refText.slice(0, 30)}" is not a milestone ref; write it like ATT-5.1`);
      return [];
    }
    if (!text) {
      reader.problem(row, "text", `milestone ${ref.action}.${ref.step} has no text`);
      return [];
    }
    const duePhrase = reader.line(row, "due");
    const precision = reader.choice(row, "precision", ["day", "week", "month", "half_term", "term", "quarter", "season", "year", "range", "tbc"] as const);
    const dueStart = reader.isoDate(row, "dueStart");
    const dueBy = reader.isoDate(row, "dueBy");
    let due: Due | null = null;
    if (precision) due = { precision, start: precision === "tbc" ? null : dueStart, due: precision === "tbc" ? null : dueBy, phrase: duePhrase };
    else if (duePhrase) {
      const parsed = parseDue(duePhrase);
      if (parsed.ok) due = parsed.value;
      else if (!/^(tbc|xxx|to be agreed)$/i.test(duePhrase)) reader.problem(row, "due", parsed.error.message);
      else due = { precision: "tbc", start: null, due: null, phrase: duePhrase };
    }
    if (due && due.precision !== "tbc" && (!due.start || !due.due)) reader.problem(row, "dueBy", `milestone ${ref.action}.${ref.step} has precision ${due.precision} but no dates`);
    const doneAt = readInstant(reader, row, "doneAt");
    return [{
      plan: reader.line(row, "plan")?.toLowerCase() ?? ref.plan ?? null,
      actionRef: ref.action,
      position: ref.step,
      text,
      kind: reader.choice(row, "kind", ["milestone", "target"] as const) ?? "milestone",
      duePhrase,
      due,
      doneAt,
      doneBy: reader.line(row, "doneBy"),
      evidence: reader.text(row, "evidence"),
      at: { sheet: reader.sheet, row: row.number },
    }];
  });
}

/** A moment from a cell: an ISO instant as exports write it, or a day (taken at noon UTC); null when blank or unreadable (a problem). */
function readInstant<K extends string>(reader: CellReader<K>, row: RawRow, key: K): Date | null {
  const raw = cellOf(reader.header, row, key);
  if (raw === "") return null;
  const instant = /^\d{4}-\d{2}-\d{2}T/.test(raw) ? new Date(raw) : null;
  const day = instant ? null : readDay(raw);
  const at = instant && !Number.isNaN(instant.getTime()) ? instant : day ? new Date(`${day}T12:00:00Z`) : null;
  if (!at) reader.problem(row, key, `"${raw.slice(0, 40)}" is not a date and time`);
  return at;
}

/** The longest source `/indicator record` keeps; a longer one belongs in a linked document. */
const SOURCE_LIMIT = 300;

/**
 * The Readings sheet: one indicator's figure for one period a row. The value is read as
 * `/indicator record` reads a figure (readFigure: "1,420", "91.6%", "8.1"; a decimal comma
 * or a stray word is a problem, never guessed), and a blank value or "not known" / "n/a"
 * records the period as not known. The period is kept as written: which period it names, and
 * whether the figure fits the indicator's unit, are checked at import (workbook/readings.ts),
 * once the indicator's periodicity and unit are known from the file or the database.
 */
export function readReadingRows(reader: CellReader<Keys<typeof READING_COLUMNS>>, rows: readonly RawRow[]): ReadingData[] {
  return dataRows(reader, rows).flatMap((row) => {
    const code = reader.line(row, "indicator")?.toUpperCase() ?? null;
    if (!code || !/^[A-Z0-9][A-Z0-9-]*$/.test(code)) {
      reader.problem(row, "indicator", `"${code ?? ""}" is not an indicator code; use the code on the Indicators sheet, like NEET or ATT-PRI`);
      return [];
    }
    const period = reader.line(row, "period");
    if (!period) {
      reader.problem(row, "period", `the reading of ${code} has no period; write it as for /indicator record, like Sep 2011 or Q2 2011/12`);
      return [];
    }
    const raw = cellOf(reader.header, row, "value");
    let value: number | null = null;
    let sign: string | null = null;
    if (raw !== "") {
      const figure = readFigure(raw);
      const words = raw.split(/\s+/).length;
      if (!figure.ok || figure.value.words < words) {
        reader.problem(row, "value", figure.ok ? `"${raw.slice(0, 40)}" is not a figure; write a number like 1,420 or 91.6, or "not known"` : figure.error.message);
        return [];
      }
      value = figure.value.value;
      sign = figure.value.sign;
    }
    const source = reader.line(row, "source");
    if (source && source.length > SOURCE_LIMIT) reader.problem(row, "source", `keep the source under ${SOURCE_LIMIT} characters; link to the document instead`);
    return [{
      code,
      period,
      value,
      sign,
      source,
      recordedBy: reader.line(row, "recordedBy"),
      recordedAt: readInstant(reader, row, "recordedAt"),
      headings: { indicator: reader.heading("indicator"), period: reader.heading("period"), value: reader.heading("value") },
      at: { sheet: reader.sheet, row: row.number },
    }];
  });
}

const zones = new Map<string, boolean>();
function isTimeZone(name: string): boolean {
  let known = zones.get(name);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat("en-GB", { timeZone: name });
      known = true;
    } catch {
      known = false;
    }
    zones.set(name, known);
  }
  return known;
}

export const slugOf = (text: string): string =>
  text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "item";
