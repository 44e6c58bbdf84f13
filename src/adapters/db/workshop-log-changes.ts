import { sql, type ExpressionBuilder } from "kysely";
import type { WorkshopView, WorkshopsLoggedAsRead } from "../../commands/insight-store.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { IndicatorView } from "../../domain/indicators/types.ts";
import { compileOnly as db } from "./kysely.ts";
import { NeedsTransaction, type RowAsRead } from "./change-planner.ts";
import { InsightChangesPlanner } from "./insight-planner.ts";
import { workshopAsRead } from "./workshop-changes.ts";
import { workshopLogged, workshopRow, type WorkshopNotes } from "./workshops.ts";

/** The indicator's row, share-locked, for a WHERE: a log in a transaction (which locks it for update to number its workshop) and this statement take turns. */
const indicatorLocked = (eb: ExpressionBuilder<any, any>, id: number) => eb.exists(db.selectFrom("indicator as li").select("li.id").where("li.id", "=", id).forShare());

/**
 * A workshop logged in one statement, planned from the asker's workshops on the indicator as
 * read with the person (`WorkshopsLoggedAsRead`; receipts.ts, `changedOnce`), as workshops.ts's
 * transaction would log it: nothing runs here. `sameDayWorkshops` answers from the read;
 * `createWorkshop` records the insert of the workshop under the id the read reserved, numbered
 * after the read's highest that day, so the reply can name it before it is written.
 *
 * Twins: under READ COMMITTED a guard in the statement's WHERE cannot see a twin that commits
 * while the statement runs, so the guard is the unique key (indicator, creator, day, number):
 * of two logs decided on the same read only one takes the number, the other's insert changes
 * nothing (ON CONFLICT DO NOTHING) and it is decided again in a transaction, which finds the
 * first ("already logged", or another workshop). The insert also holds while the day's
 * workshops read are still as read (the reply's "already logged" was decided on them), and
 * share-locks the indicator, so a transaction numbering a workshop under its lock sees this one.
 * An answer that changes nothing ("already logged") stands on the day's workshops as read.
 * A day other than the read's latest or today, a log with actions, a second change, and every
 * other kind of change throw `NeedsTransaction`.
 */
export class PlannedWorkshopLog extends InsightChangesPlanner {
  private day: { heldOn: string; workshops: WorkshopView[] } | null = null;
  private made: WorkshopView | null = null;

  constructor(
    ctx: ChangeContext,
    private readonly read: WorkshopsLoggedAsRead,
  ) {
    super(ctx);
  }

  override async sameDayWorkshops(indicator: IndicatorView, heldOn: string): Promise<WorkshopView[]> {
    if (indicator.id !== this.read.indicatorId) throw new NeedsTransaction("an indicator not read ahead");
    // A later day than today (the asker moved time zone) was read: today's were not.
    if (this.read.heldOn !== null && this.read.heldOn > heldOn) throw new NeedsTransaction("a day not read ahead");
    const workshops = this.read.heldOn === heldOn ? this.read.workshops : [];
    this.day = { heldOn, workshops };
    this.unchangedAsRead = workshops.length ? this.dayAsRead(workshops) : null;
    return workshops;
  }

  override async createWorkshop(indicator: IndicatorView, heldOn: string, notes: WorkshopNotes): Promise<number> {
    if (!this.day || this.day.heldOn !== heldOn || indicator.id !== this.read.indicatorId) throw new NeedsTransaction("a workshop on a day not read");
    this.once();
    this.unchangedAsRead = null;
    const id = this.read.reservedId;
    const number = (this.read.heldOn === heldOn ? this.read.highestNumber : 0) + 1;
    const { workshops } = this.day;
    // proposed_actions is left to its default ('[]'): a value in an INSERT's SELECT list is a parameter.
    const { proposed_actions: _, ...logged } = workshopRow(this.ctx, indicator, heldOn, notes);
    const row = { ...logged, id, same_day_number: number };
    const columns = Object.keys(row) as (keyof typeof row)[];
    this.planned = {
      changed: (alsoWhere) =>
        db
          .insertInto("oba_workshop")
          .columns(columns)
          .expression(
            db
              .selectNoFrom((eb) => columns.map((column) => eb.val(row[column]).as(column)))
              .where(alsoWhere)
              .where((eb) => indicatorLocked(eb, indicator.id))
              .where((eb) => (workshops.length ? eb.exists(this.dayAsRead(workshops)) : eb.lit(true))),
          )
          // Another log took this number since the read (a twin among them): decided again.
          .onConflict((oc) => oc.columns(["indicator_id", "created_by_id", "held_on", "same_day_number"]).doNothing())
          .returning("id"),
      audit: workshopLogged(this.ctx, id, indicator, heldOn, notes),
    };
    // As workshops.ts reads it back: empty parts are none.
    const given = Object.fromEntries(Object.entries(notes).filter(([, text]) => text)) as WorkshopNotes;
    this.made = { id, indicatorId: indicator.id, indicatorCode: indicator.code, heldOn, notes: given, actions: [], createdBy: { id: this.ctx.actor.id, name: this.ctx.actor.name } };
    return id;
  }

  /** The workshop this log makes, as it will be; any other needs a transaction. */
  override async readWorkshop(workshopId: number): Promise<WorkshopView> {
    if (!this.made || workshopId !== this.made.id) throw new NeedsTransaction("a workshop not read ahead");
    return this.made;
  }

  /** Finds a row only while every one of `workshops` is still as read. */
  private dayAsRead(workshops: WorkshopView[]): RowAsRead {
    return db
      .selectFrom("oba_workshop as w")
      .select(sql<number>`max(w.id)`.as("id"))
      .where("w.partnership_id", "=", this.ctx.partnershipId)
      .where((eb) => eb.or(workshops.map((w) => workshopAsRead(eb, w))))
      .having(sql<number>`count(*)`, "=", workshops.length);
  }
}
