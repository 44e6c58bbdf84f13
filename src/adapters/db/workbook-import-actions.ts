import type { Prisma } from "../../../generated/prisma/client.ts";
import { matchMilestones } from "../../domain/workbook/match-milestones.ts";
import { describeDue, findDue, parseDue, readDueIn, type Due } from "../../domain/dates/due-phrase.ts";
import type { ActionData, MilestoneData, PartyName } from "../../domain/workbook/partnership-data.ts";
import { dateFromIso, isoDate } from "./views.ts";
import { lookupName, type Names } from "./workbook-import-people.ts";
import { priorityIdFor, type PlanIds } from "./workbook-import-plans.ts";
import { differences, pickAfter, pickBefore, type ImportLog } from "./workbook-import-log.ts";
import { sql } from "kysely";
import { compileOnly, recordset, runCompiled } from "./kysely.ts";
import { prismaQueryable, type Queryable } from "./sql-runner.ts";

type Tx = Prisma.TransactionClient;
type Existing = Prisma.ActionGetPayload<{ include: { owners: true; contributors: true; milestones: true } }>;
type PartyRow = { personId: number | null; teamId: number | null; position: number };

/** Each milestone the import read, with the date it becomes: what a dry run lists. */
export interface MilestoneReading {
  ref: string;
  text: string;
  phrase: string | null;
  precision: Due["precision"];
  start: string | null;
  due: string | null;
}

const PAGE = 250;
const CHUNK = 250;

/**
 * Actions by plan and ref, with owners, contributors and milestones. An edited file updates
 * what it says and nothing else: a milestone already done stays done with its evidence, a
 * date set in chat stays unless the milestone's words or the file's date change, an open
 * milestone the file no longer lists is removed, and actions missing from the file are left.
 */
export async function importActions(
  tx: Tx,
  data: { actions: ActionData[] },
  names: Names,
  ids: PlanIds,
  log: ImportLog,
  onProgress: (done: number, total: number) => void,
): Promise<MilestoneReading[]> {
  const readings: MilestoneReading[] = [];
  // A page at a time, so memory stays flat however long the plan: the embedded database's
  // heap and the query compiler's grow to the largest statement and never shrink.
  for (let i = 0; i < data.actions.length; i += PAGE) {
    await importPage(tx, data.actions.slice(i, i + PAGE), names, ids, log, readings);
    await log.flush(tx);
    onProgress(Math.min(i + PAGE, data.actions.length), data.actions.length);
  }
  return readings;
}

