import { sql, type ExpressionBuilder } from "kysely";
import type { ChangeContext } from "../../commands/store.ts";
import type { IndicatorView } from "../../domain/indicators/types.ts";
import { changedWithAudit, changeInContext, type AuditSubject } from "./audit.ts";
import { queryIndicators, type NewReading } from "./indicators.ts";
import { compileOnly as db, runCompiled, type DB } from "./kysely.ts";
import { guardedChange, type PlannedChange } from "./change-planner.ts";
import { InsightChangesPlanner } from "./insight-planner.ts";
import type { Queryable } from "./sql-runner.ts";

const indicatorSubject = (i: { id: number; code: string }): AuditSubject => ({ type: "indicator", id: i.id, ref: i.code, actionId: null });

/**
 * The indicator (by id), share-locked, for the WHERE of a change to one of its readings or
 * targets: a transaction deciding a change on the locked indicator (`decidedOnLocked`) holds
 * it FOR UPDATE from before it reads, so the statement waits for it and the transaction never
 * decides on a reading or target this statement is changing under it.
 */
const indicatorLocked = (eb: ExpressionBuilder<any, any>, id: number) => eb.exists(db.selectFrom("indicator as li").select("li.id").where("li.id", "=", id).forShare());

/** The reading (or "not known") the indicator as read has for `period`; undefined for none. */
function readingAsRead(indicator: IndicatorView, period: string): { value: number | null; source: string | null } | undefined {
  const known = indicator.readings.find((r) => r.period === period);
  if (known) return { value: known.value, source: known.source };
  const notKnown = (indicator.notKnown ?? []).find((r) => r.period === period);
  return notKnown ? { value: null, source: notKnown.source } : undefined;
}

/**
 * An indicator's changes (a reading, its target, forecast, periodicity, owner or tolerance)
 * planned from the indicator as the command read it, as `PlannedChanges` plans a milestone's
 * (receipts.ts, `changedOnce`): nothing runs here. Each method answers from the indicator as
 * read and records its one write and audit event, guarded by what the answer assumed (the
 * period's reading, the target for that day, the setting, as read), so when the indicator
 * moved on meanwhile the statement changes nothing and the change is decided again in a
 * transaction on the locked indicator (`decidedOnLocked`). An answer that changes nothing
 * stands on the indicator as read (`unchangedAsRead`). A second call, and every other kind of
 * change (workshops, pledges, deliveries), throws `NeedsTransaction`.
 */
export class PlannedIndicatorChanges extends InsightChangesPlanner {
  override async recordReading(indicator: IndicatorView, reading: NewReading): Promise<{ applied: boolean; previous: number | null; hadReading: boolean }> {
    this.once();
    const asRead = readingAsRead(indicator, reading.period);
    // Nothing to write: the period has this value, and the source is the same or not given.
    if (asRead && asRead.value === reading.value && (reading.source === null || asRead.source === reading.source)) {
      this.unchangedAsRead = db
        .selectFrom("indicator_reading as r")
        .select("r.indicator_id as id")
        .where("r.indicator_id", "=", indicator.id)
        .where("r.period", "=", reading.period)
        .where("r.value", "is not distinct from", asRead.value)
        .where("r.source", "is not distinct from", asRead.source);
      return { applied: false, previous: asRead.value, hadReading: true };
    }
    const { actor, at } = this.ctx;
    const changed: PlannedChange["changed"] = asRead
      ? db
          .updateTable("indicator_reading as r")
          // A correction without a source keeps the source already recorded.
          .set({ period_end: reading.periodEnd, value: reading.value, source: reading.source ?? asRead.source, recorded_by_id: actor.id, recorded_at: at })
          .where("r.indicator_id", "=", indicator.id)
          .where("r.period", "=", reading.period)
          // The audit's "before" is the reading as read, so the row must still hold it.
          .where("r.value", "is not distinct from", asRead.value)
          .where("r.source", "is not distinct from", asRead.source)
          .where((eb) => indicatorLocked(eb, indicator.id))
          .returning("r.indicator_id as id")
      : (alsoWhere) =>
          db
            .insertInto("indicator_reading")
            .columns(["indicator_id", "period", "period_end", "value", "source", "recorded_by_id", "recorded_at"])
            .expression(
              db
                .selectNoFrom((eb) => [
                  eb.val(indicator.id).as("indicator_id"),
                  eb.val(reading.period).as("period"),
                  eb.val(reading.periodEnd).as("period_end"),
                  eb.val(reading.value).as("value"),
                  eb.val(reading.source).as("source"),
                  eb.val(actor.id).as("recorded_by_id"),
                  eb.val(at).as("recorded_at"),
                ])
                .where(alsoWhere)
                .where((inner) => indicatorLocked(inner, indicator.id)),
            )
            // A reading recorded for the period since it was read: nothing here, decided again.
            .onConflict((oc) => oc.columns(["indicator_id", "period"]).doNothing())
            .returning("indicator_id as id");
    const before = asRead ? { period: reading.period, value: asRead.value, source: asRead.source } : null;
    this.planned = { changed, audit: changeInContext(this.ctx, "indicator.reading", indicatorSubject(indicator), before, reading) };
    return { applied: true, previous: asRead?.value ?? null, hadReading: asRead !== undefined };
  }

  override async setTolerance(indicator: IndicatorView, tolerance: number | null): Promise<{ before: number | null }> {
    this.once();
    const before = indicator.tolerance;
    this.planSetting(indicator, "rag_tolerance", before, tolerance, before === tolerance, "indicator.tolerance", { tolerance: before }, { tolerance });
    return { before };
  }

