import { CurveError } from "../domain/errors.ts";
import { context, list, reply, text, type Reply } from "../domain/reply.ts";
import { requirePermission } from "../domain/access.ts";
import { PUBLISH_USAGE, SECTION_WORDS, WEB_SECTIONS, parsePublish, type Publication } from "../domain/web/publishing.ts";
import type { CommandContext } from "./context.ts";
import type { WebContext } from "./web-pages.ts";

export function webOf(ctx: CommandContext): WebContext {
  if (!ctx.web) throw new CurveError("unknown_command", "The web pages are not set up on this Curve.");
  return ctx.web;
}

function stateBlocks(now: Publication) {
  return [
    list(WEB_SECTIONS.map((s) => ({ text: `${s}: ${now[s] ? "public" : "not public"}`, detail: SECTION_WORDS[s] }))),
    context(
      WEB_SECTIONS.some((s) => now[s])
        ? "The scorecard (/) shows the public sections. Private pledge signers, evidence, notes and emails are never on a page."
        : "Nothing is public: every page answers 404 except through a signed link (/report link).",
    ),
  ];
}

const NOTHING_PUBLIC: Publication = { indicators: false, plans: false, pledges: false };

/**
 * /curve publish [indicators|plans|pledges on|off]: what the partnership's web pages show to
 * anyone. Coordinators choose; everyone may ask what is public. The publication is read with
 * the person asking (`Store.publicationOf`); each change is audited, once per idempotency key.
 */
export async function publish(ctx: CommandContext, args: string): Promise<Reply> {
  webOf(ctx);
  const parsed = parsePublish(args);
  if (!parsed.ok) throw new CurveError("usage", parsed.error.message, { hint: PUBLISH_USAGE });
  const asRead = await ctx.store.publicationOf(ctx.partnershipId);
  if (!parsed.value) return reply("info", "What the web pages show", [...stateBlocks(asRead ?? NOTHING_PUBLIC), context(`Coordinators change it: ${PUBLISH_USAGE}`)]);
  requirePermission(ctx.actor, "web.publish");
  const { section, on } = parsed.value;
  return ctx.change(async (tx) => {
    const outcome = await tx.setSectionPublished(section, on, asRead);
    return outcome.applied
      ? reply("success", on ? `The ${section} pages are now public` : `The ${section} pages are no longer public`, [
          text(on ? `Anyone can now open ${SECTION_WORDS[section]}.` : `${SECTION_WORDS[section].replace(/^./, (c) => c.toUpperCase())} now answer 404 to the public.`),
          ...stateBlocks(outcome.value),
        ])
      : reply("info", `The ${section} pages are already ${on ? "public" : "not public"}`, [text("Nothing changed."), ...stateBlocks(asRead ?? NOTHING_PUBLIC)]);
  });
}
