import { may, requirePermission } from "../domain/access.ts";
import { addDays, localDate, shortDate } from "../domain/dates/calendar.ts";
import { parseDue } from "../domain/dates/due-phrase.ts";
import { CurveError } from "../domain/errors.ts";
import { plural } from "../domain/milestone-status.ts";
import { pledgeCard } from "../domain/pledges/card.ts";
import { signaturesCsv } from "../domain/pledges/csv.ts";
import { readFollowUpRef } from "../domain/pledges/follow-up.ts";
import {
  ANSWER_LABELS, KIND_LABELS, NEW_USAGE, SIGN_USAGE, chooseWithdrawal, displayName, parseNewPledge, parseSigning, pledgeName, readPledgeId, signingState,
  type FollowUpAnswer, type PledgeView,
} from "../domain/pledges/pledge.ts";
import { context, fields, list, reply, text, type Block, type Reply } from "../domain/reply.ts";
import { instantAt } from "../domain/schedule/zoned-time.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext, CommandDeps, CommandFamily } from "./context.ts";
import { insightsOf } from "./indicator-lookup.ts";
import type { FollowUpRead, NewPledgeRead, PledgeRead } from "./store.ts";

const USAGE = {
  new: NEW_USAGE,
  sign: SIGN_USAGE,
  register: "/pledge register <pledge>   e.g. /pledge register P3",
  withdraw: "/pledge withdraw <pledge> [mine | for <organisation>]",
  export: "/pledge export <pledge>",
  show: "/pledge show <pledge>",
  list: "/pledge list",
  answer: "/pledge answer <done|still_doing|not_yet> <signature>.<30|90>",
};

// Slack shows a section of at most 3,000 characters; longer exports go by link only.
const INLINE_CSV = 2800;

const cardKey = (pledge: { id: number }) => `pledge:${pledge.id}`;
const withCard = (result: Reply, pledge: PledgeView): Reply => (pledge.channel ? { ...result, card: { key: cardKey(pledge), channel: pledge.channel } } : result);

async function resolvePledge(ctx: CommandContext, word: string, usage: string): Promise<PledgeView> {
  const id = readPledgeId(word);
  if (id === null) throw new CurveError("usage", "Which pledge? Give its number, like P3.", { hint: usage });
  const pledge = await insightsOf(ctx).store.findPledge(ctx.partnershipId, id);
  if (!pledge) throw new CurveError("unknown_ref", `There is no pledge P${id}.`, { hint: "/pledge list shows the pledges." });
  return pledge;
}


/** A date phrase as an instant in the asker's zone: the start of its first day, or the end of its last. */
function readInstant(ctx: CommandContext, phrase: string, edge: "start" | "end"): Date {
  const due = parseDue(phrase, { today: ctx.today });
  if (!due.ok || !due.value.due) throw new CurveError("bad_date", due.ok ? `"${phrase}" is not a date.` : due.error.message, { hint: USAGE.new });
  if (edge === "start") return instantAt(due.value.start ?? due.value.due, 0, ctx.actor.timeZone);
  return new Date(instantAt(addDays(due.value.due, 1), 0, ctx.actor.timeZone).getTime() - 1);
}

