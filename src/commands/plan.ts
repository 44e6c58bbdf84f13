import { requirePermission } from "../domain/access.ts";
import { CurveError } from "../domain/errors.ts";
import { plural } from "../domain/milestone-status.ts";
import { refreshedWords } from "../domain/plan-refresh.ts";
import { list, reply, context, text, type Reply } from "../domain/reply.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext, CommandFamily } from "./context.ts";
import { STATE_LABELS, describeDate } from "./format.ts";
import { actionNamedBy, resolveAction } from "./resolve.ts";
import type { PrioritySummary } from "./store.ts";

const USAGE = {
  show: "/plan show [plan]   e.g. /plan show cypp-2011-15",
  priorities: "/plan priorities [plan]",
  channel: "/plan channel <action ref> here|off   e.g. /plan channel ATT-1 here",
};

async function show(ctx: CommandContext, args: string): Promise<Reply> {
  const [key] = firstWord(args.toLowerCase());
  const plans = await ctx.store.planSummaries(ctx.partnershipId);
  if (!key) {
    return reply("info", "Plans", [
      list(
        plans.map((p) => ({
          text: `${p.title} (${p.key})`,
          detail:
            `${describeDate(p.periodStart)} to ${describeDate(p.periodEnd)} · ${plural(p.actions, "action")} · ${p.milestonesDone} of ${plural(p.milestones, "milestone")} done` +
            (p.closedPlan ? ` · closed: refreshed into ${p.closedPlan.into}` : ""),
        })),
        "No plans loaded yet.",
      ),
      context("See one with /plan show <plan>."),
    ]);
  }
  const plan = plans.find((p) => p.key === key);
  if (!plan) {
    throw new CurveError("unknown_ref", `There is no plan "${key}". Plans: ${plans.map((p) => p.key).join(", ") || "none yet"}.`, {
      hint: USAGE.show,
    });
  }
  const priorities = await ctx.store.prioritySummaries(ctx.partnershipId, plan.key);
  return reply("info", plan.title, [
    text(`${describeDate(plan.periodStart)} to ${describeDate(plan.periodEnd)} · ${plural(plan.actions, "action")} · ${plan.milestonesDone} of ${plural(plan.milestones, "milestone")} done`),
    list(priorities.map(priorityItem), "This plan has no priorities."),
    ...(plan.closedPlan ? [context(`${refreshedWords(plan.closedPlan)}; it is kept for reading and closed to changes.`)] : []),
  ]);
}

function priorityItem(p: PrioritySummary) {
  const states = Object.entries(p.actionsByState)
    .map(([state, n]) => `${n} ${STATE_LABELS[state as keyof typeof STATE_LABELS]}`)
    .join(", ");
  const people = [
    p.sponsors.length ? `CTB sponsors: ${p.sponsors.map((s) => s.name).join(", ")}` : "",
    p.leads.length ? `lead: ${p.leads.map((s) => s.name).join(", ")}` : "",
  ].filter(Boolean);
  return {
    text: `${p.number ? `${p.number}. ` : ""}${p.title}${p.obsession ? ` (obsession: ${p.obsession})` : ""}`,
    detail: [people.join(" · "), p.actions ? `${plural(p.actions, "action")}: ${states}` : "", indicatorsLine(p)]
      .filter(Boolean)
      .join(" · "),
  };
}

const indicatorsLine = (p: PrioritySummary): string =>
  p.indicators.length ? `indicators: ${p.indicators.map((i) => `${i.code}${i.baselineText ? ` (baseline ${i.baselineText})` : ""}`).join("; ")}` : "";

async function priorities(ctx: CommandContext, args: string): Promise<Reply> {
  const [key] = firstWord(args.toLowerCase());
  const all = await ctx.store.prioritySummaries(ctx.partnershipId, key || undefined);
  if (key && all.length === 0) throw new CurveError("unknown_ref", `There is no plan "${key}" with priorities.`, { hint: USAGE.priorities });
  const obsessions = all.filter((p) => p.obsession).map((p) => p.obsession);
  // The summaries come in plan order, each with its plan's title: no second read for the plans.
  const plans = [...new Map(all.map((p) => [p.planKey, p.planTitle])).entries()];
  const blocks = plans.flatMap(([key, title]) => [text(title), list(all.filter((p) => p.planKey === key).map(priorityItem))]);
  return reply("info", "Priorities, CTB sponsors and leads", [
    ...(blocks.length ? blocks : [list([], "No priorities loaded yet.")]),
    ...(obsessions.length ? [context(`The ${obsessions.length} obsessions: ${obsessions.join(", ")}.`)] : []),
  ]);
}

/** Sets where progress on an action's priority is announced: this channel, or nowhere. */
async function channel(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref, where] = firstWord(args);
  const choice = where.toLowerCase();
  if (!ref || (choice !== "here" && choice !== "off")) throw new CurveError("usage", "Say which priority (by one of its actions) and here or off.", { hint: USAGE.channel });
  if (ctx.origin.platform === "shell") throw new CurveError("usage", "Run this in the Slack or Teams channel that should hear about progress.");
  const action = await resolveAction(ctx, ref, USAGE.channel);
  const priority = action.priority;
  if (!priority) throw new CurveError("unknown_ref", `${action.ref} is not under a priority.`);
  requirePermission(ctx.actor, "priority.channel", priority);
  const target = choice === "here" ? `${ctx.origin.platform}:${ctx.origin.tenant}:${ctx.origin.channel}` : null;
  return ctx.change(async (tx) => {
    const outcome = await tx.setPriorityChannel(priority, target);
    if (!outcome.applied) return reply("info", "Nothing changed", [text(target ? "Progress is already announced here." : "Progress was not being announced.")]);
    return reply("success", target ? "Progress will be announced here" : "Progress will no longer be announced", [
      text(`${priority.number ? `${priority.number}. ` : ""}${priority.title}`),
    ]);
  });
}

export const planCommands: CommandFamily = {
  name: "plan",
  summary: "The partnership's plans, priorities, sponsors and leads.",
  defaultSubcommand: "show",
  subcommands: [
    { name: "show", also: ["list"], usage: USAGE.show, summary: "The plans, or one plan's priorities.", run: show },
    { name: "priorities", usage: USAGE.priorities, summary: "Priorities with their CTB sponsors, leads and obsessions.", run: priorities },
    { name: "channel", usage: USAGE.channel, changes: true, reads: actionNamedBy, summary: "Announce progress on a priority in this channel, or stop.", run: channel },
  ],
};
