import { sql, type ExpressionBuilder } from "kysely";
import type { WorkshopAsRead, WorkshopView } from "../../commands/insight-store.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { NoteSection } from "../../domain/oba/workshop.ts";
import { compileOnly as db } from "./kysely.ts";
import { NeedsTransaction } from "./milestone-changes.ts";
import { InsightChangesPlanner } from "./insight-planner.ts";
import { NOTE_COLUMNS, notesAdded, notesAudit, type WorkshopNotes } from "./workshops.ts";

/**
 * The workshop (aliased `w`) is still as `read` holds it: every part of its notes (an empty
 * part as none) and its proposed actions, for a WHERE. The reply shows the whole workshop as
 * read, and the audit's "before" the parts as read, so both stay true only while this holds.
 */
function workshopAsRead(eb: ExpressionBuilder<any, any>, read: WorkshopView) {
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

/**
 * A workshop's notes added in one statement, planned from the workshop as read with the person
 * asking (`WorkshopAsRead`; receipts.ts, `changedOnce`), as workshops.ts's transaction would add
 * them: nothing runs here. `readWorkshop` answers from the read (after a planned addition, with
 * it); `addWorkshopNotes` records the update of the workshop's row guarded by the workshop as
 * read, so when anyone added to it or proposed an action meanwhile (a twin sent at the same
 * moment among them: its update holds the row, and this one then finds it changed) nothing is
 * written and the change is decided again in a transaction that locks the workshop. An answer
 * that adds nothing ("already has that") stands on the workshop as read (`unchangedAsRead`).
 * Logging a workshop, proposing an action (a real action, numbered in its plan), a second
 * change, a workshop not read ahead, and every other kind of change throw `NeedsTransaction`.
 */
export class PlannedWorkshopChanges extends InsightChangesPlanner {
  private current: WorkshopView;

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
