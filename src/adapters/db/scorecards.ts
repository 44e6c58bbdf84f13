import { sql } from "kysely";
import { jsonBuildObject } from "kysely/helpers/postgres";
import type { PlanSummary, PrioritySummary } from "../../commands/store.ts";
import type { ActionState } from "../../domain/model.ts";
import { arrayOf, type KyselyDb } from "./kysely.ts";
import { isoDate } from "./views.ts";

/**
 * Reads for the web scorecard, each a few statements whatever the size of the plans: plans
 * and priorities with their actions counted by state, a plan's actions a page at a time, a
 * pledge's public register, and when each page's data last changed. Only the columns a public
 * page may show are selected: no evidence, notes, emails or private signers.
 */

export interface PlanActionRow {
  ref: string;
  title: string;
  state: ActionState;
  ownerText: string | null;
  priority: { number: number | null; title: string } | null;
  milestones: { ref: string; text: string; dueDate: string | null; duePhrase: string | null; doneAt: Date | null; position: number }[];
}

export interface PlanPage {
  plan: { key: string; title: string; periodStart: string | null; periodEnd: string | null };
  actions: PlanActionRow[];
  total: number;
}

/**
 * The partnership's plans in date order, each with its number of actions, and of their
 * milestones how many there are and how many are done, and, for a plan refreshed into
 * another, when it closed and into which: one statement, the milestones of each plan counted
 * once (through the action and milestone indexes). The scorecard's plans and the store's
 * plan summaries (`/plan show`, the shell's status) alike.
 */
export async function scorecardPlans(db: KyselyDb, partnershipId: number): Promise<PlanSummary[]> {
  const rows = await db
    .selectFrom("plan as p")
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom("action as a")
          .leftJoin("milestone as m", "m.action_id", "a.id")
          .select((e) => [
            sql<string>`count(DISTINCT ${e.ref("a.id")})`.as("actions"),
            e.fn.count<string>("m.id").as("milestones"),
            e.fn.count<string>("m.done_at").as("milestones_done"),
          ])
          .whereRef("a.plan_id", "=", "p.id")
          .as("c"),
      (join) => join.onTrue(),
    )
    .select((eb) => [
      "p.key",
      "p.title",
      "p.kind",
      "p.period_start",
      "p.period_end",
      "c.actions",
      "c.milestones",
      "c.milestones_done",
      sql<string | null>`to_char(p.closed_at AT TIME ZONE 'Europe/London', 'YYYY-MM-DD')`.as("closed_on"),
      eb.selectFrom("plan as n").select("n.key").whereRef("n.id", "=", "p.refreshed_into_id").as("refreshed_into"),
    ])
    .where("p.partnership_id", "=", partnershipId)
    .orderBy(sql`p.period_start nulls last`)
    .orderBy("p.key")
    .execute();
  return rows.map((r) => ({
    key: r.key,
    title: r.title,
    kind: r.kind,
    periodStart: isoDate(r.period_start),
    periodEnd: isoDate(r.period_end),
    actions: Number(r.actions ?? 0),
    milestones: Number(r.milestones ?? 0),
    milestonesDone: Number(r.milestones_done ?? 0),
    closedPlan: r.closed_on ? { title: r.title, closedOn: r.closed_on, into: r.refreshed_into ?? "its successor" } : null,
  }));
}

/**
 * Every priority of the partnership (or of the plan keyed `planKey`), in plan order (as
 * scorecardPlans orders plans), then by kind and number, with its plan's title, its CTB
 * sponsors and leads (in their order), its indicators (in their order) and its actions
 * counted by state: ONE statement, each list a JSON subquery. The scorecard's priorities and
 * the store's priority summaries (`/plan show`, `/plan priorities`) alike.
 */
