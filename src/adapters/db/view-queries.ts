import { sql, type Expression, type ExpressionBuilder } from "kysely";
import { jsonBuildObject } from "kysely/helpers/postgres";
import type { DuePrecision } from "../../domain/dates/due-phrase.ts";
import type { ActionState, ActionView, MilestoneView, Party } from "../../domain/model.ts";
import { compileOnly, runCompiled, type DB } from "./kysely.ts";
import type { Queryable } from "./sql-runner.ts";
import { boundStatement, StatementShapes, type BoundStatement } from "./statement-shapes.ts";
import { isoDate } from "./views.ts";

/**
 * The views every command reads and writes, as typed Kysely queries (built on `compileOnly`,
 * run through the driver's runner). One round trip per view matters on embedded PGlite,
 * where each query costs about half a millisecond (see bench/). Those built on every request
 * with the same shape are built once per shape (`StatementShapes`).
 */

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

/** The tables a milestone's columns are read from: m, its action a, and pe, who marked it done (left-joined). */
type MilestoneTables = DB & { m: DB["milestone"]; a: DB["action"]; pe: { [K in keyof DB["person"]]: DB["person"][K] | null } };

// Calendar dates travel as text: node-postgres would turn a DATE into local midnight.
function milestoneColumns(eb: ExpressionBuilder<MilestoneTables, "m" | "a" | "pe">) {
  return [
    "m.id",
    "m.ref",
    "m.action_id",
    "a.ref as action_ref",
    "m.text",
    eb.cast<MilestoneRow["kind"]>("m.kind", "text").as("kind"),
    eb.cast<DuePrecision>("m.due_precision", "text").as("due_precision"),
    eb.cast<string | null>("m.due_date", "text").as("due_date"),
    eb.cast<string | null>("m.due_start", "text").as("due_start"),
    "m.due_phrase",
    "m.done_at",
    "m.done_by_id",
    "pe.name as done_by_name",
    "m.evidence",
    "m.snoozed_until",
    "m.snooze_count",
  ] as const;
}

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

/** Milestones with their action (a), its plan (pl) and who marked them done, and how many match in all; unfiltered, unordered. */
function milestonesFrom() {
  return compileOnly
    .selectFrom("milestone as m")
    .innerJoin("action as a", "a.id", "m.action_id")
    .innerJoin("plan as pl", "pl.id", "a.plan_id")
    .leftJoin("person as pe", "pe.id", "m.done_by_id")
    .select((eb) => [...milestoneColumns(eb), eb.fn.countAll<bigint | number | string>().over().as("total")]);
}

/** A milestone list's query before its conditions and order: `milestonesQuery` adds them. */
export type MilestonesQuery = ReturnType<typeof milestonesFrom>;

/**
 * The statement behind `queryMilestones`: milestones (with their action's ref) that `pick`
 * chooses and orders (with `where` and `orderBy` on m, a or pl), the first `limit` of them,
 * each row with `total`, how many matched in all (a window count, so one statement).
 */
export function milestonesQuery(pick: (query: MilestonesQuery) => MilestonesQuery, limit: number) {
  return pick(milestonesFrom()).limit(limit);
}

/**
 * Runs a `milestonesQuery` (compiled, or bound by `StatementShapes`) as one statement: the
 * milestones it lists, in its order, and how many matched in all (0 when none did). Errors
 * are the database's.
 */
export async function queryMilestones(db: Queryable, statement: BoundStatement): Promise<{ items: MilestoneView[]; total: number }> {
  const rows = await db.query<MilestoneRow & { total: bigint | number | string }>(statement.text, statement.values);
  return { items: rows.map(milestoneFromRow), total: Number(rows[0]?.total ?? 0) };
}

/** The statement behind `lockMilestone`, built once: its one value is the milestone's id. */
const lockStatement = new StatementShapes<Record<string, never>, { id: number }>((_shape, v) =>
  boundStatement(
    compileOnly
      .selectFrom("milestone as m")
      .innerJoin("action as a", "a.id", "m.action_id")
      .leftJoin("person as pe", "pe.id", "m.done_by_id")
      .select((eb) => [
        ...milestoneColumns(eb),
        eb
          .selectFrom("plan as pl")
          .select((p) => p("pl.closed_at", "is not", null).as("closed"))
          .whereRef("pl.id", "=", "a.plan_id")
          .forShare()
          .$asScalar()
          .as("plan_closed"),
      ])
      .where("m.id", "=", v.id)
      .forUpdate(["m"]),
  ),
);

