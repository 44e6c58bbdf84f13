import { CurveError } from "../domain/errors.ts";
import type { ActionView, MilestoneView, Person } from "../domain/model.ts";
import { closestRefs, parseRef } from "../domain/refs.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext } from "./context.ts";
import type { ActionRead } from "./store.ts";

/**
 * Finds the one action a person meant, or says which refs they might have meant. A milestone
 * ref (ATT-4.99) never falls back to its action: one that does not exist is unknown_ref with the
 * closest milestone refs; one that exists is refused too, naming the action ref to use. A ref in
 * both a refreshed (closed) plan and an open one means the open one's action, unless the plan is named
 * ("cypp-2011-15:ATT-4").
 */
export async function resolveAction(ctx: CommandContext, typed: string, usage: string): Promise<ActionView> {
  const parsed = parseRef(typed);
  if (!parsed) throw new CurveError("usage", `"${clip(typed)}" is not an action ref (they look like ATT-5 or LAC-4b).`, { hint: usage });
  if (parsed.step !== undefined) {
    const { action, milestone } = await resolveMilestone(ctx, typed, usage);
    throw new CurveError("usage", `${milestone.ref} is a milestone; this command works on its action, ${action.ref}.`, {
      hint: usage.replace(/<ref>/, action.ref),
      suggestions: [action.ref],
    });
  }
  const found = await ctx.store.findActionsByRef(ctx.partnershipId, parsed.action, parsed.plan);
  // A ref carried over by a plan refresh means the live action; the closed plan's one is named with its plan.
  const open = found.filter((a) => !a.closedPlan);
  const matches = found.length > 1 && open.length >= 1 ? open : found;
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const options = matches.map((a) => `${a.planKey}:${a.ref}`);
    throw new CurveError("ambiguous_ref", `${parsed.action} is in more than one plan. Say which: ${options.join(" or ")}.`, {
      suggestions: options,
    });
  }
  const suggestions = closestRefs(parsed.action, await ctx.store.allActionRefs(ctx.partnershipId));
  throw new CurveError(
    "unknown_ref",
    `There is no action ${parsed.action}${parsed.plan ? ` in plan ${parsed.plan}` : ""}.` +
      (suggestions.length ? ` Did you mean ${suggestions.join(", ")}?` : ""),
    { hint: "/action mine lists your actions; /plan show lists the plans.", suggestions },
  );
}

/**
 * Finds a milestone by its ref (ATT-1.2). An action ref alone is accepted when the action
 * has exactly one milestone still open, since that is the only one it can mean.
 */
export async function resolveMilestone(
  ctx: CommandContext,
  typed: string,
  usage: string,
  pick: "open" | "done" | "any" = "any",
): Promise<{ action: ActionView; milestone: MilestoneView }> {
  const parsed = parseRef(typed);
  if (!parsed) throw new CurveError("usage", `"${clip(typed)}" is not a milestone ref (they look like ATT-1.2).`, { hint: usage });
  const action = await resolveAction(ctx, parsed.plan ? `${parsed.plan}:${parsed.action}` : parsed.action, usage);
  const refs = action.milestones.map((m) => m.ref);
  if (parsed.step !== undefined) {
    const milestone = action.milestones.find((m) => m.ref === `${action.ref}.${parsed.step}`);
    if (milestone) return { action, milestone };
    const near = closestRefs(`${action.ref}.${parsed.step}`, refs);
    const suggestions = near.length ? near : refs.slice(0, 5);
    throw new CurveError(
      "unknown_ref",
      `There is no milestone ${action.ref}.${parsed.step}. ${refs.length ? `Did you mean ${suggestions.join(", ")}? ${action.ref} has ${refs.length === 1 ? "one milestone" : `${refs.length} milestones`}: ${refs.join(", ")}.` : `${action.ref} has no milestones yet.`}`,
      { hint: usage, suggestions },
    );
  }
  const candidates = action.milestones.filter((m) => (pick === "open" ? !m.doneAt : pick === "done" ? m.doneAt : true));
  if (candidates.length === 1) return { action, milestone: candidates[0]! };
  if (action.milestones.length === 0) throw new CurveError("unknown_ref", `${action.ref} has no milestones.`);
  throw new CurveError(
    "ambiguous_ref",
    `${action.ref} has ${candidates.length || "no"} ${pick === "any" ? "" : `${pick} `}milestones; name one: ${
      (candidates.length ? candidates : action.milestones).map((m) => m.ref).join(", ")
    }.`,
    { hint: usage, suggestions: candidates.map((m) => m.ref) },
  );
}

/** The action the first word of a line names ("ATT-4.1 agreed" and "cypp-2011-15:ATT-4" name ATT-4), as `resolveAction` reads it; null when it names none. */
export function actionNamedBy(args: string): ActionRead | null {
  const parsed = parseRef(firstWord(args)[0]);
  return parsed ? { ref: parsed.action, ...(parsed.plan ? { planKey: parsed.plan } : {}) } : null;
}

const clip = (text: string): string => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

/**
 * The one person of the partnership a name (or email) means: an exact match first, else the
 * people whose name contains it. None is unknown_person, several ambiguous_ref naming them (or,
 * when several have that very name, asking for the email).
 */
export async function resolvePerson(ctx: CommandContext, typed: string, usage: string): Promise<Person> {
  const name = typed.trim();
  if (!name) throw new CurveError("usage", "Which person? Give their full name.", { hint: usage });
  const exact = await ctx.store.findPeopleByName(ctx.partnershipId, name);
  const matches = exact.length ? exact : await ctx.store.searchPeople(ctx.partnershipId, name, 5);
  if (matches.length === 1) return matches[0]!;
  // Two people of one name: more of the name cannot tell them apart, their email can.
  if (exact.length > 1) throw new CurveError("ambiguous_ref", `${exact.length} people are called "${clip(name)}". Give the email of the one you mean instead.`, { hint: usage });
  throw new CurveError(
    matches.length ? "ambiguous_ref" : "unknown_person",
    matches.length ? `"${clip(name)}" could be ${matches.map((p) => p.name).join(", ")}. Give the full name.` : `No one called "${clip(name)}" is in the partnership.`,
    { hint: usage },
  );
}
