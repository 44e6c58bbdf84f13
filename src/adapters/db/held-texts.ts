// The personal-data guard's rows: held requests (purged once decided or expired) and the
// partnership's policy. Audit events carry the kinds found, never the values. A hold is one
// statement with its audit event and receipt; a decision settles the hold with the change it
// runs (receipts.ts, `settledWith`).
import { sql } from "kysely";
import type { PrismaClient } from "../../../generated/prisma/client.ts";
import type { HeldDecision, HeldTextRecord, HeldTextStore } from "../../commands/held-texts.ts";
import type { ActionRead, ChangeContext, GuardContext } from "../../commands/store.ts";
import type { Origin, Person } from "../../domain/model.ts";
import { replayFor, type Reply } from "../../domain/reply.ts";
import { guardPolicyFrom, kindCounts, type Finding } from "../../domain/privacy/guard.ts";
import { changeInContext, writeAudit } from "./audit.ts";
import { compileOnly as db, runCompiled } from "./kysely.ts";
import type { PlannedChange } from "./change-planner.ts";
import { privacyAsReadFrom, privacyAsReadQuery, type PrivacyRow } from "./privacy-policy.ts";
import { changedWithReceipt, settleHeld, storedReplyQuery } from "./receipts.ts";
import type { SqlRunner } from "./sql-runner.ts";

type HeldRow = {
  id: number;
  token: string;
  personId: number;
  command: string;
  text: string;
  findings: unknown;
  outcome: string;
  origin: unknown;
  createdAt: Date;
  expiresAt: Date;
};

const toRecord = (row: HeldRow): HeldTextRecord => ({
  id: row.id,
  token: row.token,
  personId: row.personId,
  command: row.command,
  text: row.text,
  findings: row.findings as Finding[],
  outcome: row.outcome === "block" ? "block" : "ask",
  origin: row.origin as Origin,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
});

/** The JSON `guardContextQuery` gives. */
export type GuardContextRow = { policy: Record<string, string> | null; names: string[]; emails: string[] };

/**
 * What the guard checks text against (`GuardContext`): the partnership's policy as stored and
 * its people's names and emails (emails lower-cased), as one JSON value (`GuardContextRow`): a
 * scalar subquery for a statement that reads more beside it (invocation-reads.ts), or alone.
 */
export function guardContextQuery(partnershipId: number) {
  const people = db.selectFrom("person as p").where("p.partnership_id", "=", partnershipId);
  return db
    .selectFrom("partnership as pa")
    .select(
      sql<GuardContextRow>`json_build_object(
        'policy', pa.privacy_policy,
        'names', (${people.select(sql<string[]>`coalesce(json_agg(p.name), '[]')`.as("names"))}),
        'emails', (${people.select(sql<string[]>`coalesce(json_agg(lower(p.email)) FILTER (WHERE p.email IS NOT NULL), '[]')`.as("emails"))}))`.as("guard_context"),
    )
    .where("pa.id", "=", partnershipId);
}

/** `guardContextQuery`'s JSON as the guard takes it (the default policy when none was read). Pure. */
export function guardContextFrom(row: GuardContextRow | null): GuardContext {
  return {
    policy: guardPolicyFrom(row?.policy ?? null),
    known: { names: row?.names ?? [], emails: new Set(row?.emails ?? []) },
  };
}

/** The JSON `heldAsReadQuery` gives: the held_text row, by its columns. */
export type HeldAsReadRow = {
  id: number;
  token: string;
  person_id: number;
  command: string;
  text: string;
  findings: Finding[];
  outcome: string;
  origin: Origin;
  line_read: ActionRead | null;
  created_at: string;
  expires_at: string;
};

/** A hold by its token, as one JSON value (`HeldAsReadRow`), for a statement that reads more beside it (invocation-reads.ts); null when none is held under it. */
export function heldAsReadQuery(partnershipId: number, token: string) {
  return db
    .selectFrom("held_text as h")
    .select(sql<HeldAsReadRow>`row_to_json(h)`.as("held"))
    .where("h.partnership_id", "=", partnershipId)
    .where("h.token", "=", token);
}

