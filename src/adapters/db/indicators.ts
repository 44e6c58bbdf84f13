import { sql, type InferResult } from "kysely";
import { jsonBuildObject } from "kysely/helpers/postgres";
import type { ChangeContext } from "../../commands/store.ts";
import { PERIODICITIES, type ForecastPoint, type IndicatorView, type Periodicity, type Polarity } from "../../domain/indicators/types.ts";
import { changeInContext, writeAudit } from "./audit.ts";
import { compileOnly as db, runCompiled } from "./kysely.ts";
import type { Queryable } from "./sql-runner.ts";

// Indicators and their readings (tables indicator, indicator_reading, indicator_target): the
// typed reads behind an indicator's view, one statement each, and the recording of a reading.
// Calendar dates travel as text so no time zone can move them.

/** An indicator with its owner and priority, and its roles, readings and targets as JSON arrays, in one statement. */
function indicatorQuery() {
  return db
    .selectFrom("indicator as i")
    .leftJoin("person as ow", "ow.id", "i.owner_id")
    .leftJoin("priority as pr", "pr.id", "i.priority_id")
    .select((eb) => [
      "i.id",
      "i.code",
      "i.name",
      "i.unit",
      eb.cast<Polarity>("i.polarity", "text").as("polarity"),
      "i.baseline_value",
      eb.cast<string | null>("i.baseline_date", "text").as("baseline_date"),
      "i.baseline_text",
      "i.note",
      "i.rag_tolerance",
      "i.periodicity",
      "i.forecast",
      "i.owner_id",
      "ow.name as owner_name",
      "pr.id as priority_id",
      "pr.plan_id",
      "pr.number as priority_number",
      "pr.title as priority_title",
      "pr.ref_prefix",
      "pr.channel as priority_channel",
      eb
        .selectFrom("priority_role as r")
        .innerJoin("person as rp", "rp.id", "r.person_id")
        .select((e) =>
          e.fn
            .coalesce(
              e.fn.agg<{ role: "sponsor" | "lead"; id: number; name: string }[]>("json_agg", [jsonBuildObject({ role: e.ref("r.role"), id: e.ref("rp.id"), name: e.ref("rp.name") })]).orderBy("r.role").orderBy("r.position"),
              sql<{ role: "sponsor" | "lead"; id: number; name: string }[]>`'[]'`,
            )
            .as("roles"),
        )
        .whereRef("r.priority_id", "=", "pr.id")
        .as("roles"),
      eb
        .selectFrom("indicator_reading as rd")
        .leftJoin("person as rbp", "rbp.id", "rd.recorded_by_id")
        .select((e) =>
          e.fn
            .coalesce(
              e.fn
                .agg<ReadingJson[]>("json_agg", [
                  jsonBuildObject({ period: e.ref("rd.period"), periodEnd: e.cast<string>("rd.period_end", "text"), value: e.ref("rd.value"), source: e.ref("rd.source"), recordedBy: e.ref("rbp.name") }),
                ])
                .orderBy("rd.period_end"),
              sql<ReadingJson[]>`'[]'`,
            )
            .as("readings"),
        )
        .whereRef("rd.indicator_id", "=", "i.id")
        .as("readings"),
      eb
        .selectFrom("indicator_target as t")
        .select((e) =>
          e.fn
            .coalesce(
              e.fn.agg<TargetJson[]>("json_agg", [jsonBuildObject({ value: e.ref("t.value"), dueDate: e.cast<string>("t.due_date", "text"), text: e.ref("t.text") })]).orderBy("t.due_date"),
              sql<TargetJson[]>`'[]'`,
            )
            .as("targets"),
        )
        .whereRef("t.indicator_id", "=", "i.id")
        .as("targets"),
    ]);
}

interface ReadingJson {
  period: string;
  periodEnd: string;
  value: number | null;
  source: string | null;
  recordedBy: string | null;
}

interface TargetJson {
  value: number;
  dueDate: string;
  text: string | null;
}

type IndicatorRow = InferResult<ReturnType<typeof indicatorQuery>>[number];

// Entered forecasts are JSON written by people or imports: keep only well-formed points.
function readForecast(value: unknown): ForecastPoint[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (p): p is ForecastPoint => typeof p?.value === "number" && Number.isFinite(p.value) && typeof p?.periodEnd === "string" && /^\d{4}-\d{2}-\d{2}$/.test(p.periodEnd),
  );
}

