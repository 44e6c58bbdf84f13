import { z } from "zod/v4";
import { parseDue } from "../domain/dates/due-phrase.ts";
import { addDays, daysBetween, shortDate, shortDateTime } from "../domain/dates/calendar.ts";
import { CurveError } from "../domain/errors.ts";
import { plural } from "../domain/milestone-status.ts";
import type { ActionView, MilestoneView } from "../domain/model.ts";
import { requirePermission } from "../domain/access.ts";
import { context, fields, list, reply, text, type Reply } from "../domain/reply.ts";
import { instantAt, localMoment } from "../domain/schedule/zoned-time.ts";
import { firstWord, leadingPhrase, parseArgs } from "./arguments.ts";
import type { CommandContext, CommandFamily } from "./context.ts";
import { dueLabel, milestoneButtons, milestoneItem } from "./format.ts";
import { actionNamedBy, resolveAction, resolveMilestone } from "./resolve.ts";

const PAGE = 20;

const USAGE = {
  done: "/milestone done <ref> [evidence]   e.g. /milestone done ATT-4.1 model agreed at cluster chairs, 3 Oct",
  undo: "/milestone undo <ref>",
  evidence: "/milestone evidence <ref> <text or link>",
  date: "/milestone date <ref> <date>   e.g. /milestone date NEET-1.1 end of March 2027",
  list: "/milestone list [mine | overdue | due <N>d | action <ref>]",
  snooze: "/milestone snooze <ref> <7d, 2w or until <date>> [|] <reason>   e.g. /milestone snooze ATT-4.1 until w/c 5 October | waiting for the data",
};

const MAX_SNOOZE_DAYS = 90;

/** "7d", "2w", "10 days", "3 weeks": a snooze's length in days, or null. */
function snoozeDays(text: string): number | null {
  const match = /^(\d{1,3})\s*(d|days?|w|wks?|weeks?)$/i.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * (match[2]!.toLowerCase().startsWith("w") ? 7 : 1);
}

/** Changing an action or its milestones: see access.ts, "action.change". */
export function requireChangePermission(ctx: CommandContext, action: ActionView): void {
  requirePermission(ctx.actor, "action.change", action);
}

async function done(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref, evidence] = firstWord(args);
  if (!ref) throw new CurveError("usage", "Which milestone is done?", { hint: USAGE.done });
  const { action, milestone } = await resolveMilestone(ctx, ref, USAGE.done, "open");
  requireChangePermission(ctx, action);
  if (!evidence && ctx.canShowForms && !milestone.doneAt) return evidenceForm(milestone, "done");
  if (evidence) await ctx.guardText(evidence);
  return ctx.change(async (tx) => {
    const outcome = await tx.markMilestoneDone(milestone, evidence || null);
    if (!outcome.applied) return alreadyDone(ctx, milestone, evidence);
    const stillOpen = action.milestones.filter((m) => !m.doneAt && m.id !== milestone.id);
    const result = reply("success", `${milestone.ref} done`, [
      text(milestone.text),
      fields([
        { label: "Action", value: `${action.ref} · ${action.title}` },
        { label: "Evidence", value: evidence || "none yet" },
      ]),
      context(
        stillOpen.length === 0
          ? `That was the last open milestone of ${action.ref}. Close the action with /action status ${action.ref} done.`
          : `${action.ref} has ${plural(stillOpen.length, "open milestone")}: ${stillOpen.map((m) => m.ref).join(", ")}.`,
      ),
    ]);
    if (!evidence) result.blocks.push(context(`Add evidence of what was done: /milestone evidence ${milestone.ref} <text or link>`));
    result.blocks.push({ type: "buttons", buttons: milestoneButtons(outcome.value) });
    return announce(result, action, `${ctx.actor.name} marked ${milestone.ref} done: ${milestone.text}${evidence ? ` (evidence: ${evidence})` : ""}`);
  }, action);
}