/**
 * Reads a milestone, and whether its plan is closed (refreshed), locking the milestone's row
 * until the transaction ends. One statement. The plan row is share-locked first: a refresh
 * holds it while it runs, so this waits and then sees the plan as the refresh left it.
 * Null when there is no milestone with this id.
 */
export async function lockMilestone(db: Queryable, id: number): Promise<{ milestone: MilestoneView; planClosed: boolean } | null> {
  const statement = lockStatement.bind({}, { id });
  const [row] = await db.query<MilestoneRow & { plan_closed: boolean }>(statement.text, statement.values);
  return row ? { milestone: milestoneFromRow(row), planClosed: row.plan_closed } : null;
}

/**
 * The ids of the actions a person owns, directly or through a team they belong to: a
 * subquery (one column, `action_id`) for `where("a.id", "in", …)`. It runs on action_owner's
 * person and team indexes and team_member's person index (test/integration/hot-lookup-indexes).
 */
export function ownedActionIds(personId: number) {
  return compileOnly
    .selectFrom("action_owner as ao")
    .select("ao.action_id")
    .where("ao.person_id", "=", personId)
    .union(
      compileOnly
        .selectFrom("action_owner as ao")
        .innerJoin("team_member as tm", "tm.team_id", "ao.team_id")
        .select("ao.action_id")
        .where("tm.person_id", "=", personId),
    );
}

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

/**
 * The statement behind `queryActions`, one row per action (`ActionRow`, read with
 * `actionFromRow`), over action a, its plan pl, priority pr, the plan it was refreshed into np,
 * and the action it was carried from fa (in plan fpl). Unfiltered: add `where` on those, e.g.
 * `actionsQuery().where("a.id", "=", id)`. Owners, contributors, priority roles and milestones
 * are json arrays in their stored order, so the whole view is one statement.
 */