/**
 * One field of what a hold's line reads (`line_read`: "ref" or "planKey"), as an expression of
 * the statement that reads the hold: the action it names is read in that same statement.
 */
export function heldLineRead(partnershipId: number, token: string, field: "ref" | "planKey") {
  return db
    .selectFrom("held_text as h")
    .select(sql<string>`h.line_read ->> ${sql.lit(field)}`.as("value"))
    .where("h.partnership_id", "=", partnershipId)
    .where("h.token", "=", token)
    .$asScalar();
}

/** `heldAsReadQuery`'s JSON as a record, with the line's read kept with it. Pure. */
export function heldFromRow(row: HeldAsReadRow): { record: HeldTextRecord; lineRead: ActionRead | null } {
  return {
    record: toRecord({
      id: row.id,
      token: row.token,
      personId: row.person_id,
      command: row.command,
      text: row.text,
      findings: row.findings,
      outcome: row.outcome,
      origin: row.origin,
      createdAt: new Date(row.created_at),
      expiresAt: new Date(row.expires_at),
    }),
    lineRead: row.line_read && typeof row.line_read.ref === "string" ? { ref: row.line_read.ref, ...(row.line_read.planKey ? { planKey: row.line_read.planKey } : {}) } : null,
  };
}

type HoldInput = Parameters<HeldTextStore["hold"]>[0];

/**
 * A hold as one planned change (receipts.ts, `changedWithReceipt`): the row inserted unless its
 * request key is held already, its "privacy.held" event on the new row, and the partnership's
 * expired holds purged.
 */
function plannedHold(input: HoldInput, ctx: ChangeContext): PlannedChange {
  const json = (value: unknown) => sql<unknown>`cast(${JSON.stringify(value)} as jsonb)`;
  const row = db.selectNoFrom([
    sql<number>`${input.partnershipId}::int`.as("partnership_id"),
    sql<number>`${input.actor.id}::int`.as("person_id"),
    sql<string>`${input.token}::text`.as("token"),
    sql<string>`${input.requestKey}::text`.as("request_key"),
    sql<string>`${input.command}::text`.as("command"),
    sql<string>`${input.text}::text`.as("text"),
    json(input.findings).as("findings"),
    sql<string>`${input.outcome}::text`.as("outcome"),
    json({ ...input.origin }).as("origin"),
    (input.lineRead ? json(input.lineRead) : sql<unknown>`NULL::jsonb`).as("line_read"),
    sql<Date>`${input.at}::timestamptz`.as("created_at"),
    sql<Date>`${input.expiresAt}::timestamptz`.as("expires_at"),
  ]);
  return {
    changed: (alsoWhere) =>
      db
        .insertInto("held_text")
        .columns(["partnership_id", "person_id", "token", "request_key", "command", "text", "findings", "outcome", "origin", "line_read", "created_at", "expires_at"])
        .expression(row.where(alsoWhere))
        .onConflict((oc) => oc.columns(["partnership_id", "request_key"]).doNothing())
        .returning("id"),
    audit: changeInContext(ctx, "privacy.held", { type: "held_text", id: 0 }, undefined, {
      command: input.command.split(" ")[0] ?? input.command,
      outcome: input.outcome,
      kinds: kindCounts(input.findings),
    }),
    auditSubjectIsChanged: true,
    followedBy: [(with_) => with_.deleteFrom("held_text").where("partnership_id", "=", input.partnershipId).where("expires_at", "<=", input.at)],
  };
}