/** Asks for evidence (before marking done, or to add to it), where the platform can show a form. */
function evidenceForm(milestone: MilestoneView, then: "done" | "evidence"): Reply {
  const marking = then === "done";
  return {
    ...reply("info", marking ? `Mark ${milestone.ref} done` : `Add evidence to ${milestone.ref}`, [text(milestone.text)]),
    form: {
      id: `milestone.${then}`,
      title: marking ? "Mark milestone done" : "Add evidence",
      submitLabel: marking ? "Mark done" : "Add evidence",
      intro: `${milestone.ref} · ${milestone.text}`,
      fields: [
        {
          id: "evidence",
          label: "Evidence",
          hint: "A sentence or a link showing it is done. CTB sponsors see it in their digest.",
          multiline: true,
          maxLength: 3000,
        },
      ],
      command: "milestone",
      textPrefix: `${then} ${milestone.ref}`,
    },
  };
}

/** Adds a short post for the priority's channel, when it has one. */
export function announce(result: Reply, action: ActionView, message: string): Reply {
  const channel = action.priority?.channel;
  return channel ? { ...result, announcements: [...(result.announcements ?? []), { channel, text: message }] } : result;
}

/**
 * The answer to marking a done milestone done. Evidence given with it that the milestone does
 * not already hold was not saved (the command changes nothing): the reply says so, and how to add it.
 */
function alreadyDone(ctx: CommandContext, m: MilestoneView, evidence?: string): Reply {
  const when = m.doneAt ? shortDateTime(m.doneAt, ctx.actor.timeZone) : "earlier";
  const blocks = [text(`Marked done ${when}${m.doneBy ? ` by ${m.doneBy.name}` : ""}. Nothing changed.`)];
  if (evidence && !(m.evidence ?? "").includes(evidence)) blocks.push(context(`The evidence you gave was not saved. To add it: /milestone evidence ${m.ref} ${evidence}`));
  return reply("info", `${m.ref} was already done`, blocks);
}

async function undo(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref] = firstWord(args);
  if (!ref) throw new CurveError("usage", "Which milestone should be reopened?", { hint: USAGE.undo });
  const { action, milestone } = await resolveMilestone(ctx, ref, USAGE.undo, "done");
  requireChangePermission(ctx, action);
  return ctx.change(async (tx) => {
    const outcome = await tx.reopenMilestone(milestone);
    if (!outcome.applied) return reply("info", `${milestone.ref} is not done`, [text("It is still open. Nothing changed.")]);
    return reply("success", `${milestone.ref} reopened`, [
      text(milestone.text),
      context(`It is ${dueLabel(outcome.value) === "date to be agreed" ? "open, date to be agreed" : `due ${dueLabel(outcome.value)}`} again.`),
      // Evidence is of the work being done, so it goes with the done mark; the history keeps it.
      ...(milestone.evidence ? [context(`Its evidence was cleared with it: "${milestone.evidence}". /action history ${action.ref} keeps it; add it again with /milestone evidence when it is done.`)] : []),
      { type: "buttons", buttons: milestoneButtons(outcome.value) },
    ]);
  }, action);
}

async function evidence(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref, note] = firstWord(args);
  if (!ref) throw new CurveError("usage", "Say which milestone and what the evidence is.", { hint: USAGE.evidence });
  const { action, milestone } = await resolveMilestone(ctx, ref, USAGE.evidence);
  requireChangePermission(ctx, action);
  if (!note) {
    if (ctx.canShowForms) return evidenceForm(milestone, milestone.doneAt ? "evidence" : "done");
    throw new CurveError("usage", "Say what the evidence is: a sentence or a link.", { hint: USAGE.evidence });
  }
  if (!milestone.doneAt) {
    // Evidence is for work that is done: record both at once.
    return done(ctx, `${milestone.ref} ${note}`);
  }
  await ctx.guardText(note);
  return ctx.change(async (tx) => {
    const outcome = await tx.addMilestoneEvidence(milestone, note);
    if (!outcome.applied) return reply("info", `${milestone.ref} already has that evidence`, [text("Nothing changed.")]);
    return reply("success", `Evidence added to ${milestone.ref}`, [
      text(outcome.value.evidence ?? note),
      context(`Recorded in ${action.ref}'s history.`),
    ]);
  }, action);
}

