import { sql, type Expression, type ExpressionBuilder } from "kysely";
import { jsonBuildObject } from "kysely/helpers/postgres";
import type { PersonStanding } from "../../commands/store.ts";
import type { Person, PersonRole } from "../../domain/model.ts";
import { asRegion, type Region } from "../../domain/schedule/bank-holidays.ts";
import { compileOnly, enumArray, runCompiled, type DB, type KyselyDb } from "./kysely.ts";
import type { Queryable } from "./sql-runner.ts";

/**
 * The one Person row mapper: every read of a person selects `personColumns` (the person's
 * own columns plus the ids of the teams they belong to, in the same statement) and maps
 * the row with `toPerson`.
 */
export function personColumns(eb: ExpressionBuilder<DB & { p: DB["person"] }, "p">) {
  return [
    "p.id",
    "p.name",
    "p.email",
    "p.job_title",
    "p.time_zone",
    enumArray<PersonRole>("p.roles").as("roles"),
    eb.fn
      .coalesce(
        eb.selectFrom("team_member as tm").select((e) => e.fn.agg<number[]>("array_agg", ["tm.team_id"]).as("ids")).whereRef("tm.person_id", "=", "p.id"),
        sql<number[]>`'{}'::int4[]`,
      )
      .as("team_ids"),
  ] as const;
}

export type PersonRow = { id: number; name: string; email: string | null; job_title: string | null; time_zone: string; roles: PersonRole[]; team_ids: number[] };

/** A person row (selected with `personColumns`) as the domain's Person. */
export const toPerson = (row: PersonRow): Person => ({
  id: row.id,
  name: row.name,
  email: row.email,
  roles: row.roles,
  jobTitle: row.job_title,
  timeZone: row.time_zone,
  teamIds: row.team_ids,
});

/** The query behind `personById`, unexecuted, for a statement that reads more beside it. */
export function personByIdQuery(db: KyselyDb, partnershipId: number, id: number) {
  return db.selectFrom("person as p").select(personColumns).where("p.id", "=", id).where("p.partnership_id", "=", partnershipId);
}

/** The person with this id in the partnership, or null. One statement. */
export async function personById(db: KyselyDb, partnershipId: number, id: number): Promise<Person | null> {
  const row = await personByIdQuery(db, partnershipId, id).executeTakeFirst();
  return row ? toPerson(row) : null;
}

/**
 * The people in the partnership whose name or email is `name`, ignoring case (ILIKE, as the
 * caller's text is written), by id, at most 10. One statement, sent as SQL through `db`, the
 * driver's own runner (Database.sql), not through Prisma: curve shell looks its person up
 * before its first prompt, and Prisma's query compiler (WebAssembly, about 100 ms of CPU the
 * first time it is used) is left to load after the prompt. Errors are the database's.
 */
export async function peopleNamed(db: Queryable, partnershipId: number, name: string): Promise<Person[]> {
  const rows = await runCompiled(db, peopleNamedQuery(partnershipId, name));
  return rows.map(toPerson);
}

/** The query behind `peopleNamed`, uncompiled, for a statement that reads more beside it (invocation-reads.ts); `name` may be a column there. */
export function peopleNamedQuery(partnershipId: number, name: string | Expression<string>) {
  return compileOnly
    .selectFrom("person as p")
    .select(personColumns)
    .where("p.partnership_id", "=", partnershipId)
    .where((eb) => eb.or([eb("p.name", "ilike", name), eb("p.email", "ilike", name)]))
    .orderBy("p.id")
    .limit(10);
}

/**
 * The query behind `personByIdentity`, unexecuted, so a test can EXPLAIN the very statement
 * (it runs on platform_identity's unique index and team_member's person index).
 */
export function personByIdentityQuery(db: KyselyDb, partnershipId: number, identity: { platform: string; tenant: string; userId: string }) {
  return db
    .selectFrom("person as p")
    .innerJoin("platform_identity as pi", "pi.person_id", "p.id")
    .select(personColumns)
    .where("pi.platform", "=", identity.platform as DB["platform_identity"]["platform"])
    .where("pi.tenant", "=", identity.tenant)
    .where("pi.user_id", "=", identity.userId)
    .where("p.partnership_id", "=", partnershipId);
}

