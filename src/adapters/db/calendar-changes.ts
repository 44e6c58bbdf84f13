import { jsonBuildObject } from "kysely/helpers/postgres";
import { sql } from "kysely";
import type { BoardChanges, CalendarAsRead, ScheduleView } from "../../commands/report-deps.ts";
import type { ChangeContext } from "../../commands/store.ts";
import { CurveError } from "../../domain/errors.ts";
import { asRegion, DEFAULT_REGION } from "../../domain/schedule/bank-holidays.ts";
import { changeInContext, writeAudit, type AuditSubject, type ChangedRow } from "./audit.ts";
import { compileOnly as db, runCompiled } from "./kysely.ts";
import { NeedsTransaction, OnePlannedChange } from "./change-planner.ts";
import type { Queryable } from "./sql-runner.ts";

// The reporting calendar's changes (/report schedule): read with the person asking
// (`calendarAsReadQuery`, invocation-reads.ts), planned as one statement from that read
// (`PlannedCalendarChanges`, for receipts.ts's `changedOnce`), or made in a transaction on the
// locked row (`calendarChanges`), each with its audit event. Both answer alike.

type CalendarChanges = Pick<BoardChanges, "saveSchedule" | "removeSchedule">;

/** A schedule as `calendarAsReadQuery` and the transaction read it, as JSON. */
interface ScheduleRow {
  id: number;
  plan_key: string;
  kind: string;
  rule: string;
  minute: number;
  channel: string;
  channel_name: string;
  created_by_id: number;
}

/** The JSON `calendarAsReadQuery` gives. */
export interface CalendarAsReadRow {
  plans: { key: string; title: string }[];
  schedules: ScheduleRow[];
  region: string | null;
}

const SCHEDULE_COLUMNS = ["s.id", "s.plan_key", "s.kind", "s.rule", "s.minute", "s.channel", "s.channel_name", "s.created_by_id"] as const;

const scheduleFrom = (row: ScheduleRow): ScheduleView => ({
  id: row.id,
  planKey: row.plan_key,
  kind: row.kind,
  rule: row.rule,
  minute: row.minute,
  channel: row.channel,
  channelName: row.channel_name,
  createdById: row.created_by_id,
});

const scheduleSubject = (s: { id: number; kind: string; planKey: string }): AuditSubject => ({ type: "report_schedule", id: s.id, ref: `${s.kind}${s.planKey ? `:${s.planKey}` : ""}` });

/**
 * What /report schedule reads ahead with the person asking (invocation-reads.ts): one value
 * `CalendarAsReadRow` as JSON: the partnership's plans (key and title, oldest first, as
 * `ReportStore.plans`), its schedules (oldest first, as `BoardStore.schedules`) and its region.
 * Map it with `calendarAsReadFrom`. Unexecuted.
 */
export function calendarAsReadQuery(partnershipId: number) {
  const plans = db.selectFrom("plan as p").select(["p.key", "p.title"]).where("p.partnership_id", "=", partnershipId).orderBy("p.id");
  const schedules = db.selectFrom("report_schedule as s").select(SCHEDULE_COLUMNS).where("s.partnership_id", "=", partnershipId).orderBy("s.id");
  return db.selectNoFrom((eb) =>
    jsonBuildObject({
      plans: eb.selectFrom(plans.as("pk")).select(sql<CalendarAsReadRow["plans"]>`coalesce(json_agg(row_to_json(pk)), '[]')`.as("plans")).$asScalar(),
      schedules: eb.selectFrom(schedules.as("sc")).select(sql<ScheduleRow[]>`coalesce(json_agg(row_to_json(sc)), '[]')`.as("schedules")).$asScalar(),
      region: eb.selectFrom("partnership as pa").select("pa.region").where("pa.id", "=", partnershipId).$asScalar(),
    }).as("calendar_read"),
  );
}

/** `calendarAsReadQuery`'s JSON as the commands' `CalendarAsRead`. Pure. */
export function calendarAsReadFrom(row: CalendarAsReadRow): CalendarAsRead {
  const region = (row.region && asRegion(row.region)) || DEFAULT_REGION;
  return { plans: row.plans.map(({ key, title }) => ({ key, title })), schedules: row.schedules.map((s) => ({ ...scheduleFrom(s), region })) };
}

