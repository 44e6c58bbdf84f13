import { z } from "zod/v4";
import { shortDateTime } from "../domain/dates/calendar.ts";
import { CurveError } from "../domain/errors.ts";
import { milestoneStatus, plural } from "../domain/milestone-status.ts";
import { ACTION_STATES, type ActionState, type ActionView, type AuditEntry } from "../domain/model.ts";
import { context, fields, list, reply, text, type Block, type Field, type Reply } from "../domain/reply.ts";
import { firstWord, parseArgs } from "./arguments.ts";
import type { CommandContext, CommandFamily } from "./context.ts";
import { STATE_LABELS, milestoneItem, ownersLine, partyName } from "./format.ts";
import { announce, requireChangePermission } from "./milestone.ts";
import { resolveAction } from "./resolve.ts";

const USAGE = {
  show: "/action show <ref>   e.g. /action show ATT-5",
  status: "/action status <ref> <on-track|at-risk|off-track|done|dropped> [note]",
  note: "/action note <ref> <text>",
  mine: "/action mine",
  history: "/action history <ref>",
};

const HISTORY_LIMIT = 25;

function actionBlocks(ctx: CommandContext, action: ActionView): Block[] {
  const facts: Field[] = [
    { label: "State", value: STATE_LABELS[action.state] },
    { label: "Owner", value: ownersLine(action) },
  ];
  if (action.priority) {
    facts.push({ label: "Priority", value: `${action.priority.number ? `${action.priority.number}. ` : ""}${action.priority.title}` });
    if (action.priority.sponsors.length) facts.push({ label: "CTB sponsors", value: action.priority.sponsors.map((p) => p.name).join(", ") });
    if (action.priority.leads.length) facts.push({ label: "Lead", value: action.priority.leads.map((p) => p.name).join(", ") });
  }
  if (action.targeting) facts.push({ label: "Targeting", value: action.targeting });
  if (action.contributors.length) facts.push({ label: "Contributing", value: action.contributors.map(partyName).join(", ") });
  const open = action.milestones.filter((m) => !m.doneAt);
  const overdue = open.filter((m) => milestoneStatus(m, ctx.today) === "overdue").length;
  const blocks: Block[] = [
    text(action.title),
    fields(facts.slice(0, 10)),
    list(action.milestones.map((m) => milestoneItem(m, ctx.today, ctx.actor.timeZone)), "No milestones yet."),
    context(
      `${action.planTitle} · ${plural(action.milestones.length - open.length, "milestone")} done of ${action.milestones.length}` +
        (overdue ? ` · ${overdue} overdue` : ""),
    ),
  ];
  if (action.sourceNote) blocks.push(context(`Note: ${action.sourceNote}`));
  return blocks;
}

async function show(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref] = firstWord(args);
  if (!ref) throw new CurveError("usage", "Which action?", { hint: USAGE.show });
  const action = await resolveAction(ctx, ref, USAGE.show);
  return reply("info", action.ref, actionBlocks(ctx, action));
}

const STATE_WORDS = ACTION_STATES.filter((s) => s !== "not_started").map((s) => s.replace("_", "-"));
const StatusArgs = z.object({
  ref: z.string().min(1, "Which action?"),
  state: z
    .string()
    .min(1, "What is its state now?")
    .transform((s) => s.toLowerCase().replace(/[\s_]+/g, "-"))
    .refine((s) => STATE_WORDS.includes(s), { message: `The state must be one of ${STATE_WORDS.join(", ")}.` })
    .transform((s) => s.replace("-", "_") as ActionState),
  note: z.string(),
});

async function status(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref, rest] = firstWord(args);
  const [state, note] = firstWord(rest);
  const parsed = parseArgs(StatusArgs, { ref, state, note }, USAGE.status);
  const action = await resolveAction(ctx, parsed.ref, USAGE.status);
  requireChangePermission(ctx, action);
  if (parsed.note) await ctx.guardText(parsed.note);
  return ctx.change(async (tx) => {
    const outcome = await tx.setActionState(action, parsed.state, parsed.note || null);
    if (!outcome.applied) return reply("info", `${action.ref} is already ${STATE_LABELS[parsed.state]}`, [text("Nothing changed.")]);
    const blocks: Block[] = [text(action.title), fields([
      { label: "Was", value: STATE_LABELS[action.state] },
      { label: "Now", value: STATE_LABELS[parsed.state] },
    ])];
    if (parsed.note) blocks.push(context(`Note: ${parsed.note}`));
    const open = outcome.value.milestones.filter((m) => !m.doneAt);
    if (parsed.state === "done" && open.length) {
      blocks.push(context(`${plural(open.length, "milestone")} still open: ${open.map((m) => m.ref).join(", ")}.`));
    }
    return announce(
      reply("success", `${action.ref} is now ${STATE_LABELS[parsed.state]}`, blocks),
      action,
      `${ctx.actor.name} set ${action.ref} ${STATE_LABELS[parsed.state]}${parsed.note ? `: ${parsed.note}` : ""}`,
    );
  }, action);
}

