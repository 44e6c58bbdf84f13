import { z } from "zod";
import { requirePermission } from "../domain/access.ts";
import { CurveError } from "../domain/errors.ts";
import type { Person, PersonRole } from "../domain/model.ts";
import { editDistance } from "../domain/refs.ts";
import { sameWords } from "../domain/typed-text.ts";
import { context, fields, list, reply, text, type Reply } from "../domain/reply.ts";
import type { CommandContext, CommandFamily } from "./context.ts";
import type { PersonRead, TeamRead, TeamView } from "./store.ts";
import { resolvePerson } from "./resolve.ts";

const USAGE = {
  show: "/team show [team]   e.g. /team show Cluster chairs",
  add: "/team add [new] <team> <person>   e.g. /team add Cluster chairs Jancis Andrew (a new team's name in quotes)",
  remove: "/team remove <team> <person>",
  person: "/curve person add [another] <name> <email> [organisation]   e.g. /curve person add Ola Nwosu ola.nwosu@leeds.gov.uk Leeds City Council",
  role: "/curve role <person> coordinator|admin|board-member|ambassador [off]",
};

const folded = (s: string) => s.toLowerCase().replace(/\s+/g, " ").trim();

/** Up to five teams' names holding the first word of `typed` (folded): the "did you mean" of a team not found. */
const namesSharingFirstWord = (teams: readonly TeamView[], typed: string): string[] => {
  const firstWord = typed.split(" ")[0] ?? "";
  return teams.filter((t) => folded(t.name).includes(firstWord)).slice(0, 5).map((t) => t.name);
};

/**
 * The team a line starts with, and the rest: the longest team name (any case) that the line
 * starts with, or a name in quotes. `created` is a quoted name no team has yet. An apostrophe
 * inside a name ("St John's cluster", or 'St John's cluster') is part of it: a double quote
 * closes only a double quote, and a single one closes a name only before a space or the end.
 */
function splitTeam(teams: readonly TeamView[], line: string, usage: string): { team: TeamView | null; name: string; rest: string } {
  const quoted = /^["“”]([^"“”]{1,120})["“”]\s*(.*)$/.exec(line.trim()) ?? /^['‘’](.{1,120}?)['‘’](?=\s|$)\s*(.*)$/.exec(line.trim());
  if (quoted) {
    const name = quoted[1]!.trim();
    if (!/[\p{L}\p{N}]/u.test(name)) throw new CurveError("usage", "Give the team a name: letters or numbers between the quotes.", { hint: usage });
    return { team: teams.find((t) => folded(t.name) === folded(name)) ?? null, name, rest: quoted[2]!.trim() };
  }
  const typed = folded(line);
  const match = [...teams]
    .sort((a, b) => b.name.length - a.name.length)
    .find((t) => typed === folded(t.name) || typed.startsWith(`${folded(t.name)} `));
  if (match) return { team: match, name: match.name, rest: line.trim().split(/\s+/).slice(match.name.trim().split(/\s+/).length).join(" ") };
  const near = namesSharingFirstWord(teams, typed);
  throw new CurveError(
    "unknown_ref",
    `"${line.trim().slice(0, 40)}" does not start with a team's full name.${near.length ? ` Did you mean ${near.join(", ")}?` : " /team show lists them."} A new team's name goes in quotes.`,
    { hint: usage },
  );
}

/**
 * The one team `/team show` names: by its full name (any case, spacing or quotes), or by the
 * start of it in whole words when only one team's name starts so ("Cluster chairs" for "Cluster
 * chairs and managers"). Throws "ambiguous_ref" naming the teams when several start so, and
 * "unknown_ref" with the nearest names when none does.
 */
function teamShown(teams: readonly TeamView[], line: string): TeamView {
  const typed = folded(unquoted(line));
  const exact = teams.find((t) => folded(t.name) === typed);
  if (exact) return exact;
  const starting = teams.filter((t) => folded(t.name).startsWith(`${typed} `));
  if (starting.length === 1) return starting[0]!;
  if (starting.length > 1) {
    const names = starting.map((t) => t.name).sort();
    throw new CurveError("ambiguous_ref", `${names.length} teams' names start "${unquoted(line).slice(0, 40)}": ${names.slice(0, 8).join(", ")}${names.length > 8 ? " …" : ""}. Which one?`, { hint: USAGE.show });
  }
  const near = namesSharingFirstWord(teams, typed);
  throw new CurveError("unknown_ref", `No team is called "${unquoted(line).slice(0, 40)}".${near.length ? ` Did you mean ${near.join(", ")}?` : " /team show lists them."}`, { hint: USAGE.show });
}