  override async setPeriodicity(indicator: IndicatorView, periodicity: string): Promise<{ before: string | null }> {
    this.once();
    const before = indicator.periodicity;
    this.planSetting(indicator, "periodicity", before, periodicity, before === periodicity, "indicator.periodicity", { periodicity: before }, { periodicity });
    return { before };
  }

  override async setOwner(indicator: IndicatorView, owner: { id: number; name: string }): Promise<{ before: { id: number; name: string } | null }> {
    this.once();
    const before = indicator.owner;
    this.planSetting(indicator, "owner_id", before?.id ?? null, owner.id, before?.id === owner.id, "indicator.owner", { owner: before?.name ?? null }, { owner: owner.name });
    return { before };
  }

  override async setForecast(indicator: IndicatorView, forecast: { periodEnd: string; value: number }[]): Promise<void> {
    this.once();
    // Guarded by the forecast as read (the audit's "before"); none stored reads as none given.
    const asRead = sql<boolean>`coalesce(i.forecast, '[]'::jsonb) = cast(${JSON.stringify(indicator.forecast)} as jsonb)`;
    this.planned = {
      changed: db
        .updateTable("indicator as i")
        .set({ forecast: sql`cast(${JSON.stringify(forecast)} as jsonb)` })
        .where("i.id", "=", indicator.id)
        .where(asRead)
        .returning("i.id"),
      audit: changeInContext(this.ctx, "indicator.forecast", indicatorSubject(indicator), { forecast: indicator.forecast }, { forecast }),
    };
  }

  override async setTarget(indicator: IndicatorView, target: { value: number; dueDate: string; text: string | null }): Promise<{ before: number | null }> {
    this.once();
    const asRead = indicator.targets.find((t) => t.dueDate === target.dueDate);
    const onDay = sql<Date>`cast(${target.dueDate} as date)`;
    const forDay = db.selectFrom("indicator_target as t").select("t.indicator_id as id").where("t.indicator_id", "=", indicator.id).where("t.due_date", "=", onDay);
    if (asRead?.value === target.value) {
      this.unchangedAsRead = forDay.where("t.value", "=", asRead.value);
      return { before: asRead.value };
    }
    const changed: PlannedChange["changed"] = asRead
      ? db
          .updateTable("indicator_target as t")
          .set({ value: target.value, text: target.text })
          .where("t.indicator_id", "=", indicator.id)
          .where("t.due_date", "=", onDay)
          .where("t.value", "=", asRead.value)
          .where((eb) => indicatorLocked(eb, indicator.id))
          .returning("t.indicator_id as id")
      : (alsoWhere) =>
          db
            .insertInto("indicator_target")
            .columns(["indicator_id", "due_date", "value", "text"])
            .expression(
              db
                .selectNoFrom((eb) => [eb.val(indicator.id).as("indicator_id"), eb.val(target.dueDate).as("due_date"), eb.val(target.value).as("value"), eb.val(target.text).as("text")])
                .where(alsoWhere)
                .where((inner) => indicatorLocked(inner, indicator.id)),
            )
            // A target set for that day since it was read: nothing here, decided again.
            .onConflict((oc) => oc.columns(["indicator_id", "due_date"]).doNothing())
            .returning("indicator_id as id");
    const day = { dueDate: target.dueDate };
    this.planned = {
      changed,
      audit: changeInContext(this.ctx, "indicator.target", indicatorSubject(indicator), asRead ? { value: asRead.value, ...day } : null, { value: target.value, ...day }),
    };
    return { before: asRead?.value ?? null };
  }

  /** One column of the indicator's row set from `before` (as read, its guard) to `after`; when `same`, nothing but the row as read. */
  private planSetting<K extends "rag_tolerance" | "periodicity" | "owner_id">(
    indicator: IndicatorView,
    column: K,
    before: DB["indicator"][K] | null,
    after: DB["indicator"][K] | null,
    same: boolean,
    event: string,
    auditBefore: unknown,
    auditAfter: unknown,
  ): void {
    const row = db.selectFrom("indicator as i").select("i.id").where("i.id", "=", indicator.id).where(`i.${column}`, "is not distinct from", before as never);
    if (same) {
      this.unchangedAsRead = row;
      return;
    }
    this.planned = {
      changed: db
        .updateTable("indicator as i")
        .set({ [column]: after } as never)
        .where("i.id", "=", indicator.id)
        .where(`i.${column}`, "is not distinct from", before as never)
        .returning("i.id"),
      audit: changeInContext(this.ctx, event, indicatorSubject(indicator), auditBefore, auditAfter),
    };
  }

}

/**
 * An indicator's change decided in the caller's transaction `tx`: the indicator is locked
 * (FOR UPDATE) and read again as it now is, `decide` answers on it through a planner, and the
 * write it planned runs with its audit event (its guard holds: the row is locked). So a change
 * read from an indicator that has moved on is audited with the real "before". Three statements
 * when it writes, two when not. Errors: the database's; `NeedsTransaction` never (one change).
 */
export async function decidedOnLocked<T>(tx: Queryable, ctx: ChangeContext, indicator: IndicatorView, decide: (planner: PlannedIndicatorChanges, current: IndicatorView) => Promise<T>): Promise<T> {
  await runCompiled(tx, db.selectFrom("indicator").select("id").where("id", "=", indicator.id).forUpdate());
  const [current] = await queryIndicators(tx, { partnershipId: ctx.partnershipId, id: indicator.id });
  const planner = new PlannedIndicatorChanges(ctx);
  const outcome = await decide(planner, current ?? indicator);
  if (planner.planned) await runCompiled(tx, changedWithAudit(guardedChange(planner.planned.changed, sql<boolean>`true`), planner.planned.audit));
  return outcome;
}
