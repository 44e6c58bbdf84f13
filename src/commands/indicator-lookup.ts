import { CurveError } from "../domain/errors.ts";
import type { IndicatorView } from "../domain/indicators/types.ts";
import { closestRefs } from "../domain/refs.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext } from "./context.ts";
import type { InsightContext } from "./insight-store.ts";
import type { IndicatorRead } from "./store.ts";

// How a command finds the indicator it names: shared by /indicator, its settings and tolerance, and /oba.

/** The invocation's insights (indicators, workshops, pledges); a one-line refusal when this Curve has none set up. */
export function insightsOf(ctx: CommandContext): InsightContext {
  if (!ctx.insights) throw new CurveError("unknown_command", "Indicators, workshops and pledges are not set up on this Curve.");
  return ctx.insights;
}

/** The indicator a person named by its code, or the codes they might have meant. */
export async function resolveIndicator(ctx: CommandContext, typed: string, usage: string): Promise<IndicatorView> {
  const code = typed.trim();
  if (!code) throw new CurveError("usage", "Which indicator? Give its code, like LAC or NEET.", { hint: usage });
  const insights = insightsOf(ctx);
  const found = code.length <= 40 ? await insights.store.findIndicator(ctx.partnershipId, code) : null;
  if (found) return found;
  const codes = (await insights.store.listIndicators(ctx.partnershipId)).map((i) => i.code);
  const near = closestRefs(code.slice(0, 40), codes);
  throw new CurveError("unknown_ref", `There is no indicator ${code.slice(0, 40)}.${near.length ? ` Did you mean ${near.join(", ")}?` : ""}`, {
    hint: `Indicators: ${codes.join(", ") || "none loaded yet"}.`,
    suggestions: near,
  });
}

/** The indicator a line of arguments names first, read with the person asking (as `resolveIndicator` would find it). */
export function indicatorNamedBy(args: string): IndicatorRead | null {
  const code = firstWord(args)[0].trim();
  return code && code.length <= 40 ? { indicator: code } : null;
}
