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
import { COMMAND_TABLE, findFamily } from "./command-table.ts";
import { helpCommand } from "./curve.ts";
import type { CommandContext, CommandDeps, CommandFamily, LineSent, Subcommand } from "./context.ts";
import type { ActionRead, InvocationReads, Store, SubjectRead, TeamView } from "./store.ts";
import type { InsightReadAhead } from "./insight-store.ts";
import { replyForError } from "./error-reply.ts";
import { InvocationSchema, type Invocation } from "./invocation.ts";
import { bindInsights, type InsightDeps, type InsightStore } from "./insight-store.ts";
import { bindWeb } from "./web-pages.ts";
import { bindBoard } from "./board-read.ts";
import type { BoardAsRead } from "./report-deps.ts";
import { PersonalDataHeld, guardFreeText, holdRequest } from "./privacy.ts";

/**
 * The single entry point for every adapter: an Invocation in, a Reply out.
 * Expected failures become one-line replies; anything else is logged under a reference.
 */
export async function handleInvocation(deps: CommandDeps, raw: Invocation, read?: ReadAhead): Promise<Reply> {
  try {
    const parsed = InvocationSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid invocation: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
    return await run(deps, parsed.data, undefined, read);
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
  return named ? { read: named.subcommand.reads?.(named.args, now, sent) ?? null, changes: named.subcommand.changes ?? false } : null;
}

/** What the sender's identification read for the command (`readsOf`, `Store.readInvocation`), handed on so it is not read again. */
export interface ReadAhead {
  read: SubjectRead | null;
  found: InvocationReads;
}

async function run(deps: CommandDeps, invocation: Invocation, confirmed?: string, ahead?: ReadAhead): Promise<Reply> {
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
  const { actor, store, stored, insights, insightReads, riskRead } = await resolveActor(deps, invocation, subcommand, ahead);
  const request = requestFingerprint(actor.id, commandName, text);
  // A retry of a change already answered gets that answer, whatever has happened since: decided
  // again, a change that took something away finds it gone ("No monthly report is on the
  // calendar") and says so, though the person's own first try is what took it. Other words or
  // another person under the same key go through the checks, and the change's receipt then
  // refuses them (replayFor).
  if (stored && (stored.request === undefined || stored.request === request)) return replayFor(stored, request);
  const changeContext = { partnershipId: invocation.partnershipId, actor, origin: invocation.place, idempotencyKey: invocation.idempotencyKey, request, at: invocation.now };
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
    ...(deps.reports ? { reports: bindBoard(deps.reports, invocation.partnershipId, riskRead.read, riskRead.found) } : {}),
    idempotencyKey: invocation.idempotencyKey,
    request,
    guardText: (freeText) => guardFreeText(deps, invocation.partnershipId, freeText, confirmed),
    ...(deps.heldTexts ? { heldTexts: deps.heldTexts } : {}),
    rerun: (command, line, options) =>
      run(deps, { ...invocation, actor: { person: actor }, command, text: line, idempotencyKey: options.key }, options.confirmed),
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
    const request = { partnershipId: invocation.partnershipId, actor, origin: invocation.place, command: commandName, text, idempotencyKey: invocation.idempotencyKey, now: invocation.now };
    return holdRequest(deps, request, error);
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
  const subcommand = family.subcommands.find((s) => s.name === name);
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
): Promise<{ actor: Person; store: Store; stored: Reply | null; insights: InsightDeps | undefined; insightReads: InsightReadAhead; riskRead: { read: SubjectRead | null; found: BoardAsRead | undefined } }> {
  if ("person" in invocation.actor) {
    const { person } = invocation.actor;
    if (!ahead) return { actor: person, store: deps.store, stored: null, insights: deps.insights, insightReads: {}, riskRead: { read: null, found: undefined } };
    return {
      actor: person,
      ...servedFromRead(deps, invocation.partnershipId, ahead.read, ahead.found),
      stored: named?.subcommand.changes ? ahead.found.stored : null,
      insightReads: insightReadsOf(ahead.found),
      riskRead: { read: ahead.read, found: ahead.found.risk ?? ahead.found.calendar },
    };
  }
  const sent: LineSent = { platform: invocation.place.platform, tenant: invocation.place.tenant, parts: invocation.parts ?? [] };
  const read = named?.subcommand.reads?.(named.args, invocation.now, sent) ?? null;
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
  return { actor: found.person, ...servedFromRead(deps, invocation.partnershipId, read, found), stored: found.stored, insightReads: insightReadsOf(found), riskRead: { read, found: found.risk ?? found.calendar } };
}

/** What was read with the person for an insight change (a pledge, a follow-up question). */
const insightReadsOf = (found: InvocationReads): InsightReadAhead => ({ pledge: found.pledge ?? null, followUp: found.followUp ?? null, workshop: found.workshop ?? null, newPledge: found.newPledge ?? null, logged: found.workshopsLogged ?? null });

/** The stores a command is given: answering what was read with the person from what was read. */
function servedFromRead(deps: CommandDeps, partnershipId: number, read: SubjectRead | null, found: InvocationReads): { store: Store; insights: InsightDeps | undefined } {
  const store =
    read && "ref" in read && found.actions
      ? withActionsRead(deps.store, partnershipId, read, found.actions)
      : read && "person" in read && read.person !== undefined && found.people
        ? withPeopleRead(deps.store, partnershipId, read.person, found.people)
        : read && "teams" in read && found.teams && found.peopleNamed
          ? withTeamsRead(deps.store, partnershipId, found.teams, found.peopleNamed)
          : deps.store;
  const ownRead = withOwnRead(store, partnershipId, read, found);
  const insights = deps.insights && read && "indicator" in read && found.indicator !== undefined ? withIndicatorRead(deps.insights, partnershipId, read.indicator, found.indicator) : deps.insights;
  return { store: ownRead, insights };
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