const DateArgs = z.object({
  ref: z.string().min(1, "Which milestone?"),
  phrase: z.string().min(1, "What is the new date?"),
});

async function date(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref, phrase] = firstWord(args);
  const parsed = parseArgs(DateArgs, { ref, phrase }, USAGE.date);
  const { action, milestone } = await resolveMilestone(ctx, parsed.ref, USAGE.date, "open");
  const due = parseDue(parsed.phrase, { today: ctx.today });
  if (!due.ok) throw new CurveError("bad_date", due.error.message, { hint: USAGE.date });
  requireChangePermission(ctx, action);
  return ctx.change(async (tx) => {
    const outcome = await tx.setMilestoneDue(milestone, due.value);
    if (!outcome.applied) return reply("info", `${milestone.ref} is already due ${dueLabel(milestone)}`, [text("Nothing changed.")]);
    const blocks = [
      text(milestone.text),
      fields([
        { label: "Was", value: dueLabel(milestone) },
        { label: "Now", value: `${dueLabel(outcome.value)}${outcome.value.dueDate ? ` (${shortDate(outcome.value.dueDate)})` : ""}` },
      ]),
    ];
    // Say how an ambiguous or relative phrase was read ("Read as the financial year 2016/17 ...").
    if (due.value.note) blocks.push(context(due.value.note));
    if (milestone.doneAt) blocks.push(context(`${milestone.ref} is done, so the date is kept for the record and nobody is nudged about it. /milestone undo ${milestone.ref} reopens it.`));
    else if (outcome.value.dueDate && outcome.value.dueDate < ctx.today) blocks.push(context("That date has already passed, so it shows as overdue."));
    return reply("success", `${milestone.ref} rescheduled`, blocks);
  }, action);
}

const ListArgs = z.union([
  z.object({ kind: z.literal("mine") }),
  z.object({ kind: z.literal("overdue") }),
  z.object({ kind: z.literal("due"), days: z.coerce.number().int().min(0).max(3660) }),
  z.object({ kind: z.literal("action"), ref: z.string().min(1) }),
]);

function parseListArgs(args: string) {
  const [kind = "mine", rest] = firstWord(args.toLowerCase());
  const word = kind || "mine";
  if (word === "due") {
    const days = /^(\d+)\s*d(ays?)?$/.exec(rest);
    if (!days) throw new CurveError("usage", `Say how many days ahead, like "due 14d".`, { hint: USAGE.list });
    if (days[1]!.length > 4 || Number(days[1]) > 3660) throw new CurveError("usage", `Curve looks at most 3660 days (ten years) ahead; try "due 90d".`, { hint: USAGE.list });
    return parseArgs(ListArgs, { kind: "due", days: days[1] }, USAGE.list);
  }
  if (word === "action") return parseArgs(ListArgs, { kind: "action", ref: firstWord(args)[1] }, USAGE.list);
  if (word !== "mine" && word !== "overdue") {
    throw new CurveError("usage", `"${word}" is not a list I know.`, { hint: USAGE.list });
  }
  return parseArgs(ListArgs, { kind: word }, USAGE.list);
}