async function create(ctx: CommandContext, args: string): Promise<Reply> {
  const { actor } = ctx;
  requirePermission(actor, "pledge.create");
  if (!args) {
    if (!ctx.canShowForms) throw new CurveError("usage", "Say the pledge's kind, title and text.", { hint: USAGE.new });
    return {
      ...reply("info", "New pledge", [text("The sign-up card will be posted in this channel.")]),
      form: {
        id: "pledge.new",
        title: "New pledge",
        submitLabel: "Post pledge",
        intro: "Signers register publicly what they will do. Add “| closes <date>” to end sign-ups on a date.",
        fields: [
          { id: "kind", label: "Kind", hint: "attendance, cfc (Child Friendly City) or custom", maxLength: 20 },
          { id: "pledge", label: "Title | pledge text", hint: "Every day counts | I pledge to help every child attend school every day | closes end of March 2012", multiline: true, maxLength: 2500 },
        ],
        command: "pledge",
        textPrefix: "new",
      },
    };
  }
  const parsed = parseNewPledge(args);
  if (!parsed.ok) throw new CurveError("usage", parsed.error.message, { hint: USAGE.new });
  const p = parsed.value;
  const opensAt = p.opens ? readInstant(ctx, p.opens, "start") : null;
  const closesAt = p.closes ? readInstant(ctx, p.closes, "end") : null;
  if (closesAt && closesAt <= (opensAt ?? ctx.now)) throw new CurveError("bad_date", "A pledge must close after it opens (and after now).", { hint: USAGE.new });
  const channel = ctx.origin.platform === "shell" ? null : `${ctx.origin.platform}:${ctx.origin.tenant}:${ctx.origin.channel}`;
  await ctx.guardText(p.title);
  await ctx.guardText(p.text);
  return insightsOf(ctx).change(async (tx) => {
    const made = await tx.createPledge({ kind: p.kind, title: p.title, text: p.text, opensAt, closesAt, channel });
    const pledge = made.pledge;
    if (!made.created) {
      return reply("info", `${pledgeName(pledge)} is already open for signing`, [
        text(`${KIND_LABELS[pledge.kind]}: ${pledge.title}`),
        context(`Nothing was created. /pledge show P${pledge.id} shows it; give a new pledge a title of its own.`),
      ]);
    }
    const card = pledgeCard(pledge, { count: 0, latestNamed: [], latestUnnamed: 0 }, ctx.now);
    return withCard(
      reply("success", `Pledge P${pledge.id} created`, [
        text(`${KIND_LABELS[pledge.kind]}: ${pledge.title}`),
        ...card.blocks.slice(0, 2),
        context(channel ? "Its sign-up card is posted in this channel and updated as people sign." : "Run /pledge new in a Slack or Teams channel to post a sign-up card there."),
      ]),
      pledge,
    );
  });
}

async function sign(ctx: CommandContext, args: string): Promise<Reply> {
  const [word, rest] = firstWord(args);
  const pledge = await resolvePledge(ctx, word, USAGE.sign);
  const state = signingState(pledge, ctx.now);
  if (state !== "open") {
    const when = (at: Date) => shortDate(localDate(at, ctx.actor.timeZone));
    throw new CurveError("not_permitted", state === "closed" ? `${pledgeName(pledge)} closed on ${when(pledge.closesAt!)}.` : `${pledgeName(pledge)} opens on ${when(pledge.opensAt!)}.`);
  }
  if (!rest) {
    if (!ctx.canShowForms) throw new CurveError("usage", "Say what you will do: your commitment.", { hint: USAGE.sign });
    return {
      ...reply("info", `Sign ${pledgeName(pledge)}`, [text(pledge.text)]),
      form: {
        id: "pledge.sign",
        title: "Sign the pledge",
        submitLabel: "Sign",
        intro: `${pledge.title}: ${pledge.text}`,
        // The commitment first (a refusal is shown under it); the choice follows it, set apart by "|",
        // so whatever the commitment's first word it is never read as the choice, nor the choice as words.
        fields: [
          { id: "commitment", label: "What you will do", hint: "To sign for a school, agency or business, start with: for <its name>: …", multiline: true, maxLength: 1000 },
          {
            id: "public",
            label: "Show your name on the public register?",
            choices: [
              { value: "public", label: "Yes, show my name" },
              { value: "private", label: "No, keep my name private (my commitment is still counted)" },
            ],
          },
        ],
        command: "pledge",
        textPrefix: `sign P${pledge.id}`,
        separator: "|",
      },
    };
  }
  const signing = parseSigning(rest, `P${pledge.id}`);
  if (!signing.ok) throw new CurveError("usage", signing.error.message, { hint: USAGE.sign });
  await ctx.guardText(rest);
  return insightsOf(ctx).change(async (tx) => {
    const { outcome, signature, count } = await tx.sign(pledge, signing.value);
    if (outcome === "unchanged") return reply("info", `You have already signed ${pledgeName(pledge)}`, [text(signature.commitment), context("Nothing changed.")]);
    const heading = outcome === "updated" ? `Your commitment to ${pledgeName(pledge)} is updated` : `You signed ${pledgeName(pledge)}`;
    return withCard(
      reply("success", heading, [
        text(signature.commitment),
        fields([
          { label: "Signed as", value: signature.onBehalfOf ? `${signature.personName} for ${signature.onBehalfOf}` : signature.personName },
          { label: "On the register", value: signature.isPublic ? displayName(signature) : "name withheld (sign again with “public |” before your commitment to show it)" },
          { label: "Signatures", value: count.toLocaleString("en-GB") },
        ]),
        context("Curve will ask you in 30 and 90 days whether you did what you pledged. /pledge withdraw takes your name off."),
      ]),
      pledge,
    );
  });
}

