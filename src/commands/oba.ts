import { shortDate } from "../domain/dates/calendar.ts";
import { readDueIn, type Due } from "../domain/dates/due-phrase.ts";
import { requirePermission } from "../domain/access.ts";
import { CurveError } from "../domain/errors.ts";
import { buildReportCard, describeVerdict, reportCardLine } from "../domain/indicators/report-card.ts";
import type { IndicatorView } from "../domain/indicators/types.ts";
import { plural } from "../domain/milestone-status.ts";
import type { PersonSummary } from "../domain/model.ts";
import {
  ACTION_EXAMPLE, ACTION_FORMAT, NOTE_SECTIONS, SECTION_LABELS, hasNotes, nextAgendaItem, parseWorkshopNotes, type NoteSection, type SectionKey, type WorkshopNotes,
} from "../domain/oba/workshop.ts";
import { context, fields, list, reply, text, withContext, type Block, type Button, type Reply } from "../domain/reply.ts";
import { sameWords } from "../domain/typed-text.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext, CommandFamily } from "./context.ts";
import { indicatorNamedBy, insightsOf, resolveIndicator } from "./indicator-lookup.ts";
import type { InsightChanges, RecordedAction, WorkshopView } from "./insight-store.ts";
import type { IndicatorRead, WorkshopRead } from "./store.ts";

const USAGE = {
  log: "/oba log <indicator> [story: … | partners: … | works: … | gaps: … | action: <owner>: <what>; <first milestone>]",
  add: "/oba add <workshop> <section>: <text> [| …]   e.g. /oba add W3 gaps: no data on short-term admissions",
  propose: `/oba propose <workshop> ${ACTION_FORMAT}`,
  show: "/oba show <workshop>   e.g. /oba show W3",
  list: "/oba list [indicator]",
};

const LISTED = 20;

const workshopName = (w: Pick<WorkshopView, "id" | "indicatorCode">) => `W${w.id} · ${w.indicatorCode}`;

