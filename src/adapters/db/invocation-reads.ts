import { sql, type CompiledQuery } from "kysely";
import { Prisma } from "../../../generated/prisma/client.ts";
import type { ActionRead, InvocationReads, PlatformIdentity } from "../../commands/store.ts";
import type { Reply } from "../../domain/reply.ts";
import { compileOnly } from "./kysely.ts";
import { personByIdentityQuery, personByIdQuery, toPerson, type PersonRow } from "./people.ts";
import { sighting, storedReply } from "./receipts.ts";
import type { Queryable } from "./sql-runner.ts";
import { actionFromRow, actionsByRefWhere, actionsQuery, type ActionRow } from "./view-queries.ts";

/**
 * A typed query, compiled, as a part of a hand-written statement (view-queries.ts composes
 * with Prisma.sql). Kysely numbers its parameters $1, $2 … in the order they appear; anything
 * else is refused rather than mis-bound.
 */
function asPart(query: CompiledQuery): Prisma.Sql {
  const numbers = [...query.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  if (numbers.length !== query.parameters.length || numbers.some((n, i) => n !== i + 1)) throw new Error("a compiled query's parameters are not in order");
  return new Prisma.Sql(query.sql.split(/\$\d+/), query.parameters as unknown[]);
}

/**
 * What an invocation needs before its command runs, in ONE statement: who is asking (by person
 * id, or by a linked platform identity), the actions its command will read (those
 * `findActionsByRef` would return for `read`; null when `read` is null), and the reply stored
 * for `key` (null when none, or the key is only sighted, or `key` is null).
 */
export async function readInvocation(
  db: Queryable,
  partnershipId: number,
  who: { personId: number } | PlatformIdentity,
  read: ActionRead | null,
  key: string | null,
  sight?: string,
): Promise<InvocationReads> {
  const person = "personId" in who ? personByIdQuery(compileOnly, partnershipId, who.personId) : personByIdentityQuery(compileOnly, partnershipId, who);
  const stored = key === null ? Prisma.sql`NULL::jsonb` : Prisma.sql`(${asPart(storedReply(partnershipId, key))})`;
  const actions = read === null ? Prisma.empty : Prisma.sql`LEFT JOIN LATERAL (${actionsQuery(actionsByRefWhere(partnershipId, read.ref, read.planKey))}) AS found ON true`;
  // A delivery's key is sighted in the same statement, once the sender is known to be someone.
  const sighted = sight === undefined ? null : sighting(partnershipId, sight, sql<boolean>`EXISTS (SELECT 1 FROM me)`);
  const query = Prisma.sql`
    WITH me AS (${asPart(person.compile())}) ${sighted ? Prisma.sql`, sighted AS (${asPart(sighted)})` : Prisma.empty}
    SELECT (SELECT row_to_json(me) FROM me LIMIT 1) AS me, ${stored} AS stored ${sighted ? Prisma.sql`, EXISTS (SELECT 1 FROM sighted) AS sighted` : Prisma.empty} ${read === null ? Prisma.empty : Prisma.sql`, found.*`}
    FROM (SELECT 1) AS one ${actions}`;
  const rows = await db.query<Partial<ActionRow> & { me: PersonRow | null; stored: Reply | null; sighted?: boolean }>(query.text, query.values);
  const first = rows[0];
  return {
    person: first?.me ? toPerson(first.me) : null,
    actions: read === null ? null : rows.filter((row) => row.id != null).map((row) => actionFromRow(row as ActionRow)),
    stored: first?.stored ?? null,
    ...(sighted && first?.me ? { sighted: first.sighted === true } : {}),
  };
}
