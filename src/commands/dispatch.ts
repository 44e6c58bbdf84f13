import { createHash } from "node:crypto";
import { localDate } from "../domain/dates/calendar.ts";
import { CurveError } from "../domain/errors.ts";
import type { IndicatorView } from "../domain/indicators/types.ts";
import type { ActionView, Person } from "../domain/model.ts";
import { closestRefs } from "../domain/refs.ts";
import { replayFor, type Reply } from "../domain/reply.ts";
import { normaliseTyped, plainWord } from "../domain/typed-text.ts";
import { checkUserText } from "../domain/user-text.ts";
import { firstWord } from "./arguments.ts";
import { COMMAND_TABLE, findFamily, subcommandNamed } from "./command-table.ts";
import { helpCommand } from "./curve.ts";
import type { CommandContext, CommandDeps, CommandFamily, LineSent, Subcommand } from "./context.ts";
import type { ActionRead, ChangeContext, GuardContext, HeldAsRead, HeldSettlement, InvocationReads, Store, SubjectRead, TeamView } from "./store.ts";
import type { HeldTextStore } from "./held-texts.ts";
import type { InsightReadAhead } from "./insight-store.ts";
import { replyForError } from "./error-reply.ts";
import { InvocationSchema, type Invocation } from "./invocation.ts";
import { bindInsights, type InsightDeps, type InsightStore } from "./insight-store.ts";
import { bindWeb } from "./web-pages.ts";
import { bindBoard } from "./board-read.ts";
import type { BoardAsRead } from "./report-deps.ts";
import { PersonalDataHeld, guardFreeText, holdRequest, mayHoldPersonalData } from "./privacy.ts";

/**
 * The single entry point for every adapter: an Invocation in, a Reply out.
 * Expected failures become one-line replies; anything else is logged under a reference.
 */
export async function handleInvocation(deps: CommandDeps, raw: Invocation, read?: ReadAhead): Promise<Reply> {
  try {
    const parsed = InvocationSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid invocation: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
    return await run(deps, parsed.data, read ? { ahead: read } : {});
  } catch (error) {
    return replyForError(error, deps.log, { command: raw.command });
  }
}

/**
 * What a command line will read before it runs, for whoever identifies its sender: the action
 * or indicator its subcommand names (null for none) and whether it is a change (whose stored reply, if any,
 * answers it). `sent` says where it was sent and what its platform found in it (a mentioned
 * account is read only with it). Null for a line that names no command or is not valid text.
 */