/** The person a platform user (platform, tenant, user id) is linked to in the partnership, or null. One statement. */
export async function personByIdentity(
  db: KyselyDb,
  partnershipId: number,
  identity: { platform: string; tenant: string; userId: string },
): Promise<Person | null> {
  const row = await personByIdentityQuery(db, partnershipId, identity).executeTakeFirst();
  return row ? toPerson(row) : null;
}

/** Where and when a delivery may reach a person: their zone, quiet hours, platforms and bank holidays. */
export interface Recipient {
  timeZone: string;
  quietStartMinute: number;
  quietEndMinute: number;
  preferredPlatform: string | null;
  platforms: string[];
  /** Their bank holidays: their own region, else their partnership's. */
  region?: Region;
}

/**
 * Where and when a delivery may reach the person `personId` (see `Recipient`): their platforms
 * are those they have an account on, each once, in no particular order ([] for none). Null
 * when there is no such person. One statement.
 */
export async function recipient(db: Queryable, personId: number): Promise<Recipient | null> {
  const query = compileOnly
    .selectFrom("person as p")
    .select((eb) => [
      "p.time_zone",
      "p.quiet_start_minute",
      "p.quiet_end_minute",
      sql<string | null>`${eb.ref("p.preferred_platform")}::text`.as("preferred_platform"),
      eb.fn.coalesce("p.region", eb.selectFrom("partnership as pa").select("pa.region").whereRef("pa.id", "=", "p.partnership_id")).as("region"),
      eb.fn
        .coalesce(
          eb
            .selectFrom("platform_identity as pi")
            .select((pi) => sql<string[]>`array_agg(DISTINCT ${pi.ref("pi.platform")}::text)`.as("platforms"))
            .whereRef("pi.person_id", "=", "p.id"),
          sql<string[]>`'{}'`,
        )
        .as("platforms"),
    ])
    .where("p.id", "=", personId);
  const [row] = await runCompiled(db, query);
  return row
    ? {
        timeZone: row.time_zone,
        quietStartMinute: row.quiet_start_minute,
        quietEndMinute: row.quiet_end_minute,
        preferredPlatform: row.preferred_platform,
        platforms: row.platforms,
        ...(asRegion(row.region) ? { region: asRegion(row.region)! } : {}),
      }
    : null;
}

/** A Slack user whose App Home Curve keeps drawn: the workspace (tenant) and their user id. */
export interface HomeViewer {
  tenant: string;
  userId: string;
}

/**
 * The Slack users of a partnership whose App Home shows a change to these actions: their
 * owners (named, or members of an owning team), their priorities' sponsors and leads, and the
 * person who made the change, each only if they have opened App Home. One statement.
 */
export async function homeViewersConcernedWith(db: KyselyDb, partnershipId: number, actionIds: readonly number[], actorPersonId: number): Promise<HomeViewer[]> {
  if (actionIds.length === 0 && !actorPersonId) return [];
  const ids = actionIds.length ? [...actionIds] : [0];
  const concerned = db
    .selectFrom("action_owner as ao")
    .select("ao.person_id as person_id")
    .where("ao.action_id", "in", ids)
    .where("ao.person_id", "is not", null)
    .union(db.selectFrom("action_owner as ao").innerJoin("team_member as tm", "tm.team_id", "ao.team_id").select("tm.person_id as person_id").where("ao.action_id", "in", ids))
    .union(db.selectFrom("priority_role as r").innerJoin("action as a", "a.priority_id", "r.priority_id").select("r.person_id as person_id").where("a.id", "in", ids))
    .union(db.selectNoFrom(sql<number>`${actorPersonId}::int`.as("person_id")));
  const rows = await db
    .selectFrom("platform_identity as pi")
    .innerJoin("person as p", "p.id", "pi.person_id")
    .select(["pi.tenant", "pi.user_id"])
    .distinct()
    .where("pi.platform", "=", "slack")
    .where("pi.home_opened_at", "is not", null)
    .where("p.partnership_id", "=", partnershipId)
    .where("pi.person_id", "in", concerned)
    .execute();
  return rows.map((r) => ({ tenant: r.tenant, userId: r.user_id }));
}

