// Where progress on a priority is announced (/plan channel): changed in one statement planned
// from the priority as the command read it, with its action (receipts.ts, `changedOnce`).
import type { ChangeOutcome } from "../../commands/store.ts";
import type { PriorityView } from "../../domain/model.ts";
import { changeInContext } from "./audit.ts";
import { compileOnly as db } from "./kysely.ts";
import { OnePlannedChange } from "./change-planner.ts";

/** Priority `id`'s row, found only while its channel is `channel` (null: none): the guard of a change decided on it. */
function channelAsRead(id: number, channel: string | null) {
  const query = db.selectFrom("priority as pr").select("pr.id").where("pr.id", "=", id);
  return channel === null ? query.where("pr.channel", "is", null) : query.where("pr.channel", "=", channel);
}

/**
 * A priority's channel planned from `priority.channel` as read: the update guarded by that
 * channel (the audit's "before"), with its audit event ("priority.channel"). The channel it
 * already has is answered from the read.
 */
export class PlannedChannelChange extends OnePlannedChange {
  async setPriorityChannel(priority: PriorityView, channel: string | null): Promise<ChangeOutcome<PriorityView>> {
    this.once();
    if (priority.channel === channel) {
      this.unchangedAsRead = channelAsRead(priority.id, priority.channel);
      return { applied: false, reason: "unchanged" };
    }
    const changed = db.updateTable("priority as pr").set({ channel }).where("pr.id", "=", priority.id);
    this.planned = {
      changed: (priority.channel === null ? changed.where("pr.channel", "is", null) : changed.where("pr.channel", "=", priority.channel)).returning("pr.id"),
      audit: changeInContext(this.ctx, "priority.channel", { type: "priority", id: priority.id, ref: priority.title, actionId: null }, { channel: priority.channel }, { channel }),
    };
    return { applied: true, value: { ...priority, channel } };
  }
}
