import { Prisma } from "../../../generated/prisma/client.ts";
import type { DuePrecision } from "../../domain/dates/due-phrase.ts";
import type { ActionState, ActionView, MilestoneView, Party } from "../../domain/model.ts";
import type { Queryable } from "./sql-runner.ts";
import { isoDate } from "./views.ts";

/**
 * Hand-written SQL for the views every command reads and writes. One round trip per view
 * matters on embedded PGlite, where each query costs about half a millisecond (see bench/).
 * Prisma.sql only composes the text and its parameters here; the driver runs it.
 */
const run = <T>(db: Queryable, query: Prisma.Sql): Promise<T[]> => db.query<T>(query.text, query.values);

interface MilestoneRow {
  id: number;
  ref: string;
  action_id: number;
  action_ref: string;
  text: string;
  kind: "milestone" | "target";
  due_precision: DuePrecision;
  due_date: Date | string | null;
  due_start: Date | string | null;
  due_phrase: string | null;
  done_at: Date | string | null;
  done_by_id: number | null;
  done_by_name: string | null;
  evidence: string | null;
  snoozed_until: Date | string | null;
  snooze_count: number;
}

// Calendar dates travel as text: node-postgres would turn a DATE into local midnight.
const MILESTONE_COLUMNS = Prisma.sql`m.id, m.ref, m.action_id, a.ref AS action_ref, m.text, m.kind::text AS kind,
  m.due_precision::text AS due_precision, m.due_date::text AS due_date, m.due_start::text AS due_start, m.due_phrase,
  m.done_at, m.done_by_id, pe.name AS done_by_name, m.evidence, m.snoozed_until, m.snooze_count`;

const asDate = (value: Date | string | null): string | null =>
  value === null ? null : typeof value === "string" ? value.slice(0, 10) : isoDate(value);
const asInstant = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

export function milestoneFromRow(row: MilestoneRow): MilestoneView {
  return {
    id: row.id,
    ref: row.ref,
    actionId: row.action_id,
    actionRef: row.action_ref,
    text: row.text,
    kind: row.kind,
    precision: row.due_precision,
    dueDate: asDate(row.due_date),
    dueStart: asDate(row.due_start),
    duePhrase: row.due_phrase,
    doneAt: asInstant(row.done_at),
    doneBy: row.done_by_id === null ? null : { id: row.done_by_id, name: row.done_by_name ?? "" },
    evidence: row.evidence,
    snoozedUntil: asInstant(row.snoozed_until),
    snoozeCount: row.snooze_count,
  };
}

/**
 * Milestones (with their action's ref) matching a condition on m, a or pl: the first
 * `limit` in the given order, and how many matched in all.
 */
export async function queryMilestones(
  db: Queryable,
  where: Prisma.Sql,
  orderBy: Prisma.Sql,
  limit: number,
): Promise<{ items: MilestoneView[]; total: number }> {
  const rows = await run<MilestoneRow & { total: bigint | number | string }>(db, Prisma.sql`
    SELECT ${MILESTONE_COLUMNS}, count(*) OVER () AS total
    FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id
    LEFT JOIN person pe ON pe.id = m.done_by_id
    WHERE ${where}
    ORDER BY ${orderBy}
    LIMIT ${limit}`);
  return { items: rows.map(milestoneFromRow), total: Number(rows[0]?.total ?? 0) };
}

/**
 * Reads a milestone, and whether its plan is closed (refreshed), locking the milestone's row
 * until the transaction ends. One statement. The plan row is share-locked first: a refresh
 * holds it while it runs, so this waits and then sees the plan as the refresh left it.
 */
export async function lockMilestone(db: Queryable, id: number): Promise<{ milestone: MilestoneView; planClosed: boolean } | null> {
  const [row] = await run<MilestoneRow & { plan_closed: boolean }>(db, Prisma.sql`
    SELECT ${MILESTONE_COLUMNS}, (SELECT pl.closed_at IS NOT NULL FROM plan pl WHERE pl.id = a.plan_id FOR SHARE) AS plan_closed
    FROM milestone m JOIN action a ON a.id = m.action_id LEFT JOIN person pe ON pe.id = m.done_by_id
    WHERE m.id = ${id}
    FOR UPDATE OF m`);
  return row ? { milestone: milestoneFromRow(row), planClosed: row.plan_closed } : null;
}

/** The actions a person owns, directly or through a team they belong to. */
export const ownedActionIds = (personId: number) => Prisma.sql`(
  SELECT ao.action_id FROM action_owner ao WHERE ao.person_id = ${personId}
  UNION SELECT ao.action_id FROM action_owner ao JOIN team_member tm ON tm.team_id = ao.team_id WHERE tm.person_id = ${personId})`;

interface PartyJson {
  personId: number | null;
  personName: string | null;
  teamId: number | null;
  teamName: string | null;
  members?: number[];
}

export interface ActionRow {
  id: number;
  closed_on: string | null;
  closed_into: string | null;
  carried_ref: string | null;
  carried_from_id: number | null;
  carried_from_ref: string | null;
  carried_from_plan_key: string | null;
  carried_from_plan_title: string | null;
  ref: string;
  plan_key: string;
  plan_title: string;
  section: string | null;
  title: string;
  targeting: string | null;
  state: ActionState;
  owner_text: string | null;
  contributor_text: string | null;
  source_note: string | null;
  priority_id: number | null;
  priority_number: number | null;
  priority_title: string | null;
  obsession: string | null;
  priority_channel: string | null;
  owners: PartyJson[];
  contributors: PartyJson[];
  roles: { role: "sponsor" | "lead"; id: number; name: string }[];
  milestones: (Omit<MilestoneRow, "action_ref">)[];
}