/**
 * What /curve whoami and a report link say about a person (commands/store.ts, PersonStanding),
 * in ONE statement: the actions they own in the partnership's open plans, themselves or
 * through a team they belong to, with those actions' open milestones; the priorities of open
 * plans they are a CTB sponsor or lead of ("3. Attendance", in the plan's order); and their
 * linked Slack and Teams accounts, oldest first. A refreshed (closed) plan is left out: its
 * open work and its roles were carried into the plan that replaced it, and would count twice.
 */
export async function personStanding(db: Queryable, partnershipId: number, personId: number): Promise<PersonStanding> {
  const owned = compileOnly
    .selectFrom("action as a")
    .innerJoin("plan as pl", "pl.id", "a.plan_id")
    .select("a.id")
    .where("pl.partnership_id", "=", partnershipId)
    .where("pl.closed_at", "is", null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("action_owner as ao")
          .select(sql<number>`1`.as("one"))
          .whereRef("ao.action_id", "=", "a.id")
          .where((o) =>
            o.or([
              o("ao.person_id", "=", personId),
              o.exists(o.selectFrom("team_member as tm").select(sql<number>`1`.as("one")).whereRef("tm.team_id", "=", "ao.team_id").where("tm.person_id", "=", personId)),
            ]),
          ),
      ),
    );
  const [row] = await runCompiled(
    db,
    compileOnly
      .with("owned", () => owned)
      .selectNoFrom((eb) => [
        eb.selectFrom("owned").select((e) => e.fn.countAll<string>().as("n")).as("actions_owned"),
        eb
          .selectFrom("milestone as m")
          .innerJoin("owned as o", "o.id", "m.action_id")
          .select((e) => e.fn.countAll<string>().as("n"))
          .where("m.done_at", "is", null)
          .as("open_milestones"),
        eb
          .selectFrom("priority_role as r")
          .innerJoin("priority as pr", "pr.id", "r.priority_id")
          .innerJoin("plan as pl", "pl.id", "pr.plan_id")
          .select((e) =>
            e.fn
              .coalesce(
                e.fn
                  .agg<{ role: "sponsor" | "lead"; title: string }[]>("json_agg", [
                    jsonBuildObject({ role: sql<"sponsor" | "lead">`r.role::text`, title: sql<string>`concat(pr.number || '. ', pr.title)` }),
                  ])
                  .orderBy("pl.period_start")
                  .orderBy("pl.id")
                  .orderBy("pr.kind")
                  .orderBy("pr.number"),
                sql<{ role: "sponsor" | "lead"; title: string }[]>`'[]'`,
              )
              .as("roles"),
          )
          .where("r.person_id", "=", personId)
          .where("pl.partnership_id", "=", partnershipId)
          .where("pl.closed_at", "is", null)
          .as("roles"),
        eb
          .selectFrom("platform_identity as i")
          .select((e) =>
            e.fn
              .coalesce(
                e.fn.agg<{ platform: string; tenant: string; userId: string }[]>("json_agg", [jsonBuildObject({ platform: sql<string>`i.platform::text`, tenant: e.ref("i.tenant"), userId: e.ref("i.user_id") })]).orderBy("i.id"),
                sql<{ platform: string; tenant: string; userId: string }[]>`'[]'`,
              )
              .as("identities"),
          )
          .where("i.person_id", "=", personId)
          .as("identities"),
      ]),
  );
  const roles = row?.roles ?? [];
  return {
    actionsOwned: Number(row?.actions_owned ?? 0),
    openMilestones: Number(row?.open_milestones ?? 0),
    sponsorOf: roles.filter((r) => r.role === "sponsor").map((r) => r.title),
    leadOf: roles.filter((r) => r.role === "lead").map((r) => r.title),
    identities: row?.identities ?? [],
  };
}