export async function scorecardPriorities(db: KyselyDb, partnershipId: number, planKey?: string): Promise<PrioritySummary[]> {
  type Role = { role: "sponsor" | "lead"; id: number; name: string };
  type Indicator = { code: string; name: string; baselineText: string | null };
  const rows = await db
    .selectFrom("priority as pr")
    .innerJoin("plan as p", "p.id", "pr.plan_id")
    .select(["p.key as plan_key", "p.title as plan_title", "pr.number", "pr.title", "pr.obsession", "pr.starting_point"])
    .select((eb) => [
      eb
        .selectFrom("priority_role as r")
        .innerJoin("person as pe", "pe.id", "r.person_id")
        .select((e) =>
          e.fn
            .coalesce(e.fn.agg<Role[]>("json_agg", [jsonBuildObject({ role: sql<Role["role"]>`r.role::text`, id: e.ref("pe.id"), name: e.ref("pe.name") })]).orderBy("r.position").orderBy("pe.id"), sql<Role[]>`'[]'`)
            .as("roles"),
        )
        .whereRef("r.priority_id", "=", "pr.id")
        .as("roles"),
      eb
        .selectFrom("indicator as i")
        .select((e) =>
          e.fn
            .coalesce(
              e.fn.agg<Indicator[]>("json_agg", [jsonBuildObject({ code: e.ref("i.code"), name: e.ref("i.name"), baselineText: e.ref("i.baseline_text") })]).orderBy(sql`i.number nulls last`).orderBy("i.id"),
              sql<Indicator[]>`'[]'`,
            )
            .as("indicators"),
        )
        .whereRef("i.priority_id", "=", "pr.id")
        .as("indicators"),
      eb
        .selectFrom((s) => s.selectFrom("action as a").select((e) => ["a.state", e.fn.countAll<number>().as("n")]).whereRef("a.priority_id", "=", "pr.id").groupBy("a.state").as("c"))
        .select((e) => e.fn.coalesce(sql<Partial<Record<ActionState, number>>>`json_object_agg(c.state, c.n)`, sql<Partial<Record<ActionState, number>>>`'{}'`).as("by_state"))
        .as("by_state"),
    ])
    .where("p.partnership_id", "=", partnershipId)
    .$if(planKey !== undefined, (q) => q.where("p.key", "=", planKey!))
    .orderBy(sql`p.period_start nulls last`)
    .orderBy("p.key")
    .orderBy("pr.kind")
    .orderBy(sql`pr.number nulls last`)
    .orderBy("pr.id")
    .execute();
  return rows.map((p) => {
    const byState: Partial<Record<ActionState, number>> = {};
    for (const [state, n] of Object.entries(p.by_state ?? {})) byState[state as ActionState] = Number(n);
    const roles = p.roles ?? [];
    return {
      planKey: p.plan_key,
      planTitle: p.plan_title,
      number: p.number,
      title: p.title,
      obsession: p.obsession,
      startingPoint: p.starting_point,
      sponsors: roles.filter((r) => r.role === "sponsor").map((r) => ({ id: r.id, name: r.name })),
      leads: roles.filter((r) => r.role === "lead").map((r) => ({ id: r.id, name: r.name })),
      actions: Object.values(byState).reduce((sum, n) => sum + n, 0),
      actionsByState: byState,
      indicators: p.indicators ?? [],
    };
  });
}

/** One page of a plan's actions, in the plan's own order (the order they were loaded in), with their milestones; null when there is no such plan. */
export async function planActionsPage(db: KyselyDb, partnershipId: number, planKey: string, page: number, perPage: number): Promise<PlanPage | null> {
  const plan = await db
    .selectFrom("plan")
    .select(["id", "key", "title", "period_start", "period_end"])
    .where("partnership_id", "=", partnershipId)
    .where("key", "=", planKey)
    .executeTakeFirst();
  if (!plan) return null;
  const [rows, total] = await Promise.all([
    db
      .selectFrom("action as a")
      .leftJoin("priority as pr", "pr.id", "a.priority_id")
      .select(["a.id", "a.ref", "a.title", "a.state", "a.owner_text", "pr.number as priority_number", "pr.title as priority_title"])
      .where("a.plan_id", "=", plan.id)
      .orderBy("a.id")
      .limit(perPage)
      .offset((page - 1) * perPage)
      .execute(),
    db.selectFrom("action").select((eb) => eb.fn.countAll<string>().as("n")).where("plan_id", "=", plan.id).executeTakeFirstOrThrow(),
  ]);
  const milestones = rows.length
    ? await db
        .selectFrom("milestone")
        .select(["action_id", "ref", "text", "due_date", "due_phrase", "done_at", "position"])
        .where("action_id", "=", sql<number>`any(${arrayOf(rows.map((r) => r.id), "int4")})`)
        .orderBy("position")
        .execute()
    : [];
  return {
    plan: { key: plan.key, title: plan.title, periodStart: isoDate(plan.period_start), periodEnd: isoDate(plan.period_end) },
    actions: rows.map((a) => ({
      ref: a.ref,
      title: a.title,
      state: a.state as ActionState,
      ownerText: a.owner_text,
      priority: a.priority_title === null ? null : { number: a.priority_number, title: a.priority_title },
      milestones: milestones
        .filter((m) => m.action_id === a.id)
        .map((m) => ({ ref: m.ref, text: m.text, dueDate: isoDate(m.due_date), duePhrase: m.due_phrase, doneAt: m.done_at, position: m.position })),
    })),
    total: Number(total.n),
  };
}

export interface PublicSigner {
  name: string;
  onBehalfOf: string;
  commitment: string;
  signedAt: Date;
}

export interface PublicRegister {
  /** Everyone who has signed and not withdrawn, public or not: the count the register states. */
  signers: number;
  /** Public signers only, newest first, one page of them. */
  public: PublicSigner[];
  publicTotal: number;
  lastChanged: Date | null;
}

/**
 * A pledge's register as the public may see it, current when asked. Private signers are
 * counted in the database and never read: their names and commitments do not leave it.
 */
