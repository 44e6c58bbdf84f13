import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { ChangeOutcome } from "../../commands/store.ts";
import type { Publication, WebSection } from "../../domain/web/publishing.ts";
import { compileOnly as db, runCompiled, type KyselyDb } from "./kysely.ts";
import { changeInContext } from "./audit.ts";
import { OnePlannedChange, type InsertedRow } from "./change-planner.ts";
import type { Queryable } from "./sql-runner.ts";

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

/** The JSON `publicationAsReadQuery` gives. */
export type PublicationAsReadRow = Pick<Row, "indicators_public" | "plans_public" | "pledges_public">;

/**
 * What the partnership's web pages publish, as one JSON value (`PublicationAsReadRow`; none
 * when it never published): a scalar subquery for a statement that reads more beside it
 * (invocation-reads.ts), or alone (`Store.publicationOf`). Makes no row.
 */
export function publicationAsReadQuery(partnershipId: number) {
  const read = db.selectFrom("web_publication as wp").select(["wp.indicators_public", "wp.plans_public", "wp.pledges_public"]).where("wp.partnership_id", "=", partnershipId);
  return db.selectFrom(read.as("pub")).select(sql<PublicationAsReadRow>`row_to_json(pub)`.as("publication"));
}

/** `publicationAsReadQuery`'s JSON as a Publication. Pure. */
export const publicationAsReadFrom = (row: PublicationAsReadRow): Publication => ({ indicators: row.indicators_public, plans: row.plans_public, pledges: row.pledges_public });

/** The partnership's row, found only while it publishes as `asRead` (or, for null, while it has none): the guard of a change decided on it. */
function publicationAsRead(partnershipId: number, asRead: Publication | null) {
  const query = db.selectFrom("partnership as pa").select("pa.id").where("pa.id", "=", partnershipId);
  const row = db.selectFrom("web_publication as wp").select("wp.partnership_id").where("wp.partnership_id", "=", partnershipId);
  return asRead === null
    ? query.where((eb) => eb.not(eb.exists(row)))
    : query.where((eb) => eb.exists(row.where("wp.indicators_public", "=", asRead.indicators).where("wp.plans_public", "=", asRead.plans).where("wp.pledges_public", "=", asRead.pledges)));
}

/**
 * One section of the web pages planned from the publication as read: the update guarded by all
 * three sections as read (the audit's "before" and the reply's list), or, for a partnership
 * that never published, the row's insert with a fresh link key (a twin's insert wins, and this
 * one is then decided again on it); its audit event ("web.published", "web.unpublished"). A
 * section already so is answered from the read, and makes no row.
 */
export class PlannedPublicationChange extends OnePlannedChange {
  async setSectionPublished(section: WebSection, on: boolean, asRead: Publication | null): Promise<ChangeOutcome<Publication>> {
    this.once();
    const { partnershipId, actor, at } = this.ctx;
    const now = asRead ?? { indicators: false, plans: false, pledges: false };
    if (now[section] === on) {
      this.unchangedAsRead = publicationAsRead(partnershipId, asRead);
      return { applied: false, reason: "unchanged" };
    }
    const after = { ...now, [section]: on };
    const audit = changeInContext(this.ctx, on ? "web.published" : "web.unpublished", { type: "web_section", id: partnershipId, ref: section }, { [section]: now[section] }, { [section]: on });
    const columns = { indicators_public: after.indicators, plans_public: after.plans, pledges_public: after.pledges, updated_at: at, updated_by_id: actor.id };
    if (asRead === null) {
      const linkKey = randomBytes(32).toString("base64url");
      const inserted: InsertedRow = (alsoWhere) =>
        db
          .insertInto("web_publication")
          .columns(["partnership_id", "link_key", "indicators_public", "plans_public", "pledges_public", "updated_at", "updated_by_id"])
          .expression(
            db
              .selectNoFrom((eb) => [
                eb.val(partnershipId).as("partnership_id"),
                eb.val(linkKey).as("link_key"),
                eb.val(after.indicators).as("indicators_public"),
                eb.val(after.plans).as("plans_public"),
                eb.val(after.pledges).as("pledges_public"),
                eb.val(at).as("updated_at"),
                eb.val(actor.id).as("updated_by_id"),
              ])
              .where(alsoWhere),
          )
          .onConflict((oc) => oc.column("partnership_id").doNothing())
          .returning("partnership_id as id");
      this.planned = { changed: inserted, audit };
    } else {
      this.planned = {
        changed: db
          .updateTable("web_publication as wp")
          .set(columns)
          .where("wp.partnership_id", "=", partnershipId)
          .where("wp.indicators_public", "=", asRead.indicators)
          .where("wp.plans_public", "=", asRead.plans)
          .where("wp.pledges_public", "=", asRead.pledges)
          .returning("wp.partnership_id as id"),
        audit,
      };
    }
    return { applied: true, value: after };
  }
}

/**
 * The publication as a transaction reads it to decide on (receipts.ts, `changeOnce`): the row
 * made first if there is none (nothing public, a fresh key), then locked. Two statements.
 */
export async function lockPublication(tx: Queryable, partnershipId: number): Promise<Publication> {
  await runCompiled(tx, db.insertInto("web_publication").values({ partnership_id: partnershipId, link_key: randomBytes(32).toString("base64url") }).onConflict((oc) => oc.column("partnership_id").doNothing()));
  const [row] = await runCompiled(tx, db.selectFrom("web_publication").select(["indicators_public", "plans_public", "pledges_public"]).where("partnership_id", "=", partnershipId).forUpdate());
  return publicationAsReadFrom(row!);
}
