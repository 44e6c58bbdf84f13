import { addDays, shortDate } from "../domain/dates/calendar.ts";
import { parseDue } from "../domain/dates/due-phrase.ts";
import { CurveError } from "../domain/errors.ts";
import { riskRag, RAG_WORDS } from "../domain/rag.ts";
import { requirePermission } from "../domain/access.ts";
import { refreshedWords } from "../domain/plan-refresh.ts";
import { context, fields, list, reply, withContext, type Reply } from "../domain/reply.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext, CommandFamily } from "./context.ts";
import type { BoardStore, RiskView } from "./report-deps.ts";
import type { RiskHomeRead, RiskRead } from "./store.ts";

const USAGE = {
  add: "/risk add <plan, priority or action> | <description> | owner: <name> | likelihood: 1-5 | impact: 1-5 | mitigation: <text> | review: <date>",
  show: "/risk show R3",
  list: "/risk list [plan, priority or action]",
  review: "/risk review R3 [likelihood: 1-5] [impact: 1-5] [mitigation: <text>] [next: <date>] [note: <text>]",
  close: "/risk close R3 <reason>",
};

/** The later of two ISO dates. */
const laterOf = (a: string, b: string): string => (a > b ? a : b);

/** Without a date, a risk is next reviewed in a month. */
const DEFAULT_REVIEW_DAYS = 28;
const LABELS = ["owner", "likelihood", "impact", "mitigation", "review", "next", "note"] as const;
type Label = (typeof LABELS)[number];

function board(ctx: CommandContext): BoardStore {
  const found = ctx.reports?.board;
  if (!found) throw new CurveError("usage", "The risk register is not set up on this Curve.");
  return found;
}

// Where a labelled part begins without a "|" before it: a label and its colon after a space (and a comma or semicolon, which go).
const LABEL_START = new RegExp(String.raw`[,;]?\s+(?=(?:${LABELS.join("|")})\s*:)`, "i");

/**
 * "a | b | owner: X | impact: 4" into the unlabelled parts and the labelled ones. A part also
 * ends where a label and its colon follow a space, so "likelihood: 2 next: 1 April 2027" is two
 * parts, as /risk review's usage writes them. A label given twice is refused.
 */
function parts(text: string, usage: string): { plain: string[]; labelled: Partial<Record<Label, string>> } {
  const plain: string[] = [];
  const labelled: Partial<Record<Label, string>> = {};
  for (const raw of text.split("|").flatMap((p) => p.split(LABEL_START)).map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z]+)\s*:\s*([\s\S]*)$/i.exec(raw);
    const label = m?.[1]!.toLowerCase() as Label | undefined;
    if (m && label && (LABELS as readonly string[]).includes(label)) {
      if (labelled[label] !== undefined) throw new CurveError("usage", `"${label}" is given twice.`, { hint: usage });
      labelled[label] = m[2]!.trim();
    } else plain.push(raw);
  }
  return { plain, labelled };
}

function score(label: "likelihood" | "impact", value: string | undefined, usage: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new CurveError("usage", `Give the risk's ${label} from 1 to 5, e.g. "${label}: 3".`, { hint: usage });
  }
  if (!/^[1-5]$/.test(value.trim())) throw new CurveError("usage", `${label[0]!.toUpperCase()}${label.slice(1)} is a whole number from 1 to 5, not "${value.slice(0, 20)}".`, { hint: usage });
  return Number(value);
}

function reviewDate(ctx: CommandContext, value: string | undefined, usage: string, fallback: string): string {
  if (value === undefined) return fallback;
  const parsed = parseDue(value, { today: ctx.today });
  if (!parsed.ok) throw new CurveError("bad_date", parsed.error.message, { hint: usage });
  if (!parsed.value.due) throw new CurveError("bad_date", "A risk needs a review date, not one to be agreed.", { hint: usage });
  if (parsed.value.due < ctx.today) throw new CurveError("bad_date", `The review date ${shortDate(parsed.value.due)} has passed; give a date from today on.`, { hint: usage });
  return parsed.value.due;
}

function checkText(value: string, what: string, max: number, usage: string): string {
  if (value.length > max) throw new CurveError("too_long", `The ${what} is ${value.length} characters; keep it under ${max}.`, { hint: usage });
  return value;
}