function readWorkshopId(word: string): number | null {
  const m = /^(?:w|#)?(\d{1,9})$/i.exec(word.trim());
  return m ? Number(m[1]) : null;
}

async function resolveWorkshop(ctx: CommandContext, word: string, usage: string): Promise<WorkshopView> {
  const id = readWorkshopId(word);
  if (id === null) throw new CurveError("usage", "Which workshop? Give its number, like W3.", { hint: usage });
  const found = await insightsOf(ctx).store.findWorkshop(ctx.partnershipId, id);
  if (!found) throw new CurveError("unknown_ref", `There is no workshop W${id}.`, { hint: "/oba list shows the workshops." });
  return found;
}

/** The workshop a line names first ("W3 gaps: …"), read with the person asking; null when it names none. */
function workshopNamedBy(args: string): WorkshopRead | null {
  const id = readWorkshopId(firstWord(args)[0]);
  return id === null ? null : { workshopId: id };
}

/** For /oba propose: the workshop, and the proposed action's owner when named (as `resolveOwner` looks them up by name). */
function workshopAndOwnerNamedBy(args: string): WorkshopRead | null {
  const read = workshopNamedBy(args);
  const parsed = parseWorkshopNotes(`action: ${firstWord(args)[1]}`);
  const owner = parsed.ok && parsed.value.actions.length === 1 ? parsed.value.actions[0]!.owner.trim() : "";
  return read && owner && !/^(me|myself)$/i.test(owner) ? { ...read, person: owner } : read;
}

/** For /oba log: the indicator a line names first, with the asker's workshops on it that day (a twin's record is found from the read). */
function indicatorLoggedBy(args: string): IndicatorRead | null {
  const read = indicatorNamedBy(args);
  return read ? { ...read, workshopsLogged: true } : null;
}

/** Workshops change a priority's plan: its sponsors and leads, the indicator's owner, coordinators and admins (access.ts). */
function requireWorkshopPermission(ctx: CommandContext, indicator: IndicatorView, creator?: PersonSummary | null): void {
  requirePermission(ctx.actor, "workshop.log", { indicator, creator: creator ?? null });
}

/** "me", a full name, or enough of one to be unique. */
async function resolveOwner(ctx: CommandContext, name: string): Promise<PersonSummary> {
  if (/^(me|myself)$/i.test(name)) return { id: ctx.actor.id, name: ctx.actor.name };
  const exact = await ctx.store.findPeopleByName(ctx.partnershipId, name);
  const matches = exact.length ? exact : await ctx.store.searchPeople(ctx.partnershipId, name, 5);
  if (matches.length === 1) return { id: matches[0]!.id, name: matches[0]!.name };
  throw new CurveError(
    matches.length ? "ambiguous_ref" : "unknown_person",
    matches.length ? `"${name}" could be ${matches.map((p) => p.name).join(", ")}. Give the owner's full name.` : `No one called "${name.slice(0, 60)}" is in the partnership, so they can't own an action.`,
    { hint: `A proposed action: ${ACTION_EXAMPLE}` },
  );
}

function readNotes(textIn: string, usage: string): WorkshopNotes {
  const parsed = parseWorkshopNotes(textIn);
  if (!parsed.ok) throw new CurveError("usage", parsed.error.message, { hint: usage });
  return parsed.value;
}

function sectionForm(workshop: { id: number } | null, indicator: IndicatorView, section: SectionKey, intro: string): Reply {
  const isAction = section === "action";
  const prefix = workshop ? `add W${workshop.id} ${section}:` : `log ${indicator.code} ${section}:`;
  return {
    ...reply("info", `Turning the curve on ${indicator.code}`, [text(intro)]),
    form: {
      id: `oba.${section}`,
      title: isAction ? "Propose an action" : "Turning the curve",
      submitLabel: isAction ? "Create action" : "Save",
      intro,
      fields: [
        {
          id: section,
          label: SECTION_LABELS[section],
          hint: isAction ? `${ACTION_FORMAT}, e.g. ${ACTION_EXAMPLE}` : "Saved to the workshop record; the next part of the agenda follows.",
          multiline: !isAction,
          maxLength: 2500,
        },
      ],
      command: "oba",
      textPrefix: prefix,
    },
  };
}

const howWeAreDoing = (ctx: CommandContext, indicator: IndicatorView) => {
  const card = buildReportCard(indicator, ctx.today);
  return `${reportCardLine(card)}. ${describeVerdict(card)}`;
};

/** Creates each proposed action in the indicator's priority and tells its owner through the outbox. */
async function createActions(ctx: CommandContext, tx: InsightChanges, workshopId: number, indicator: IndicatorView, proposals: { owner: PersonSummary; title: string; firstMilestone: string; due: Due }[]) {
  const created: RecordedAction[] = [];
  for (const p of proposals) {
    const { due } = p;
    const action = await tx.createAction(workshopId, {
      priority: indicator.priority!,
      indicatorCode: indicator.code,
      owner: p.owner,
      title: p.title,
      firstMilestone: { text: p.firstMilestone, due },
      sourceNote: `Proposed at turn-the-curve workshop W${workshopId} on ${indicator.code} (${shortDate(ctx.today)}), logged by ${ctx.actor.name}.`,
    });
    created.push(action);
    if (p.owner.id !== ctx.actor.id) {
      await tx.enqueueDelivery({
        personId: p.owner.id,
        key: `oba-action:${action.actionId}:owner:${p.owner.id}`,
        kind: "oba.action",
        dueAt: ctx.now,
        payload: reply("info", `You own a new action: ${action.ref}`, [
          text(p.title),
          fields([
            { label: "First milestone", value: `${action.ref}.1 · ${p.firstMilestone}` },
            { label: "From", value: `Turn-the-curve workshop W${workshopId} on ${indicator.code}, logged by ${ctx.actor.name}` },
          ]),
          { type: "buttons", buttons: [{ actionId: "action.show", label: "Open action", value: action.ref }] },
        ]),
      });
    }
  }
  return created;
}

function workshopReply(w: WorkshopView, heading: string, tone: "success" | "info", created: RecordedAction[] = []): Reply {
  const blocks: Block[] = [
    fields([
      { label: "Indicator", value: w.indicatorCode },
      { label: "Held on", value: shortDate(w.heldOn) },
      ...(w.createdBy ? [{ label: "Logged by", value: w.createdBy.name }] : []),
    ]),
  ];
  const notes = NOTE_SECTIONS.filter((s) => w.notes[s]).map((s) => ({ text: SECTION_LABELS[s], detail: w.notes[s]! }));
  if (notes.length) blocks.push(list(notes));
  const actionButtons = (ref: string): Button[] => [{ actionId: "action.show", label: "Open action", value: ref }];
  blocks.push(
    text(w.actions.length ? `Proposed actions (${w.actions.length})` : "No actions proposed yet."),
    list(w.actions.map((a) => ({ text: `${a.ref} · ${a.title}`, detail: `owner ${a.owner} · first milestone: ${a.firstMilestone}`, buttons: actionButtons(a.ref) }))),
  );
  if (created.length) blocks.push(context(`Created ${plural(created.length, "action")} with ${created.length > 1 ? "their owners" : "its owner"}; each owner is told.`));
  const next = nextAgendaItem(w.notes);
  const buttons: Button[] = [];
  if (next !== "action") buttons.push({ actionId: "oba.add", label: `Next: ${SECTION_LABELS[next]}`, value: `W${w.id}`, style: "primary" });
  buttons.push({ actionId: "oba.propose", label: "Propose an action", value: `W${w.id}` });
  blocks.push({ type: "buttons", buttons });
  return reply(tone, heading, blocks);
}

/** Applies notes and proposals to a new or existing workshop, in one change. */
async function applyNotes(ctx: CommandContext, indicator: IndicatorView, existing: WorkshopView | null, notes: WorkshopNotes): Promise<Reply> {
  if (notes.actions.length && !indicator.priority) throw new CurveError("unknown_ref", `${indicator.code} is not under a priority, so its actions have nowhere to go.`);
  // A first milestone's date as /milestone date would read it: one Curve cannot read is refused, never read as a part of it.
  const dues = notes.actions.map((a) => {
    const due = readDueIn(a.firstMilestone, { today: ctx.today });
    if (!due.ok) throw new CurveError("bad_date", `${a.owner}'s first milestone: ${due.error.message}`, { hint: `A proposed action: ${ACTION_EXAMPLE}` });
    return due.value;
  });
  const owners = await Promise.all(notes.actions.map((a) => resolveOwner(ctx, a.owner)));
  const proposals = notes.actions.map((a, i) => ({ owner: owners[i]!, title: a.title, firstMilestone: a.firstMilestone, due: dues[i]! }));
  const { actions: _, ...sections } = notes;
  for (const note of [...Object.values(sections), ...proposals.flatMap((p) => [p.title, p.firstMilestone])]) if (typeof note === "string" && note) await ctx.guardText(note);
  const insights = insightsOf(ctx);
  const result = await insights.change(async (tx) => {
    if (!existing) {
      // The same record logged again the same day (a form sent twice, the command retyped) is the same workshop.
      const same = (await tx.sameDayWorkshops(indicator, ctx.today)).find((w) => sameRecord(w, sections, proposals));
      if (same) return withContext(workshopReply(same, `Workshop ${workshopName(same)} is already logged`, "info"), `Nothing changed. /oba add W${same.id} adds to it.`);
    }
    // Added to a workshop: what it already ends with, and actions it already has, are not added again.
    const current = existing ? await tx.readWorkshop(existing.id, true) : null;
    const newSections = current ? unsaidIn(current, sections) : sections;
    const newProposals = current ? proposals.filter((p) => !current.actions.some((a) => sameProposal(a, p))) : proposals;
    if (current && !hasNotes({ ...newSections, actions: [] }) && newProposals.length === 0) {
      return withContext(workshopReply(current, `Workshop ${workshopName(current)} already has that`, "info"), "Nothing changed.");
    }
    const id = current ? current.id : await tx.createWorkshop(indicator, ctx.today, { ...sections, how: sections.how ?? howWeAreDoing(ctx, indicator) });
    if (current && hasNotes({ ...newSections, actions: [] })) await tx.addWorkshopNotes(id, newSections);
    const created = await createActions(ctx, tx, id, indicator, newProposals);
    const view = await tx.readWorkshop(id);
    const heading = existing ? `Workshop ${workshopName(view)} updated` : `Workshop ${workshopName(view)} logged`;
    const out = { ...workshopReply(view, heading, "success", created), ...(created.length ? { touched: created.map((a) => a.actionId) } : {}) };
    const channel = indicator.priority?.channel;
    if (channel && created.length) {
      const lines = created.map((a) => `${a.ref} ${a.title} (owner ${a.owner})`).join("; ");
      out.announcements = [{ channel, text: `${ctx.actor.name} logged turn-the-curve workshop W${id} on ${indicator.code}: new ${created.length > 1 ? "actions" : "action"} ${lines}` }];
    }
    return out;
  });
  return result;
}

/** Whether a proposed action is one the workshop already recorded: the same owner and title. */
const sameProposal = (a: RecordedAction, p: { owner: PersonSummary; title: string }) => a.ownerId === p.owner.id && sameWords(a.title, p.title);

/**
 * Whether workshop `w` records what a log would: every section given says what w's does
 * (a section not given is not compared: "how we are doing" is filled in for the person),
 * and the same actions, by owner and title.
 */
function sameRecord(w: WorkshopView, sections: Partial<Record<NoteSection, string>>, proposals: { owner: PersonSummary; title: string }[]): boolean {
  const given = Object.entries(sections) as [NoteSection, string][];
  return (
    given.every(([section, text]) => sameWords(w.notes[section] ?? "", text)) &&
    w.actions.length === proposals.length &&
    proposals.every((p) => w.actions.some((a) => sameProposal(a, p)))
  );
}

/** The sections given whose text workshop `w`'s section does not already end with (addWorkshopNotes appends with "; "). */
function unsaidIn(w: WorkshopView, sections: Partial<Record<NoteSection, string>>): Partial<Record<NoteSection, string>> {
  const left: Partial<Record<NoteSection, string>> = {};
  for (const [section, text] of Object.entries(sections) as [NoteSection, string][]) {
    const said = w.notes[section] ?? "";
    if (!sameWords(said.split("; ").at(-1)!, text) && !sameWords(said, text)) left[section] = text;
  }
  return left;
}

async function log(ctx: CommandContext, args: string): Promise<Reply> {
  const [code, rest] = firstWord(args);
  const indicator = await resolveIndicator(ctx, code, USAGE.log);
  requireWorkshopPermission(ctx, indicator);
  if (!rest) {
    if (ctx.canShowForms) return sectionForm(null, indicator, "story", `How we are doing: ${howWeAreDoing(ctx, indicator)}`);
    throw new CurveError("usage", "Say what the workshop found, each part with its heading.", { hint: USAGE.log });
  }
  const notes = readNotes(rest, USAGE.log);
  if (!hasNotes(notes)) throw new CurveError("usage", "The workshop record is empty.", { hint: USAGE.log });
  return applyNotes(ctx, indicator, null, notes);
}

async function workshopAndIndicator(ctx: CommandContext, word: string, usage: string) {
  const workshop = await resolveWorkshop(ctx, word, usage);
  const indicator = await insightsOf(ctx).store.indicatorById(ctx.partnershipId, workshop.indicatorId);
  if (!indicator) throw new CurveError("unknown_ref", `Workshop W${workshop.id}'s indicator no longer exists.`);
  requireWorkshopPermission(ctx, indicator, workshop.createdBy);
  return { workshop, indicator };
}

async function add(ctx: CommandContext, args: string): Promise<Reply> {
  const [word, rest] = firstWord(args);
  const { workshop, indicator } = await workshopAndIndicator(ctx, word, USAGE.add);
  if (!rest) {
    const next = nextAgendaItem(workshop.notes);
    if (ctx.canShowForms) return sectionForm(workshop, indicator, next, `Workshop ${workshopName(workshop)}. ${SECTION_LABELS[next]}.`);
    throw new CurveError("usage", `Say what to add; next on the agenda: ${SECTION_LABELS[next].toLowerCase()}.`, { hint: USAGE.add });
  }
  const notes = readNotes(rest, USAGE.add);
  if (!hasNotes(notes)) throw new CurveError("usage", "There is nothing to add.", { hint: USAGE.add });
  return applyNotes(ctx, indicator, workshop, notes);
}

async function propose(ctx: CommandContext, args: string): Promise<Reply> {
  const [word, rest] = firstWord(args);
  const { workshop, indicator } = await workshopAndIndicator(ctx, word, USAGE.propose);
  if (!rest) {
    if (ctx.canShowForms) return sectionForm(workshop, indicator, "action", `Workshop ${workshopName(workshop)}: an action for ${indicator.priority?.title ?? indicator.code}.`);
    throw new CurveError("usage", "Say who will do what, and the first milestone.", { hint: USAGE.propose });
  }
  return applyNotes(ctx, indicator, workshop, readNotes(`action: ${rest}`, USAGE.propose));
}

async function show(ctx: CommandContext, args: string): Promise<Reply> {
  const workshop = await resolveWorkshop(ctx, firstWord(args)[0], USAGE.show);
  return workshopReply(workshop, `Workshop ${workshopName(workshop)}`, "info");
}

async function listWorkshops(ctx: CommandContext, args: string): Promise<Reply> {
  const [code] = firstWord(args);
  const indicator = code ? await resolveIndicator(ctx, code, USAGE.list) : null;
  const { items, total } = await insightsOf(ctx).store.listWorkshops(ctx.partnershipId, indicator?.id ?? null, LISTED);
  const blocks: Block[] = [
    list(
      items.map((w) => ({
        text: `${workshopName(w)} · ${shortDate(w.heldOn)}`,
        detail: `${plural(w.actions.length, "action")}${w.actions.length ? `: ${w.actions.map((a) => a.ref).join(", ")}` : ""}${w.createdBy ? ` · logged by ${w.createdBy.name}` : ""}`,
        buttons: [{ actionId: "oba.show", label: "Open", value: `W${w.id}` }],
      })),
      indicator ? `No workshops on ${indicator.code} yet. Start one: /oba log ${indicator.code}` : "No workshops logged yet. Start one: /oba log <indicator>",
    ),
  ];
  if (total > items.length) blocks.push(context(`The latest ${items.length} of ${total}.`));
  return reply("info", indicator ? `Turn-the-curve workshops on ${indicator.code}` : "Turn-the-curve workshops", blocks);
}

export const obaCommands: CommandFamily = {
  name: "oba",
  summary: "Turn-the-curve (OBA) workshops: log what partners agree, and turn proposals into actions with owners.",
  defaultSubcommand: "list",
  subcommands: [
    { name: "log", usage: USAGE.log, changes: true, reads: indicatorLoggedBy, summary: "Log a workshop on an indicator (a form in Slack and Teams).", run: log },
    { name: "add", usage: USAGE.add, changes: true, reads: workshopNamedBy, summary: "Add the next part of the agenda to a workshop.", run: add },
    { name: "propose", usage: USAGE.propose, changes: true, reads: workshopAndOwnerNamedBy, summary: "Propose an action: it is created in the indicator's priority and its owner told.", run: propose },
    { name: "show", usage: USAGE.show, summary: "A workshop's record and the actions it created.", run: show },
    { name: "list", usage: USAGE.list, summary: "Workshops, newest first, for one indicator or all.", run: listWorkshops },
  ],
};
