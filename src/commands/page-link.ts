import { withContext, type Reply } from "../domain/reply.ts";
import type { CommandContext } from "./context.ts";
import type { PagePath } from "./web-pages.ts";

/**
 * Adds "On the web: <link>" to a reply: the page's public address when its section is
 * public; otherwise a signed, expiring link, and then the reply is marked private so it
 * is never posted where others could follow it. Unchanged when Curve has no public address.
 */
export async function withPageLink(ctx: CommandContext, answer: Reply, path: PagePath): Promise<Reply> {
  const link = await ctx.web?.pages.linkTo(ctx.partnershipId, path, ctx.now);
  if (!link) return answer;
  const line = link.signed ? `On the web (a private link, for you only): ${link.url}` : `On the web: ${link.url}`;
  return { ...withContext(answer, line), ...(link.signed ? { private: true as const } : {}) };
}