async function ownerNamed(ctx: CommandContext, name: string | undefined, usage: string) {
  if (!name) return { id: ctx.actor.id, name: ctx.actor.name };
  const people = await ctx.store.findPeopleByName(ctx.partnershipId, name.slice(0, 120));
  if (people.length === 1) return { id: people[0]!.id, name: people[0]!.name };
  const near = people.length ? "" : (await ctx.store.searchPeople(ctx.partnershipId, name.slice(0, 40), 3)).map((p) => p.name).join(", ");
  throw new CurveError("unknown_person", people.length ? `More than one person is called ${name}; give their email.` : `No one called "${name.slice(0, 60)}" is in the partnership.${near ? ` Did you mean ${near}?` : ""}`, { hint: usage });
}

async function findRisk(ctx: CommandContext, typed: string, usage: string): Promise<RiskView> {
  const m = /^r?(\d{1,6})$/i.exec(typed.trim());
  if (!m) throw new CurveError("usage", typed ? `"${typed.slice(0, 20)}" is not a risk ref; risks are R1, R2 …` : "Which risk? Give its ref, like R3.", { hint: usage });
  const risk = await board(ctx).findRisk(ctx.partnershipId, Number(m[1]));
  if (!risk) throw new CurveError("unknown_ref", `There is no risk R${Number(m[1])}.`, { hint: "/risk list" });
  return risk;
}

/** The risk a review, a closing or a show names by ref ("R3"), read with the person asking; null for a line that names none. */
function riskNamedBy(args: string): RiskRead | null {
  const m = /^r?(\d{1,6})$/i.exec(firstWord(args)[0].trim());
  return m ? { risk: Number(m[1]) } : null;
}

/** Where /risk add puts its risk (as `add` reads it), with the owner it names, read with the person asking; null for a line `add` refuses. */
function homeNamedBy(args: string): RiskHomeRead | null {
  try {
    const { plain, labelled } = parts(args, USAGE.add);
    if (plain.length === 0) return null;
    return { riskHome: plain.length >= 2 ? plain[0]!.slice(0, 60) : null, ...(labelled.owner ? { person: labelled.owner.slice(0, 120) } : {}) };
  } catch {
    return null;
  }
}

function guard(ctx: CommandContext, risk: { owner: { id: number; name: string } | null; priority: RiskView["priority"] }, what: string): void {
  requirePermission(ctx.actor, "risk.change", { what, owner: risk.owner, priority: risk.priority });
}

export function riskLine(risk: RiskView, today: string) {
  const rating = riskRag(risk, today);
  return {
    text: `R${risk.number} · ${risk.description}`,
    detail: `${RAG_WORDS[rating.rag]}: ${rating.reason} · owner ${risk.owner.name} · review ${shortDate(risk.reviewDate)}${risk.closedAt ? ` · closed: ${risk.closedReason ?? ""}` : ""}`,
  };
}

function riskCard(risk: RiskView, today: string, heading: string, tone: Reply["tone"] = "info"): Reply {
  const rating = riskRag(risk, today);
  return reply(tone, heading, [
    fields([
      { label: "Risk", value: risk.description },
      { label: "Owner", value: risk.owner.name },
      { label: "Where", value: risk.priority ? `${risk.priority.label} (${risk.planKey})` : risk.planKey },
      { label: "RAG", value: `${RAG_WORDS[rating.rag]}: ${rating.reason}` },
      { label: "Mitigation", value: risk.mitigation ?? "none recorded" },
      { label: "Next review", value: shortDate(risk.reviewDate) },
      ...(risk.closedAt ? [{ label: "Closed", value: `${shortDate(risk.closedAt.toISOString().slice(0, 10))}: ${risk.closedReason ?? ""}` }] : []),
    ]),
  ]);
}

