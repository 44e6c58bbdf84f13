// A platform account linked to a person (/curve link): whom it is linked to now is read with the
// person asking, and the link is made in one statement planned from that (receipts.ts, `changedOnce`).
import { sql } from "kysely";
import type { PlatformIdentity } from "../../commands/store.ts";
import type { Person } from "../../domain/model.ts";
import { changeInContext } from "./audit.ts";
import { compileOnly as db, type DB } from "./kysely.ts";
import { NeedsTransaction, OnePlannedChange, type InsertedRow } from "./change-planner.ts";

type PlatformColumn = DB["platform_identity"]["platform"];

/** The account's row (platform, tenant, user id), by its unique key. */
const accountRow = (identity: PlatformIdentity) =>
  db
    .selectFrom("platform_identity as pi")
    .where("pi.platform", "=", identity.platform as PlatformColumn)
    .where("pi.tenant", "=", identity.tenant)
    .where("pi.user_id", "=", identity.userId);

/**
 * The id of the person a platform account is linked to, in any partnership (one row
 * `{ holder }`, or none when it is linked to no one): a scalar subquery for a statement that
 * reads more beside it (invocation-reads.ts), or alone (`Store.accountHolderOf`).
 */
export const accountHolderQuery = (identity: PlatformIdentity) => accountRow(identity).select("pi.person_id as holder");

/**
 * A link planned from whom the account was linked to when read (`heldBy`, null: no one): for
 * no one, the account's insert (a twin's insert wins, and this one is then decided again on
 * it); for someone else, the account moved to `person`, guarded by its holder as read and its
 * stored conversation cleared (it was the other person's); with its audit event
 * ("identity.linked", the holder as read before). An account already theirs is answered from
 * the read. Without a read it needs a transaction (`NeedsTransaction`).
 */
export class PlannedLinkChange extends OnePlannedChange {
  async linkIdentity(person: Person, identity: PlatformIdentity, heldBy?: number | null): Promise<boolean> {
    this.once();
    if (heldBy === undefined) throw new NeedsTransaction("an account's holder not read with the person");
    if (heldBy === person.id) {
      this.unchangedAsRead = accountRow(identity).select("pi.id").where("pi.person_id", "=", person.id);
      return false;
    }
    const audit = changeInContext(this.ctx, "identity.linked", { type: "person", id: person.id, ref: person.name, actionId: null }, heldBy === null ? null : { personId: heldBy }, { ...identity, personId: person.id });
    if (heldBy === null) {
      const inserted: InsertedRow = (alsoWhere) =>
        db
          .insertInto("platform_identity")
          .columns(["person_id", "platform", "tenant", "user_id"])
          .expression(
            db
              .selectNoFrom((eb) => [
                eb.val(person.id).as("person_id"),
                sql<PlatformColumn>`cast(${identity.platform} as platform)`.as("platform"),
                eb.val(identity.tenant).as("tenant"),
                eb.val(identity.userId).as("user_id"),
              ])
              .where(alsoWhere),
          )
          .onConflict((oc) => oc.columns(["platform", "tenant", "user_id"]).doNothing())
          .returning("id");
      this.planned = { changed: inserted, audit };
      return true;
    }
    this.planned = {
      changed: db
        .updateTable("platform_identity as pi")
        .set({ person_id: person.id, conversation: null })
        .where("pi.platform", "=", identity.platform as PlatformColumn)
        .where("pi.tenant", "=", identity.tenant)
        .where("pi.user_id", "=", identity.userId)
        .where("pi.person_id", "=", heldBy)
        .returning("pi.id"),
      audit,
    };
    return true;
  }
}
