import { parseRegion, REGION_NAMES } from "../domain/schedule/bank-holidays.ts";
import { requirePermission } from "../domain/access.ts";
import { CurveError } from "../domain/errors.ts";
import { plural } from "../domain/milestone-status.ts";
import { readTimeZone } from "../domain/time-zones.ts";
import { readClockRange, readClockTime } from "../domain/typed-text.ts";
import { context, fields, list, reply, text, type Reply } from "../domain/reply.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext, CommandFamily, LineSent } from "./context.ts";
import type { TextPart } from "./invocation.ts";
import type { LinkRead, PartnershipCalendarRead, PersonSettings, SettingsAsRead, SettingsRead } from "./store.ts";
import { resolvePerson } from "./resolve.ts";

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

// Slack sends "<@U0123|sue>" for a mention; Teams adapters rewrite theirs to the same form.
const MENTION = /^<@([A-Za-z0-9:._-]+)(?:\|[^>]*)?>$/;

/**
 * Whose account a /curve link line names, and to whom: a decoded mention ("@Sam Prince", with
 * the platform's user id in its part) or the plain form "<@U0123>", then the person's name.
 * `user` is the account's user id (none when not given, or the mention's is unknown). Pure.
 */
function accountNamedBy(args: string, parts: readonly TextPart[]): { mentioned: TextPart | undefined; user: string | null | undefined; name: string } {
  const typed = args.trim();
  const mentioned = parts.find((p) => p.kind === "mention" && typed.startsWith(p.text));
  const [mention, rest] = firstWord(typed);
  const user = mentioned ? mentioned.userId : MENTION.exec(mention)?.[1];
  const name = mentioned ? typed.slice(mentioned.text.length).trim() : rest;
  return { mentioned, user, name };
}

/** What /curve link reads with the person asking: the person named and whom the account is linked to now. Null when either is missing, or it was sent from the shell. */
export function linkNamedBy(args: string, _now?: Date, sent?: LineSent): LinkRead | null {
  if (!sent || sent.platform === "shell") return null;
  const { user, name } = accountNamedBy(args, sent.parts);
  return user && name ? { person: name, account: { platform: sent.platform, tenant: sent.tenant, userId: user } } : null;
}

export async function link(ctx: CommandContext, args: string): Promise<Reply> {
  const usage = "/curve link @user <person's name>";
  // The shell has no accounts to mention: said first, whatever the line holds.
  if (ctx.origin.platform === "shell") {
    requirePermission(ctx.actor, "account.link");
    throw new CurveError("usage", "Link Slack or Teams accounts from Slack or Teams: the shell has no accounts to link.", { hint: `${usage} (in Slack or Teams)` });
  }
  const { mentioned, user, name } = accountNamedBy(args, ctx.parts);
  if (mentioned && !user) {
    throw new CurveError("unknown_person", `Curve couldn't tell whose account ${mentioned.text} is; mention them by picking their name from the list as you type.`, { hint: usage });
  }
  if (!user || !name) throw new CurveError("usage", "Say whose account to link, and to whom.", { hint: usage });
  requirePermission(ctx.actor, "account.link");
  const person = await resolvePerson(ctx, name, usage);
  const identity = { platform: ctx.origin.platform, tenant: ctx.origin.tenant, userId: user };
  // Read with the person asking (`LinkRead`): the link is decided on whom the account was linked to then.
  const heldBy = await ctx.store.accountHolderOf(identity);
  return ctx.change(async (tx) => {
    const changed = await tx.linkIdentity(person, identity, heldBy);
    if (!changed) return reply("info", `That account is already linked to ${person.name}`, [text("Nothing changed.")]);
    return reply("success", `Linked to ${person.name}`, [text(`Curve will now know that account as ${person.name}${person.email ? ` (${person.email})` : ""}.`)]);
  });
}

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
const minuteOf = (text: string): number | null => readClockTime(text);

