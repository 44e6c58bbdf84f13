import { CurveError } from "../domain/errors.ts";
import { plural } from "../domain/milestone-status.ts";
import { context, fields, list, reply, text, type Reply } from "../domain/reply.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext, CommandFamily } from "./context.ts";

export async function whoami(ctx: CommandContext): Promise<Reply> {
  const standing = await ctx.store.standing(ctx.partnershipId, ctx.actor.id);
  const roles = [
    ...ctx.actor.roles.map((r) => r.replace("_", " ")),
    ...(standing.actionsOwned ? ["action owner"] : []),
    ...(standing.sponsorOf.length ? ["CTB sponsor"] : []),
    ...(standing.leadOf.length ? ["lead"] : []),
  ];
  const blocks = [
    fields([
      { label: "Email", value: ctx.actor.email ?? "none recorded" },
      { label: "Roles", value: roles.join(", ") || "partner (can read everything)" },
      { label: "Actions owned", value: `${standing.actionsOwned} (${plural(standing.openMilestones, "open milestone")})` },
      { label: "Time zone", value: ctx.actor.timeZone },
    ]),
  ];
  if (standing.sponsorOf.length) blocks.push(list(standing.sponsorOf.map((t) => ({ text: `CTB sponsor: ${t}` }))));
  if (standing.leadOf.length) blocks.push(list(standing.leadOf.map((t) => ({ text: `Lead: ${t}` }))));
  const linked = standing.identities.map((i) => `${i.platform} (${i.userId})`);
  blocks.push(context(linked.length ? `Linked accounts: ${linked.join(", ")}.` : "No Slack or Teams account linked yet."));
  return reply("info", ctx.actor.jobTitle ? `${ctx.actor.name}, ${ctx.actor.jobTitle}` : ctx.actor.name, blocks);
}

/** /help and /help <command>: built from the table itself, so it can never drift from it. */
export function helpFamily(families: () => CommandFamily[]): CommandFamily {
  const run = async (_ctx: CommandContext, args: string): Promise<Reply> => {
    const [topic] = firstWord(args.replace(/^\//, "").toLowerCase());
    if (!topic) {
      return reply("info", "Curve commands", [
        list(families().map((f) => ({ text: `/${f.name}`, detail: f.summary }))),
        context("For one command's details: /help <command>, e.g. /help milestone."),
      ]);
    }
    const family = families().find((f) => f.name === topic);
    if (!family) {
      throw new CurveError("unknown_command", `There is no /${topic} command.`, {
        hint: `Commands: ${families().map((f) => `/${f.name}`).join(", ")}`,
      });
    }
    return reply("info", `/${family.name}`, [
      text(family.summary),
      list(family.subcommands.map((s) => ({ text: s.usage, detail: s.summary }))),
    ]);
  };
  return { name: "help", summary: "What Curve can do, and how to ask.", subcommands: [], direct: run };
}

export const whoamiFamily: CommandFamily = {
  name: "whoami",
  summary: "Who Curve thinks you are, and what you are responsible for.",
  subcommands: [],
  direct: (ctx) => whoami(ctx),
};
