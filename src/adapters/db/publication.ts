import { randomBytes } from "node:crypto";
import type { Prisma, PrismaClient } from "../../../generated/prisma/client.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { Reply } from "../../domain/reply.ts";
import type { Publication, WebSection } from "../../domain/web/publishing.ts";

const COLUMN: Record<WebSection, "indicatorsPublic" | "plansPublic" | "pledgesPublic"> = {
  indicators: "indicatorsPublic",
  plans: "plansPublic",
  pledges: "pledgesPublic",
};

export interface PublicationRow {
  publication: Publication;
  /** HMAC key for signed page links (base64url, 32 bytes). */
  linkKey: Buffer;
  updatedAt: Date | null;
}

const fromRow = (row: { indicatorsPublic: boolean; plansPublic: boolean; pledgesPublic: boolean; linkKey: string; updatedAt: Date }): PublicationRow => ({
  publication: { indicators: row.indicatorsPublic, plans: row.plansPublic, pledges: row.pledgesPublic },
  linkKey: Buffer.from(row.linkKey, "base64url"),
  updatedAt: row.updatedAt,
});

/** The partnership's row, if it has one yet (never creates it: a page view changes nothing). */
export async function findPublication(prisma: PrismaClient, partnershipId: number): Promise<PublicationRow | null> {
  const found = await prisma.webPublication.findUnique({ where: { partnershipId } });
  return found ? fromRow(found) : null;
}

/**
 * A partnership's web publication row (table web_publication): what is public, and the key
 * its signed links are made with. The row is made on first use with nothing public and a
 * fresh random key; two first uses at once agree on one row (the upsert keeps the first).
 */
export async function readPublication(prisma: PrismaClient, partnershipId: number): Promise<PublicationRow> {
  const found = await prisma.webPublication.findUnique({ where: { partnershipId } });
  if (found) return fromRow(found);
  const made = await prisma.webPublication.upsert({
    where: { partnershipId },
    create: { partnershipId, linkKey: randomBytes(32).toString("base64url") },
    update: {},
  });
  return fromRow(made);
}

/**
 * Turns one section on or off for the partnership, with its audit event and the invocation's
 * receipt in one transaction: a retry (same idempotency key) changes nothing and gets the
 * first reply back. `answer` is told whether anything changed.
 */
export async function setPublished(
  prisma: PrismaClient,
  ctx: ChangeContext,
  section: WebSection,
  on: boolean,
  answer: (changed: boolean, now: Publication) => Reply,
): Promise<Reply> {
  await readPublication(prisma, ctx.partnershipId);
  return prisma.$transaction(async (tx) => {
    const key = { partnershipId_idempotencyKey: { partnershipId: ctx.partnershipId, idempotencyKey: ctx.idempotencyKey } };
    const claimed = await tx.commandReceipt.createMany({
      data: [{ partnershipId: ctx.partnershipId, idempotencyKey: ctx.idempotencyKey, reply: {} }],
      skipDuplicates: true,
    });
    if (claimed.count === 0) return (await tx.commandReceipt.findUniqueOrThrow({ where: key })).reply as unknown as Reply;
    // One conditional update: of two coordinators at once, exactly one changes the row, and the audit's "before" is true.
    const updated = await tx.webPublication.updateMany({
      where: { partnershipId: ctx.partnershipId, [COLUMN[section]]: !on },
      data: { [COLUMN[section]]: on, updatedAt: ctx.at, updatedById: ctx.actor.id },
    });
    const changed = updated.count === 1;
    if (changed) {
      await tx.auditEvent.create({
        data: {
          partnershipId: ctx.partnershipId,
          actorId: ctx.actor.id,
          event: on ? "web.published" : "web.unpublished",
          subjectType: "web_section",
          subjectId: ctx.partnershipId,
          subjectRef: section,
          before: { [section]: !on },
          after: { [section]: on },
          origin: { platform: ctx.origin.platform, tenant: ctx.origin.tenant, channel: ctx.origin.channel },
          idempotencyKey: ctx.idempotencyKey,
          at: ctx.at,
        },
      });
    }
    const after = fromRow(await tx.webPublication.findUniqueOrThrow({ where: { partnershipId: ctx.partnershipId } })).publication;
    const result = answer(changed, after);
    await tx.commandReceipt.update({ where: key, data: { reply: result as unknown as Prisma.InputJsonValue } });
    return result;
  });
}