/** What /curve settings reads with the person asking: the partnership's calendar for its region, the asker's own settings for anything else. */
export function settingsNamedBy(args: string): SettingsRead | PartnershipCalendarRead {
  const [what, rest] = firstWord(args.toLowerCase());
  return what === "region" && firstWord(rest)[0] === "partnership" ? { partnershipCalendar: true } : { settings: "own" };
}

/** `/curve settings`' usage, in its replies and in /help: every setting, the partnership's region last (coordinators). */
export const SETTINGS_USAGE = "/curve settings [digest monday 08:30 | quiet 18:00-08:00 | quiet off | timezone Europe/London | region scotland | region default | region partnership scotland]";

/** /curve settings [digest <weekday> <HH:MM> | quiet <HH:MM>-<HH:MM> | timezone <Area/City> | region [partnership] <region>] */
export async function settings(ctx: CommandContext, args: string): Promise<Reply> {
  const usage = SETTINGS_USAGE;
  const [what, rest] = firstWord(args.toLowerCase());
  let change: PersonSettings | null = null;
  if (what === "digest") {
    const [day, time] = firstWord(rest);
    const weekday = WEEKDAYS.findIndex((d) => d.startsWith(day) && day.length >= 3) + 1;
    const minute = minuteOf(time);
    if (!weekday || minute === null) throw new CurveError("usage", "Give a weekday and a time, like: digest monday 08:30.", { hint: usage });
    change = { digestWeekday: weekday, digestMinute: minute };
  } else if (what === "quiet" && /^(?:off|none|no)$/.test(rest.trim())) {
    // No quiet hours on working days (quiet-time.ts: equal start and end); weekends and bank holidays stay quiet.
    change = { quietStartMinute: 0, quietEndMinute: 0 };
  } else if (what === "quiet") {
    const range = readClockRange(rest);
    if (!range) throw new CurveError("usage", "Give quiet hours like: quiet 18:00-08:00 or quiet 6pm to 8am, or quiet off for none.", { hint: usage });
    // 18:00-18:00 could mean no quiet time or quiet all day: ask for what is meant.
    if (range.from === range.to) {
      throw new CurveError("usage", `Quiet hours from ${hhmm(range.from)} to ${hhmm(range.to)} start and end together: give a start and an end, like quiet 18:00-08:00, or say quiet off for no quiet hours on working days.`, { hint: usage });
    }
    change = { quietStartMinute: range.from, quietEndMinute: range.to };
  } else if (what === "timezone" || what === "tz" || what === "time-zone") {
    const zone = readTimeZone(firstWord(args)[1]);
    if (!zone.ok) throw new CurveError("usage", zone.error.message, { hint: usage });
    change = { timeZone: zone.value };
  } else if (what === "region") {
    const [scope, name] = firstWord(rest);
    if (scope === "partnership") return setPartnershipRegion(ctx, name, usage);
    const region = rest === "default" ? null : parseRegion(rest);
    if (region === null && rest !== "default") throw new CurveError("usage", regionProblem(rest), { hint: usage });
    change = { region };
  } else if (what) {
    throw new CurveError("usage", `"${what.slice(0, 20)}" is not a setting.`, { hint: usage });
  }
  // Read with the person asking (`SettingsRead`): the change is decided on them as read.
  const current = await ctx.store.settingsOf(ctx.actor.id);
  if (!change) return settingsReply(reply("info", "Your settings"), current, usage);
  const { partnershipRegion: _, ...asRead } = current;
  const asked = change;
  // The whole reply is built in the change, so a retry gets it back as it was.
  return ctx.change(async (tx) => {
    const outcome = await tx.updateSettings(ctx.actor, asked, asRead);
    // Set to what it already was: said so, with the settings as they are.
    return outcome.applied
      ? settingsReply(reply("success", "Settings saved"), { ...current, ...outcome.value }, usage)
      : settingsReply(reply("info", "Nothing changed: your settings were already so"), { ...current, ...asked }, usage);
  });
}

