import { sql } from "kysely";
import type { TeamView } from "../../commands/store.ts";
import { compileOnly, runCompiled } from "./kysely.ts";
import type { Queryable } from "./sql-runner.ts";

/** A team row as `teamsQuery` selects it (members as JSON, owned refs unsorted). */
export type TeamRow = { id: number; name: string; kind: TeamView["kind"]; members: { id: number; name: string }[]; owns: string[] };

/**
 * Every team and organisation of the partnership, by name, each with its members (by name) and
 * the refs of the actions it owns: the query behind `teams`, uncompiled, for a statement that
 * reads more beside it (invocation-reads.ts).
 */
export function teamsQuery(partnershipId: number) {
  return compileOnly
    .selectFrom("team as t")
    .select((eb) => [
      "t.id",
      "t.name",
      eb.cast<TeamView["kind"]>("t.kind", "text").as("kind"),
      eb.fn
        .coalesce(
          eb
            .selectFrom("team_member as tm")
            .innerJoin("person as p", "p.id", "tm.person_id")
            .select(sql<{ id: number; name: string }[]>`json_agg(json_build_object('id', p.id, 'name', p.name) order by p.name)`.as("members"))
            .whereRef("tm.team_id", "=", "t.id"),
          sql<{ id: number; name: string }[]>`'[]'::json`,
        )
        .as("members"),
      eb.fn
        .coalesce(
          eb.selectFrom("action_owner as ao").innerJoin("action as a", "a.id", "ao.action_id").select((s) => s.fn.agg<string[]>("array_agg", ["a.ref"]).as("owns")).whereRef("ao.team_id", "=", "t.id"),
          sql<string[]>`'{}'::text[]`,
        )
        .as("owns"),
    ])
    .where("t.partnership_id", "=", partnershipId)
    .orderBy("t.name");
}

/** A row of `teamsQuery` as a TeamView: the refs it owns in ref order (ATT-2 before ATT-10). */
export const teamFromRow = (row: TeamRow): TeamView => ({ ...row, owns: [...row.owns].sort((a, b) => a.localeCompare(b, "en", { numeric: true })) });

/** Every team and organisation of the partnership with members and owned actions, by name (`Store.teams`). One statement. */
export async function teams(db: Queryable, partnershipId: number): Promise<TeamView[]> {
  return (await runCompiled(db, teamsQuery(partnershipId))).map(teamFromRow);
}
