import { shortDateTime } from "../domain/dates/calendar.ts";
import { CurveError } from "../domain/errors.ts";
import { milestoneStatus, plural } from "../domain/milestone-status.ts";
import { describeAuditEvent } from "../domain/audit-sentence.ts";
import { closedPlanRefusal } from "../domain/plan-refresh.ts";
import { ACTION_STATES, type ActionView } from "../domain/model.ts";
import { actionRag, describeActionRag } from "../domain/rag.ts";
import { readActionState } from "../domain/typed-text.ts";
import { context, fields, list, reply, text, type Block, type Field, type Reply } from "../domain/reply.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext, CommandFamily } from "./context.ts";
import { STATE_LABELS, milestoneItem, ownersLine, partyName } from "./format.ts";
import { announce, requireChangePermission } from "./milestone.ts";
import { actionNamedBy, resolveAction } from "./resolve.ts";

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
    // The board's RAG, derived from the state and the milestones, with its reason (domain/rag.ts).
    { label: "RAG", value: describeActionRag(actionRag({ state: action.state, milestones: action.milestones }, ctx.today)) },
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
  if (action.carriedFrom) blocks.push(context(`Carried over from ${action.carriedFrom.planTitle} (${action.carriedFrom.ref}); /action history ${action.ref} includes its history there.`));
  const closed = closedPlanRefusal(action);
  if (closed) blocks.push(context(`${closed} This plan is closed to changes.`));
  return blocks;
}

async function show(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref] = firstWord(args);
  if (!ref) throw new CurveError("usage", "Which action?", { hint: USAGE.show });
  const action = await resolveAction(ctx, ref, USAGE.show);
  return reply("info", action.ref, actionBlocks(ctx, action));
}

const STATE_WORDS = ACTION_STATES.filter((s) => s !== "not_started").map((s) => s.replace("_", " "));

async function status(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref, rest] = firstWord(args);
  if (!ref) throw new CurveError("usage", "Which action?", { hint: USAGE.status });
  if (!rest) throw new CurveError("usage", "What is its state now?", { hint: USAGE.status });
  // "at risk", "at-risk", "amber": the state a person sets; the derived RAG can still differ (said below).
  const read = readActionState(rest);
  if (!read) throw new CurveError("usage", `"${firstWord(rest)[0].slice(0, 20)}" is not a state; the state must be one of ${STATE_WORDS.join(", ")} (or red, amber, green).`, { hint: USAGE.status });
  const state = read.state;
  const note = rest.split(/\s+/).slice(read.words).join(" ").replace(/^[-–—:,]\s*/, "");
  const action = await resolveAction(ctx, ref, USAGE.status);
  requireChangePermission(ctx, action);
  if (note) await ctx.guardText(note);
  return ctx.change(async (tx) => {
    const outcome = await tx.setActionState(action, state, note || null);
    if (!outcome.applied) return reply("info", `${action.ref} is already ${STATE_LABELS[state]}`, [text("Nothing changed.")]);
    const blocks: Block[] = [text(action.title), fields([
      // The state the change replaced, which someone may have changed since this command read it.
      { label: "Was", value: STATE_LABELS[outcome.value.was] },
      { label: "Now", value: STATE_LABELS[state] },
    ])];
    if (read.colour) blocks.push(context(`"${read.colour}" is read as ${STATE_LABELS[state]}.`));
    if (note) blocks.push(context(`Note: ${note}`));
    const rag = actionRag({ state, milestones: outcome.value.action.milestones }, ctx.today);
    if (rag.differs) blocks.push(context(`Its RAG on the board is ${describeActionRag(rag)}.`));
    const open = outcome.value.action.milestones.filter((m) => !m.doneAt);
    if (state === "done" && open.length) {
      blocks.push(context(`${plural(open.length, "milestone")} still open: ${open.map((m) => m.ref).join(", ")}.`));
    }
    return announce(
      reply("success", `${action.ref} is now ${STATE_LABELS[state]}`, blocks),
      action,
      `${ctx.actor.name} set ${action.ref} ${STATE_LABELS[state]}${note ? `: ${note}` : ""}`,
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
    const outcome = await tx.addActionNote(action, body);
    if (!outcome.applied) return reply("info", `${action.ref} already has that note`, [text(body), context("You added it just now: it is the action's latest note. Nothing changed.")]);
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

async function history(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref] = firstWord(args);
  if (!ref) throw new CurveError("usage", "Which action?", { hint: USAGE.history });
  const action = await resolveAction(ctx, ref, USAGE.history);
  const entries = await ctx.store.actionHistory(action.id, HISTORY_LIMIT);
  const items = entries.map((e) => ({
    text: `${e.actor?.name ?? "Curve"} ${describeAuditEvent(e, ctx.actor.timeZone)}`,
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
    { name: "show", usage: USAGE.show, reads: actionNamedBy, summary: "An action with its owners, priority and milestones.", run: show },
    { name: "status", usage: USAGE.status, changes: true, reads: actionNamedBy, summary: "Set an action's state, with an optional note.", run: status },
    { name: "note", usage: USAGE.note, changes: true, reads: actionNamedBy, summary: "Add a note to an action.", run: note },
    { name: "mine", usage: USAGE.mine, summary: "The actions you own.", run: (ctx) => mine(ctx) },
    { name: "history", usage: USAGE.history, reads: actionNamedBy, summary: "Every recorded change to an action.", run: history },
  ],
};