/** One person of the partnership by full name or email; one not there can be added by a coordinator. */
async function onePerson(ctx: CommandContext, typed: string, usage: string): Promise<Person> {
  try {
    return await resolvePerson(ctx, typed, usage);
  } catch (error) {
    if (error instanceof CurveError && error.code === "unknown_person") throw new CurveError("unknown_person", `${error.userMessage} A coordinator can add them with /curve person add.`, { hint: usage });
    throw error;
  }
}

/** The longest name a team line may end with, in words: a person's full name or email. */
const MOST_NAME_WORDS = 6;

/**
 * What `/team add|remove` reads with the person asking: every team, and the people named by
 * each way the line can end (its last word, its last two …), as the person's name or email
 * is what follows the team's name (dispatch.ts, `readsOf`).
 */
export const teamAndPersonNamedBy = (args: string): TeamRead | null => {
  const words = args.trim().split(/\s+/).filter(Boolean);
  if (words.length < 2) return null;
  const people = Array.from({ length: Math.min(words.length - 1, MOST_NAME_WORDS) }, (_, i) => words.slice(words.length - 1 - i).join(" "));
  return { teams: true, people };
};

/** `/team show [team]`: every team with its members, or one team with what it owns. Anyone may look. */
async function show(ctx: CommandContext, args: string): Promise<Reply> {
  const teams = await ctx.store.teams(ctx.partnershipId);
  if (!args.trim()) {
    return reply("info", "Teams and organisations", [
      list(teams.map((t) => ({ text: t.name, detail: `${t.kind === "organisation" ? "organisation · " : ""}${t.members.length} ${t.members.length === 1 ? "member" : "members"}${t.owns.length ? ` · owns ${t.owns.length}` : ""}` })), "No teams yet."),
    ]);
  }
  const team = teamShown(teams, args);
  return reply("info", team.name, [
    fields([
      { label: "Kind", value: team.kind },
      { label: "Members", value: team.members.map((m) => m.name).join(", ") || "none yet" },
      { label: "Owns", value: team.owns.join(", ") || "no actions" },
    ]),
    context("A team that owns an action is nudged about its milestones, member by member."),
  ]);
}

/** Letters a new team's name may be from a team's already there and still be taken for a slip: one for a short name, two from eight letters. */
const nearLetters = (name: string) => (name.length >= 8 ? 2 : 1);

/**
 * Refuses a new team whose name is a slip away from a team's already there ("Atendance group"
 * beside "Attendance group"), naming that team and both lines to send: to that team, or
 * `/team add new "<name>" <person>` for a new team after all. Names the same in any case or
 * spacing are that team already (splitTeam). Throws "conflict".
 */
function refuseNearTeam(teams: readonly TeamView[], name: string, person: string): void {
  const typed = folded(name);
  const near = teams.find((t) => editDistance(folded(t.name), typed) <= nearLetters(typed));
  if (!near) return;
  throw new CurveError(
    "conflict",
    `"${name}" is nearly the name of the team ${near.name}, so Curve made no new team. For that team, send: /team add ${near.name} ${person}. For a new team called "${name}", send: /team add new "${name}" ${person}`,
    { hint: USAGE.add },
  );
}