async function register(ctx: CommandContext, args: string): Promise<Reply> {
  const pledge = await resolvePledge(ctx, firstWord(args)[0], USAGE.register);
  const store = insightsOf(ctx).store;
  const signatures = await store.signatures(pledge.id);
  const blocks: Block[] = [
    text(pledge.text),
    list(signatures.map((s) => ({ text: displayName(s), detail: s.commitment })), "No one has signed yet."),
    context(`${plural(signatures.length, "signature")}. Names are shown only where signers agreed.`),
  ];
  // A manager's view carries the pledge's private side (the follow-up answers): never into a channel.
  const managing = may(ctx.actor, "pledge.manage", pledge).allowed;
  if (managing) {
    const tally = await store.followUpTally(pledge.id);
    for (const stage of [30, 90]) {
      const rows = tally.filter((t) => t.stage === stage);
      if (!rows.length) continue;
      const parts = rows.map((r) => `${r.count} ${r.answer ? ANSWER_LABELS[r.answer].toLowerCase() : "not answered"}`);
      blocks.push(context(`After ${stage} days (${plural(rows.reduce((n, r) => n + r.count, 0), "signer")} asked): ${parts.join(", ")}.`));
    }
  }
  const answer = reply("info", `Who has pledged: ${pledgeName(pledge)}`, blocks);
  return managing ? { ...answer, private: true } : answer;
}

async function withdraw(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref, words] = firstWord(args);
  const pledge = await resolvePledge(ctx, ref, USAGE.withdraw);
  const insights = insightsOf(ctx);
  const signed = await insights.store.signaturesBy(pledge.id, ctx.actor.id);
  if (signed.length === 0) return reply("info", `You have not signed ${pledgeName(pledge)}`, [text("Nothing changed.")]);
  // One signature at a time: someone who signed in their own name and for an organisation says which.
  const chosen = chooseWithdrawal(signed, words, `P${pledge.id}`);
  if (!chosen.ok) throw new CurveError("usage", chosen.error.message, { hint: USAGE.withdraw });
  const signature = chosen.value;
  return insights.change(async (tx) => {
    const { withdrawn, count } = await tx.withdraw(pledge, signature.onBehalfOf);
    if (!withdrawn) return reply("info", `You have not signed ${pledgeName(pledge)}${signature.onBehalfOf ? ` for ${signature.onBehalfOf}` : ""}`, [text("Nothing changed.")]);
    const whose = signature.onBehalfOf ? `Your signature for ${signature.onBehalfOf}` : "Your signature";
    return withCard(reply("success", `${whose} on ${pledgeName(pledge)} is withdrawn`, [text(`${plural(count, "signature")} ${count === 1 ? "remains" : "remain"}. You will not be asked how it is going.`)]), pledge);
  });
}

async function exportCsv(ctx: CommandContext, args: string): Promise<Reply> {
  const pledge = await resolvePledge(ctx, firstWord(args)[0], USAGE.export);
  requirePermission(ctx.actor, "pledge.manage", pledge);
  const insights = insightsOf(ctx);
  const signatures = await insights.store.signatures(pledge.id);
  const csv = signaturesCsv(pledge, signatures);
  const blocks: Block[] = [];
  if (insights.links) blocks.push(text(`Download (link works for 15 minutes): ${insights.links.exportUrl(ctx.partnershipId, pledge.id, ctx.now)}`));
  if (csv.length <= INLINE_CSV) blocks.push(text(csv));
  else if (!insights.links) blocks.push(text(`${csv.slice(0, INLINE_CSV)}…`), context("Too long to show whole here; export from Slack or Teams for the full file."));
  blocks.push(context("Includes names withheld from the public register: keep it within the partnership."));
  // Every signer's name, private ones included: only ever to the person who asked.
  return { ...reply("info", `${pledgeName(pledge)}: ${plural(signatures.length, "signature")} as CSV`, blocks), private: true };
}

/** The channel card: the query a card's buttons redraw it with. */
async function show(ctx: CommandContext, args: string): Promise<Reply> {
  const pledge = await resolvePledge(ctx, firstWord(args)[0], USAGE.show);
  return pledgeCard(pledge, await insightsOf(ctx).store.pledgeStats(pledge.id), ctx.now);
}

async function listPledges(ctx: CommandContext): Promise<Reply> {
  const pledges = await insightsOf(ctx).store.listPledges(ctx.partnershipId);
  const items = pledges.map((p) => ({
    text: `${pledgeName(p)}`,
    detail: `${KIND_LABELS[p.kind]} · ${plural(p.count, "signature")} · ${signingState(p, ctx.now).replace(/_/g, " ")}`,
    buttons: [{ actionId: "pledge.show", label: "Open", value: `P${p.id}` }],
  }));
  return reply("info", "Pledges", [list(items, "No pledges yet. Coordinators and ambassadors start one with /pledge new.")]);
}