export async function publicRegister(db: KyselyDb, pledgeId: number, page: number, perPage: number): Promise<PublicRegister> {
  const [counts, rows] = await Promise.all([
    db
      .selectFrom("pledge_signature")
      .select((eb) => [
        eb.fn.count<string>("id").filterWhere("withdrawn_at", "is", null).as("signers"),
        eb.fn.count<string>("id").filterWhere((w) => w.and([w("withdrawn_at", "is", null), w("is_public", "=", true)])).as("public_total"),
        eb.fn.max("signed_at").as("last_signed"),
        eb.fn.max("withdrawn_at").as("last_withdrawn"),
      ])
      .where("pledge_id", "=", pledgeId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("pledge_signature as s")
      .innerJoin("person as pe", "pe.id", "s.person_id")
      .select(["pe.name", "s.on_behalf_of", "s.commitment", "s.signed_at"])
      .where("s.pledge_id", "=", pledgeId)
      .where("s.withdrawn_at", "is", null)
      .where("s.is_public", "=", true)
      .orderBy("s.signed_at", "desc")
      .orderBy("s.id", "desc")
      .limit(perPage)
      .offset((page - 1) * perPage)
      .execute(),
  ]);
  return {
    signers: Number(counts.signers),
    publicTotal: Number(counts.public_total),
    public: rows.map((r) => ({ name: r.name, onBehalfOf: r.on_behalf_of, commitment: r.commitment, signedAt: r.signed_at })),
    lastChanged: latest(counts.last_signed, counts.last_withdrawn),
  };
}

/** When anything in the partnership last changed: its latest audit event (every change writes one), else when it was made. */
export async function partnershipLastChanged(db: KyselyDb, partnershipId: number): Promise<Date | null> {
  const row = await db
    .selectFrom("partnership as p")
    .select((eb) => [
      "p.created_at",
      eb.selectFrom("audit_event as e").select("e.at").whereRef("e.partnership_id", "=", "p.id").orderBy("e.at", "desc").limit(1).as("last_change"),
    ])
    .where("p.id", "=", partnershipId)
    .executeTakeFirst();
  return row ? (row.last_change ?? row.created_at) : null;
}

/**
 * When an indicator's page last changed: the latest of its recorded readings and of the audited
 * changes to it (a target, the forecast, the tolerance, the periodicity, the owner), since each of
 * those changes the report card, the RAG or the chart. Null when nothing was ever recorded.
 */
export async function indicatorLastChanged(db: KyselyDb, indicatorId: number): Promise<Date | null> {
  const [reading, change] = await Promise.all([
    db.selectFrom("indicator_reading").select((eb) => eb.fn.max("recorded_at").as("at")).where("indicator_id", "=", indicatorId).executeTakeFirst(),
    db
      .selectFrom("audit_event as e")
      .innerJoin("indicator as i", (join) => join.onRef("i.partnership_id", "=", "e.partnership_id").on("i.id", "=", indicatorId))
      .select("e.at")
      .where("e.subject_type", "=", "indicator")
      .where("e.subject_id", "=", indicatorId)
      .orderBy("e.at", "desc")
      .limit(1)
      .executeTakeFirst(),
  ]);
  return latest(reading?.at ?? null, change?.at ?? null);
}

/** The pledges of a partnership, newest first, for the scorecard's list of registers: id, title and current signers. */
export async function pledgeList(db: KyselyDb, partnershipId: number): Promise<{ id: number; title: string; signers: number }[]> {
  const rows = await db
    .selectFrom("pledge as pl")
    .select((eb) => [
      "pl.id",
      "pl.title",
      eb.selectFrom("pledge_signature as s").select((e) => e.fn.countAll<string>().as("n")).whereRef("s.pledge_id", "=", "pl.id").where("s.withdrawn_at", "is", null).as("signers"),
    ])
    .where("pl.partnership_id", "=", partnershipId)
    .orderBy("pl.id", "desc")
    .limit(100)
    .execute();
  return rows.map((r) => ({ id: r.id, title: r.title, signers: Number(r.signers) }));
}

/** The latest of some instants, ignoring the missing. */
export function latest(...instants: (Date | null | undefined)[]): Date | null {
  let found: Date | null = null;
  for (const at of instants) if (at && (!found || at > found)) found = at;
  return found;
}

/**
 * A plan's key as stored, for a key typed in another case ("CYPP-2011-15" for "cypp-2011-15"),
 * so that the plan's web page has one address; null when no plan, or more than one, of the
 * partnership has that key in any case.
 */
export async function planKeyAnyCase(db: KyselyDb, partnershipId: number, typed: string): Promise<string | null> {
  const rows = await db
    .selectFrom("plan")
    .select("key")
    .where("partnership_id", "=", partnershipId)
    .where(sql<string>`lower(key)`, "=", typed.toLowerCase())
    .limit(2)
    .execute();
  return rows.length === 1 ? rows[0]!.key : null;
}