async function listMilestones(ctx: CommandContext, args: string): Promise<Reply> {
  const choice = parseListArgs(args);
  const yesterday = addDays(ctx.today, -1);
  let heading: string;
  let empty: string;
  let query: Parameters<CommandContext["store"]["listMilestones"]>[1];
  switch (choice.kind) {
    case "mine":
      heading = "Your open milestones";
      empty = "You own no open milestones.";
      query = { ownerId: ctx.actor.id, open: true, limit: PAGE };
      break;
    case "overdue":
      heading = "Overdue milestones";
      empty = "Nothing is overdue.";
      query = { dueOnOrBefore: yesterday, limit: PAGE };
      break;
    case "due":
      // What is due in the window itself: overdue milestones have a list of their own, so they are counted, not listed.
      heading = `Open milestones due within ${plural(choice.days, "day")}`;
      empty = `Nothing is due between ${shortDate(ctx.today)} and ${shortDate(addDays(ctx.today, choice.days))}.`;
      query = { dueOnOrAfter: ctx.today, dueOnOrBefore: addDays(ctx.today, choice.days), limit: PAGE };
      break;
    case "action": {
      const action = await resolveAction(ctx, choice.ref, USAGE.list);
      heading = `Milestones of ${action.ref}`;
      empty = `${action.ref} has no milestones.`;
      query = { actionId: action.id, limit: 100 };
      break;
    }
  }
  const { items, total } = await ctx.store.listMilestones(ctx.partnershipId, query);
  const blocks = [list(items.map((m) => milestoneItem(m, ctx.today, ctx.actor.timeZone)), empty)];
  if (total > items.length) {
    blocks.push(context(`Showing ${items.length} of ${total.toLocaleString("en-GB")}, most urgent first. Narrow it with /milestone list due 7d or /milestone list action <ref>.`));
  }
  if (choice.kind === "due") {
    const overdue = await ctx.store.listMilestones(ctx.partnershipId, { dueOnOrBefore: yesterday, limit: 1 });
    if (overdue.total > 0) blocks.push(context(`Also ${plural(overdue.total, "milestone")} overdue: /milestone list overdue`));
  }
  if (choice.kind === "overdue" && items[0]?.dueDate) {
    blocks.push(context(`The oldest is ${plural(daysBetween(items[0].dueDate, ctx.today), "day")} overdue.`));
  }
  return reply("info", heading, blocks);
}

async function snooze(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref, rest] = firstWord(args);
  if (!ref) throw new CurveError("usage", "Which milestone should wait?", { hint: USAGE.snooze });
  const { action, milestone } = await resolveMilestone(ctx, ref, USAGE.snooze, "open");
  requireChangePermission(ctx, action);
  const wait = snoozeLength(ctx, rest);
  if (!wait) {
    if (!rest && ctx.canShowForms) return snoozeForm(milestone);
    throw new CurveError("usage", "Say for how long (like 7d or 2w) or until when (like until Friday), and why.", { hint: USAGE.snooze });
  }
  const { days, until, reason } = wait;
  if (days < 1 || days > MAX_SNOOZE_DAYS) throw new CurveError("usage", `A snooze is 1 to ${MAX_SNOOZE_DAYS} days; longer means the date should change (/milestone date).`, { hint: USAGE.snooze });
  if (!reason) throw new CurveError("usage", "Give a reason: the lead and sponsors see snoozes, and why.", { hint: USAGE.snooze });
  await ctx.guardText(reason);
  return ctx.change(async (tx) => {
    const outcome = await tx.snoozeMilestone(milestone, until, reason);
    if (!outcome.applied) {
      if (outcome.reason === "already_done") return reply("info", `${milestone.ref} is already done`, [text("Nothing to snooze.")]);
      return reply("info", `${milestone.ref} is already snoozed`, [text(`It is quiet until ${shortDateTime(until, ctx.actor.timeZone)}. Nothing changed.`)]);
    }
    const blocks = [text(milestone.text), fields([{ label: "Quiet until", value: shortDateTime(until, ctx.actor.timeZone) }, { label: "Reason", value: reason }])];
    if (wait.note) blocks.push(context(wait.note));
    if (outcome.value.count >= 3) blocks.push(context(`Snoozed ${outcome.value.count} times: its priority's lead will be told.`));
    return reply("success", `${milestone.ref} snoozed for ${plural(days, "day")}`, blocks);
  }, action);
}

