import { sql, type InferResult } from "kysely";
import { jsonBuildObject } from "kysely/helpers/postgres";
import { PERIODICITIES, type ForecastPoint, type IndicatorView, type Periodicity, type Polarity } from "../../domain/indicators/types.ts";
import { compileOnly as db, runCompiled } from "./kysely.ts";
import type { Queryable } from "./sql-runner.ts";

// Indicators and their readings (tables indicator, indicator_reading, indicator_target): the
// typed reads behind an indicator's view, one statement each (its changes: indicator-changes.ts).
// Calendar dates travel as text so no time zone can move them.

/** An indicator with its owner and priority, and its roles, readings and targets as JSON arrays, in one statement. */
export function indicatorQuery() {
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

/** One row of `indicatorQuery`, as the driver returns it or as `row_to_json` gives it (numbers then come as numbers). */
export type IndicatorRow = InferResult<ReturnType<typeof indicatorQuery>>[number];

// Entered forecasts are JSON written by people or imports: keep only well-formed points.
function readForecast(value: unknown): ForecastPoint[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (p): p is ForecastPoint => typeof p?.value === "number" && Number.isFinite(p.value) && typeof p?.periodEnd === "string" && /^\d{4}-\d{2}-\d{2}$/.test(p.periodEnd),
  );
}

/** An indicator's view from its row (`indicatorQuery`, `indicatorByCodeQuery`). Pure. */
export function indicatorFromRow(row: IndicatorRow): IndicatorView {
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
  const rows = await runCompiled(queryable, indicatorsQuery(filter));
  return rows.map(indicatorFromRow);
}

/** The query behind `queryIndicators`, uncompiled. */
function indicatorsQuery(filter: IndicatorFilter) {
  let query = indicatorQuery().where("i.partnership_id", "=", filter.partnershipId);
  if (filter.id !== undefined) query = query.where("i.id", "=", filter.id);
  if (filter.code !== undefined) query = query.where((eb) => eb(eb.fn("upper", ["i.code"]), "=", eb.fn("upper", [eb.val(filter.code)])));
  if (filter.expectingReadings) query = query.where("i.periodicity", "is not", null);
  return query.orderBy("i.number", (ob) => ob.nullsLast()).orderBy("i.code");
}

/**
 * The indicator `findIndicator` reads (by code, ignoring case), as at most one row, uncompiled:
 * for a statement that reads more beside it (invocation-reads.ts). Map it with `indicatorFromRow`.
 */
export function indicatorByCodeQuery(partnershipId: number, code: string) {
  return indicatorsQuery({ partnershipId, code }).limit(sql.lit(1));
}

/** A reading for one period: its label ("Q3 2011/12"), last day (YYYY-MM-DD), value in the indicator's unit (null: not known) and source. */
export interface NewReading {
  period: string;
  periodEnd: string;
  value: number | null;
  source: string | null;
}
