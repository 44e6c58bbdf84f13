import { sql, type ExpressionBuilder, type InferResult, type Updateable } from "kysely";
import type { NewAction, RecordedAction, WorkshopView } from "../../commands/insight-store.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { IndicatorView } from "../../domain/indicators/types.ts";
import type { NoteSection } from "../../domain/oba/workshop.ts";
import { changeInContext, writeAudit } from "./audit.ts";
import { compileOnly as db, runCompiled, type DB } from "./kysely.ts";
import type { Queryable } from "./sql-runner.ts";

// Turn-the-curve (OBA) workshops (table oba_workshop): the typed reads behind a workshop's
// view, one statement each, and the writes of a workshop, its notes and the actions it
// proposes. Each write runs in the caller's transaction `tx` with its audit event.

/** The note columns of oba_workshop, one per agenda section. */
export type NoteColumn = "how_we_are_doing" | "story_behind_baseline" | "partners" | "what_works" | "information_gaps";

/** The note columns, by agenda section. */
export const NOTE_COLUMNS: Record<NoteSection, NoteColumn & keyof DB["oba_workshop"]> = {
  how: "how_we_are_doing",
  story: "story_behind_baseline",
  partners: "partners",
  works: "what_works",
  gaps: "information_gaps",
};

/**
 * A workshop (aliased `w`) with its indicator's code (`i`) and who logged it (`cb`), unexecuted:
 * add the WHERE (and a lock, `forUpdate("w")`) and run it with `runCompiled`. `held_on` is text.
 */
export function workshopQuery() {
  return db
    .selectFrom("oba_workshop as w")
    .innerJoin("indicator as i", "i.id", "w.indicator_id")
    .leftJoin("person as cb", "cb.id", "w.created_by_id")
    .select((eb) => [
      "w.id",
      "w.indicator_id",
      "i.code",
      eb.cast<string>("w.held_on", "text").as("held_on"),
      "w.how_we_are_doing",
      "w.story_behind_baseline",
      "w.partners",
      "w.what_works",
      "w.information_gaps",
      "w.proposed_actions",
      "w.created_by_id",
      "cb.name as created_by_name",
    ]);
}

type WorkshopRow = InferResult<ReturnType<typeof workshopQuery>>[number];

/** A row of `workshopQuery` as the commands' WorkshopView; empty notes are left out. */
export function workshopFromRow(row: WorkshopRow): WorkshopView {
  const notes: Partial<Record<NoteSection, string>> = {};
  for (const [section, column] of Object.entries(NOTE_COLUMNS) as [NoteSection, NoteColumn][]) {
    const value = row[column];
    if (typeof value === "string" && value) notes[section] = value;
  }
  return {
    id: row.id,
    indicatorId: row.indicator_id,
    indicatorCode: row.code,
    heldOn: row.held_on.slice(0, 10),
    notes,
    actions: Array.isArray(row.proposed_actions) ? (row.proposed_actions as RecordedAction[]) : [],
    createdBy: row.created_by_id === null ? null : { id: row.created_by_id, name: row.created_by_name ?? "" },
  };
}

/** Which workshops of a partnership to list: all, one by `id`, or those on one indicator. */
export interface WorkshopFilter {
  partnershipId: number;
  id?: number;
  indicatorId?: number;
}

/**
 * The first `limit` (at least 1) workshops matching `filter`, latest held first, and how many
 * matched in all. One statement. Errors are the database's.
 */
export async function queryWorkshops(queryable: Queryable, filter: WorkshopFilter, limit: number): Promise<{ items: WorkshopView[]; total: number }> {
  let query = workshopQuery()
    .select((eb) => eb.fn.countAll().over().as("total"))
    .where("w.partnership_id", "=", filter.partnershipId);
  if (filter.id !== undefined) query = query.where("w.id", "=", filter.id);
  if (filter.indicatorId !== undefined) query = query.where("w.indicator_id", "=", filter.indicatorId);
  const rows = await runCompiled(queryable, query.orderBy("w.held_on", "desc").orderBy("w.id", "desc").limit(Math.max(1, Math.floor(limit))));
  return { items: rows.map(workshopFromRow), total: Number(rows[0]?.total ?? 0) };
}

/** A workshop's notes, by agenda section; a section left out is not written. */
export type WorkshopNotes = Partial<Record<NoteSection, string>>;

/**
 * The workshop `workshopId` of the partnership, as the transaction `tx` sees it (the store's
 * own reads cannot, until it commits), locked until the transaction ends when `lock`. One
 * statement. Throws "workshop N vanished" when it is not there (or not the partnership's).
 */
export async function readWorkshop(tx: Queryable, partnershipId: number, workshopId: number, lock = false): Promise<WorkshopView> {
  const query = workshopQuery().where("w.id", "=", workshopId).where("w.partnership_id", "=", partnershipId);
  const [row] = await runCompiled(tx, lock ? query.forUpdate("w") : query);
  if (!row) throw new Error(`workshop ${workshopId} vanished`);
  return workshopFromRow(row);
}