async function importPage(tx: Tx, page: ActionData[], names: Names, ids: PlanIds, log: ImportLog, readings: MilestoneReading[]): Promise<void> {
  const wanted = page.map((a) => ({ planId: ids.plans.get(a.plan)?.id, ref: a.ref })).filter((w): w is { planId: number; ref: string } => w.planId !== undefined);
  const existing = wanted.length
    ? await tx.action.findMany({
        where: { OR: [...groupBy(wanted, (w) => w.planId)].map(([planId, list]) => ({ planId, ref: { in: list.map((w) => w.ref) } })) },
        include: { owners: { orderBy: { position: "asc" } }, contributors: { orderBy: { position: "asc" } }, milestones: { orderBy: { position: "asc" } } },
      })
    : [];
  const byKey = new Map(existing.map((a) => [`${a.planId}:${a.ref}`, a]));
  const creates: { action: ActionData; row: NewAction; dues: Due[] }[] = [];

  for (const action of page) {
    const plan = ids.plans.get(action.plan);
    if (!plan) {
      log.problem(action.at, "Plan", `no plan "${action.plan}": add it to the Plans sheet`);
      continue;
    }
    const priorityId = priorityIdFor(ids, action.plan, action.priority);
    if (priorityId === undefined) {
      log.problem(action.at, "Priority", `no priority "${action.priority}" in plan ${action.plan}; the Priorities sheet lists them`);
      continue;
    }
    const owners = partyRows(action.owners, names);
    const contributors = partyRows(action.contributors, names);
    const fields = {
      priorityId,
      section: action.section,
      title: action.title,
      targeting: action.targeting,
      ownerText: action.ownerText,
      contributorText: action.contributorText,
      whatWeWillDo: action.whatWeWillDo,
      howWeWillDoIt: action.howWeWillDoIt,
      howWeWillKnow: action.howWeWillKnow,
      sourceNote: action.note,
      ...(action.state ? { state: action.state } : {}),
    };
    const dues = action.milestones.map((m) => dueOf(m, plan.periodStart, log));
    action.milestones.forEach((m, i) => readings.push({ ref: `${action.ref}.${m.position}`, text: m.text, ...dues[i]!, phrase: dues[i]!.phrase }));
    const found = byKey.get(`${plan.id}:${action.ref}`);
    if (!found) {
      creates.push({ action, row: { planId: plan.id, ref: action.ref, ...fields }, dues });
      continue;
    }
    const diff = differences(found as unknown as Record<string, unknown>, fields);
    if (Object.keys(diff).length) {
      await tx.action.update({ where: { id: found.id }, data: pickAfter(diff) });
      log.change("update", { type: "action", id: found.id, ref: action.ref, actionId: found.id }, Object.keys(diff).join(", "), pickBefore(diff), pickAfter(diff));
    }
    await syncParties(tx, "owners", found.id, action.ref, found.owners, owners, names, log, !action.linkedOwners && action.ownerText === null);
    await syncParties(tx, "contributors", found.id, action.ref, found.contributors, contributors, names, log, !action.linkedContributors && action.contributorText === null);
    await syncMilestones(tx, found, action, dues, names, log);
  }

  const raw = prismaQueryable(tx);
  for (let i = 0; i < creates.length; i += CHUNK) {
    const chunk = creates.slice(i, i + CHUNK);
    const rows = await insertActions(raw, chunk.map((c) => c.row));
    const idOf = new Map(rows.map((r) => [`${r.plan_id}:${r.ref}`, r.id]));
    const owners: PartyInsert[] = [];
    const contributors: PartyInsert[] = [];
    const milestones: MilestoneInsert[] = [];
    for (const { action, row, dues } of chunk) {
      const actionId = idOf.get(`${row.planId}:${row.ref}`)!;
      for (const p of partyRows(action.owners, names)) owners.push({ action_id: actionId, person_id: p.personId, team_id: p.teamId, position: p.position });
      for (const p of partyRows(action.contributors, names)) contributors.push({ action_id: actionId, person_id: p.personId, team_id: p.teamId, position: p.position });
      for (const [index, m] of action.milestones.entries()) milestones.push(milestoneInsert(actionId, `${action.ref}.${m.position}`, m, dues[index]!, names));
      log.change("create", { type: "action", id: actionId, ref: action.ref, actionId }, action.title.slice(0, 80), null, {
        title: action.title,
        owners: action.ownerText,
        milestones: action.milestones.map((m) => m.text),
      });
    }
    await insertParties(raw, "action_owner", owners);
    await insertParties(raw, "action_contributor", contributors);
    for (let j = 0; j < milestones.length; j += 1000) await insertMilestones(raw, milestones.slice(j, j + 1000));
  }
}

// A new action's columns, as importPage reads them from the file.
type NewAction = {
  planId: number;
  ref: string;
  priorityId: number | null;
  section: string | null;
  title: string;
  targeting: string | null;
  ownerText: string | null;
  contributorText: string | null;
  whatWeWillDo: string | null;
  howWeWillDoIt: string | null;
  howWeWillKnow: string | null;
  sourceNote: string | null;
  state?: string;
};
type PartyInsert = { action_id: number; person_id: number | null; team_id: number | null; position: number };
type MilestoneInsert = {
  action_id: number;
  ref: string;
  position: number;
  text: string;
  kind: string;
  due_precision: string;
  due_start: string | null;
  due_date: string | null;
  due_phrase: string | null;
  done_at: string | null;
  done_by_id: number | null;
  evidence: string | null;
};

// A plan's new actions, their owners and their milestones go in as one JSON parameter per
// statement (`recordset`), not through Prisma Client's createMany: with a parameter per value,
// Prisma's runtime allocated 3.2 GB while importing 10,000 actions and 40,000 milestones, and
// the import's peak memory was 2.6 times PGlite's alone (see `npm run bench`, import).

