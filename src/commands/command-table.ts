import { actionCommands } from "./action.ts";
import type { CommandFamily } from "./context.ts";
import { helpFamily, link, settings, whoami, whoamiFamily } from "./curve.ts";
import { milestoneCommands } from "./milestone.ts";
import { planCommands } from "./plan.ts";
import { indicatorCommands } from "./indicator.ts";
import { obaCommands } from "./oba.ts";
import { pledgeCommands } from "./pledge.ts";
import { publish } from "./publish.ts";
import { reportCommands } from "./report.ts";
import { riskCommands } from "./risk.ts";

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
    { name: "settings", changes: true, usage: "/curve settings [digest monday 08:30 | quiet 18:00-08:00 | timezone Europe/London]", summary: "Your digest day and time, quiet hours and time zone.", run: settings },
    { name: "link", changes: true, usage: "/curve link @user <person's name>", summary: "Link a Slack or Teams account to a person (coordinators).", run: link },
    { name: "publish", changes: true, usage: "/curve publish [indicators|plans|pledges on|off]", summary: "What the web pages show to anyone (coordinators choose).", run: publish },
  ],
};

families.push(milestoneCommands, actionCommands, planCommands, indicatorCommands, obaCommands, pledgeCommands, reportCommands, riskCommands, curveFamily, whoamiFamily, help);

export const COMMAND_TABLE: readonly CommandFamily[] = families;

export const findFamily = (name: string): CommandFamily | undefined => families.find((f) => f.name === name);

/** Whether a command line only reads, so an adapter may run it again (to page or refresh a message). */
export function isQuery(command: string, text: string): boolean {
  const family = findFamily(command.replace(/^\//, "").toLowerCase());
  if (!family) return false;
  if (family.direct) return true;
  const word = text.trim().split(/\s+/)[0]?.toLowerCase() || family.defaultSubcommand;
  const subcommand = family.subcommands.find((s) => s.name === word);
  return subcommand !== undefined && subcommand.changes !== true;
}
