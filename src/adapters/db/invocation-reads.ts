import { sql, type CompiledQuery } from "kysely";
import { Prisma } from "../../../generated/prisma/client.ts";
import type { ActionRead, InvocationReads, PlatformIdentity } from "../../commands/store.ts";
import type { Reply } from "../../domain/reply.ts";
import { compileOnly } from "./kysely.ts";
import { personByIdentityQuery, personByIdQuery, toPerson, type PersonRow } from "./people.ts";
import { sighting, storedReply } from "./receipts.ts";
import type { Queryable } from "./sql-runner.ts";
import { StatementShapes } from "./statement-shapes.ts";
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

type ReadShape = { byId: boolean; read: boolean; planKey: boolean; key: boolean; sight: boolean };
type ReadValues = { partnershipId: number; personId?: number; platform?: string; tenant?: string; userId?: string; ref?: string; planKey?: string; key?: string; sight?: string };

/** The statement behind `readInvocation`, built once for each of its shapes. */
const readStatements = new StatementShapes<ReadShape, ReadValues>((shape, v) => {
  const person = shape.byId
    ? personByIdQuery(compileOnly, v.partnershipId, v.personId!)
    : personByIdentityQuery(compileOnly, v.partnershipId, { platform: v.platform!, tenant: v.tenant!, userId: v.userId! });
  const stored = shape.key ? Prisma.sql`(${asPart(storedReply(v.partnershipId, v.key!))})` : Prisma.sql`NULL::jsonb`;
  const actions = shape.read ? Prisma.sql`LEFT JOIN LATERAL (${actionsQuery(actionsByRefWhere(v.partnershipId, v.ref!, shape.planKey ? v.planKey : undefined))}) AS found ON true` : Prisma.empty;
  // A delivery's key is sighted in the same statement, once the sender is known to be someone.
  const sighted = shape.sight ? sighting(v.partnershipId, v.sight!, sql<boolean>`EXISTS (SELECT 1 FROM me)`) : null;
  const query = Prisma.sql`
    WITH me AS (${asPart(person.compile())}) ${sighted ? Prisma.sql`, sighted AS (${asPart(sighted)})` : Prisma.empty}
    SELECT (SELECT row_to_json(me) FROM me LIMIT 1) AS me, ${stored} AS stored ${sighted ? Prisma.sql`, EXISTS (SELECT 1 FROM sighted) AS sighted` : Prisma.empty} ${shape.read ? Prisma.sql`, found.*` : Prisma.empty}
    FROM (SELECT 1) AS one ${actions}`;
  return { text: query.text, values: query.values };
});

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
  const shape: ReadShape = { byId: "personId" in who, read: read !== null, planKey: Boolean(read?.planKey), key: key !== null, sight: sight !== undefined };
  const values: ReadValues = {
    partnershipId,
    ...("personId" in who ? { personId: who.personId } : { platform: who.platform, tenant: who.tenant, userId: who.userId }),
    ...(read ? { ref: read.ref, ...(read.planKey ? { planKey: read.planKey } : {}) } : {}),
    ...(key !== null ? { key } : {}),
    ...(sight !== undefined ? { sight } : {}),
  };
  const query = readStatements.bind(shape, values);
  const rows = await db.query<Partial<ActionRow> & { me: PersonRow | null; stored: Reply | null; sighted?: boolean }>(query.text, query.values);
  const first = rows[0];
  return {
    person: first?.me ? toPerson(first.me) : null,
    actions: read === null ? null : rows.filter((row) => row.id != null).map((row) => actionFromRow(row as ActionRow)),
    stored: first?.stored ?? null,
    ...(shape.sight && first?.me ? { sighted: first.sighted === true } : {}),
  };
}