/** The pledge a line's first word names ("P3 …"), read with the person asking; null when it names none. */
function pledgeNamedBy(args: string): PledgeRead | null {
  const id = readPledgeId(firstWord(args)[0]);
  return id === null ? null : { pledgeId: id };
}

/** The title a /pledge new line gives, read with the person asking (the pledges of that title, an id for a new one); null when the line is not a pledge. */
function newPledgeNamedBy(args: string): NewPledgeRead | null {
  const parsed = parseNewPledge(args);
  return parsed.ok ? { newPledgeTitle: parsed.value.title } : null;
}

const ANSWERS: Record<string, FollowUpAnswer> = { done: "done", still_doing: "still_doing", "still-doing": "still_doing", not_yet: "not_yet", "not-yet": "not_yet" };

/** The follow-up question an answer's line names ("done 12.30"), read with the person answering; null when it names none. */
function followUpNamedBy(args: string): FollowUpRead | null {
  return readFollowUpRef(firstWord(firstWord(args)[1])[0]);
}

async function answer(ctx: CommandContext, args: string): Promise<Reply> {
  const [word, rest] = firstWord(args);
  const chosen = ANSWERS[word.toLowerCase()];
  const ref = readFollowUpRef(firstWord(rest)[0]);
  if (!chosen || !ref) throw new CurveError("usage", "Answer with done, still_doing or not_yet, and the question's reference.", { hint: USAGE.answer });
  return insightsOf(ctx).change(async (tx) => {
    const outcome = await tx.answerFollowUp(ref.signatureId, ref.stage, chosen);
    if (outcome === "not_asked") throw new CurveError("unknown_ref", "Curve has no such question for you.");
    if (outcome === "not_yours") throw new CurveError("not_permitted", "That question was for someone else.");
    if (outcome === "unchanged") return reply("info", `You already answered ${ANSWER_LABELS[chosen].toLowerCase()}`, [text("Nothing changed.")]);
    return reply("success", `Thank you: ${ANSWER_LABELS[chosen].toLowerCase()}`, [text(chosen === "not_yet" ? "There is still time. Your commitment stands on the register." : "Your answer is counted in the pledge's tally.")]);
  });
}

/**
 * The card a channel shows for a key ("pledge:12"), drawn from today's data, with the query
 * that redraws it (so a press on one of its buttons can refresh it in place).
 */
export async function renderChannelCard(deps: CommandDeps, partnershipId: number, key: string, now: Date): Promise<{ reply: Reply; command: string; text: string } | null> {
  const id = /^pledge:(\d{1,9})$/.exec(key)?.[1];
  if (!id || !deps.insights) return null;
  const pledge = await deps.insights.store.findPledge(partnershipId, Number(id));
  if (!pledge) return null;
  return { reply: pledgeCard(pledge, await deps.insights.store.pledgeStats(pledge.id), now), command: "pledge", text: `show P${pledge.id}` };
}

export const pledgeCommands: CommandFamily = {
  name: "pledge",
  summary: "Public pledges: sign up in the channel, see who pledged what, and follow through at 30 and 90 days.",
  defaultSubcommand: "list",
  subcommands: [
    { name: "new", usage: USAGE.new, changes: true, reads: newPledgeNamedBy, summary: "Create a pledge and post its sign-up card here (coordinators, ambassadors).", run: create },
    { name: "sign", usage: USAGE.sign, changes: true, reads: pledgeNamedBy, summary: "Sign a pledge, for yourself or an organisation, with your commitment.", run: sign },
    { name: "register", usage: USAGE.register, summary: "Who pledged what, as signers chose to be shown.", run: register },
    { name: "withdraw", usage: USAGE.withdraw, changes: true, reads: pledgeNamedBy, summary: "Withdraw your signature.", run: withdraw },
    { name: "export", usage: USAGE.export, summary: "The signatures as CSV (coordinators).", run: exportCsv },
    { name: "show", usage: USAGE.show, summary: "A pledge's sign-up card.", run: show },
    { name: "list", usage: USAGE.list, summary: "The pledges, newest first.", run: (ctx) => listPledges(ctx) },
    { name: "answer", usage: USAGE.answer, changes: true, reads: followUpNamedBy, summary: "Answer \"did you do what you pledged?\" (from its buttons).", run: answer },
  ],
};