async function add(ctx: CommandContext, args: string): Promise<Reply> {
  const { plain, labelled } = parts(args, USAGE.add);
  // A part /risk add would not save is refused, never dropped: "next:" and "note:" are a review's.
  const unused = (["next", "note"] as const).find((label) => labelled[label] !== undefined);
  if (unused) throw new CurveError("usage", `A new risk takes owner:, likelihood:, impact:, mitigation: and review:, not "${unused}:"; ${unused === "next" ? 'its first review date is "review: <date>"' : 'a note goes with a review: /risk review R<n> note: …'}.`, { hint: USAGE.add });
  const store = board(ctx);
  let home = plain.length >= 2 ? await store.findRiskHome(ctx.partnershipId, plain[0]!.slice(0, 60)) : null;
  if (plain.length >= 2 && !home) throw new CurveError("unknown_ref", `"${plain[0]!.slice(0, 40)}" is not a plan, a priority (ATT, LAC, NEET …) or an action.`, { hint: USAGE.add });
  // "/risk add ATT" names where the risk goes and nothing more: not a risk described as "ATT",
  // even where the partnership's one plan would take it.
  if (plain.length === 1 && !/\s/.test(plain[0]!.trim()) && (await store.findRiskHome(ctx.partnershipId, plain[0]!.slice(0, 60)))) {
    throw new CurveError("usage", `Describe the risk after ${plain[0]!.slice(0, 40)}, with a | between them.`, { hint: USAGE.add });
  }
  home ??= plain.length === 1 ? await store.soleRiskHome(ctx.partnershipId) : null;
  if (!home && plain.length === 1) {
    // "/risk add ATT attendance is falling": where it goes and what it is, without the | between.
    const [first, rest] = firstWord(plain[0]!);
    if (rest.trim() && (await store.findRiskHome(ctx.partnershipId, first.slice(0, 60)))) {
      throw new CurveError("usage", `Put a | between where the risk goes and what it is: /risk add ${first.slice(0, 40)} | ${rest.trim().slice(0, 60)}`, { hint: USAGE.add });
    }
  }
  if (!home) throw new CurveError("usage", plain.length === 0 ? "Describe the risk." : "Say which plan, priority or action the risk belongs to, first.", { hint: USAGE.add });
  if (home.closedPlan) throw new CurveError("not_permitted", `${refreshedWords(home.closedPlan)}; add the risk there instead.`);
  const description = checkText(plain[plain.length - 1]!, "description", 500, USAGE.add);
  if (plain.length > 2) throw new CurveError("usage", "Put the risk's description in one part; separate the labelled parts with |.", { hint: USAGE.add });
  const likelihood = score("likelihood", labelled.likelihood, USAGE.add);
  const impact = score("impact", labelled.impact, USAGE.add);
  const owner = await ownerNamed(ctx, labelled.owner, USAGE.add);
  const review = reviewDate(ctx, labelled.review, USAGE.add, addDays(ctx.today, DEFAULT_REVIEW_DAYS));
  const mitigation = labelled.mitigation ? checkText(labelled.mitigation, "mitigation", 1000, USAGE.add) : null;
  guard(ctx, { owner: null, priority: home.priority }, home.priority ? "add a risk to this priority" : "add a risk to a whole plan");
  // Risks reach board packs and reports: no child's personal data in them.
  for (const free of [description, mitigation]) if (free) await ctx.guardText(free);
  return store.once(changeContext(ctx), async (tx) => {
    const { risk, created } = await tx.addRisk({ planId: home.planId, priorityId: home.priority?.id ?? null, description, ownerId: owner.id, likelihood, impact, mitigation, reviewDate: review });
    if (!created) {
      return withContext(riskCard(risk, ctx.today, `R${risk.number} is already on the register`, "info"), `Nothing changed. /risk review R${risk.number} changes its scores, mitigation or next review.`);
    }
    return riskCard(risk, ctx.today, `Risk R${risk.number} added`, "success");
  });
}

async function show(ctx: CommandContext, args: string): Promise<Reply> {
  const risk = await findRisk(ctx, firstWord(args)[0], USAGE.show);
  return riskCard(risk, ctx.today, `Risk R${risk.number}`);
}

async function listRisks(ctx: CommandContext, args: string): Promise<Reply> {
  const [word] = firstWord(args);
  const store = board(ctx);
  const home = word ? await store.findRiskHome(ctx.partnershipId, word.slice(0, 60)) : null;
  if (word && !home) throw new CurveError("unknown_ref", `"${word.slice(0, 40)}" is not a plan, a priority or an action.`, { hint: USAGE.list });
  const risks = await store.listRisks(ctx.partnershipId, { open: true, ...(home ? { planKey: home.planKey, ...(home.priority ? { priorityId: home.priority.id } : {}) } : {}) });
  return reply("info", `Open risks${home ? ` · ${home.priority?.label ?? home.planKey}` : ""} (${risks.length})`, [
    list(risks.map((r) => riskLine(r, ctx.today)), "No open risks are recorded."),
    context("Highest score first. /risk show R<n> for one; /risk add to record one."),
  ]);
}

