import { jsonBuildObject } from "kysely/helpers/postgres";
import { sql, type ExpressionBuilder } from "kysely";
import type { RiskAsRead, RiskHome, RiskView } from "../../commands/report-deps.ts";
import type { RiskHomeRead, RiskRead } from "../../commands/store.ts";
import { compileOnly as db, runCompiled, type DB } from "./kysely.ts";
import { peopleNamedQuery, toPerson, type PersonRow } from "./people.ts";
import type { Queryable } from "./sql-runner.ts";

// Risks as the one-statement changes read them (risk-changes.ts): a risk, or where a new one
// would go, as JSON, read with the person asking (invocation-reads.ts) or, in a transaction,
// on its own. The Prisma reads of risks.ts give the same RiskView.

type PriorityJson = { id: number; number: number | null; title: string; roles: { role: "sponsor" | "lead"; id: number; name: string }[] };

/** A risk as `riskRowsQuery` gives it, as JSON (dates and instants as text). */
export interface RiskRow {
  id: number;
  number: number;
  plan_key: string;
  priority: PriorityJson | null;
  description: string;
  owner: { id: number; name: string };
  likelihood: number;
  impact: number;
  mitigation: string | null;
  review_date: string;
  closed_at: string | null;
  closed_reason: string | null;
}

/** A priority by id (`priorityId`, a column reference) with its sponsors and leads in their order, as JSON; null for none. */
function priorityJson(eb: ExpressionBuilder<any, any>, priorityId: string) {
  return eb
    .selectFrom("priority as pr")
    .select((e) =>
      jsonBuildObject({
        id: e.ref("pr.id"),
        number: e.ref("pr.number"),
        title: e.ref("pr.title"),
        roles: e
          .selectFrom("priority_role as ro")
          .innerJoin("person as rp", "rp.id", "ro.person_id")
          .select((r) =>
            r.fn
              .coalesce(r.fn.agg<PriorityJson["roles"]>("json_agg", [jsonBuildObject({ role: r.ref("ro.role"), id: r.ref("rp.id"), name: r.ref("rp.name") })]).orderBy("ro.position"), sql<PriorityJson["roles"]>`'[]'`)
              .as("roles"),
          )
          .whereRef("ro.priority_id", "=", "pr.id")
          .$asScalar(),
      }).as("priority"),
    )
    .whereRef("pr.id", "=", sql.ref(priorityId))
    .$asScalar();
}

/** Risks (aliased `r`) with their plan's key, owner and priority, unexecuted: add the WHERE and any lock. */
export function riskRowsQuery() {
  return db
    .selectFrom("risk as r")
    .innerJoin("plan as pl", "pl.id", "r.plan_id")
    .innerJoin("person as o", "o.id", "r.owner_id")
    .select((eb) => [
      "r.id",
      "r.number",
      "pl.key as plan_key",
      priorityJson(eb, "r.priority_id").as("priority"),
      "r.description",
      jsonBuildObject({ id: eb.ref("o.id"), name: eb.ref("o.name") }).as("owner"),
      "r.likelihood",
      "r.impact",
      "r.mitigation",
      eb.cast<string>("r.review_date", "text").as("review_date"),
      "r.closed_at",
      "r.closed_reason",
    ]);
}

const priorityFrom = (p: PriorityJson | null): RiskView["priority"] =>
  p && {
    id: p.id,
    label: `${p.number ? `${p.number}. ` : ""}${p.title}`,
    sponsors: p.roles.filter((r) => r.role === "sponsor").map(({ id, name }) => ({ id, name })),
    leads: p.roles.filter((r) => r.role === "lead").map(({ id, name }) => ({ id, name })),
  };

/** A `RiskRow` as the commands' RiskView. Pure. */
export const riskFromRow = (row: RiskRow): RiskView => ({
  id: row.id,
  number: row.number,
  planKey: row.plan_key,
  priority: priorityFrom(row.priority),
  description: row.description,
  owner: { id: row.owner.id, name: row.owner.name },
  likelihood: row.likelihood,
  impact: row.impact,
  mitigation: row.mitigation,
  reviewDate: row.review_date.slice(0, 10),
  closedAt: row.closed_at === null ? null : new Date(row.closed_at),
  closedReason: row.closed_reason,
});

