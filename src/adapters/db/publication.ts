import { randomBytes } from "node:crypto";
import type { ChangeContext } from "../../commands/store.ts";
import { replayFor, type Reply } from "../../domain/reply.ts";
import type { Publication, WebSection } from "../../domain/web/publishing.ts";
import type { KyselyDb } from "./kysely.ts";
import type { Database } from "./open-database.ts";
import { changeInContext, writeAudit } from "./audit.ts";
import { claimReceipt, receiptReply, storedReply } from "./receipts.ts";

const COLUMN = { indicators: "indicators_public", plans: "plans_public", pledges: "pledges_public" } as const satisfies Record<WebSection, string>;

export interface PublicationRow {
  publication: Publication;
  /** HMAC key for signed page links (32 bytes). */
  linkKey: Buffer;
}

type Row = { indicators_public: boolean; plans_public: boolean; pledges_public: boolean; link_key: string };
const fromRow = (row: Row): PublicationRow => ({
  publication: { indicators: row.indicators_public, plans: row.plans_public, pledges: row.pledges_public },
  linkKey: Buffer.from(row.link_key, "base64url"),
});

const COLUMNS = ["indicators_public", "plans_public", "pledges_public", "link_key"] as const;

/** The partnership's row in web_publication, if it has one yet (never creates it: a page view changes nothing). One statement. */
export async function findPublication(db: KyselyDb, partnershipId: number): Promise<PublicationRow | null> {
  const row = await db.selectFrom("web_publication").select(COLUMNS).where("partnership_id", "=", partnershipId).executeTakeFirst();
  return row ? fromRow(row) : null;
}

/**
 * A partnership's web publication: what is public, and the key its signed links are made
 * with. The row is made on first use with nothing public and a fresh random key; of two
 * first uses at once, the first insert wins and both read its key.
 */
export async function readPublication(db: KyselyDb, partnershipId: number): Promise<PublicationRow> {
  const found = await findPublication(db, partnershipId);
  if (found) return found;
  await db
    .insertInto("web_publication")
    .values({ partnership_id: partnershipId, link_key: randomBytes(32).toString("base64url") })
    .onConflict((oc) => oc.column("partnership_id").doNothing())
    .execute();
  return (await findPublication(db, partnershipId))!;
}

/**
 * Turns one section on or off, with its audit event and the invocation's receipt in one
 * transaction: a retry (same idempotency key) changes nothing and gets the first reply back.
 * The update is conditional, so of two coordinators at once exactly one changes the row and
 * the audit's "before" is true. `answer` is told whether anything changed.
 */
export async function setPublished(db: Database, ctx: ChangeContext, section: WebSection, on: boolean, answer: (changed: boolean, now: Publication) => Reply): Promise<Reply> {
  await readPublication(db.kysely, ctx.partnershipId);
  return db.transaction(async (tx) => {
    const claimed = await tx.executeQuery(claimReceipt(ctx.partnershipId, ctx.idempotencyKey));
    if (claimed.rows.length === 0) {
      const seen = await tx.executeQuery(storedReply(ctx.partnershipId, ctx.idempotencyKey));
      // Marked, so the conversation pipeline does not repeat the first delivery's effects.
      return replayFor(seen.rows[0]!.reply, ctx.request);
    }
    const changed = await tx
      .updateTable("web_publication")
      .set({ [COLUMN[section]]: on, updated_at: ctx.at, updated_by_id: ctx.actor.id })
      .where("partnership_id", "=", ctx.partnershipId)
      .where(COLUMN[section], "=", !on)
      .returning("partnership_id")
      .executeTakeFirst();
    if (changed) {
      const event = on ? "web.published" : "web.unpublished";
      await writeAudit(tx, changeInContext(ctx, event, { type: "web_section", id: ctx.partnershipId, ref: section }, { [section]: !on }, { [section]: on }));
    }
    const now = await tx.selectFrom("web_publication").select(COLUMNS).where("partnership_id", "=", ctx.partnershipId).executeTakeFirstOrThrow();
    const result = answer(Boolean(changed), fromRow(now).publication);
    await tx
      .updateTable("command_receipt")
      .set({ reply: receiptReply(ctx, result) })
      .where("partnership_id", "=", ctx.partnershipId)
      .where("idempotency_key", "=", ctx.idempotencyKey)
      .execute();
    return result;
  });
}
