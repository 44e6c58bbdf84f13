import { CurveError } from "../domain/errors.ts";
import { formatGap, wholeFigure } from "../domain/indicators/report-card.ts";
import { DEFAULT_TOLERANCE_SHARE } from "../domain/rag.ts";
import { requirePermission } from "../domain/access.ts";
import { context, reply, type Reply } from "../domain/reply.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext } from "./context.ts";
import { insightsOf, resolveIndicator } from "./indicator-lookup.ts";

export const TOLERANCE_USAGE = "/indicator tolerance <code> <value | default>   e.g. /indicator tolerance NEET 0.5";

const describe = (value: number | null, unit: string) =>
  value === null ? `the default (${DEFAULT_TOLERANCE_SHARE * 100}% of the value expected)` : formatGap(value, unit);

/**
 * A tolerance as typed, read as a figure is (no decimal comma guessed, no digits lost) in the
 * indicator's own unit: "0.5%" for a percentage, never "%" or "£" on a count or a rate.
 */
function toleranceOf(indicator: { code: string; unit: string }, typed: string): number {
  const figure = wholeFigure(typed, indicator.unit, indicator.code);
  if (!figure.ok) throw new CurveError("usage", figure.error.message, { hint: TOLERANCE_USAGE });
  if (figure.value === null) throw new CurveError("usage", `A tolerance is a number of at least 0 in ${indicator.code}'s unit (${indicator.unit}), not "${typed.slice(0, 30)}".`, { hint: TOLERANCE_USAGE });
  return figure.value;
}

/**
 * `/indicator tolerance NEET 0.5`: how far short of its target (in the indicator's own unit)
 * a reading may be and still be amber, not red. `default` goes back to 5% of the expected value.
 */
export async function setTolerance(ctx: CommandContext, args: string): Promise<Reply> {
  const [code, value] = firstWord(args);
  const indicator = await resolveIndicator(ctx, code, TOLERANCE_USAGE);
  if (!value) throw new CurveError("usage", `Give ${indicator.code}'s tolerance in its unit (${indicator.unit}), or "default".`, { hint: TOLERANCE_USAGE });
  const tolerance = value.toLowerCase() === "default" ? null : toleranceOf(indicator, value);
  requirePermission(ctx.actor, "indicator.tune", indicator);
  return insightsOf(ctx).change(async (tx) => {
    const { before } = await tx.setTolerance(indicator, tolerance);
    if (before === tolerance) return reply("info", `${indicator.code}'s tolerance is already ${describe(tolerance, indicator.unit)}.`);
    return reply("success", `${indicator.code}'s tolerance is now ${describe(tolerance, indicator.unit)}`, [
      context(`Readings short of the target by no more than that are amber; further short, red. It was ${describe(before, indicator.unit)}.`),
    ]);
  });
}