type SnoozeLength = { days: number; until: Date; reason: string; note?: string };

/**
 * How long a snooze lasts, and why: "7d", "2 weeks", "for 10 days", or "until <date>" in the one
 * date grammar ("until Friday", "until w/c 5 October"; "until after half term" is not a date),
 * then the reason. A "|" sets the length apart from the reason, as the snooze form sends it;
 * before it, a date alone ("Friday") means until then, and anything more is refused. Otherwise
 * the date is the longest run of words that reads as a date, and when a shorter run reads as
 * another date and a number follows it ("until Jan 15 cases to review": 1 or 15 January? see
 * leadingPhrase) the person is asked to set the reason apart rather than get a date they may
 * not have meant. Until a date means reminders start again at the start of that day (the
 * first day of its period), in the person's own time zone. Null when nothing reads as a length.
 * Errors: `bad_date` (a date that does not read, or reads two ways), `usage` (more than a
 * length before the "|").
 */
function snoozeLength(ctx: CommandContext, rest: string): SnoozeLength | null {
  const bar = rest.indexOf("|");
  if (bar >= 0) {
    const length = rest.slice(0, bar).trim();
    const alone = lengthAlone(ctx, length);
    if (alone) return { ...alone, reason: rest.slice(bar + 1).trim() };
    // More than a length before the "|": which words were meant as the date is not Curve's to guess.
    if (DURATION.test(length)) throw new CurveError("usage", `Before the "|" put only how long, like 7d or until Friday; the reason goes after it.`, { hint: USAGE.snooze });
    const attempt = parseDue(UNTIL.exec(length)?.[1] ?? length, { today: ctx.today });
    throw new CurveError("bad_date", attempt.ok ? "Say until when, like until Friday or until 7 October." : attempt.error.message, { hint: USAGE.snooze });
  }
  return lengthThenReason(ctx, rest);
}

const DURATION = /^(?:for\s+)?(\d{1,3}\s*(?:d|days?|w|wks?|weeks?))\b[\s.,:;-]*(.*)$/i;
const UNTIL = /^(?:until|till|til|to)\s+(.+)$/i;

/**
 * The end of a snooze of `days` days ("7d", "2w"): so many calendar days on, at the same time of
 * day in the person's time zone, so that 7 days from 09:05 on the Friday before the clocks go
 * back ends at 09:05, not 08:05 (7 x 24 hours would).
 */
function daysOn(ctx: CommandContext, days: number): Date {
  const { date, minute } = localMoment(ctx.now, ctx.actor.timeZone);
  return instantAt(addDays(date, days), minute, ctx.actor.timeZone);
}

/** Reminders held until the start of `start` (ISO date) in the person's time zone, with the date said back. */
function wakeOn(ctx: CommandContext, start: string, note: string | undefined, reason: string): SnoozeLength {
  return {
    days: daysBetween(ctx.today, start),
    until: instantAt(start, 0, ctx.actor.timeZone),
    reason,
    note: `Reminders start again on ${shortDate(start)}${note ? ` (${note.replace(/\.$/, "")})` : ""}.`,
  };
}

/** A length and nothing else ("2w", "until Friday", "Friday"), or null. */
function lengthAlone(ctx: CommandContext, text: string): Omit<SnoozeLength, "reason"> | null {
  const duration = DURATION.exec(text);
  if (duration) return duration[2] ? null : { days: snoozeDays(duration[1]!)!, until: daysOn(ctx, snoozeDays(duration[1]!)!) };
  const phrase = UNTIL.exec(text)?.[1] ?? text;
  if (!phrase) return null;
  const due = parseDue(phrase, { today: ctx.today });
  return due.ok && due.value.start ? wakeOn(ctx, due.value.start, due.value.note, "") : null;
}