export class PrismaHeldTextStore implements HeldTextStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlRunner,
  ) {}

  async guardContext(partnershipId: number): Promise<GuardContext> {
    const [row] = await runCompiled(this.sql, guardContextQuery(partnershipId));
    return guardContextFrom(row?.guard_context ?? null);
  }

  async hold(input: HoldInput, prompt: (record: HeldTextRecord) => Reply): Promise<Reply> {
    // The prompt shows the hold as it will be kept: its token and when it expires (its id is the statement's).
    const { token, command, text, findings, outcome, origin, at: createdAt, expiresAt } = input;
    const reply = prompt({ id: 0, token, personId: input.actor.id, command, text, findings, outcome, origin, createdAt, expiresAt });
    const ctx: ChangeContext = { partnershipId: input.partnershipId, actor: input.actor, origin: input.origin, idempotencyKey: input.requestKey, ...(input.request ? { request: input.request } : {}), at: input.at };
    // One statement; it holds nothing when the key is held or answered already (a retry, a twin),
    // and fails when a twin's reply committed meanwhile: either way the key's reply, or the row held, answers.
    const [row] = await runCompiled(this.sql, changedWithReceipt(plannedHold(input, ctx), ctx, reply)).catch(() => []);
    if (row?.changed === 1) return reply;
    const [seen] = await runCompiled(this.sql, storedReplyQuery(input.partnershipId, input.requestKey));
    if (seen) return replayFor(seen.reply, input.request);
    return prompt(await this.holdInTransaction(input));
  }

  /** The hold made in a transaction, or the row already held under its request key: for a hold whose statement held nothing and found no reply. */
  private async holdInTransaction(input: HoldInput): Promise<HeldTextRecord> {
    return this.prisma.$transaction(async (tx) => {
      await tx.heldText.deleteMany({ where: { partnershipId: input.partnershipId, expiresAt: { lte: input.at } } });
      const existing = await tx.heldText.findUnique({ where: { partnershipId_requestKey: { partnershipId: input.partnershipId, requestKey: input.requestKey } } });
      if (existing) return toRecord(existing);
      const row = await tx.heldText.create({
        data: {
          partnershipId: input.partnershipId,
          personId: input.actor.id,
          token: input.token,
          requestKey: input.requestKey,
          command: input.command,
          text: input.text,
          findings: input.findings as object[],
          outcome: input.outcome,
          origin: { ...input.origin },
          ...(input.lineRead ? { lineRead: { ...input.lineRead } } : {}),
          createdAt: input.at,
          expiresAt: input.expiresAt,
        },
      });
      await writeAudit(tx, {
        partnershipId: input.partnershipId,
        actorId: input.actor.id,
        event: "privacy.held",
        subject: { type: "held_text", id: row.id },
        after: { command: input.command.split(" ")[0] ?? input.command, outcome: input.outcome, kinds: kindCounts(input.findings) },
        origin: input.origin,
        idempotencyKey: input.requestKey,
        at: input.at,
      });
      return toRecord(row);
    });
  }

  async findHeld(partnershipId: number, token: string, now: Date): Promise<HeldTextRecord | null> {
    const row = await this.prisma.heldText.findFirst({ where: { partnershipId, token, expiresAt: { gt: now } } });
    return row ? toRecord(row) : null;
  }

  async settle(
    held: HeldTextRecord,
    decision: HeldDecision,
    ctx: { partnershipId: number; actor: Person; origin: Origin; at: Date },
    answer?: { key: string; request?: string; reply: Reply },
  ): Promise<boolean> {
    const settles = { held, decision, ...(answer ? { key: answer.key, ...(answer.request ? { request: answer.request } : {}) } : {}), settled: false };
    const change: ChangeContext & { settles: typeof settles } = { ...ctx, idempotencyKey: answer?.key ?? `held:${held.token}`, settles };
    return settleHeld(this.sql, change, answer?.reply ?? null);
  }

  async heldCounts(partnershipId: number, since: Date) {
    const query = privacyAsReadQuery(partnershipId, since).compile();
    const [row] = await this.prisma.$queryRawUnsafe<{ privacy: PrivacyRow }[]>(query.sql, ...query.parameters);
    return privacyAsReadFrom(row?.privacy ?? null).held ?? [];
  }
}