/**
 * The risks `where` picks, by number, each as JSON in one row `{ risk }`, in the transaction or
 * runner `q`, locked until its transaction ends when `lock`. One statement. Errors are the database's.
 */
export async function risksWhere(q: Queryable, where: (query: ReturnType<typeof riskRowsQuery>) => ReturnType<typeof riskRowsQuery>, lock = false): Promise<RiskView[]> {
  const rows = where(riskRowsQuery());
  const query = db.selectFrom((lock ? rows.forUpdate("r") : rows).as("rk")).select(sql<RiskRow>`row_to_json(rk)`.as("risk")).orderBy("rk.number");
  return (await runCompiled(q, query)).map((row) => riskFromRow(row.risk));
}

/** The plan (aliased `pl`) a home is in, as RiskHome's `closedPlan` needs it. */
function homePlanJson(eb: ExpressionBuilder<DB & { home: { plan_id: number } }, any>) {
  return eb
    .selectFrom("plan as pl")
    .leftJoin("plan as into", "into.id", "pl.refreshed_into_id")
    .select((e) => jsonBuildObject({ id: e.ref("pl.id"), key: e.ref("pl.key"), title: e.ref("pl.title"), closed_at: e.ref("pl.closed_at"), into: e.ref("into.key") }).as("plan"))
    .whereRef("pl.id", "=", "home.plan_id")
    .$asScalar();
}

/**
 * Where a risk named by `typed` would go (`word` as typed and trimmed, `key` that in lower case), as `BoardStore.findRiskHome` finds it (a plan by key,
 * else a priority by ref prefix, else an action by ref, an open plan's before a refreshed one's),
 * or, for `typed` null, the partnership's only plan (`soleRiskHome`): one row `{ home_plan_id,
 * home_priority_id, sole }` at most. For a statement that reads more beside it.
 */
function homeQuery(partnershipId: number, typed: { word: string; key: string } | null) {
  if (typed === null) {
    return db
      .selectFrom("plan as pl")
      .select(["pl.id as plan_id", sql<number | null>`NULL::int`.as("priority_id"), sql<boolean>`true`.as("sole")])
      .where("pl.partnership_id", "=", partnershipId)
      .where((eb) => eb(eb.selectFrom("plan as all_plans").select((e) => e.fn.countAll<number>().as("n")).where("all_plans.partnership_id", "=", partnershipId).$asScalar(), "=", sql<number>`1`));
  }
  const { word, key } = typed;
  const plans = db
    .selectFrom("plan as pl")
    .select(["pl.id as plan_id", sql<number | null>`NULL::int`.as("priority_id"), sql<number>`0`.as("rank"), "pl.id as tie"])
    .where("pl.partnership_id", "=", partnershipId)
    .where("pl.key", "=", key);
  // A priority or action carried over by a plan refresh means the open plan's one.
  const priorities = db
    .selectFrom("priority as pr")
    .innerJoin("plan as pl", "pl.id", "pr.plan_id")
    .select(["pr.plan_id", sql<number | null>`pr.id`.as("priority_id"), sql<number>`CASE WHEN pl.closed_at IS NULL THEN 1 ELSE 2 END`.as("rank"), "pr.id as tie"])
    .where("pl.partnership_id", "=", partnershipId)
    .where("pr.ref_prefix", "ilike", word);
  const actions = db
    .selectFrom("action as a")
    .innerJoin("plan as pl", "pl.id", "a.plan_id")
    .select(["a.plan_id", "a.priority_id", sql<number>`CASE WHEN pl.closed_at IS NULL THEN 3 ELSE 4 END`.as("rank"), "a.id as tie"])
    .where("pl.partnership_id", "=", partnershipId)
    .where("a.ref", "ilike", word);
  return db
    .selectFrom(plans.unionAll(priorities).unionAll(actions).as("found"))
    .select(["found.plan_id", "found.priority_id", sql<boolean>`false`.as("sole")])
    .orderBy("found.rank")
    .orderBy("found.tie")
    .limit(1);
}

type HomeJson = { plan: { id: number; key: string; title: string; closed_at: string | null; into: string | null }; priority: PriorityJson | null; sole: boolean };

/** The JSON `riskAsReadQuery` gives. */
export type RiskAsReadRow = { risk?: RiskRow | null; home?: HomeJson | null; open?: RiskRow[]; last?: number; people?: PersonRow[] };