/** A query that finds the schedule only while it is still as read: every column the audit's "before" gives. */
function scheduleAsRead(s: ScheduleView, partnershipId: number) {
  return (q: ReturnType<typeof scheduleRows>) =>
    q
      .where("s.id", "=", s.id)
      .where("s.partnership_id", "=", partnershipId)
      .where("s.plan_key", "=", s.planKey)
      .where("s.kind", "=", s.kind)
      .where("s.rule", "=", s.rule)
      .where("s.minute", "=", s.minute)
      .where("s.channel", "=", s.channel)
      .where("s.channel_name", "=", s.channelName)
      .where("s.created_by_id", "=", s.createdById);
}

const scheduleRows = () => db.selectFrom("report_schedule as s").select("s.id");

/**
 * The calendar's changes in the transaction `tx` (a raw driver transaction, or Prisma's through
 * `prismaQueryable`), each on the schedule's locked row with its audit event. Taking off a
 * report that is no longer on the calendar throws CurveError "unknown_ref", as the command does.
 */
export function calendarChanges(tx: Queryable, ctx: ChangeContext): CalendarChanges {
  const audit = (event: string, subject: AuditSubject, before: unknown, after: unknown) => writeAudit(tx, changeInContext(ctx, event, subject, before, after));
  const slot = (planKey: string, kind: string) =>
    db.selectFrom("report_schedule as s").select(SCHEDULE_COLUMNS).where("s.partnership_id", "=", ctx.partnershipId).where("s.plan_key", "=", planKey).where("s.kind", "=", kind);
  return {
    async saveSchedule(schedule) {
      const [existing] = await runCompiled(tx, slot(schedule.planKey, schedule.kind).forUpdate("s"));
      const { planKey, kind, rule, minute, channel, channelName } = schedule;
      const [saved] = await runCompiled(
        tx,
        db
          .insertInto("report_schedule")
          .values({ partnership_id: ctx.partnershipId, plan_key: planKey, kind, rule, minute, channel, channel_name: channelName, created_by_id: ctx.actor.id, created_at: ctx.at })
          .onConflict((oc) => oc.columns(["partnership_id", "plan_key", "kind"]).doUpdateSet({ rule, minute, channel, channel_name: channelName, created_by_id: ctx.actor.id }))
          .returning(["id", "plan_key", "kind", "rule", "minute", "channel", "channel_name", "created_by_id"]),
      );
      const before = existing ? scheduleFrom(existing) : null;
      const after = scheduleFrom(saved!);
      await audit("report.scheduled", scheduleSubject(after), before, after);
      return { created: before === null, before };
    },
    async removeSchedule(schedule) {
      const [gone] = await runCompiled(
        tx,
        db
          .deleteFrom("report_schedule")
          .where("partnership_id", "=", ctx.partnershipId)
          .where("plan_key", "=", schedule.planKey)
          .where("kind", "=", schedule.kind)
          .returning(["id", "plan_key", "kind", "rule", "minute", "channel", "channel_name", "created_by_id"]),
      );
      // Taken off by someone else since the command read it: as if it had never been there.
      if (!gone) throw new CurveError("unknown_ref", `No ${schedule.kind} report${schedule.planKey ? ` on ${schedule.planKey}` : ""} is on the calendar.`, { hint: "/report schedule list" });
      const before = scheduleFrom(gone);
      await audit("report.unscheduled", scheduleSubject(before), before, null);
    },
  };
}

/**
 * A change to the reporting calendar planned as one statement from the calendar as the
 * invocation read it (`CalendarAsRead`; receipts.ts, `changedOnce`), as `calendarChanges`
 * would make it: nothing runs here.
 *
 * - A schedule saved over one read: an update guarded by that row as read (the audit's "before",
 *   and "Rescheduled" in the reply).
 * - A schedule saved where none was read: an insert guarded by there still being none, doing
 *   nothing on a clash (a twin's committed first); the audit's "after" takes the new row's id.
 * - A schedule taken off: a delete guarded by the row as read (the audit's "before").
 *
 * When the guard finds the calendar moved on, the change is decided again in a transaction. A
 * second change and a risk's change throw `NeedsTransaction`.
 */