/** A length typed first and the reason after it, in one run of words (see snoozeLength). */
function lengthThenReason(ctx: CommandContext, rest: string): SnoozeLength | null {
  const duration = DURATION.exec(rest);
  if (duration) {
    const days = snoozeDays(duration[1]!)!;
    return { days, until: daysOn(ctx, days), reason: duration[2]!.trim() };
  }
  const until = UNTIL.exec(rest);
  if (!until) return null;
  const words = until[1]!.split(/\s+/);
  const read = leadingPhrase<{ start: string; note: string | undefined }>(
    words,
    6,
    (phrase) => {
      const due = parseDue(phrase, { today: ctx.today });
      if (!due.ok) return due.error.misread ? { refused: due.error.message } : null;
      return due.value.start ? { start: due.value.start, note: due.value.note } : null;
    },
    (a, b) => a.start === b.start,
  );
  if (read && "refused" in read) throw new CurveError("bad_date", read.refused, { hint: USAGE.snooze });
  if (!read) {
    const attempt = parseDue(words.slice(0, 3).join(" "), { today: ctx.today });
    throw new CurveError("bad_date", attempt.ok ? "Say until when, like until Friday or until 7 October." : attempt.error.message, { hint: USAGE.snooze });
  }
  const { longest, doubt } = read;
  if (doubt) {
    const said = (r: { words: number }) => `until ${words.slice(0, r.words).join(" ")}`;
    throw new CurveError(
      "bad_date",
      `Until ${shortDate(longest.value.start)} ("${said(longest)}") or ${shortDate(doubt.value.start)} ("${said(doubt)}")? Put | between the date and the reason, like: ${said(doubt)} | ${words.slice(doubt.words).join(" ")}`,
      { hint: USAGE.snooze },
    );
  }
  return wakeOn(ctx, longest.value.start, longest.value.note, words.slice(longest.words).join(" ").replace(/^[-–—:,.;]\s*/, ""));
}

function snoozeForm(milestone: MilestoneView): Reply {
  return {
    ...reply("info", `Snooze ${milestone.ref}`, [text(milestone.text)]),
    form: {
      id: "milestone.snooze",
      title: "Snooze reminders",
      submitLabel: "Snooze",
      intro: `${milestone.ref} · ${milestone.text}`,
      fields: [
        { id: "duration", label: "For how long", hint: "For example 7d, 2w or until Friday (at most 90 days).", maxLength: 40 },
        { id: "reason", label: "Why", hint: "The priority's lead and sponsors can see this.", multiline: true, maxLength: 500 },
      ],
      command: "milestone",
      textPrefix: `snooze ${milestone.ref}`,
      // The length and the reason arrive set apart: a reason starting with a number is never read as part of the date.
      separator: "|",
    },
  };
}

export const milestoneCommands: CommandFamily = {
  name: "milestone",
  summary: "Mark milestones done, reopen or reschedule them, and list what is due.",
  defaultSubcommand: "list",
  subcommands: [
    { name: "done", usage: USAGE.done, changes: true, reads: actionNamedBy, summary: "Mark a milestone done, with evidence.", run: done },
    { name: "undo", usage: USAGE.undo, changes: true, reads: actionNamedBy, summary: "Reopen a milestone marked done by mistake (its evidence is cleared; the history keeps it).", run: undo },
    { name: "evidence", usage: USAGE.evidence, changes: true, reads: actionNamedBy, summary: "Add evidence to a done milestone; on an open one, mark it done with it.", run: evidence },
    { name: "date", usage: USAGE.date, changes: true, reads: actionNamedBy, summary: "Set or change a milestone's date.", run: date },
    { name: "snooze", usage: USAGE.snooze, changes: true, reads: actionNamedBy, summary: "Hold a milestone's reminders for a while, with a reason.", run: snooze },
    { name: "list", usage: USAGE.list, summary: "List milestones: yours, overdue, due soon, or an action's.", run: listMilestones },
  ],
};