/**
 * The workshops the actor logged on `indicator` held on `heldOn` (YYYY-MM-DD), oldest first,
 * as the transaction `tx` sees them, after locking the indicator's row until it ends: a twin
 * logging the same workshop at the same moment waits, then finds this one's. Two statements.
 */
export async function sameDayWorkshops(tx: Queryable, ctx: ChangeContext, indicator: IndicatorView, heldOn: string): Promise<WorkshopView[]> {
  await runCompiled(tx, db.selectFrom("indicator").select("id").where("id", "=", indicator.id).forUpdate());
  const rows = await runCompiled(
    tx,
    workshopQuery()
      .where("w.partnership_id", "=", ctx.partnershipId)
      .where("w.indicator_id", "=", indicator.id)
      .where("w.held_on", "=", sql<Date>`cast(${heldOn} as date)`)
      .where("w.created_by_id", "=", ctx.actor.id)
      .orderBy("w.id"),
  );
  return rows.map(workshopFromRow);
}

/**
 * Logs a workshop on the indicator, held on `heldOn` (YYYY-MM-DD), with its notes and no
 * actions yet, by the actor, with its audit event ("oba.logged"), numbered after the actor's
 * workshops on the indicator that day (call `sameDayWorkshops` first: its lock keeps the number
 * free). Returns the workshop's id. Two statements. Errors are the database's.
 */
export async function createWorkshop(tx: Queryable, ctx: ChangeContext, indicator: IndicatorView, heldOn: string, notes: WorkshopNotes): Promise<number> {
  const taken = db
    .selectFrom("oba_workshop as sd")
    .select(sql<number>`coalesce(max(sd.same_day_number), 0) + 1`.as("n"))
    .where("sd.indicator_id", "=", indicator.id)
    .where("sd.created_by_id", "=", ctx.actor.id)
    .where("sd.held_on", "=", sql<Date>`cast(${heldOn} as date)`);
  const [row] = await runCompiled(tx, db.insertInto("oba_workshop").values({ ...workshopRow(ctx, indicator, heldOn, notes), same_day_number: taken }).returning("id"));
  await writeAudit(tx, workshopLogged(ctx, row!.id, indicator, heldOn, notes));
  return row!.id;
}

/** The row of a workshop logged by the actor (`createWorkshop`), but for its id and number. Pure. */
export function workshopRow(ctx: ChangeContext, indicator: IndicatorView, heldOn: string, notes: WorkshopNotes) {
  return {
    partnership_id: ctx.partnershipId,
    indicator_id: indicator.id,
    held_on: heldOn,
    how_we_are_doing: notes.how ?? null,
    story_behind_baseline: notes.story ?? null,
    partners: notes.partners ?? null,
    what_works: notes.works ?? null,
    information_gaps: notes.gaps ?? null,
    proposed_actions: sql<unknown>`cast('[]' as jsonb)`,
    created_by_id: ctx.actor.id,
    created_at: ctx.at,
  };
}

/** The audit event ("oba.logged") of workshop `id` logged with `notes`. Pure. */
export const workshopLogged = (ctx: ChangeContext, id: number, indicator: IndicatorView, heldOn: string, notes: WorkshopNotes) =>
  changeInContext(ctx, "oba.logged", { type: "oba_workshop", id, ref: indicator.code, actionId: null }, null, { heldOn, ...notes });

/**
 * Adds to a workshop's notes: each section given is appended ("; ") to what is there. The
 * workshop's row is locked first. Returns the workshop as it now is; with no notes given it
 * changes nothing (one statement), otherwise three (the audit event is "oba.notes"). Throws
 * as `readWorkshop` does when the workshop is not the partnership's.
 */
export async function addWorkshopNotes(tx: Queryable, ctx: ChangeContext, workshopId: number, notes: WorkshopNotes): Promise<WorkshopView> {
  const before = await readWorkshop(tx, ctx.partnershipId, workshopId, true);
  const added = notesAdded(before, notes);
  if (!added) return before;
  await runCompiled(tx, db.updateTable("oba_workshop").set(added.set).where("id", "=", workshopId));
  await writeAudit(tx, notesAudit(ctx, before, added));
  return { ...before, notes: { ...before.notes, ...added.merged } };
}

/** What adding `notes` to workshop `before` writes: each section given appended ("; ") to what it has. Null when no section is given. Pure. */
export function notesAdded(before: WorkshopView, notes: WorkshopNotes): { sections: NoteSection[]; merged: WorkshopNotes; set: Updateable<DB["oba_workshop"]> } | null {
  const sections = (Object.keys(notes) as NoteSection[]).filter((s) => notes[s]);
  if (sections.length === 0) return null;
  const merged: WorkshopNotes = {};
  for (const s of sections) merged[s] = before.notes[s] ? `${before.notes[s]}; ${notes[s]}` : notes[s]!;
  const set: Updateable<DB["oba_workshop"]> = {};
  for (const s of sections) set[NOTE_COLUMNS[s]] = merged[s];
  return { sections, merged, set };
}

