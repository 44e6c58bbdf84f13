import type { RecordedAction, WorkshopView } from "../../commands/insight-store.ts";
import { PERIODICITIES, type ForecastPoint, type IndicatorView, type Periodicity, type Polarity } from "../../domain/indicators/types.ts";
import type { NoteSection } from "../../domain/oba/workshop.ts";
import type { PledgeKind, PledgeView, SignatureView } from "../../domain/pledges/pledge.ts";
import type { Queryable } from "./sql-runner.ts";

/**
 * The SQL behind indicator, workshop and pledge views: one round trip per view, as in
 * view-queries.ts. Calendar dates travel as text so no time zone can move them.
 */
interface IndicatorRow {
  id: number;
  code: string;
  name: string;
  unit: string;
  polarity: Polarity;
  baseline_value: number | null;
  baseline_date: string | null;
  baseline_text: string | null;
  note: string | null;
  periodicity: string | null;
  forecast: unknown;
  owner_id: number | null;
  owner_name: string | null;
  priority_id: number | null;
  plan_id: number | null;
  priority_number: number | null;
  priority_title: string | null;
  ref_prefix: string | null;
  priority_channel: string | null;
  roles: { role: "sponsor" | "lead"; id: number; name: string }[];
  readings: { period: string; periodEnd: string; value: number | null; source: string | null; recordedBy: string | null }[];
  targets: { value: number; dueDate: string; text: string | null }[];
}

const INDICATOR_SELECT = `SELECT i.id, i.code, i.name, i.unit, i.polarity::text AS polarity, i.baseline_value, i.baseline_date::text AS baseline_date,
    i.baseline_text, i.note, i.periodicity, i.forecast, i.owner_id, ow.name AS owner_name,
    pr.id AS priority_id, pr.plan_id, pr.number AS priority_number, pr.title AS priority_title, pr.ref_prefix, pr.channel AS priority_channel,
    (SELECT coalesce(json_agg(json_build_object('role', r.role, 'id', rp.id, 'name', rp.name) ORDER BY r.role, r.position), '[]')
     FROM priority_role r JOIN person rp ON rp.id = r.person_id WHERE r.priority_id = pr.id) AS roles,
    (SELECT coalesce(json_agg(json_build_object('period', rd.period, 'periodEnd', rd.period_end::text, 'value', rd.value, 'source', rd.source,
        'recordedBy', rbp.name) ORDER BY rd.period_end), '[]')
     FROM indicator_reading rd LEFT JOIN person rbp ON rbp.id = rd.recorded_by_id WHERE rd.indicator_id = i.id) AS readings,
    (SELECT coalesce(json_agg(json_build_object('value', t.value, 'dueDate', t.due_date::text, 'text', t.text) ORDER BY t.due_date), '[]')
     FROM indicator_target t WHERE t.indicator_id = i.id) AS targets
  FROM indicator i LEFT JOIN person ow ON ow.id = i.owner_id LEFT JOIN priority pr ON pr.id = i.priority_id`;

// Entered forecasts are JSON written by people or imports: keep only well-formed points.
function readForecast(value: unknown): ForecastPoint[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (p): p is ForecastPoint => typeof p?.value === "number" && Number.isFinite(p.value) && typeof p?.periodEnd === "string" && /^\d{4}-\d{2}-\d{2}$/.test(p.periodEnd),
  );
}

function indicatorFromRow(row: IndicatorRow): IndicatorView {
  const people = (role: "sponsor" | "lead") => row.roles.filter((r) => r.role === role).map((r) => ({ id: r.id, name: r.name }));
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    unit: row.unit,
    polarity: row.polarity,
    baseline: row.baseline_value === null ? null : { value: Number(row.baseline_value), date: row.baseline_date, text: row.baseline_text },
    periodicity: PERIODICITIES.includes(row.periodicity as Periodicity) ? (row.periodicity as Periodicity) : null,
    forecast: readForecast(row.forecast),
    targets: row.targets.map((t) => ({ value: Number(t.value), dueDate: t.dueDate.slice(0, 10), text: t.text })),
    note: row.note,
    readings: row.readings.filter((r) => r.value !== null).map((r) => ({ ...r, periodEnd: r.periodEnd.slice(0, 10), value: Number(r.value) })),
    notKnown: row.readings.filter((r) => r.value === null).map((r) => ({ period: r.period, periodEnd: r.periodEnd.slice(0, 10), source: r.source, recordedBy: r.recordedBy })),
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

/** Indicators matching a condition on i (parameters from $1), in the plan's order. */
export async function queryIndicators(db: Queryable, where: string, params: unknown[]): Promise<IndicatorView[]> {
  const rows = await db.query<IndicatorRow>(`${INDICATOR_SELECT} WHERE ${where} ORDER BY i.number NULLS LAST, i.code`, params);
  return rows.map(indicatorFromRow);
}

interface WorkshopRow {
  id: number;
  indicator_id: number;
  code: string;
  held_on: string;
  how_we_are_doing: string | null;
  story_behind_baseline: string | null;
  partners: string | null;
  what_works: string | null;
  information_gaps: string | null;
  proposed_actions: unknown;
  created_by_id: number | null;
  created_by_name: string | null;
  total?: number | string;
}

export const WORKSHOP_COLUMNS = `w.id, w.indicator_id, i.code, w.held_on::text AS held_on, w.how_we_are_doing, w.story_behind_baseline, w.partners,
  w.what_works, w.information_gaps, w.proposed_actions, w.created_by_id, cb.name AS created_by_name`;
export const WORKSHOP_FROM = `oba_workshop w JOIN indicator i ON i.id = w.indicator_id LEFT JOIN person cb ON cb.id = w.created_by_id`;

/** The note columns, by agenda section. */
export const NOTE_COLUMNS: Record<NoteSection, keyof WorkshopRow & string> = {
  how: "how_we_are_doing",
  story: "story_behind_baseline",
  partners: "partners",
  works: "what_works",
  gaps: "information_gaps",
};

export function workshopFromRow(row: WorkshopRow): WorkshopView {
  const notes: Partial<Record<NoteSection, string>> = {};
  for (const [section, column] of Object.entries(NOTE_COLUMNS) as [NoteSection, keyof WorkshopRow][]) {
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

export async function queryWorkshops(db: Queryable, where: string, params: unknown[], limit: number): Promise<{ items: WorkshopView[]; total: number }> {
  const rows = await db.query<WorkshopRow>(
    `SELECT ${WORKSHOP_COLUMNS}, count(*) OVER () AS total FROM ${WORKSHOP_FROM} WHERE ${where} ORDER BY w.held_on DESC, w.id DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
    params,
  );
  return { items: rows.map(workshopFromRow), total: Number(rows[0]?.total ?? 0) };
}

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

export const PLEDGE_COLUMNS = `p.id, p.kind::text AS kind, p.title, p.text, p.opens_at, p.closes_at, p.channel, p.created_by_id`;

const instant = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

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

export const SIGNATURE_SELECT = `SELECT s.id, s.person_id, pe.name AS person_name, s.on_behalf_of, s.commitment, s.is_public, s.signed_at, s.withdrawn_at
  FROM pledge_signature s JOIN person pe ON pe.id = s.person_id`;

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