export function readsOf(command: string, line: string, now?: Date, sent?: LineSent): { read: SubjectRead | null; changes: boolean } | null {
  const family = findFamily(plainWord(command).replace(/^\//, "").trim().toLowerCase());
  let text: string;
  try {
    text = normaliseTyped(checkUserText(line));
  } catch {
    return null;
  }
  const named = family ? subcommandFor(family, text) : null;
  return named ? { read: readOf(named, now, sent), changes: named.subcommand.changes ?? false } : null;
}

/**
 * What a subcommand reads by name, with the guard's context beside it for a change whose line
 * may hold personal data (`mayHoldPersonalData`): holding it then needs no read of its own.
 */
function readOf(named: { subcommand: Subcommand; args: string }, now?: Date, sent?: LineSent): SubjectRead | null {
  const read = named.subcommand.reads?.(named.args, now, sent) ?? null;
  if (!named.subcommand.changes || !mayHoldPersonalData(named.args)) return read;
  return read ? { ...read, guardContext: true } : { guardContext: true };
}

/** What the sender's identification read for the command (`readsOf`, `Store.readInvocation`), handed on so it is not read again. */
export interface ReadAhead {
  read: SubjectRead | null;
  found: InvocationReads;
}

/**
 * How a line runs besides its invocation: `confirmed`, a line whose free text its author chose
 * to save anyway; `ahead`, what was read for it already; `settles`, the held request its change
 * settles (a decision on a held message runs the held line again).
 */
interface RunOptions {
  confirmed?: string;
  ahead?: ReadAhead;
  settles?: HeldSettlement;
}

async function run(deps: CommandDeps, invocation: Invocation, options: RunOptions = {}): Promise<Reply> {
  const { confirmed, ahead, settles } = options;
  const commandName = plainWord(invocation.command).replace(/^\//, "").trim().toLowerCase();
  // Text is checked, then what phones and Office insert (curly quotes, odd spaces) is undone.
  const text = normaliseTyped(checkUserText(invocation.text));
  const family = findFamily(commandName);
  if (!family) {
    const names = COMMAND_TABLE.map((f) => f.name);
    const near = closestRefs(commandName, names, 1);
    throw new CurveError("unknown_command", `There is no /${commandName.slice(0, 40)} command.${near.length ? ` Did you mean /${near[0]}?` : ""}`, {
      hint: `Type ${helpCommand(invocation.place.platform)} to see what Curve can do.`,
    });
  }
  const subcommand = subcommandFor(family, text);
  const { actor, store, stored, insights, insightReads, boardRead, guardContext, held } = await resolveActor(deps, invocation, subcommand, ahead);
  const request = requestFingerprint(actor.id, commandName, text);
  // A retry of a change already answered gets that answer, whatever has happened since: decided
  // again, a change that took something away finds it gone ("No monthly report is on the
  // calendar") and says so, though the person's own first try is what took it; a line held
  // for personal data gets its held prompt again. Other words or another person under the
  // same key go through the checks, and the change's receipt then refuses them (replayFor).
  if (stored && (stored.request === undefined || stored.request === request)) return replayFor(stored, request);
  const changeContext: ChangeContext = { partnershipId: invocation.partnershipId, actor, origin: invocation.place, idempotencyKey: invocation.idempotencyKey, request, at: invocation.now, ...(settles ? { settles } : {}) };
  const ctx: CommandContext = {
    store,
    partnershipId: invocation.partnershipId,
    actor,
    origin: invocation.place,
    now: invocation.now,
    today: localDate(invocation.now, actor.timeZone),
    canShowForms: invocation.capabilities?.forms ?? false,
    parts: invocation.parts ?? [],
    ...(deps.web ? { web: bindWeb(deps.web) } : {}),
    ...(deps.reports ? { reports: bindBoard(deps.reports, invocation.partnershipId, boardRead.read, boardRead.found) } : {}),
    idempotencyKey: invocation.idempotencyKey,
    request,
    guardText: (freeText) => guardFreeText(deps, invocation.partnershipId, freeText, confirmed, guardContext),
    ...(deps.heldTexts ? { heldTexts: held !== undefined ? withHeldRead(deps.heldTexts, invocation.partnershipId, held) : deps.heldTexts } : {}),
    rerun: (command, line, options) => {
      // A held line's action was read with the decision on it: it is not read again.
      const heldAhead = options.settles && held ? aheadOfHeld(held, options.settles, command, line, actor, invocation.now) : undefined;
      const rerunOptions: RunOptions = { ...(options.confirmed !== undefined ? { confirmed: options.confirmed } : {}), ...(heldAhead ? { ahead: heldAhead } : {}), ...(options.settles ? { settles: options.settles } : {}) };
      return run(deps, { ...invocation, actor: { person: actor }, command, text: line, idempotencyKey: options.key }, rerunOptions);
    },
    ...(insights ? { insights: bindInsights(insights, changeContext, insightReads) } : {}),
    change: (work, touches) =>
      deps.store.once(changeContext, async (tx) => {
        const result = await work(tx);
        return touches && result.tone === "success" ? { ...result, touched: [touches.id] } : result;
      }),
  };
  try {
    return await dispatchTo(family, ctx, text, subcommand);
  } catch (error) {
    if (!(error instanceof PersonalDataHeld)) throw error;
    // Another request under a key already answered (a retry of this one was answered above) is refused.
    if (stored) return replayFor(stored, request);
    const lineRead = subcommand?.subcommand.reads?.(subcommand.args, invocation.now) ?? null;
    const held = { partnershipId: invocation.partnershipId, actor, origin: invocation.place, command: commandName, text, idempotencyKey: invocation.idempotencyKey, request, lineRead, now: invocation.now };
    return holdRequest(deps, held, error);
  }
}

async function dispatchTo(family: CommandFamily, ctx: CommandContext, text: string, named: { subcommand: Subcommand; args: string } | null): Promise<Reply> {
  if (family.direct) return family.direct(ctx, text);
  if (named) return named.subcommand.run(ctx, named.args);
  const name = (firstWord(text)[0] || family.defaultSubcommand || "").toLowerCase();
  const options = family.subcommands.map((s) => s.name).join(", ");
  throw new CurveError("unknown_subcommand", `/${family.name} has no "${name.slice(0, 40)}". Try one of: ${options}.`, {
    hint: `${helpCommand(ctx.origin.platform)} ${family.name}`,
  });
}

/**
 * Who asked what, as a short fingerprint (hex): the person, the command and its text as read.
 * A change's receipt keeps it with the reply, so the reply stored under a key is given again
 * only to a retry of the same request (`replayFor`), never to other words or another person
 * that arrive under that key.
 */
export function requestFingerprint(personId: number, command: string, text: string): string {
  return createHash("sha256").update(JSON.stringify([personId, command, text])).digest("hex").slice(0, 32);
}

/** The subcommand a line names, with the rest of the line; null when it names none (dispatchTo says so). */
function subcommandFor(family: CommandFamily, text: string): { subcommand: Subcommand; args: string } | null {
  if (family.direct) return null;
  const [word, rest] = firstWord(text);
  const name = (word || family.defaultSubcommand || "").toLowerCase();
  const subcommand = subcommandNamed(family, name);
  return subcommand ? { subcommand, args: word ? rest : "" } : null;
}

/**
 * Who is asking. Found by id or platform identity, they are read in one statement with the
 * action or indicator the subcommand will read (served to it from then on by the returned
 * store, or insights) and, for a change, the reply already stored for the invocation's key.
 */
async function resolveActor(
  deps: CommandDeps,
  invocation: Invocation,
  named: { subcommand: Subcommand; args: string } | null,
  ahead: ReadAhead | undefined,
): Promise<ResolvedActor> {
  if ("person" in invocation.actor) {
    const { person } = invocation.actor;
    if (!ahead) return { actor: person, store: deps.store, stored: null, insights: deps.insights, insightReads: {}, boardRead: { read: null, found: undefined } };
    return resolvedFrom(deps, invocation.partnershipId, person, ahead.read, ahead.found, named?.subcommand.changes ? ahead.found.stored : null);
  }
  const sent: LineSent = { platform: invocation.place.platform, tenant: invocation.place.tenant, parts: invocation.parts ?? [] };
  const read = named ? readOf(named, invocation.now, sent) : null;
  const key = named?.subcommand.changes ? invocation.idempotencyKey : null;
  const who = "personId" in invocation.actor ? { personId: invocation.actor.personId } : invocation.actor;
  const found = await deps.store.readInvocation(invocation.partnershipId, who, read, key);
  if (!found.person) {
    if ("personId" in invocation.actor) throw new CurveError("unknown_person", "Curve doesn't know who you are in this partnership.");
    throw new CurveError(
      "not_linked",
      "Curve doesn't know who you are yet. Ask a coordinator to link your account with /curve link.",
    );
  }
  return resolvedFrom(deps, invocation.partnershipId, found.person, read, found, found.stored);
}

/** The person asking, with what the command is served from what was read with them (`read`, `found`), and `stored`, the reply already stored for its key. */
function resolvedFrom(deps: CommandDeps, partnershipId: number, actor: Person, read: SubjectRead | null, found: InvocationReads, stored: Reply | null): ResolvedActor {
  return {
    actor,
    store: withOwnRead(storeServedFrom(deps.store, partnershipId, read, found), partnershipId, read, found),
    insights: deps.insights && read && "indicator" in read && found.indicator !== undefined ? withIndicatorRead(deps.insights, partnershipId, read.indicator, found.indicator) : deps.insights,
    stored,
    insightReads: insightReadsOf(found),
    boardRead: { read, found: found.risk ?? found.calendar },
    ...guardReadsOf(found),
  };
}

/** Who is asking, and what was read with them, as `resolveActor` hands it to the command. */
interface ResolvedActor {
  actor: Person;
  store: Store;
  stored: Reply | null;
  insights: InsightDeps | undefined;
  insightReads: InsightReadAhead;
  /** What the risk register or the reporting calendar was read as (bindBoard). */
  boardRead: { read: SubjectRead | null; found: BoardAsRead | undefined };
  /** The guard's context, when it was read with the person (`GuardContextRead`). */
  guardContext?: GuardContext;
  /** The hold a decision names, when it was read with the person (`HeldRead`; null: none held). */
  held?: HeldAsRead | null;
}

/** What was read with the person for the personal-data guard: its context, a hold. */
const guardReadsOf = (found: InvocationReads): Pick<ResolvedActor, "guardContext" | "held"> => ({
  ...(found.guardContext ? { guardContext: found.guardContext } : {}),
  ...(found.held !== undefined ? { held: found.held } : {}),
});

/** The guard's storage, but answering `findHeld` for the hold read with the person (a live one only, as `findHeld` finds them). */
function withHeldRead(heldTexts: HeldTextStore, partnershipId: number, held: HeldAsRead | null): HeldTextStore {
  const findHeld: HeldTextStore["findHeld"] = (id, token, now) =>
    id === partnershipId && (held === null || held.record.token === token)
      ? Promise.resolve(held && held.record.expiresAt > now ? held.record : null)
      : heldTexts.findHeld(id, token, now);
  return answering(heldTexts, "findHeld", findHeld);
}

/**
 * What a held line's run reads ahead, from the read of the decision on it: the action its line
 * names, read with the hold (`HeldAsRead`), when the line to run still names that action; else
 * undefined (the line reads it itself).
 */
function aheadOfHeld(held: HeldAsRead, settles: HeldSettlement, command: string, line: string, actor: Person, now: Date): ReadAhead | undefined {
  if (held.record.id !== settles.held.id || !held.read || !held.actions) return undefined;
  const reads = readsOf(command, line, now)?.read ?? null;
  const action: Partial<ActionRead> = reads && "ref" in reads ? reads : {};
  if (action.ref !== held.read.ref || action.planKey !== held.read.planKey) return undefined;
  return { read: held.read, found: { person: actor, actions: held.actions, stored: null } };
}

/** What was read with the person for an insight change (a pledge, a follow-up question). */
const insightReadsOf = (found: InvocationReads): InsightReadAhead => ({ pledge: found.pledge ?? null, followUp: found.followUp ?? null, workshop: found.workshop ?? null, newPledge: found.newPledge ?? null, logged: found.workshopsLogged ?? null });

/** The store a command is given, answering the action, the people or the teams read with the person from that read (one kind at most). */
function storeServedFrom(store: Store, partnershipId: number, read: SubjectRead | null, found: InvocationReads): Store {
  if (read && "ref" in read && found.actions) return withActionsRead(store, partnershipId, read, found.actions);
  if (read && "person" in read && read.person !== undefined && found.people) return withPeopleRead(store, partnershipId, read.person, found.people);
  if (read && "teams" in read && found.teams && found.peopleNamed) return withTeamsRead(store, partnershipId, found.teams, found.peopleNamed);
  return store;
}

/**
 * The store, but answering `settingsOf` (the asker's), `privacyOf`, `publicationOf`,
 * `partnershipCalendarOf` and `accountHolderOf` (the account read) from what was read with the
 * person (`SettingsRead`, `PrivacyRead`, `PublicationRead`, `PartnershipCalendarRead`,
 * `LinkRead`), when it was.
 */
function withOwnRead(store: Store, partnershipId: number, read: SubjectRead | null, found: InvocationReads): Store {
  let served = store;
  const { person, settings, privacy, publication, partnershipCalendar, accountHolder } = found;
  if (person && settings) {
    const settingsOf: Store["settingsOf"] = (id) => (id === person.id ? Promise.resolve(settings) : store.settingsOf(id));
    served = answering(served, "settingsOf", settingsOf);
  }
  if (privacy?.held) {
    const privacyOf: Store["privacyOf"] = (id, since) => (id === partnershipId && since !== null ? Promise.resolve(privacy) : store.privacyOf(id, since));
    served = answering(served, "privacyOf", privacyOf);
  }
  if (publication !== undefined) {
    const publicationOf: Store["publicationOf"] = (id) => (id === partnershipId ? Promise.resolve(publication) : store.publicationOf(id));
    served = answering(served, "publicationOf", publicationOf);
  }
  if (partnershipCalendar) {
    const partnershipCalendarOf: Store["partnershipCalendarOf"] = (id) => (id === partnershipId ? Promise.resolve(partnershipCalendar) : store.partnershipCalendarOf(id));
    served = answering(served, "partnershipCalendarOf", partnershipCalendarOf);
  }
  if (read && "account" in read && accountHolder !== undefined) {
    const { account } = read;
    const accountHolderOf: Store["accountHolderOf"] = (asked) =>
      asked.platform === account.platform && asked.tenant === account.tenant && asked.userId === account.userId ? Promise.resolve(accountHolder) : store.accountHolderOf(asked);
    served = answering(served, "accountHolderOf", accountHolderOf);
  }
  return served;
}

/** The insights, but answering `findIndicator` for the code already read from what was read. */
function withIndicatorRead(insights: InsightDeps, partnershipId: number, code: string, indicator: IndicatorView | null): InsightDeps {
  const findIndicator: InsightStore["findIndicator"] = (id, asked) => (id === partnershipId && asked === code ? Promise.resolve(indicator) : insights.store.findIndicator(id, asked));
  return { ...insights, store: answering(insights.store, "findIndicator", findIndicator) };
}

/** The store, but answering `findActionsByRef` for the action already read from what was read. */
function withActionsRead(store: Store, partnershipId: number, read: ActionRead, actions: ActionView[]): Store {
  const findActionsByRef: Store["findActionsByRef"] = (id, ref, planKey) =>
    id === partnershipId && ref === read.ref && planKey === read.planKey ? Promise.resolve(actions) : store.findActionsByRef(id, ref, planKey);
  return answering(store, "findActionsByRef", findActionsByRef);
}

/** The store, but answering `findPeopleByName` for the name already read from what was read. */
function withPeopleRead(store: Store, partnershipId: number, name: string, people: Person[]): Store {
  const findPeopleByName: Store["findPeopleByName"] = (id, asked) => (id === partnershipId && asked === name ? Promise.resolve(people) : store.findPeopleByName(id, asked));
  return answering(store, "findPeopleByName", findPeopleByName);
}

/** The store, but answering `teams` and `findPeopleByName` (for each name read) from what was read. */
function withTeamsRead(store: Store, partnershipId: number, teams: TeamView[], named: { name: string; people: Person[] }[]): Store {
  const teamsRead: Store["teams"] = (id) => (id === partnershipId ? Promise.resolve(teams) : store.teams(id));
  const findPeopleByName: Store["findPeopleByName"] = (id, asked) => {
    const read = id === partnershipId ? named.find((n) => n.name === asked) : undefined;
    return read ? Promise.resolve(read.people) : store.findPeopleByName(id, asked);
  };
  return answering(answering(store, "teams", teamsRead), "findPeopleByName", findPeopleByName);
}

/** `target`, but with `method` answered by `answer`; every other method is its own. */
function answering<T extends object, K extends keyof T>(target: T, method: K, answer: T[K]): T {
  return new Proxy(target, {
    get(object, property) {
      if (property === method) return answer;
      const value = Reflect.get(object, property, object) as unknown;
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}