/** Inserts new actions (at most CHUNK); returns each one's id with its plan and ref. One statement. */
function insertActions(tx: Queryable, rows: readonly NewAction[]) {
  const values = rows.map((r) => ({
    plan_id: r.planId,
    ref: r.ref,
    priority_id: r.priorityId,
    section: r.section,
    title: r.title,
    targeting: r.targeting,
    owner_text: r.ownerText,
    contributor_text: r.contributorText,
    what_we_will_do: r.whatWeWillDo,
    how_we_will_do_it: r.howWeWillDoIt,
    how_we_will_know: r.howWeWillKnow,
    source_note: r.sourceNote,
    state: r.state ?? null,
  }));
  const columns = {
    plan_id: "int",
    ref: "text",
    priority_id: "int",
    section: "text",
    title: "text",
    targeting: "text",
    owner_text: "text",
    contributor_text: "text",
    what_we_will_do: "text",
    how_we_will_do_it: "text",
    how_we_will_know: "text",
    source_note: "text",
    state: "action_state",
  };
  return runCompiled(
    tx,
    compileOnly
      .insertInto("action")
      .columns(["plan_id", "ref", "priority_id", "section", "title", "targeting", "owner_text", "contributor_text", "what_we_will_do", "how_we_will_do_it", "how_we_will_know", "source_note", "state"])
      .expression(
        compileOnly
          .selectFrom(recordset(values, columns))
          .select(["r.plan_id", "r.ref", "r.priority_id", "r.section", "r.title", "r.targeting", "r.owner_text", "r.contributor_text", "r.what_we_will_do", "r.how_we_will_do_it", "r.how_we_will_know", "r.source_note"])
          // A state the file leaves empty is the column's default (schema.prisma, Action.state).
          .select(sql<"not_started">`coalesce(r.state, 'not_started')`.as("state")),
      )
      .returning(["id", "ref", "plan_id"]),
  );
}

/** Inserts owners or contributors of new actions, in one statement (none when `rows` is empty). */
async function insertParties(tx: Queryable, table: "action_owner" | "action_contributor", rows: readonly PartyInsert[]): Promise<void> {
  if (rows.length === 0) return;
  await runCompiled(
    tx,
    compileOnly
      .insertInto(table)
      .columns(["action_id", "person_id", "team_id", "position"])
      .expression(compileOnly.selectFrom(recordset(rows, { action_id: "int", person_id: "int", team_id: "int", position: "int" })).select(["r.action_id", "r.person_id", "r.team_id", "r.position"])),
  );
}

/** Inserts milestones of new actions, in one statement. */
async function insertMilestones(tx: Queryable, rows: readonly MilestoneInsert[]): Promise<void> {
  const columns = {
    action_id: "int",
    ref: "text",
    position: "int",
    text: "text",
    kind: "milestone_kind",
    due_precision: "due_precision",
    due_start: "date",
    due_date: "date",
    due_phrase: "text",
    done_at: "timestamptz",
    done_by_id: "int",
    evidence: "text",
  };
  await runCompiled(
    tx,
    compileOnly
      .insertInto("milestone")
      .columns(["action_id", "ref", "position", "text", "kind", "due_precision", "due_start", "due_date", "due_phrase", "done_at", "done_by_id", "evidence"])
      .expression(
        compileOnly
          .selectFrom(recordset(rows, columns))
          .select(["r.action_id", "r.ref", "r.position", "r.text", "r.kind", "r.due_precision", "r.due_start", "r.due_date", "r.due_phrase", "r.done_at", "r.done_by_id", "r.evidence"]),
      ),
  );
}

/** A new milestone's row, as milestoneFields and doneFields give it to Prisma: dates as ISO text. */
function milestoneInsert(actionId: number, ref: string, m: MilestoneData, due: Due, names: Names): MilestoneInsert {
  const done = doneFields(m, names);
  return {
    action_id: actionId,
    ref,
    position: m.position,
    text: m.text,
    kind: m.kind,
    due_precision: due.precision,
    due_start: due.start,
    due_date: due.due,
    due_phrase: due.phrase,
    done_at: done.doneAt ? done.doneAt.toISOString() : null,
    done_by_id: done.doneById ?? null,
    evidence: done.evidence ?? null,
  };
}