/** A person's settings (their hours, zone, region) are theirs: never shown in a channel. */
function settingsReply(head: Reply, current: SettingsAsRead, usage: string): Reply {
  return privately({
    ...head,
    blocks: [
      fields([
        { label: "Weekly digest", value: `${WEEKDAYS[current.digestWeekday - 1]!.replace(/^./, (c) => c.toUpperCase())} ${hhmm(current.digestMinute)}` },
        {
          label: "Quiet hours",
          value: current.quietStartMinute === current.quietEndMinute ? "weekends and bank holidays only" : `${hhmm(current.quietStartMinute)} to ${hhmm(current.quietEndMinute)}, and weekends and bank holidays`,
        },
        { label: "Time zone", value: current.timeZone },
        {
          label: "Bank holidays",
          value: current.region
            ? `${REGION_NAMES[current.region]} (your setting; the partnership uses ${REGION_NAMES[current.partnershipRegion]})`
            : `${REGION_NAMES[current.partnershipRegion]} (the partnership's calendar)`,
        },
      ]),
      context(usage),
    ],
  });
}

const privately = (answer: Reply): Reply => ({ ...answer, private: true });

const regionProblem = (text: string) =>
  `${text ? `"${text.slice(0, 30)}" is not a region Curve knows` : "Say which region"}: england-and-wales, scotland or northern-ireland (or "default" to follow the partnership).`;

/** /curve settings region partnership <region>: the partnership's bank holidays (coordinators and admins). */
async function setPartnershipRegion(ctx: CommandContext, name: string, usage: string): Promise<Reply> {
  const region = parseRegion(name);
  if (!region) throw new CurveError("usage", regionProblem(name), { hint: usage });
  requirePermission(ctx.actor, "partnership.calendar");
  // Read with the person asking (`PartnershipCalendarRead`): the change is decided on the calendar as read.
  const asRead = (await ctx.store.partnershipCalendarOf(ctx.partnershipId)) ?? undefined;
  return ctx.change(async (tx) => {
    const outcome = await tx.setPartnershipRegion(region, asRead);
    return outcome.applied
      ? reply("success", "Partnership calendar saved", [text(`Nudges and quiet time now follow ${REGION_NAMES[region]}'s bank holidays, except for people who set their own.`)])
      : reply("info", "Nothing changed", [text(`The partnership already follows ${REGION_NAMES[region]}'s bank holidays.`)]);
  });
}

/**
 * How a person asks for help where they are. Slack has only the slash commands in its app
 * manifest, which are the families with subcommands: /help and /whoami are /curve's there.
 * Teams and the shell route every family by its word, /help and /whoami too.
 */
export const helpCommand = (platform: string): string => (platform === "slack" ? "/curve help" : "/help");

/** /help and /help <command>: built from the table itself, so it can never drift from it. */
export function helpFamily(families: () => CommandFamily[]): CommandFamily {
  const run = async (ctx: CommandContext, args: string): Promise<Reply> => {
    const [topic] = firstWord(args.replace(/^\//, "").toLowerCase());
    const help = helpCommand(ctx.origin.platform);
    // What can be typed here: in Slack, a family that takes free text is not a slash command of its own.
    const typeable = families().filter((f) => ctx.origin.platform !== "slack" || f.direct === undefined);
    if (!topic) {
      return reply("info", "Curve commands", [
        list(typeable.map((f) => ({ text: `/${f.name}`, detail: f.summary }))),
        context(`For one command's details: ${help} <command>, e.g. ${help} milestone.`),
      ]);
    }
    const family = families().find((f) => f.name === topic);
    if (!family) {
      throw new CurveError("unknown_command", `There is no /${topic} command.`, {
        hint: `Commands: ${typeable.map((f) => `/${f.name}`).join(", ")}`,
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
