// The partnership's bank-holiday calendar (/curve settings region partnership): read with the
// person asking, and changed in one statement planned from it as read (receipts.ts, `changedOnce`).
import { sql } from "kysely";
import type { ChangeOutcome, PartnershipCalendarAsRead } from "../../commands/store.ts";
import type { Region } from "../../domain/schedule/bank-holidays.ts";
import { changeInContext } from "./audit.ts";
import { compileOnly as db } from "./kysely.ts";
import { NeedsTransaction, OnePlannedChange } from "./change-planner.ts";

/**
 * The partnership's calendar as stored, as one JSON value (`PartnershipCalendarAsRead`: its
 * slug and region; none when there is no such partnership): a scalar subquery for a statement
 * that reads more beside it (invocation-reads.ts), or alone (`Store.partnershipCalendarOf`).
 */
export function partnershipCalendarQuery(partnershipId: number) {
  const read = db.selectFrom("partnership as pa").select(["pa.slug", "pa.region"]).where("pa.id", "=", partnershipId);
  return db.selectFrom(read.as("cal")).select(sql<PartnershipCalendarAsRead>`row_to_json(cal)`.as("calendar"));
}

/** The partnership's row, found only while its region is stored as `region`: the guard of a change decided on it. */
const regionStill = (partnershipId: number, region: string) => db.selectFrom("partnership as pa").select("pa.id").where("pa.id", "=", partnershipId).where("pa.region", "=", region);

/**
 * The partnership's region planned from its calendar as read: the update guarded by the region
 * as read (the audit's "before"), with its audit event ("partnership.region", about the
 * partnership by its slug). A region it already follows is answered from the read, unaudited.
 * Without a read it needs a transaction (`NeedsTransaction`).
 */
export class PlannedRegionChange extends OnePlannedChange {
  async setPartnershipRegion(region: Region, asRead?: PartnershipCalendarAsRead): Promise<ChangeOutcome<{ region: Region }>> {
    this.once();
    if (!asRead) throw new NeedsTransaction("the partnership's calendar not read with the person");
    const { partnershipId } = this.ctx;
    if (asRead.region === region) {
      this.unchangedAsRead = regionStill(partnershipId, region);
      return { applied: false, reason: "unchanged" };
    }
    this.planned = {
      changed: db.updateTable("partnership as pa").set({ region }).where("pa.id", "=", partnershipId).where("pa.region", "=", asRead.region).returning("pa.id"),
      audit: changeInContext(this.ctx, "partnership.region", { type: "partnership", id: partnershipId, ref: asRead.slug, actionId: null }, { region: asRead.region }, { region }),
    };
    return { applied: true, value: { region } };
  }
}
