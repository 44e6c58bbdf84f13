// The personal-data guard's rows: held requests (purged once decided or expired) and the
// partnership's policy. Audit events carry the kinds found, never the values.
import type { PrismaClient } from "../../../generated/prisma/client.ts";
import type { HeldDecision, HeldTextRecord, HeldTextStore } from "../../commands/held-texts.ts";
import type { Origin, Person } from "../../domain/model.ts";
import { guardPolicyFrom, type Finding } from "../../domain/privacy/guard.ts";
import { writeAudit } from "./audit.ts";
import { privacyAsReadFrom, privacyAsReadQuery, type PrivacyRow } from "./privacy-policy.ts";

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

const kindCounts = (findings: readonly Finding[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  return counts;
};

export class PrismaHeldTextStore implements HeldTextStore {
  constructor(private readonly prisma: PrismaClient) {}

  async guardContext(partnershipId: number) {
    const [partnership, people] = await Promise.all([
      this.prisma.partnership.findUnique({ where: { id: partnershipId }, select: { privacyPolicy: true } }),
      this.prisma.person.findMany({ where: { partnershipId }, select: { name: true, email: true } }),
    ]);
    return {
      policy: guardPolicyFrom(partnership?.privacyPolicy as Record<string, string> | null),
      known: { names: people.map((p) => p.name), emails: new Set(people.flatMap((p) => (p.email ? [p.email.toLowerCase()] : []))) },
    };
  }

  async hold(input: Parameters<HeldTextStore["hold"]>[0]): Promise<HeldTextRecord> {
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

  async settle(held: HeldTextRecord, decision: HeldDecision, ctx: { partnershipId: number; actor: Person; origin: Origin; at: Date }): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.heldText.deleteMany({ where: { id: held.id, partnershipId: ctx.partnershipId } });
      if (count === 0) return false;
      await writeAudit(tx, {
        partnershipId: ctx.partnershipId,
        actorId: ctx.actor.id,
        event: "privacy.decided",
        subject: { type: "held_text", id: held.id },
        before: { outcome: held.outcome, kinds: kindCounts(held.findings) },
        after: { decision },
        origin: ctx.origin,
        at: ctx.at,
      });
      return true;
    });
  }

  async heldCounts(partnershipId: number, since: Date) {
    const query = privacyAsReadQuery(partnershipId, since).compile();
    const [row] = await this.prisma.$queryRawUnsafe<{ privacy: PrivacyRow }[]>(query.sql, ...query.parameters);
    return privacyAsReadFrom(row?.privacy ?? null).held ?? [];
  }
}