/**
 * A RiskRead or RiskHomeRead as `riskAsReadQuery` binds it: a home's word trimmed, and in lower
 * case for a plan's key, so that the statement only binds them (statement-shapes.ts). Pure.
 */
export type RiskReadValues = RiskRead | { home: { word: string; key: string } | null; person?: string };

/** See `RiskReadValues`. */
export function riskReadValues(read: RiskRead | RiskHomeRead): RiskReadValues {
  if ("risk" in read) return read;
  const word = read.riskHome?.trim() ?? null;
  return { home: word === null ? null : { word, key: word.toLowerCase() }, ...(read.person !== undefined ? { person: read.person } : {}) };
}

/**
 * What a risk change reads ahead, with the person asking (invocation-reads.ts): one row
 * `{ risk_read }` holding `RiskAsReadRow` as JSON. For a RiskRead, the risk of that number (null
 * when none); for a RiskHomeRead, where the new risk goes (null when nothing is named so), the
 * open risks already there, the partnership's highest risk number (0 for none) and, with
 * `person`, the people of that name (`peopleNamedQuery`). Map it with `riskAsReadFrom`.
 */
export function riskAsReadQuery(partnershipId: number, read: RiskReadValues) {
  if ("risk" in read) {
    const risk = riskRowsQuery().where("r.partnership_id", "=", partnershipId).where("r.number", "=", read.risk);
    return db.selectNoFrom((eb) => jsonBuildObject({ risk: eb.selectFrom(risk.as("rk")).select(sql<RiskRow>`row_to_json(rk)`.as("risk")).$asScalar() }).as("risk_read"));
  }
  const home = db
    .with("home", () => homeQuery(partnershipId, read.home))
    .selectFrom("home")
    .select((eb) => [homePlanJson(eb).as("plan"), priorityJson(eb, "home.priority_id").as("priority"), "home.sole"]);
  const open = riskRowsQuery()
    .where("r.partnership_id", "=", partnershipId)
    .where("r.closed_at", "is", null)
    .where(sql<boolean>`(r.plan_id, coalesce(r.priority_id, 0)) = (SELECT home.plan_id, coalesce(home.priority_id, 0) FROM home)`);
  return db
    .with("home", () => homeQuery(partnershipId, read.home))
    .selectNoFrom((eb) =>
      jsonBuildObject({
        home: eb.selectFrom(home.as("h")).select(sql<HomeJson>`row_to_json(h)`.as("home")).$asScalar(),
        open: eb.selectFrom(open.as("o")).select(sql<RiskRow[]>`coalesce(json_agg(row_to_json(o) ORDER BY o.number), '[]')`.as("open")).$asScalar(),
        last: eb.selectFrom("risk as rn").select((e) => e.fn.coalesce(e.fn.max<number>("rn.number"), sql<number>`0`).as("last")).where("rn.partnership_id", "=", partnershipId).$asScalar(),
        ...(read.person === undefined
          ? {}
          : { people: eb.selectFrom(peopleNamedQuery(partnershipId, read.person).as("named")).select(sql<PersonRow[]>`coalesce(json_agg(row_to_json(named)), '[]')`.as("people")).$asScalar() }),
      }).as("risk_read"),
    );
}

/** `riskAsReadQuery`'s JSON as the commands' `RiskAsRead`. Pure. */
export function riskAsReadFrom(row: RiskAsReadRow): RiskAsRead {
  if (row.home === undefined) return { risk: row.risk ? riskFromRow(row.risk) : null };
  const home: RiskHome | null = row.home && {
    planId: row.home.plan.id,
    planKey: row.home.plan.key,
    priority: priorityFrom(row.home.priority),
    // The only plan is taken as it is (`soleRiskHome`); a named one says whether it was refreshed.
    ...(row.home.sole
      ? {}
      : {
          closedPlan: row.home.plan.closed_at
            ? { title: row.home.plan.title, closedOn: new Date(row.home.plan.closed_at).toLocaleDateString("en-CA", { timeZone: "Europe/London" }), into: row.home.plan.into ?? "its successor" }
            : null,
        }),
  };
  return { home, open: (row.open ?? []).map(riskFromRow), last: Number(row.last ?? 0), people: (row.people ?? []).map(toPerson) };
}
