import { requirePermission } from "../domain/access.ts";
import { describeFailure } from "../domain/delivery-failure.ts";
import { CurveError } from "../domain/errors.ts";
import { shortDate } from "../domain/dates/calendar.ts";
import { context, list, reply, text, type Reply } from "../domain/reply.ts";
import type { CommandContext } from "./context.ts";

const PAGE = 10;
const USAGE = "/curve deliveries [failed] [page N]";

/**
 * /curve deliveries [failed] [page N] (coordinators and admins): every message Curve could
 * not deliver, with the reason in words, paged. Failures someone can fix (a blocked bot, a
 * chat that is gone) come first; "no account linked" rows after them. Private: it names people.
 */
export async function deliveries(ctx: CommandContext, args: string): Promise<Reply> {
  requirePermission(ctx.actor, "deliveries.list");
  const words = args.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words[0] === "failed") words.shift();
  let page = 1;
  if (words[0] === "page") {
    page = Number(words[1]);
    if (!Number.isInteger(page) || page < 1 || words.length > 2) throw new CurveError("usage", "Give a page number, like: /curve deliveries failed page 2.", { hint: USAGE });
  } else if (words.length) {
    throw new CurveError("usage", `"${words.join(" ").slice(0, 30)}" is not something /curve deliveries understands.`, { hint: USAGE });
  }
  const rows = (await ctx.store.failedDeliveries(ctx.partnershipId)).map((row) => ({ row, ...describeFailure(row.lastError, row.person, row.platform) }));
  // Fixable first; within each, newest first (as read).
  const ordered = [...rows.filter((r) => r.fixable), ...rows.filter((r) => !r.fixable)];
  const pages = Math.max(1, Math.ceil(ordered.length / PAGE));
  if (page > pages) throw new CurveError("usage", `There ${pages === 1 ? "is 1 page" : `are ${pages} pages`} of failed deliveries.`, { hint: USAGE });
  const shown = ordered.slice((page - 1) * PAGE, page * PAGE);
  const fixable = rows.filter((r) => r.fixable).length;
  const answer = reply("info", ordered.length ? `Failed deliveries (${ordered.length})` : "No failed deliveries", [
    ...(ordered.length ? [text(`${fixable} can be fixed; ${ordered.length - fixable} are people with no Slack or Teams account linked, or no longer in the plans.`)] : [text("Every message Curve tried to send has been delivered.")]),
    ...(shown.length
      ? [list(shown.map((r) => ({ text: `${r.row.person}: ${r.row.kind}, ${shortDate(r.row.at.toISOString().slice(0, 10))}`, detail: r.reason })))]
      : []),
    ...(pages > 1 ? [context(`Page ${page} of ${pages}.${page < pages ? ` Next: /curve deliveries failed page ${page + 1}` : ""}`)] : []),
  ]);
  return { ...answer, private: true };
}
