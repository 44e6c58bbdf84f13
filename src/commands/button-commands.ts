/**
 * What a Reply button does when pressed, as a command line: the same for a Slack button
 * and a Teams Action.Execute, so a click can do nothing a typed command could not.
 */
const BUTTON_COMMANDS: Record<string, { command: string; subcommand: string }> = {
  "milestone.done": { command: "milestone", subcommand: "done" },
  "milestone.evidence": { command: "milestone", subcommand: "evidence" },
  "milestone.undo": { command: "milestone", subcommand: "undo" },
  "milestone.snooze": { command: "milestone", subcommand: "snooze" },
  "action.show": { command: "action", subcommand: "show" },
  "indicator.show": { command: "indicator", subcommand: "show" },
  "indicator.history": { command: "indicator", subcommand: "history" },
  "oba.show": { command: "oba", subcommand: "show" },
  "oba.add": { command: "oba", subcommand: "add" },
  "oba.propose": { command: "oba", subcommand: "propose" },
  "pledge.sign": { command: "pledge", subcommand: "sign" },
  "pledge.register": { command: "pledge", subcommand: "register" },
  "pledge.show": { command: "pledge", subcommand: "show" },
  "pledge.followup.done": { command: "pledge", subcommand: "answer done" },
  "pledge.followup.still_doing": { command: "pledge", subcommand: "answer still_doing" },
  "pledge.followup.not_yet": { command: "pledge", subcommand: "answer not_yet" },
  "privacy.remove": { command: "curve", subcommand: "held remove" },
  "privacy.keep": { command: "curve", subcommand: "held keep" },
  "privacy.cancel": { command: "curve", subcommand: "held cancel" },
};

export const BUTTON_ACTION_IDS: readonly string[] = Object.keys(BUTTON_COMMANDS);

// A button carries one ref (ATT-4.1, cypp-2011-15:ATT-5); anything else was not made by Curve.
const BUTTON_VALUE = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;

/** `milestone.done` + `ATT-4.1` is `/milestone done ATT-4.1`; an unknown id or a malformed value is null. */
export function commandForButton(actionId: string, value: string): { command: string; text: string } | null {
  const entry = Object.hasOwn(BUTTON_COMMANDS, actionId) ? BUTTON_COMMANDS[actionId] : undefined;
  if (!entry || typeof value !== "string" || !BUTTON_VALUE.test(value)) return null;
  return { command: entry.command, text: `${entry.subcommand} ${value}` };
}
