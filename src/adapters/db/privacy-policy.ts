// The partnership's personal-data guard policy (/curve privacy): read with the person asking,
// with how many messages the guard held by kind, and changed in one statement planned from the
// policy as read (receipts.ts, `changedOnce`).
import { sql } from "kysely";
import type { ChangeOutcome, PrivacyAsRead } from "../../commands/store.ts";
import { DETECTOR_KINDS, guardPolicyFrom, type DetectorKind, type GuardAction, type GuardPolicy } from "../../domain/privacy/guard.ts";
import { changeInContext } from "./audit.ts";
import { compileOnly as db } from "./kysely.ts";
import { OnePlannedChange } from "./change-planner.ts";

/** The JSON `privacyAsReadQuery` gives: the policy column as stored, and the held counts (null when not asked for). */
export type PrivacyRow = { stored: Record<string, string> | null; held: { kind: string; count: number | string }[] | null };

/**
 * The partnership's policy as stored, and, with `heldSince`, how many "privacy.held" audit
 * events since then found each kind (an event counts once per kind it found, as
 * `HeldTextStore.heldCounts` counts): one JSON value (`PrivacyRow`), a scalar subquery for a
 * statement that reads more beside it (invocation-reads.ts), or alone (`Store.privacyOf`).
 */
export function privacyAsReadQuery(partnershipId: number, heldSince: Date | null) {
  const held = heldSince
    ? sql<PrivacyRow["held"]>`(SELECT coalesce(json_agg(json_build_object('kind', k.kind, 'count', k.count)), '[]') FROM (${db
        .selectFrom("audit_event as e")
        .innerJoin(sql<{ key: string; value: unknown }>`jsonb_each(coalesce(e.after -> 'kinds', '{}'::jsonb))`.as("found"), (join) => join.onTrue())
        .select([sql<string>`found.key`.as("kind"), sql<number>`count(*)::int`.as("count")])
        .where("e.partnership_id", "=", partnershipId)
        .where("e.event", "=", "privacy.held")
        .where("e.at", ">=", heldSince)
        .where(sql<boolean>`jsonb_typeof(found.value) = 'number' AND (found.value)::numeric > 0`)
        .groupBy(sql`found.key`)}) AS k)`
    : sql<PrivacyRow["held"]>`NULL::json`;
  const read = db.selectFrom("partnership as pa").select([sql<PrivacyRow["stored"]>`pa.privacy_policy`.as("stored"), held.as("held")]).where("pa.id", "=", partnershipId);
  return db.selectFrom(read.as("pv")).select(sql<PrivacyRow>`row_to_json(pv)`.as("privacy"));
}

/** `privacyAsReadQuery`'s JSON as the command layer's `PrivacyAsRead`: held kinds in the guard's order. Pure. */
export function privacyAsReadFrom(row: PrivacyRow | null): PrivacyAsRead {
  const counts = new Map((row?.held ?? []).map((h) => [h.kind, Number(h.count)]));
  return {
    stored: (row?.stored ?? null) as PrivacyAsRead["stored"],
    held: row?.held ? DETECTOR_KINDS.filter((kind) => counts.has(kind)).map((kind) => ({ kind, count: counts.get(kind)! })) : null,
  };
}

/** The partnership's row, found only while its policy is stored as `stored`: the guard of a change decided on it. */
function policyAsRead(partnershipId: number, stored: PrivacyAsRead["stored"]) {
  return db.selectFrom("partnership as pa").select("pa.id").where("pa.id", "=", partnershipId).where(storedAs(stored));
}

/**
 * The policy column is stored as `stored`, by jsonb equality (the same keys and values, in any
 * order); null matches a column never set and one holding JSON null alike, as both read as null.
 */
const storedAs = (stored: PrivacyAsRead["stored"]) => sql<boolean>`coalesce(pa.privacy_policy, 'null'::jsonb) = cast(${JSON.stringify(stored)} as jsonb)`;

/**
 * One kind of the guard's policy planned from the policy as stored when read: the update
 * guarded by it (the audit's "before"), storing the whole policy, with its audit event
 * ("privacy.policy"). A kind the guard already treats so is answered from the read, unaudited.
 */
export class PlannedPrivacyChange extends OnePlannedChange {
  async setPrivacyPolicy(kind: DetectorKind, action: GuardAction, asRead: PrivacyAsRead["stored"]): Promise<ChangeOutcome<GuardPolicy>> {
    this.once();
    const { partnershipId } = this.ctx;
    const before = guardPolicyFrom(asRead);
    if (before[kind] === action) {
      this.unchangedAsRead = policyAsRead(partnershipId, asRead);
      return { applied: false, reason: "unchanged" };
    }
    const after: GuardPolicy = { ...before, [kind]: action };
    const changed = db.updateTable("partnership as pa").set({ privacy_policy: JSON.stringify(after) }).where("pa.id", "=", partnershipId);
    this.planned = {
      changed: changed.where(storedAs(asRead)).returning("pa.id"),
      audit: changeInContext(this.ctx, "privacy.policy", { type: "partnership", id: partnershipId }, { [kind]: before[kind] }, { [kind]: action }),
    };
    return { applied: true, value: after };
  }
}
