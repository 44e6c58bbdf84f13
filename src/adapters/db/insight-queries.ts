import { sql, type ExpressionBuilder, type InferResult } from "kysely";
import { jsonBuildObject } from "kysely/helpers/postgres";
import type { RecordedAction, WorkshopView } from "../../commands/insight-store.ts";
import { PERIODICITIES, type ForecastPoint, type IndicatorView, type Periodicity, type Polarity } from "../../domain/indicators/types.ts";
import type { NoteSection } from "../../domain/oba/workshop.ts";
import type { PledgeKind, PledgeView, SignatureView } from "../../domain/pledges/pledge.ts";
import { compileOnly as db, runCompiled, type DB } from "./kysely.ts";
import type { Queryable } from "./sql-runner.ts";

/**
 * The typed queries behind indicator, workshop and pledge views: one statement (one round
 * trip) per view, as in view-queries.ts. Calendar dates travel as text so no time zone can
 * move them. Column names are the generated schema's, so a renamed column fails the type check.
 */

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

/** A pledge's own columns, its kind as text: for a SELECT from `pledge` and an INSERT's RETURNING alike. */
export function pledgeColumns(eb: ExpressionBuilder<DB, "pledge">) {
  return [
    "pledge.id",
    eb.cast<PledgeKind>("pledge.kind", "text").as("kind"),
    "pledge.title",
    "pledge.text",
    "pledge.opens_at",
    "pledge.closes_at",
    "pledge.channel",
    "pledge.created_by_id",
  ] as const;
}

/** A row with `pledgeColumns`; instants may arrive as Date or ISO text, depending on the driver. */
export interface PledgeRow {
  id: number;
  kind: PledgeKind;
  title: string;
  text: string;
  opens_at: Date | string | null;
  closes_at: Date | string | null;
  channel: string | null;
  created_by_id: number | null;
}

const instant = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

/** A pledge row as the domain's PledgeView. */
export const pledgeFromRow = (row: PledgeRow): PledgeView => ({
  id: row.id,
  kind: row.kind,
  title: row.title,
  text: row.text,
  opensAt: instant(row.opens_at),
  closesAt: instant(row.closes_at),
  channel: row.channel,
  createdById: row.created_by_id,
});

/** Signatures (aliased `s`) with the signer's name (`pe`), unexecuted: add the WHERE, order and any lock. */
export function signatureQuery() {
  return db
    .selectFrom("pledge_signature as s")
    .innerJoin("person as pe", "pe.id", "s.person_id")
    .select(["s.id", "s.person_id", "pe.name as person_name", "s.on_behalf_of", "s.commitment", "s.is_public", "s.signed_at", "s.withdrawn_at"]);
}

/** A row of `signatureQuery`; instants may arrive as Date or ISO text, depending on the driver. */
export interface SignatureRow {
  id: number;
  person_id: number;
  person_name: string;
  on_behalf_of: string;
  commitment: string;
  is_public: boolean;
  signed_at: Date | string;
  withdrawn_at: Date | string | null;
}

/** A signature row as the domain's SignatureView. */
export const signatureFromRow = (row: SignatureRow): SignatureView => ({
  id: row.id,
  personId: row.person_id,
  personName: row.person_name,
  onBehalfOf: row.on_behalf_of,
  commitment: row.commitment,
  isPublic: row.is_public,
  signedAt: new Date(row.signed_at),
  withdrawnAt: row.withdrawn_at === null ? null : new Date(row.withdrawn_at),
});