/** Whole action views (owners, contributors, priority roles, milestones) in one query. */
export async function queryActions(db: Queryable, where: Prisma.Sql): Promise<ActionView[]> {
  const rows = await run<ActionRow>(db, actionsQuery(where));
  return rows.map(actionFromRow);
}

/** The actions of a partnership with this ref, in a named plan or in any (as /action and /milestone name them). */
export const actionsByRefWhere = (partnershipId: number, ref: string, planKey?: string): Prisma.Sql =>
  Prisma.sql`a.ref = ${ref} AND pl.partnership_id = ${partnershipId} ${planKey ? Prisma.sql`AND pl.key = ${planKey}` : Prisma.empty}`;

/** The statement behind `queryActions`, one row per action (`actionFromRow`), for a statement that reads more beside it. */
export function actionsQuery(where: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT a.id, a.ref, pl.key AS plan_key, pl.title AS plan_title, a.section, a.title, a.targeting, a.state::text AS state,
      a.owner_text, a.contributor_text, a.source_note,
      to_char(pl.closed_at AT TIME ZONE 'Europe/London', 'YYYY-MM-DD') AS closed_on, np.key AS closed_into,
      (SELECT ca.ref FROM action ca WHERE ca.carried_from_action_id = a.id) AS carried_ref,
      fa.id AS carried_from_id, fa.ref AS carried_from_ref, fpl.key AS carried_from_plan_key, fpl.title AS carried_from_plan_title,
      pr.id AS priority_id, pr.number AS priority_number, pr.title AS priority_title, pr.obsession, pr.channel AS priority_channel,
      (SELECT coalesce(json_agg(json_build_object('personId', o.person_id, 'personName', ope.name, 'teamId', o.team_id, 'teamName', t.name,
          'members', (SELECT coalesce(json_agg(tm.person_id), '[]') FROM team_member tm WHERE tm.team_id = o.team_id)) ORDER BY o.position), '[]')
       FROM action_owner o LEFT JOIN person ope ON ope.id = o.person_id LEFT JOIN team t ON t.id = o.team_id WHERE o.action_id = a.id) AS owners,
      (SELECT coalesce(json_agg(json_build_object('personId', c.person_id, 'personName', cpe.name, 'teamId', c.team_id, 'teamName', t.name) ORDER BY c.position), '[]')
       FROM action_contributor c LEFT JOIN person cpe ON cpe.id = c.person_id LEFT JOIN team t ON t.id = c.team_id WHERE c.action_id = a.id) AS contributors,
      (SELECT coalesce(json_agg(json_build_object('role', r.role, 'id', rpe.id, 'name', rpe.name) ORDER BY r.position), '[]')
       FROM priority_role r JOIN person rpe ON rpe.id = r.person_id WHERE r.priority_id = a.priority_id) AS roles,
      (SELECT coalesce(json_agg(json_build_object('id', m.id, 'ref', m.ref, 'action_id', m.action_id, 'text', m.text, 'kind', m.kind,
          'due_precision', m.due_precision, 'due_date', m.due_date, 'due_start', m.due_start, 'due_phrase', m.due_phrase,
          'done_at', m.done_at, 'done_by_id', m.done_by_id, 'done_by_name', mpe.name, 'evidence', m.evidence,
          'snoozed_until', m.snoozed_until, 'snooze_count', m.snooze_count) ORDER BY m.position), '[]')
       FROM milestone m LEFT JOIN person mpe ON mpe.id = m.done_by_id WHERE m.action_id = a.id) AS milestones
    FROM action a JOIN plan pl ON pl.id = a.plan_id LEFT JOIN priority pr ON pr.id = a.priority_id
      LEFT JOIN plan np ON np.id = pl.refreshed_into_id
      LEFT JOIN action fa ON fa.id = a.carried_from_action_id LEFT JOIN plan fpl ON fpl.id = fa.plan_id
    WHERE ${where}`;
}

function partyFromJson(json: PartyJson): Party | null {
  if (json.personId !== null) return { kind: "person", person: { id: json.personId, name: json.personName ?? "" } };
  if (json.teamId !== null) return { kind: "team", id: json.teamId, name: json.teamName ?? "", memberIds: json.members ?? [] };
  return null;
}

export function actionFromRow(row: ActionRow): ActionView {
  const parties = (list: PartyJson[]) => list.map(partyFromJson).filter((p): p is Party => p !== null);
  const people = (role: "sponsor" | "lead") => row.roles.filter((r) => r.role === role).map((r) => ({ id: r.id, name: r.name }));
  return {
    id: row.id,
    planKey: row.plan_key,
    planTitle: row.plan_title,
    ref: row.ref,
    section: row.section,
    title: row.title,
    targeting: row.targeting,
    state: row.state,
    ownerText: row.owner_text,
    contributorText: row.contributor_text,
    owners: parties(row.owners),
    contributors: parties(row.contributors),
    priority:
      row.priority_id === null
        ? null
        : {
            id: row.priority_id,
            number: row.priority_number,
            title: row.priority_title ?? "",
            obsession: row.obsession,
            channel: row.priority_channel,
            sponsors: people("sponsor"),
            leads: people("lead"),
          },
    milestones: row.milestones.map((m) => milestoneFromRow({ ...m, action_ref: row.ref })),
    sourceNote: row.source_note,
    closedPlan: row.closed_on ? { title: row.plan_title, closedOn: row.closed_on, into: row.closed_into ?? "its successor", carriedRef: row.carried_ref } : null,
    carriedFrom:
      row.carried_from_id === null
        ? null
        : { id: row.carried_from_id, ref: row.carried_from_ref!, planKey: row.carried_from_plan_key!, planTitle: row.carried_from_plan_title! },
  };
}