/** The audit event ("oba.notes") of notes added to workshop `before`: the sections changed, before and after. Pure. */
export function notesAudit(ctx: ChangeContext, before: WorkshopView, added: { sections: NoteSection[]; merged: WorkshopNotes }) {
  return changeInContext(ctx, "oba.notes", { type: "oba_workshop", id: before.id, ref: before.indicatorCode, actionId: null }, pick(before.notes, added.sections), added.merged);
}

/**
 * A real action proposed at the workshop, in the priority's plan: numbered after the plan's
 * highest ref with the priority's prefix (default "OBA", e.g. LAC-25), with its owner and
 * first milestone (ref .1), and recorded on the workshop's proposed actions, with its audit
 * event ("action.created"). The plan's row is locked first, so two workshops never take the
 * same ref. Seven statements. Errors are the database's.
 */
export async function createAction(tx: Queryable, ctx: ChangeContext, workshopId: number, action: NewAction): Promise<RecordedAction> {
  const { priority } = action;
  // The plan row is the lock for numbering its refs: two workshops never take the same one.
  await runCompiled(tx, db.selectFrom("plan").select("id").where("id", "=", priority.planId).forUpdate());
  const taken = await runCompiled(
    tx,
    db
      .selectFrom("action")
      .select("ref")
      .where("plan_id", "=", priority.planId)
      .where((eb) => eb(eb.fn<string>("upper", ["ref"]), "like", `${refPrefix(priority)}-%`)),
  );
  const highest = taken.map((t) => Number(/^[A-Z0-9]+-(\d+)/i.exec(t.ref)?.[1] ?? 0)).reduce((a, b) => Math.max(a, b), 0);
  const ref = actionRef(priority, highest);
  const rows = actionRows(ctx, action, ref);
  const [row] = await runCompiled(tx, db.insertInto("action").values(rows.action).returning("id"));
  const actionId = row!.id;
  await runCompiled(tx, db.insertInto("action_owner").values({ action_id: actionId, ...rows.owner }));
  await runCompiled(tx, db.insertInto("milestone").values({ action_id: actionId, ...rows.milestone }));
  const recorded = recordedAction(action, ref, actionId);
  await runCompiled(tx, db.updateTable("oba_workshop").set(actionRecorded(recorded)).where("id", "=", workshopId));
  await writeAudit(tx, actionCreated(ctx, recorded, workshopId, action.indicatorCode));
  return recorded;
}

/** The prefix of a priority's action refs, in capitals (default "OBA"). Pure. */
export const refPrefix = (priority: NewAction["priority"]) => (priority.refPrefix ?? "OBA").toUpperCase();

/** The ref after the plan's `highest` number with the priority's prefix: LAC-24 after LAC-23. Pure. */
export const actionRef = (priority: NewAction["priority"], highest: number) => `${refPrefix(priority)}-${highest + 1}`;

/** The rows of a proposed action numbered `ref` (`createAction`): the action, its owner and its first milestone, but for the action's id. Pure. */
export function actionRows(ctx: ChangeContext, action: NewAction, ref: string) {
  const { priority, owner, firstMilestone } = action;
  const at = ctx.at;
  return {
    action: {
      plan_id: priority.planId,
      priority_id: priority.id,
      ref,
      section: `Turning the curve: ${action.indicatorCode}`,
      title: action.title,
      owner_text: owner.name,
      source_note: action.sourceNote,
      created_at: at,
      updated_at: at,
    },
    owner: { person_id: owner.id, position: 0 },
    milestone: {
      ref: `${ref}.1`,
      position: 1,
      text: firstMilestone.text,
      kind: "milestone" as const,
      due_precision: firstMilestone.due.precision,
      due_start: firstMilestone.due.start,
      due_date: firstMilestone.due.due,
      due_phrase: firstMilestone.due.phrase,
      created_at: at,
      updated_at: at,
    },
  };
}

/** A proposed action as its workshop records it. Pure. */
export const recordedAction = (action: NewAction, ref: string, actionId: number): RecordedAction => ({
  ref,
  actionId,
  owner: action.owner.name,
  ownerId: action.owner.id,
  title: action.title,
  firstMilestone: action.firstMilestone.text,
});

/** The workshop's proposed actions with `recorded` appended, for an update's SET. */
export const actionRecorded = (recorded: RecordedAction) => ({
  proposed_actions: (eb: ExpressionBuilder<DB, "oba_workshop">) => eb(eb.ref("proposed_actions"), "||", eb.cast(eb.val(JSON.stringify([recorded])), "jsonb")),
});

/** The audit event ("action.created") of an action proposed at workshop `workshopId`. Pure. */
export const actionCreated = (ctx: ChangeContext, recorded: RecordedAction, workshopId: number, indicatorCode: string) =>
  changeInContext(ctx, "action.created", { type: "action", id: recorded.actionId, ref: recorded.ref, actionId: recorded.actionId }, null, { ...recorded, workshopId, indicator: indicatorCode });

function pick<T extends object>(from: T, keys: (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out;
}