async function review(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref, rest] = firstWord(args);
  const risk = await findRisk(ctx, ref, USAGE.review);
  if (risk.closedAt) throw new CurveError("usage", `R${risk.number} was closed on ${shortDate(risk.closedAt.toISOString().slice(0, 10))}; add a new risk if it has come back.`);
  const { plain, labelled } = parts(rest, USAGE.review);
  if (plain.length) throw new CurveError("usage", `Label each part of a review, like "impact: 3" or "note: …"; "${plain[0]!.slice(0, 30)}" has no label.`, { hint: USAGE.review });
  // A review scores, mitigates and notes; a part it would not save is refused, never dropped.
  if (labelled.owner !== undefined) throw new CurveError("usage", `A review does not change who owns R${risk.number}; leave out "owner:".`, { hint: USAGE.review });
  if (labelled.next !== undefined && labelled.review !== undefined) throw new CurveError("usage", `"next:" and "review:" both give the next review date: give it once.`, { hint: USAGE.review });
  guard(ctx, { owner: risk.owner, priority: risk.priority }, `review R${risk.number}`);
  const next = {
    likelihood: score("likelihood", labelled.likelihood, USAGE.review, risk.likelihood),
    impact: score("impact", labelled.impact, USAGE.review, risk.impact),
    // "mitigation:" with nothing after it clears the mitigation, as /risk add records none.
    mitigation: labelled.mitigation !== undefined ? (labelled.mitigation ? checkText(labelled.mitigation, "mitigation", 1000, USAGE.review) : null) : risk.mitigation,
    // Given no date, the next review is four weeks on, or stays where it was set if that is later:
    // a review of the scores alone never pulls forward a date the board chose.
    reviewDate: reviewDate(ctx, labelled.next ?? labelled.review, USAGE.review, laterOf(risk.reviewDate, addDays(ctx.today, DEFAULT_REVIEW_DAYS))),
    note: labelled.note ? checkText(labelled.note, "note", 1000, USAGE.review) : null,
  };
  for (const free of [labelled.mitigation !== undefined ? next.mitigation : null, next.note]) if (free) await ctx.guardText(free);
  return board(ctx).once(changeContext(ctx), async (tx) => {
    const after = await tx.reviewRisk(risk, next);
    const moved = after.likelihood * after.impact - risk.likelihood * risk.impact;
    const card = riskCard(after, ctx.today, `R${risk.number} reviewed: score ${risk.likelihood * risk.impact} to ${after.likelihood * after.impact}${moved === 0 ? " (unchanged)" : ""}`, "success");
    // A review with no date given sets the next one itself: say so, and how to choose another.
    const dated = labelled.next !== undefined || labelled.review !== undefined;
    return dated || after.reviewDate === risk.reviewDate ? card : withContext(card, `Next review ${shortDate(after.reviewDate)}, four weeks on; add "next: <date>" to choose another.`);
  });
}

async function close(ctx: CommandContext, args: string): Promise<Reply> {
  const [ref, reason] = firstWord(args);
  const risk = await findRisk(ctx, ref, USAGE.close);
  if (!reason) throw new CurveError("usage", "Say why the risk is closed.", { hint: USAGE.close });
  guard(ctx, { owner: risk.owner, priority: risk.priority }, `close R${risk.number}`);
  const why = checkText(reason, "reason", 500, USAGE.close);
  await ctx.guardText(why);
  return board(ctx).once(changeContext(ctx), async (tx) => {
    const closed = await tx.closeRisk(risk, why);
    return closed ? reply("success", `R${risk.number} closed: ${why}`) : reply("info", `R${risk.number} was already closed.`);
  });
}

/** The invocation's change context: who, where, when and its idempotency key. */
export function changeContext(ctx: CommandContext) {
  if (!ctx.idempotencyKey) throw new Error("a change needs the invocation's idempotency key");
  return { partnershipId: ctx.partnershipId, actor: ctx.actor, origin: ctx.origin, idempotencyKey: ctx.idempotencyKey, ...(ctx.request ? { request: ctx.request } : {}), at: ctx.now };
}

export const riskCommands: CommandFamily = {
  name: "risk",
  summary: "The risk register: each risk with its owner, likelihood, impact, score, mitigation and review date.",
  defaultSubcommand: "list",
  subcommands: [
    { name: "add", changes: true, reads: homeNamedBy, usage: USAGE.add, summary: "Record a risk to a plan or priority.", run: add },
    { name: "show", reads: riskNamedBy, usage: USAGE.show, summary: "One risk, with its RAG and why.", run: show },
    { name: "list", usage: USAGE.list, summary: "Open risks, highest score first.", run: listRisks },
    { name: "review", changes: true, reads: riskNamedBy, usage: USAGE.review, summary: "Review a risk: its scores, mitigation and next review date.", run: review },
    { name: "close", changes: true, reads: riskNamedBy, usage: USAGE.close, summary: "Close a risk, saying why.", run: close },
  ],
};
