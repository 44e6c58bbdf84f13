import { sql, type ExpressionBuilder } from "kysely";
import type { NewAction, RecordedAction, WorkshopAsRead, WorkshopView } from "../../commands/insight-store.ts";
import type { Reply } from "../../domain/reply.ts";
import type { WithChanged } from "./audit.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { NoteSection } from "../../domain/oba/workshop.ts";
import { compileOnly as db } from "./kysely.ts";
import { NeedsTransaction } from "./change-planner.ts";
import { InsightChangesPlanner } from "./insight-planner.ts";
import { NOTE_COLUMNS, actionCreated, actionRecorded, actionRef, actionRows, notesAdded, notesAudit, recordedAction, refPrefix, type WorkshopNotes } from "./workshops.ts";

/**
 * The workshop (aliased `w`) is still as `read` holds it: every part of its notes (an empty
 * part as none) and its proposed actions, for a WHERE. The reply shows the whole workshop as
 * read, and the audit's "before" the parts as read, so both stay true only while this holds.
 */
export function workshopAsRead(eb: ExpressionBuilder<any, any>, read: WorkshopView) {
  const parts = (Object.entries(NOTE_COLUMNS) as [NoteSection, string][]).map(([section, column]) =>
    eb(sql<string>`coalesce(${sql.ref(`w.${column}`)}, '')`, "=", read.notes[section] ?? ""),
  );
  return eb.and([
    eb("w.id", "=", read.id),
    eb("w.indicator_id", "=", read.indicatorId),
    ...parts,
    eb(sql<unknown>`coalesce(w.proposed_actions, '[]'::jsonb)`, "=", sql<unknown>`cast(${JSON.stringify(read.actions)} as jsonb)`),
  ]);
}

/** An insert of one row into `table` for the row `changed` returned (an action's owner, its first milestone), with `values` and the changed id as `action_id`. */
function fromChanged<T extends "action_owner" | "milestone">(cte: WithChanged, table: T, values: Record<string, unknown>) {
  const columns = ["action_id", ...Object.keys(values)];
  return cte
    .insertInto(table)
    .columns(columns as never)
    .expression((eb) => eb.selectFrom("changed").select([sql.ref<number>("changed.id").as("action_id"), ...Object.entries(values).map(([column, value]) => eb.val(value).as(column))]) as never);
}

/**
 * A workshop's notes added in one statement, planned from the workshop as read with the person
 * asking (`WorkshopAsRead`; receipts.ts, `changedOnce`), as workshops.ts's transaction would add
 * them: nothing runs here. `readWorkshop` answers from the read (after a planned addition, with
 * it); `addWorkshopNotes` records the update of the workshop's row guarded by the workshop as
 * read, so when anyone added to it or proposed an action meanwhile (a twin sent at the same
 * moment among them: its update holds the row, and this one then finds it changed) nothing is
 * written and the change is decided again in a transaction that locks the workshop. An answer
 * that adds nothing ("already has that") stands on the workshop as read (`unchangedAsRead`).
 * An action proposed (a real action, numbered in its plan) is planned from the numbering read
 * with the workshop (`createAction`). Logging a workshop (workshop-log-changes.ts), a second
 * change, a workshop not read ahead, and every other kind of change throw `NeedsTransaction`.
 */
export class PlannedWorkshopChanges extends InsightChangesPlanner {
  private current: WorkshopView;
  /** Whether the change planned is an action proposed (whose owner may be told with it). */
  private proposed = false;

  constructor(
    ctx: ChangeContext,
    private readonly read: WorkshopAsRead,
  ) {
    super(ctx);
    this.current = read.workshop;
  }

  /** The workshop as read; another needs a transaction. */
  private asRead(workshopId: number): WorkshopView {
    if (workshopId !== this.read.workshop.id) throw new NeedsTransaction("a workshop not read ahead");
    return this.read.workshop;
  }

  private rowAsRead(read: WorkshopView) {
    return db
      .selectFrom("oba_workshop as w")
      .select("w.id")
      .where("w.partnership_id", "=", this.ctx.partnershipId)
      .where((eb) => workshopAsRead(eb, read));
  }

  /** The workshop as read, with any notes this change adds; the answer then stands on the workshop as read. */
  override async readWorkshop(workshopId: number): Promise<WorkshopView> {
    const read = this.asRead(workshopId);
    if (!this.planned) this.unchangedAsRead = this.rowAsRead(read);
    return this.current;
  }