export function actionsQuery() {
  return compileOnly
    .selectFrom("action as a")
    .innerJoin("plan as pl", "pl.id", "a.plan_id")
    .leftJoin("priority as pr", "pr.id", "a.priority_id")
    .leftJoin("plan as np", "np.id", "pl.refreshed_into_id")
    .leftJoin("action as fa", "fa.id", "a.carried_from_action_id")
    .leftJoin("plan as fpl", "fpl.id", "fa.plan_id")
    .select((eb) => [
      "a.id",
      "a.ref",
      "pl.key as plan_key",
      "pl.title as plan_title",
      "a.section",
      "a.title",
      "a.targeting",
      eb.cast<ActionState>("a.state", "text").as("state"),
      "a.owner_text",
      "a.contributor_text",
      "a.source_note",
      sql<string | null>`to_char(${eb.ref("pl.closed_at")} AT TIME ZONE 'Europe/London', 'YYYY-MM-DD')`.as("closed_on"),
      "np.key as closed_into",
      eb.selectFrom("action as ca").select("ca.ref").whereRef("ca.carried_from_action_id", "=", "a.id").as("carried_ref"),
      "fa.id as carried_from_id",
      "fa.ref as carried_from_ref",
      "fpl.key as carried_from_plan_key",
      "fpl.title as carried_from_plan_title",
      "pr.id as priority_id",
      "pr.number as priority_number",
      "pr.title as priority_title",
      "pr.obsession",
      "pr.channel as priority_channel",
      eb
        .selectFrom("action_owner as o")
        .leftJoin("person as ope", "ope.id", "o.person_id")
        .leftJoin("team as t", "t.id", "o.team_id")
        .select((e) =>
          e.fn
            .coalesce(
              e.fn
                .agg<PartyJson[]>("json_agg", [
                  jsonBuildObject({
                    personId: e.ref("o.person_id"),
                    personName: e.ref("ope.name"),
                    teamId: e.ref("o.team_id"),
                    teamName: e.ref("t.name"),
                    members: e
                      .selectFrom("team_member as tm")
                      .select((m) => m.fn.coalesce(m.fn.agg<number[]>("json_agg", ["tm.person_id"]), sql<number[]>`'[]'`).as("ids"))
                      .whereRef("tm.team_id", "=", "o.team_id")
                      .$asScalar(),
                  }),
                ])
                .orderBy("o.position"),
              sql<PartyJson[]>`'[]'`,
            )
            .as("owners"),
        )
        .whereRef("o.action_id", "=", "a.id")
        .$asScalar()
        .as("owners"),
      eb
        .selectFrom("action_contributor as c")
        .leftJoin("person as cpe", "cpe.id", "c.person_id")
        .leftJoin("team as t", "t.id", "c.team_id")
        .select((e) =>
          e.fn
            .coalesce(
              e.fn
                .agg<PartyJson[]>("json_agg", [
                  jsonBuildObject({ personId: e.ref("c.person_id"), personName: e.ref("cpe.name"), teamId: e.ref("c.team_id"), teamName: e.ref("t.name") }),
                ])
                .orderBy("c.position"),
              sql<PartyJson[]>`'[]'`,
            )
            .as("contributors"),
        )
        .whereRef("c.action_id", "=", "a.id")
        .$asScalar()
        .as("contributors"),
      eb
        .selectFrom("priority_role as r")
        .innerJoin("person as rpe", "rpe.id", "r.person_id")
        .select((e) =>
          e.fn
            .coalesce(
              e.fn
                .agg<ActionRow["roles"]>("json_agg", [jsonBuildObject({ role: e.ref("r.role"), id: e.ref("rpe.id"), name: e.ref("rpe.name") })])
                .orderBy("r.position"),
              sql<ActionRow["roles"]>`'[]'`,
            )
            .as("roles"),
        )
        .whereRef("r.priority_id", "=", "a.priority_id")
        .$asScalar()
        .as("roles"),
      eb
        .selectFrom("milestone as m")
        .leftJoin("person as mpe", "mpe.id", "m.done_by_id")
        .select((e) =>
          e.fn
            .coalesce(
              e.fn
                .agg<ActionRow["milestones"]>("json_agg", [
                  jsonBuildObject({
                    id: e.ref("m.id"),
                    ref: e.ref("m.ref"),
                    action_id: e.ref("m.action_id"),
                    text: e.ref("m.text"),
                    kind: e.ref("m.kind"),
                    due_precision: e.ref("m.due_precision"),
                    due_date: e.ref("m.due_date"),
                    due_start: e.ref("m.due_start"),
                    due_phrase: e.ref("m.due_phrase"),
                    done_at: e.ref("m.done_at"),
                    done_by_id: e.ref("m.done_by_id"),
                    done_by_name: e.ref("mpe.name"),
                    evidence: e.ref("m.evidence"),
                    snoozed_until: e.ref("m.snoozed_until"),
                    snooze_count: e.ref("m.snooze_count"),
                  }),
                ])
                .orderBy("m.position"),
              sql<ActionRow["milestones"]>`'[]'`,
            )
            .as("milestones"),
        )
        .whereRef("m.action_id", "=", "a.id")
        .$asScalar()
        .as("milestones"),
    ]);
}

/** An `actionsQuery` with its conditions: what `queryActions` runs. */
export type ActionsQuery = ReturnType<typeof actionsQuery>;

/**
 * Whole action views (owners, contributors, priority roles, milestones) in one statement:
 * an `actionsQuery` with its conditions, or such a statement bound by `StatementShapes`.
 * In the database's order (none: callers sort). Errors are the database's.
 */
export async function queryActions(db: Queryable, query: ActionsQuery | BoundStatement): Promise<ActionView[]> {
  const rows = "compile" in query ? await runCompiled(db, query) : await db.query<ActionRow>(query.text, query.values);
  return rows.map(actionFromRow);
}

/** The statement behind `actionById`, built once. */
const actionByIdStatement = new StatementShapes<Record<string, never>, { id: number }>((_shape, v) => boundStatement(actionsQuery().where("a.id", "=", v.id)));

/** The view of the action with this id (in any plan), or undefined. One statement. */
export async function actionById(db: Queryable, id: number): Promise<ActionView | undefined> {
  const [view] = await queryActions(db, actionByIdStatement.bind({}, { id }));
  return view;
}

/**
 * The actions of a partnership with this ref, in the plan keyed `planKey` or in any (as
 * /action and /milestone name them): `actionsQuery` with its conditions. The ref and the key
 * may be expressions of the statement (a held line's read, held-texts.ts).
 */
export function actionsByRef(partnershipId: number, ref: string | Expression<string>, planKey?: string | Expression<string>): ActionsQuery {
  return actionsQuery()
    .where("a.ref", "=", ref)
    .where("pl.partnership_id", "=", partnershipId)
    .$if(Boolean(planKey), (q) => q.where("pl.key", "=", planKey!));
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