function groupBy<T, K>(items: T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

function partyRows(list: PartyName[], names: Names): PartyRow[] {
  const rows: PartyRow[] = [];
  for (const p of list) {
    if ("person" in p) {
      const id = lookupName(names.people, p.person)?.id;
      if (id !== undefined) rows.push({ personId: id, teamId: null, position: rows.length });
    } else if ("team" in p) {
      const id = lookupName(names.teams, p.team)?.id;
      if (id !== undefined) rows.push({ personId: null, teamId: id, position: rows.length });
    }
  }
  return rows;
}

async function syncParties(
  tx: Tx,
  which: "owners" | "contributors",
  actionId: number,
  ref: string,
  have: PartyRow[],
  want: PartyRow[],
  names: Names,
  log: ImportLog,
  fileIsSilent: boolean,
): Promise<void> {
  const sig = (rows: PartyRow[]) => rows.map((r) => `${r.personId ?? ""}/${r.teamId ?? ""}`).join(",");
  if (fileIsSilent || sig(have) === sig(want)) return;
  const nameOf = (r: PartyRow) =>
    r.personId !== null ? [...names.people.values()].find((p) => p.id === r.personId)?.name : [...names.teams.values()].find((t) => t.id === r.teamId)?.name;
  if (which === "owners") {
    await tx.actionOwner.deleteMany({ where: { actionId } });
    await tx.actionOwner.createMany({ data: want.map((r) => ({ actionId, ...r })) });
  } else {
    await tx.actionContributor.deleteMany({ where: { actionId } });
    await tx.actionContributor.createMany({ data: want.map((r) => ({ actionId, ...r })) });
  }
  log.change("update", { type: "action", id: actionId, ref, actionId }, which, { [which]: have.map(nameOf) }, { [which]: want.map(nameOf) });
}

/** The date a milestone becomes: the file's own date if it gives one, else the phrase in its words. */
function dueOf(m: MilestoneData, periodStart: string | null, log: ImportLog | null): Due {
  const context = periodStart ? { today: periodStart } : {};
  if (m.due) return m.due;
  if (m.duePhrase) {
    const parsed = parseDue(m.duePhrase, context);
    if (parsed.ok) return parsed.value;
    log?.problem(m.at, "Due", parsed.error.message);
  }
  // A date in the milestone's words that cannot be read is a problem, never a part of it read instead.
  const found = readDueIn(m.text, context);
  if (!found.ok) log?.problem(m.at, "Milestone", found.error.message);
  else if (found.value.precision === "tbc" && /^\d+(?:\.\d+)?$/.test(m.text.trim())) log?.problem(m.at, "Milestone", bareNumber(m.text.trim()));
  return found.ok ? found.value : findDue(m.text, context);
}

/**
 * Why a milestone that is only a number ("45700") is refused: it says nothing to do, and is most
 * often a date whose cell lost its date format (Excel counts days from 30 December 1899), which
 * would otherwise be kept as "date to be agreed".
 */
function bareNumber(text: string): string {
  const serial = Number(text);
  const day = Number.isInteger(serial) && serial >= 3653 && serial <= 73415 ? isoDate(new Date(Date.UTC(1899, 11, 30) + serial * 86_400_000)) : null;
  const asDate = day ? ` If it is a date Excel shows as a number (${text} is ${describeDue({ precision: "day", start: day, due: day })}), format the cell as a date or type the date.` : "";
  return `"${text}" is a number, not a milestone: write what will be done and by when, e.g. "Model agreed by March 2027".${asDate}`;
}

function milestoneFields(m: MilestoneData, due: Due) {
  return { text: m.text, kind: m.kind, duePrecision: due.precision, dueStart: dateFromIso(due.start), dueDate: dateFromIso(due.due), duePhrase: due.phrase };
}

function doneFields(m: MilestoneData, names: Names) {
  if (!m.doneAt && !m.evidence) return {};
  return {
    ...(m.doneAt ? { doneAt: m.doneAt, doneById: m.doneBy ? (lookupName(names.people, m.doneBy)?.id ?? null) : null } : {}),
    ...(m.evidence ? { evidence: m.evidence } : {}),
  };
}

async function syncMilestones(tx: Tx, found: Existing, action: ActionData, dues: Due[], names: Names, log: ImportLog): Promise<void> {
  // A file that lists no milestones for the action says nothing about them.
  if (action.milestones.length === 0) return;
  const subject = (id: number, position: number) => ({ type: "milestone", id, ref: `${action.ref}.${position}`, actionId: found.id });
  const byRef = action.milestones.some((m) => m.fromRef);
  const { matched, left } = matchMilestones(found.milestones, action.milestones, byRef);
  // Milestones the file no longer lists: kept if done or with evidence, after the file's own; else removed.
  const kept = left.filter((m) => m.doneAt || m.evidence);
  const lastListed = Math.max(0, ...action.milestones.map((m) => m.position));
  const keptAt = new Map(kept.map((m, i) => [m.id, byRef ? m.position : lastListed + 1 + i]));
  for (const gone of left.filter((m) => !keptAt.has(m.id))) {
    await tx.milestone.delete({ where: { id: gone.id } });
    log.change("remove", subject(gone.id, gone.position), `not in the file: "${gone.text.slice(0, 60)}"`, { text: gone.text, due: isoDate(gone.dueDate) }, null);
  }
  // A milestone that moves takes a place another may hold until it moves too: each goes out of the way first.
  const moving = [...matched.map((m, i) => (m && m.position !== action.milestones[i]!.position ? m : null)), ...kept.filter((m) => keptAt.get(m.id) !== m.position)].filter((m) => m !== null);
  for (const m of moving) await tx.milestone.update({ where: { id: m.id }, data: { position: -m.id } });
  for (const [index, m] of action.milestones.entries()) {
    const due = dues[index]!;
    const current = matched[index];
    if (!current) {
      const row = await tx.milestone.create({ data: { actionId: found.id, ref: `${action.ref}.${m.position}`, position: m.position, ...milestoneFields(m, due), ...doneFields(m, names) } });
      log.change("create", subject(row.id, m.position), m.text.slice(0, 80), null, { text: m.text, due: due.due, precision: due.precision });
      continue;
    }
    const textChanged = current.text !== m.text || current.kind !== m.kind;
    // A date someone set in chat stands unless the file's words or its own date changed.
    const dateGiven = m.due !== null || m.duePhrase !== null;
    const wanted: Record<string, unknown> = { text: m.text, kind: m.kind, position: m.position, ref: `${action.ref}.${m.position}` };
    if (textChanged || dateGiven) Object.assign(wanted, { duePrecision: due.precision, dueStart: dateFromIso(due.start), dueDate: dateFromIso(due.due), duePhrase: due.phrase });
    // Done stays done; evidence is only ever added.
    if (m.doneAt && !current.doneAt) Object.assign(wanted, doneFields(m, names));
    else if (m.evidence && !current.evidence) wanted.evidence = m.evidence;
    await updateMilestone(tx, current, wanted, subject(current.id, m.position), log);
  }
  for (const m of kept) {
    const position = keptAt.get(m.id)!;
    log.change("keep", subject(m.id, position), "not in the file, kept because it is done or has evidence", null, null);
    if (position !== m.position) await updateMilestone(tx, m, { position, ref: `${action.ref}.${position}` }, subject(m.id, position), log);
  }
}

/** Writes what differs between a stored milestone and what the file wants of it, and logs it as one update. */
async function updateMilestone(tx: Tx, current: Existing["milestones"][number], wanted: Record<string, unknown>, subject: { type: string; id: number; ref: string; actionId: number }, log: ImportLog): Promise<void> {
  const diff = differences(current as unknown as Record<string, unknown>, wanted);
  if (Object.keys(diff).length === 0) return;
  const after = pickAfter(diff);
  await tx.milestone.update({ where: { id: current.id }, data: after });
  const shown = { ...after };
  for (const k of ["dueStart", "dueDate"]) if (shown[k] instanceof Date) shown[k] = isoDate(shown[k] as Date);
  log.change("update", subject, Object.keys(diff).join(", "), pickBefore(diff), shown);
}