  /**
   * A proposed action, as one statement: the action inserted under the id and the ref the read
   * planned (the plan's highest number with the prefix, plus one), with its owner, first
   * milestone, the workshop's record of it and its audit event, all from the insert. The insert
   * holds only while the workshop is as read, locked (its row rechecked once a change that held
   * it commits), and while no higher number was taken; the plan is share-locked, so a proposal
   * numbered in a transaction under the plan's lock sees this one. Under READ COMMITTED a ref
   * taken at the same moment cannot be seen from the WHERE, so the guard is the plan's unique
   * (plan, ref): the loser's insert changes nothing (ON CONFLICT DO NOTHING), so nothing else
   * is written, and it is decided again in a transaction, which numbers it after the winner.
   */
  override async createAction(workshopId: number, action: NewAction): Promise<RecordedAction> {
    const read = this.asRead(workshopId);
    const numbering = this.read.numbering;
    if (!numbering || action.priority.id !== this.read.indicator?.priority?.id) throw new NeedsTransaction("an action not numbered ahead");
    this.once();
    this.unchangedAsRead = null;
    const ref = actionRef(action.priority, numbering.highest);
    const rows = actionRows(this.ctx, action, ref);
    const recorded = recordedAction(action, ref, numbering.reservedId);
    const inserted = { ...rows.action, id: numbering.reservedId };
    const columns = Object.keys(inserted) as (keyof typeof inserted)[];
    const { partnershipId } = this.ctx;
    const prefix = refPrefix(action.priority);
    this.planned = {
      changed: (alsoWhere) =>
        db
          .insertInto("action")
          .columns(columns)
          .expression(
            db
              .selectNoFrom((eb) => columns.map((column) => eb.val(inserted[column]).as(column)))
              .where(alsoWhere)
              // Locked, then rechecked: a change to the workshop since the read, committed while this waited, fails it.
              .where((eb) => eb.exists(db.selectFrom("oba_workshop as w").select("w.id").where("w.partnership_id", "=", partnershipId).where((inner) => workshopAsRead(inner, read)).forUpdate()))
              .where((eb) => eb.exists(db.selectFrom("plan as lp").select("lp.id").where("lp.id", "=", action.priority.planId).forShare()))
              .where((eb) =>
                eb.not(
                  eb.exists(
                    db
                      .selectFrom("action as ta")
                      .select("ta.id")
                      .where("ta.plan_id", "=", action.priority.planId)
                      .where(sql<boolean>`upper(ta.ref) like ${`${prefix}-%`}`)
                      .where(sql<boolean>`cast(substring(ta.ref from '^[A-Za-z0-9]+-([0-9]+)') as numeric) > ${numbering.highest}`),
                  ),
                ),
              ),
          )
          // The ref taken since the read (a proposal at the same moment): nothing here, decided again.
          .onConflict((oc) => oc.columns(["plan_id", "ref"]).doNothing())
          .returning("id"),
      audit: actionCreated(this.ctx, recorded, read.id, action.indicatorCode),
      followedBy: [
        (cte) => fromChanged(cte, "action_owner", rows.owner),
        (cte) => fromChanged(cte, "milestone", rows.milestone),
        (cte) =>
          cte
            .updateTable("oba_workshop")
            .set(actionRecorded(recorded))
            .where("id", "=", read.id)
            .where((eb) => eb.exists(eb.selectFrom("changed").select("changed.id"))),
      ],
    };
    this.current = { ...this.current, actions: [...this.current.actions, recorded] };
    this.proposed = true;
    return recorded;
  }

  /** An outbox row written with the action proposed (its owner told); none can be without it. */
  override async enqueueDelivery(delivery: { personId: number; key: string; kind: string; payload: Reply; dueAt: Date }): Promise<boolean> {
    if (!this.proposed || !this.planned) throw new NeedsTransaction("a delivery");
    this.planned.deliveries = [...(this.planned.deliveries ?? []), { partnershipId: this.ctx.partnershipId, ...delivery }];
    return true;
  }

  override async addWorkshopNotes(workshopId: number, notes: WorkshopNotes): Promise<WorkshopView> {
    const read = this.asRead(workshopId);
    this.once();
    const added = notesAdded(read, notes);
    if (!added) {
      this.unchangedAsRead = this.rowAsRead(read);
      return read;
    }
    this.unchangedAsRead = null;
    this.planned = {
      changed: db
        .updateTable("oba_workshop as w")
        .set(added.set)
        .where("w.partnership_id", "=", this.ctx.partnershipId)
        .where((eb) => workshopAsRead(eb, read))
        .returning("w.id"),
      audit: notesAudit(this.ctx, read, added),
    };
    this.current = { ...read, notes: { ...read.notes, ...added.merged } };
    return this.current;
  }

}