async function note(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref, body] = firstWord(args);
  if (!ref || !body) throw new CurveError("usage", "Say which action and what the note is.", { hint: USAGE.note });
  const action = await resolveAction(ctx, ref, USAGE.note);
  requireChangePermission(ctx, action);
  await ctx.guardText(body);
  return ctx.change(async (tx) => {
    await tx.addActionNote(action, body);
    return reply("success", `Note added to ${action.ref}`, [text(body)]);
  }, action);
}

async function mine(ctx: CommandContext): Promise<Reply> {
  const actions = await ctx.store.actionsOwnedBy(ctx.partnershipId, ctx.actor.id);
  const items = actions.map((a) => {
    const open = a.milestones.filter((m) => !m.doneAt);
    const overdue = open.filter((m) => milestoneStatus(m, ctx.today) === "overdue").length;
    return {
      text: `${a.ref} · ${a.title}`,
      detail: `${STATE_LABELS[a.state]} · ${open.length} of ${a.milestones.length} milestones open${overdue ? ` · ${overdue} overdue` : ""}`,
      buttons: [{ actionId: "action.show", label: "Open action", value: a.ref }],
    };
  });
  return reply("info", "Your actions", [list(items, "You own no actions.")]);
}

function describeEvent(entry: AuditEntry): string {
  const after = (entry.after ?? {}) as Record<string, unknown>;
  const before = (entry.before ?? {}) as Record<string, unknown>;
  const ref = entry.subjectRef ?? "";
  switch (entry.event) {
    case "milestone.done":
      return `marked ${ref} done${after.evidence ? `: "${String(after.evidence)}"` : ""}`;
    case "milestone.reopened":
      return `reopened ${ref}`;
    case "milestone.evidence":
      return `added evidence to ${ref}`;
    case "milestone.dated":
      return `moved ${ref} from ${String(before.phrase ?? before.due ?? "no date")} to ${String(after.phrase ?? after.due ?? "to be agreed")}`;
    case "action.status":
      return `set ${ref} ${STATE_LABELS[after.state as ActionState] ?? String(after.state)}${after.note ? `: "${String(after.note)}"` : ""}`;
    case "action.note":
      return `noted on ${ref}: "${String(after.text)}"`;
    default:
      return `${entry.event} ${ref}`;
  }
}

async function history(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref] = firstWord(args);
  if (!ref) throw new CurveError("usage", "Which action?", { hint: USAGE.history });
  const action = await resolveAction(ctx, ref, USAGE.history);
  const entries = await ctx.store.actionHistory(action.id, HISTORY_LIMIT);
  const items = entries.map((e) => ({
    text: `${e.actor?.name ?? "Curve"} ${describeEvent(e)}`,
    detail: `${shortDateTime(e.at, ctx.actor.timeZone)}${e.origin?.platform ? ` · via ${e.origin.platform}` : ""}`,
  }));
  return reply("info", `History of ${action.ref}`, [
    text(action.title),
    list(items, "No changes recorded yet."),
    ...(entries.length === HISTORY_LIMIT ? [context(`The latest ${HISTORY_LIMIT} changes.`)] : []),
  ]);
}

export const actionCommands: CommandFamily = {
  name: "action",
  summary: "See an action, set its state, add notes, and see its history.",
  defaultSubcommand: "mine",
  subcommands: [
    { name: "show", usage: USAGE.show, summary: "An action with its owners, priority and milestones.", run: show },
    { name: "status", usage: USAGE.status, changes: true, summary: "Set an action's state, with an optional note.", run: status },
    { name: "note", usage: USAGE.note, changes: true, summary: "Add a note to an action.", run: note },
    { name: "mine", usage: USAGE.mine, summary: "The actions you own.", run: (ctx) => mine(ctx) },
    { name: "history", usage: USAGE.history, summary: "Every recorded change to an action.", run: history },
  ],
};