function indicatorFromRow(row: IndicatorRow): IndicatorView {
  const roles = row.roles ?? [];
  const readings = row.readings ?? [];
  const people = (role: "sponsor" | "lead") => roles.filter((r) => r.role === role).map((r) => ({ id: r.id, name: r.name }));
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    unit: row.unit,
    polarity: row.polarity,
    baseline: row.baseline_value === null ? null : { value: Number(row.baseline_value), date: row.baseline_date, text: row.baseline_text },
    periodicity: PERIODICITIES.includes(row.periodicity as Periodicity) ? (row.periodicity as Periodicity) : null,
    forecast: readForecast(row.forecast),
    targets: (row.targets ?? []).map((t) => ({ value: Number(t.value), dueDate: t.dueDate.slice(0, 10), text: t.text })),
    tolerance: row.rag_tolerance === null ? null : Number(row.rag_tolerance),
    note: row.note,
    readings: readings.filter((r) => r.value !== null).map((r) => ({ ...r, periodEnd: r.periodEnd.slice(0, 10), value: Number(r.value) })),
    notKnown: readings.filter((r) => r.value === null).map((r) => ({ period: r.period, periodEnd: r.periodEnd.slice(0, 10), source: r.source, recordedBy: r.recordedBy })),
    owner: row.owner_id === null ? null : { id: row.owner_id, name: row.owner_name ?? "" },
    priority:
      row.priority_id === null
        ? null
        : {
            id: row.priority_id,
            planId: row.plan_id!,
            number: row.priority_number,
            title: row.priority_title ?? "",
            refPrefix: row.ref_prefix,
            channel: row.priority_channel,
            sponsors: people("sponsor"),
            leads: people("lead"),
          },
  };
}

/**
 * Which indicators of a partnership to read: all of them, or the one with this `id`, or the
 * one whose `code` matches ignoring case, or (`expectingReadings`) those with a periodicity.
 */
export interface IndicatorFilter {
  partnershipId: number;
  id?: number;
  code?: string;
  expectingReadings?: boolean;
}

/**
 * The indicators matching `filter`, each with its owner, priority (sponsors and leads),
 * readings (by period end) and targets (by due date), in the plan's order (number, then
 * code). One statement. Errors are the database's.
 */
export async function queryIndicators(queryable: Queryable, filter: IndicatorFilter): Promise<IndicatorView[]> {
  let query = indicatorQuery().where("i.partnership_id", "=", filter.partnershipId);
  if (filter.id !== undefined) query = query.where("i.id", "=", filter.id);
  if (filter.code !== undefined) query = query.where((eb) => eb(eb.fn("upper", ["i.code"]), "=", eb.fn("upper", [eb.val(filter.code)])));
  if (filter.expectingReadings) query = query.where("i.periodicity", "is not", null);
  const rows = await runCompiled(queryable, query.orderBy("i.number", (ob) => ob.nullsLast()).orderBy("i.code"));
  return rows.map(indicatorFromRow);
}

/** A reading for one period: its label ("Q3 2011/12"), last day (YYYY-MM-DD), value in the indicator's unit (null: not known) and source. */
export interface NewReading {
  period: string;
  periodEnd: string;
  value: number | null;
  source: string | null;
}

/**
 * Records (or corrects) the reading for one period, named by its label, in the caller's
 * transaction `tx`, with its audit event ("indicator.reading"): readings for different periods
 * never replace each other, even when they end on the same day. A null value records "not
 * known" for the period. The indicator's row is locked first, so concurrent readings queue.
 * Nothing is written (`applied` false) when the period already has this value and the source
 * is the same or not given. `previous` is the figure replaced (null when none, or not known);
 * `hadReading` whether the period had a reading. Four statements when applied, two when not.
 * Errors are the database's.
 */
export async function recordReading(
  tx: Queryable,
  ctx: ChangeContext,
  indicator: IndicatorView,
  reading: NewReading,
): Promise<{ applied: boolean; previous: number | null; hadReading: boolean }> {
  await runCompiled(tx, db.selectFrom("indicator").select("id").where("id", "=", indicator.id).forUpdate());
  const [existing] = await runCompiled(
    tx,
    db.selectFrom("indicator_reading").select(["period", "value", "source"]).where("indicator_id", "=", indicator.id).where("period", "=", reading.period),
  );
  const previous = existing ? (existing.value === null ? null : Number(existing.value)) : undefined;
  if (existing && previous === reading.value && (reading.source === null || existing.source === reading.source)) {
    return { applied: false, previous: previous ?? null, hadReading: true };
  }
  await runCompiled(
    tx,
    db
      .insertInto("indicator_reading")
      .values({
        indicator_id: indicator.id,
        period: reading.period,
        period_end: reading.periodEnd,
        value: reading.value,
        source: reading.source,
        recorded_by_id: ctx.actor.id,
        recorded_at: ctx.at,
      })
      .onConflict((oc) =>
        oc.columns(["indicator_id", "period"]).doUpdateSet((eb) => ({
          period_end: eb.ref("excluded.period_end"),
          value: eb.ref("excluded.value"),
          // A correction without a source keeps the source already recorded.
          source: eb.fn.coalesce("excluded.source", "indicator_reading.source"),
          recorded_by_id: eb.ref("excluded.recorded_by_id"),
          recorded_at: eb.ref("excluded.recorded_at"),
        })),
      ),
  );
  await writeAudit(
    tx,
    changeInContext(
      ctx,
      "indicator.reading",
      { type: "indicator", id: indicator.id, ref: indicator.code, actionId: null },
      existing ? { period: existing.period, value: previous ?? null, source: existing.source } : null,
      reading,
    ),
  );
  return { applied: true, previous: previous ?? null, hadReading: existing !== undefined };
}
