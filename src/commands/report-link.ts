import { shortDateTime } from "../domain/dates/calendar.ts";
import { CurveError } from "../domain/errors.ts";
import { context, reply, text, type Reply } from "../domain/reply.ts";
import { mayLinkFullScorecard, parseLinkDays } from "../domain/web/publishing.ts";
import type { CommandContext, Subcommand } from "./context.ts";
import { webOf } from "./publish.ts";

export const LINK_USAGE = "/report link [days]   e.g. /report link 14";

/**
 * /report link [days]: a signed link to the full web scorecard (every plan, indicator and
 * pledge register, public or not) that works for 1 to 31 days, for a board meeting. For
 * coordinators, admins and CTB sponsors; the reply is private, since the link opens pages
 * the public cannot see.
 */
export async function reportLink(ctx: CommandContext, args: string): Promise<Reply> {
  const web = webOf(ctx);
  const days = parseLinkDays(args);
  if (!days.ok) throw new CurveError("usage", days.error.message, { hint: LINK_USAGE });
  const standing = await ctx.store.standing(ctx.partnershipId, ctx.actor.id);
  if (!mayLinkFullScorecard(ctx.actor, standing.sponsorOf)) {
    throw new CurveError("not_permitted", "Only a coordinator, an admin or a CTB sponsor can have a link to the full scorecard.");
  }
  const link = await web.pages.linkTo(ctx.partnershipId, { page: "scorecard" }, ctx.now, { signed: true, days: days.value });
  if (!link) throw new CurveError("unknown_command", "Curve has no public address for its pages yet: an administrator sets CURVE_PUBLIC_URL.");
  return {
    ...reply("success", "Your link to the full scorecard", [
      text(link.url),
      context(`It works until ${shortDateTime(link.expiresAt!, ctx.actor.timeZone)}, for anyone who has it: share it only with the board.`),
    ]),
    private: true,
  };
}

export const linkSubcommand: Subcommand = {
  name: "link",
  usage: LINK_USAGE,
  summary: "A signed link to the full web scorecard for a board meeting, working for up to 31 days (coordinators and CTB sponsors).",
  run: reportLink,
};
