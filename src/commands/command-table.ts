import { actionCommands } from "./action.ts";
import type { CommandFamily, Subcommand } from "./context.ts";
import { SETTINGS_USAGE, helpFamily, link, linkNamedBy, settings, settingsNamedBy, whoami, whoamiFamily } from "./curve.ts";
import { milestoneCommands } from "./milestone.ts";
import { deliveries } from "./deliveries.ts";
import { planCommands } from "./plan.ts";
import { indicatorCommands } from "./indicator.ts";
import { obaCommands } from "./oba.ts";
import { pledgeCommands } from "./pledge.ts";
import { publish } from "./publish.ts";
import { reportCommands } from "./report.ts";
import { riskCommands } from "./risk.ts";
import { decideHeld, heldNamedBy, privacyNamedBy, privacySettings } from "./privacy.ts";
import { addPerson, personAddReads, PERSON_USAGE, personNamedByRole, ROLE_USAGE, setRole, teamCommands } from "./team.ts";

/** One table for every adapter: a command added here works in Slack, Teams and the shell. */
const families: CommandFamily[] = [];
const help = helpFamily(() => families);

const curveFamily: CommandFamily = {
  name: "curve",
  summary: "About Curve and you: /curve help, /curve whoami, /curve settings, /curve link, /curve publish.",
  defaultSubcommand: "help",
  subcommands: [
    { name: "help", usage: "/curve help [command]", summary: "What Curve can do.", run: (ctx, args) => help.direct!(ctx, args) },
    { name: "whoami", usage: "/curve whoami", summary: "Who Curve thinks you are.", run: (ctx) => whoami(ctx) },
    { name: "settings", changes: true, reads: settingsNamedBy, usage: SETTINGS_USAGE, summary: "Your digest day and time, quiet hours, time zone and bank holidays (the partnership's region: coordinators).", run: settings },
    { name: "deliveries", usage: "/curve deliveries [failed] [page N]", summary: "Messages Curve could not deliver, with why (coordinators).", run: deliveries },
    { name: "link", changes: true, reads: linkNamedBy, usage: "/curve link @user <person's name>", summary: "Link a Slack or Teams account to a person (coordinators).", run: link },
    { name: "publish", changes: true, reads: () => ({ publication: "web" }), usage: "/curve publish [indicators|plans|pledges on|off]", summary: "What the web pages show to anyone (coordinators choose).", run: publish },
    { name: "privacy", changes: true, reads: privacyNamedBy, usage: "/curve privacy [<kind> block|ask|off]", summary: "What the personal-data guard checks, and how often it held a message (coordinators change it).", run: privacySettings },
    { name: "person", changes: true, reads: personAddReads, usage: PERSON_USAGE, summary: "Add a person to the partnership (coordinators).", run: addPerson },
    { name: "role", changes: true, reads: personNamedByRole, usage: ROLE_USAGE, summary: "Give or take a partnership role: coordinator, admin, board member, ambassador (admins).", run: setRole },
    { name: "held", changes: true, usage: "/curve held remove|keep|cancel <token>", summary: "Decide on a message the personal-data guard held (its buttons do this for you).", reads: heldNamedBy, run: decideHeld },
  ],
};

families.push(milestoneCommands, actionCommands, planCommands, indicatorCommands, obaCommands, pledgeCommands, reportCommands, riskCommands, teamCommands, curveFamily, whoamiFamily, help);

export const COMMAND_TABLE: readonly CommandFamily[] = families;

export const findFamily = (name: string): CommandFamily | undefined => families.find((f) => f.name === name);

/** The family's subcommand a word (lower case) names: by its name, or by another word for it (`Subcommand.also`). */
export const subcommandNamed = (family: CommandFamily, word: string): Subcommand | undefined =>
  family.subcommands.find((s) => s.name === word) ?? family.subcommands.find((s) => s.also?.includes(word));

/** Whether a command line only reads, so an adapter may run it again (to page or refresh a message). */
export function isQuery(command: string, text: string): boolean {
  const family = findFamily(command.replace(/^\//, "").toLowerCase());
  if (!family) return false;
  if (family.direct) return true;
  const word = text.trim().split(/\s+/)[0]?.toLowerCase() || family.defaultSubcommand;
  const subcommand = word === undefined ? undefined : subcommandNamed(family, word);
  return subcommand !== undefined && subcommand.changes !== true;
}