export class PlannedCalendarChanges extends OnePlannedChange implements BoardChanges {
  constructor(
    ctx: ChangeContext,
    private readonly read: CalendarAsRead,
  ) {
    super(ctx);
  }

  async saveSchedule(schedule: Omit<ScheduleView, "id" | "createdById">): Promise<{ created: boolean; before: ScheduleView | null }> {
    this.once();
    const { partnershipId, actor, at } = this.ctx;
    const { planKey, kind, rule, minute, channel, channelName } = schedule;
    const found = this.read.schedules.find((s) => s.planKey === planKey && s.kind === kind);
    if (found) {
      const { region: _region, ...before } = found;
      const after: ScheduleView = { id: before.id, planKey, kind, rule, minute, channel, channelName, createdById: actor.id };
      this.planned = {
        changed: db
          .updateTable("report_schedule as s")
          .set({ rule, minute, channel, channel_name: channelName, created_by_id: actor.id })
          .where((eb) => eb("s.id", "in", scheduleAsRead(before, partnershipId)(scheduleRows())))
          .returning("s.id"),
        audit: changeInContext(this.ctx, "report.scheduled", scheduleSubject(before), before, after),
      };
      return { created: false, before };
    }
    // The new row's id is the statement's: the audit's subject and "after" take it from the insert.
    const after = { planKey, kind, rule, minute, channel, channelName, createdById: actor.id };
    this.planned = {
      changed: (alsoWhere) =>
        db
          .insertInto("report_schedule")
          .columns(["partnership_id", "plan_key", "kind", "rule", "minute", "channel", "channel_name", "created_by_id", "created_at"])
          .expression(
            db
              .selectNoFrom((eb) => [
                eb.val(partnershipId).as("partnership_id"),
                eb.val(planKey).as("plan_key"),
                eb.val(kind).as("kind"),
                eb.val(rule).as("rule"),
                eb.val(minute).as("minute"),
                eb.val(channel).as("channel"),
                eb.val(channelName).as("channel_name"),
                eb.val(actor.id).as("created_by_id"),
                eb.val(at).as("created_at"),
              ])
              // Still none since the read: "Scheduled", with no "before".
              .where((eb) =>
                eb.not(eb.exists(db.selectFrom("report_schedule as s").select("s.id").where("s.partnership_id", "=", partnershipId).where("s.plan_key", "=", planKey).where("s.kind", "=", kind))),
              )
              .where(alsoWhere),
          )
          // A twin's schedule that committed first: nothing is written, and a transaction decides.
          .onConflict((oc) => oc.columns(["partnership_id", "plan_key", "kind"]).doNothing())
          .returning("id"),
      audit: changeInContext(this.ctx, "report.scheduled", scheduleSubject({ id: 0, planKey, kind }), null, after),
      auditSubjectIsChanged: true,
      auditIdAs: "id",
    };
    return { created: true, before: null };
  }

  async removeSchedule(schedule: ScheduleView): Promise<void> {
    this.once();
    const found = this.read.schedules.find((s) => s.id === schedule.id);
    if (!found) throw new NeedsTransaction("a schedule not read ahead");
    const { region: _region, ...before } = found;
    this.planned = {
      changed: db
        .deleteFrom("report_schedule as s")
        .where((eb) => eb("s.id", "in", scheduleAsRead(before, this.ctx.partnershipId)(scheduleRows())))
        .returning("s.id") as unknown as ChangedRow,
      audit: changeInContext(this.ctx, "report.unscheduled", scheduleSubject(before), before, null),
    };
  }

  async addRisk(): Promise<never> {
    throw new NeedsTransaction("a risk");
  }

  async reviewRisk(): Promise<never> {
    throw new NeedsTransaction("a risk");
  }

  async closeRisk(): Promise<never> {
    throw new NeedsTransaction("a risk");
  }
}