/** `/team add|remove <team> <person>` (coordinators and admins); a quoted new name makes the team. Audited. */
async function membership(ctx: CommandContext, args: string, member: boolean): Promise<Reply> {
  const usage = member ? USAGE.add : USAGE.remove;
  requirePermission(ctx.actor, "team.manage");
  if (!args.trim()) throw new CurveError("usage", "Which team, and who?", { hint: usage });
  const teams = await ctx.store.teams(ctx.partnershipId);
  // "new" before a quoted name: a new team meant, though its name is near one already there.
  const forced = member ? /^new\s+(?=["“”'‘’])/i.exec(args.trim()) : null;
  const line = forced ? args.trim().slice(forced[0].length) : args;
  const { team, name, rest } = splitTeam(teams, line, usage);
  if (!team && !member) throw new CurveError("unknown_ref", `There is no team called "${name}".`, { hint: USAGE.show });
  const person = await onePerson(ctx, rest, usage);
  if (!team && !forced) refuseNearTeam(teams, name, rest);
  if (!team) {
    // A team's name is shown wherever what it owns is, the public pages included: never a child's
    // name or number. Held like any free text; "remove and save" leaves no name to make a team of.
    if (name.includes("[removed]")) throw new CurveError("usage", "A team needs a name that names no one: choose another, in quotes.", { hint: usage });
    await ctx.guardText(name);
  }
  return ctx.change(async (tx) => {
    let target = team;
    let made = false;
    if (!target) {
      const created = await tx.createTeam(name, "team");
      if (!created.applied) throw new CurveError("conflict", `A team called "${name}" was made just now; try again.`);
      target = { ...created.value, kind: "team", members: [], owns: [] };
      made = true;
    }
    const changed = await tx.setTeamMember(target, person, member);
    if (!changed) return reply("info", `${person.name} ${member ? "is already" : "is not"} in ${target.name}`, [text("Nothing changed.")]);
    return reply("success", member ? `${person.name} added to ${target.name}` : `${person.name} taken off ${target.name}`, [
      context(made ? `${target.name} is a new team.` : member ? "They are nudged about the milestones of actions the team owns." : "They are no longer nudged for the team's actions."),
    ]);
  });
}


/** A name typed in quotes, as /team add teaches, without them. */
const unquoted = (text: string) => text.replace(/^["“”'‘’](.*)["“”'‘’]$/u, "$1").trim();

/**
 * A `/curve person` line: whether it says "add" (the only thing the subcommand does), and
 * "another" after it (a second person of a name already there, meant); its words after those,
 * and where the email is among them (the first word with an @; -1 when none has one); and the
 * name before it and the organisation after it, without quotes.
 */
function personLine(args: string): { adding: boolean; another: boolean; words: string[]; at: number; name: string; organisation: string } {
  const [first = "", ...rest] = args.trim().split(/\s+/).filter(Boolean);
  const adding = first.toLowerCase() === "add";
  const another = adding && rest[0]?.toLowerCase() === "another";
  const words = adding ? rest.slice(another ? 1 : 0) : [];
  const at = words.findIndex((w) => w.includes("@"));
  return { adding, another, words, at, name: at > 0 ? unquoted(words.slice(0, at).join(" ")) : "", organisation: at >= 0 ? unquoted(words.slice(at + 1).join(" ")) : "" };
}

/**
 * What `/curve person add` reads with the person asking (dispatch.ts, `readsOf`): the people
 * already called by the new person's name, and, when the line names an organisation after the
 * email, every team, so the organisation is known to be there or not.
 */
export const personAddReads = (args: string): TeamRead | PersonRead | null => {
  const { name, organisation } = personLine(args);
  if (!name) return null;
  return organisation ? { teams: true, people: [name] } : { person: name };
};

/** A new person's email is someone's already (read after the change, which holds the connection, has ended). */
class EmailTaken extends CurveError {
  constructor(email: string) {
    super("conflict", `Someone in the partnership already has the email ${email}.`, { hint: "/team show" });
  }
}

/** `/curve person add Sam Prince sam@example.org [organisation]` (coordinators and admins): a person the plans can name. Audited. */
export async function addPerson(ctx: CommandContext, args: string): Promise<Reply> {
  const usage = USAGE.person;
  const { adding, another, words, at, name, organisation } = personLine(args);
  if (!adding) throw new CurveError("usage", "/curve person adds people: say add, then their full name and email.", { hint: usage });
  requirePermission(ctx.actor, "person.add");
  if (at <= 0) throw new CurveError("usage", "Give the person's full name, then their email.", { hint: usage });
  // Slack sends a typed email as <mailto:a@b.org|a@b.org>.
  const email = words[at]!.replace(/^<mailto:([^|>]*)(\|[^>]*)?>$/, "$1").toLowerCase();
  if (!z.string().email().max(254).safeParse(email).success) throw new CurveError("usage", `"${email.slice(0, 60)}" is not an email address.`, { hint: usage });
  if (name.length > 120 || !/\p{L}/u.test(name)) throw new CurveError("usage", `"${name.slice(0, 40)}" is not a person's name.`, { hint: usage });
  // An organisation is named as a team is: letters or numbers, 120 characters at most, and not a second email.
  const typedOrganisation = words.slice(at + 1).join(" ");
  if (typedOrganisation && (organisation.length > 120 || !/[\p{L}\p{N}]/u.test(organisation) || organisation.includes("@"))) {
    throw new CurveError("usage", `"${typedOrganisation.slice(0, 40)}" is not an organisation's name: give one email, then the organisation's name.`, { hint: usage });
  }
  // Read with the person asking (personAddReads): the same person sent again changes nothing,
  // and a second person of a name already there is added only when the line says "another":
  // every command naming either would then ask for the email.
  const namesakes = await ctx.store.findPeopleByName(ctx.partnershipId, name);
  const same = namesakes.find((p) => p.email?.toLowerCase() === email);
  if (same) return alreadyIn(same, email, organisation);
  if (namesakes.length && !another) {
    throw new CurveError(
      "conflict",
      `${namesakes[0]!.name} is already in the partnership (${namesakes.map((p) => p.email ?? "no email").join(", ")}). If this is someone else of that name, send: /curve person add another ${name} ${email}${organisation ? ` ${organisation}` : ""}`,
      { hint: "Commands that name either of them will then ask for the email." },
    );
  }
  const teams = organisation ? await ctx.store.teams(ctx.partnershipId) : [];
  const existingOrganisation = organisation ? teams.find((t) => folded(t.name) === folded(organisation)) ?? null : null;
  // A team is not an organisation: joining it would let them change what it owns.
  if (existingOrganisation && existingOrganisation.kind !== "organisation") {
    const owns = existingOrganisation.owns.length ? ` (it owns ${existingOrganisation.owns.slice(0, 3).join(", ")}${existingOrganisation.owns.length > 3 ? " …" : ""})` : "";
    throw new CurveError("usage", `${existingOrganisation.name} is a team${owns}, not an organisation. Add ${name} without it, then /team add ${existingOrganisation.name} ${name} if they belong in it.`, { hint: usage });
  }
  const change = ctx.change(async (tx) => {
    const added = await tx.addPerson({ name, email });
    if (!added.applied) throw new EmailTaken(email);
    let joined = "";
    if (organisation) {
      let team = existingOrganisation;
      if (!team) {
        const created = await tx.createTeam(organisation, "organisation");
        // Made by someone else since the teams were read: they join that one.
        const made = created.applied ? created.value : await tx.teamNamed(organisation);
        if (made) team = { ...made, kind: "organisation", members: [], owns: [] };
      }
      if (team) {
        const person = { id: added.value.id, name, email, roles: [], jobTitle: null, timeZone: "Europe/London", teamIds: [] } satisfies Person;
        await tx.setTeamMember(team, person, true);
        joined = ` (${team.name})`;
      }
    }
    return reply("success", `${name} added${joined}`, [
      context(`Curve knows them by ${email}: their Slack or Teams account is matched by that email the first time they use Curve, or a coordinator can link it with /curve link.`),
      ...(namesakes.length
        ? [context(`${namesakes.length === 1 ? "Someone else is" : `${namesakes.length} others are`} also called ${name} (${namesakes.map((p) => p.email ?? "no email").join(", ")}): a command that names ${name} will ask for the email of the one meant.`)]
        : []),
    ]);
  });
  return change.catch(async (error: unknown) => {
    if (!(error instanceof EmailTaken)) throw error;
    // The same person added again is no conflict: nothing changes, and the reply says so.
    const holder = await ctx.store.findPersonByEmail(ctx.partnershipId, email);
    if (!holder || !sameWords(holder.name, name)) throw error;
    return alreadyIn(holder, email, organisation);
  });
}

/** The answer to adding someone already in the partnership under that name and email: nothing changes. */
const alreadyIn = (person: Person, email: string, organisation: string): Reply =>
  reply("info", `${person.name} is already in the partnership`, [text(`With the email ${email}. Nothing changed.${organisation ? ` /team add adds them to ${organisation}.` : ""}`)]);

const ROLE_WORDS: Record<string, PersonRole> = {
  coordinator: "coordinator", admin: "admin", administrator: "admin", "board-member": "board_member", board_member: "board_member", "board member": "board_member", ambassador: "ambassador",
};
const ROLE_NAMES: Record<PersonRole, string> = { coordinator: "a coordinator", admin: "an admin", board_member: "a board member", ambassador: "a Child Friendly City ambassador" };

/** A `/curve role` line as typed: the person's name, the role, and whether it is taken away (`off`); role undefined when none is named. */
function roleLine(args: string): { name: string; role: PersonRole | undefined; off: boolean } {
  const words = args.trim().split(/\s+/).filter(Boolean);
  const off = words.length > 0 && /^(off|remove|no)$/i.test(words[words.length - 1]!);
  if (off) words.pop();
  let role: PersonRole | undefined;
  if (words.length >= 2 && ROLE_WORDS[`${words[words.length - 2]!.toLowerCase()} ${words[words.length - 1]!.toLowerCase()}`]) {
    role = ROLE_WORDS[`${words[words.length - 2]!.toLowerCase()} ${words.pop()!.toLowerCase()}`];
    words.pop();
  } else if (words.length >= 1 && ROLE_WORDS[words[words.length - 1]!.toLowerCase()]) {
    role = ROLE_WORDS[words.pop()!.toLowerCase()];
  }
  return { name: words.join(" "), role, off };
}

/** What `/curve role` reads with the person asking: the person it names (dispatch.ts, `readsOf`). */
export const personNamedByRole = (args: string): PersonRead | null => {
  const { name, role } = roleLine(args);
  return role && name ? { person: name } : null;
};

/** `/curve role Sam Prince coordinator [off]` (admins): the partnership roles. An ambassador has pledge rights only (seed 002). Audited. */
export async function setRole(ctx: CommandContext, args: string): Promise<Reply> {
  const usage = USAGE.role;
  requirePermission(ctx.actor, "person.role");
  const { name, role, off } = roleLine(args);
  if (!role) throw new CurveError("usage", "Which role? coordinator, admin, board-member or ambassador.", { hint: usage });
  const person = await onePerson(ctx, name, usage);
  if (off && role === "admin" && person.id === ctx.actor.id) throw new CurveError("not_permitted", "You can't take away your own admin role; ask another admin.");
  const chosen = role;
  return ctx.change(async (tx) => {
    const changed = await tx.setRole(person, chosen, !off);
    if (!changed) return reply("info", `${person.name} ${off ? "is not" : "is already"} ${ROLE_NAMES[chosen]}`, [text("Nothing changed.")]);
    return reply("success", off ? `${person.name} is no longer ${ROLE_NAMES[chosen]}` : `${person.name} is now ${ROLE_NAMES[chosen]}`, [
      context(chosen === "ambassador" ? "An ambassador can start pledges and post their sign-up cards, and nothing else (seed 002)." : "It takes effect from their next message."),
    ]);
  });
}

export const teamCommands: CommandFamily = {
  name: "team",
  summary: "Teams and organisations that own or contribute to actions, and who is in them.",
  defaultSubcommand: "show",
  subcommands: [
    { name: "show", also: ["list"], usage: USAGE.show, summary: "Every team, or one team's members and the actions it owns.", run: show },
    { name: "add", usage: USAGE.add, changes: true, reads: teamAndPersonNamedBy, summary: "Add a person to a team (coordinators).", run: (ctx, args) => membership(ctx, args, true) },
    { name: "remove", usage: USAGE.remove, changes: true, reads: teamAndPersonNamedBy, summary: "Take a person off a team (coordinators).", run: (ctx, args) => membership(ctx, args, false) },
  ],
};

export const PERSON_USAGE = USAGE.person;
export const ROLE_USAGE = USAGE.role;
