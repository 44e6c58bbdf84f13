import { randomUUID } from "node:crypto";
import { createInterface, type Interface } from "node:readline";
import type { CommandDeps } from "../../commands/context.ts";
import { HELD_CODE } from "../../domain/errors.ts";
import type { Person } from "../../domain/model.ts";
import type { Reply } from "../../domain/reply.ts";
import { ansiStyle, plainStyle, renderText } from "./render-text.ts";

export interface ShellOptions {
  deps: CommandDeps;
  partnership: { id: number; slug: string; name: string };
  /** Name or email of the person to act as; asked for when interactive and absent. */
  as?: string | undefined;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  interactive: boolean;
  clock?: () => Date;
  /** Shown on the first screen when the clock is not the real one (the demo's, or --now). */
  clockNote?: string | null;
  /**
   * Called once, when the shell starts waiting for its first command (just after the first
   * prompt when interactive): work that makes the first command quicker but need not hold
   * the prompt up, such as loading the database client's query compiler. It must not throw.
   */
  whenWaiting?: () => void;
}

const PROMPT = "curve> ";

/**
 * A local chat in the spirit of Hubot's shell adapter: the same commands as Slack and
 * Teams, typed at a prompt or piped in. Returns the process exit code.
 */
export async function runShell(options: ShellOptions): Promise<number> {
  const { deps, partnership, output, interactive } = options;
  const clock = options.clock ?? (() => new Date());
  const style = interactive ? ansiStyle : plainStyle;
  const say = (text: string) => output.write(`${text}\n`);
  // The shell serves one partnership, as the person named; it has no channels to post to. The
  // conversation and the commands it dispatches to load once the shell waits for its first
  // command (nothing before the first prompt needs them); that command waits for them if it must.
  let loading: ReturnType<typeof loadCommands> | null = null;
  const commands = () => (loading ??= loadCommands(deps, partnership.id, clock));
  const rl = createInterface({ input: options.input, output: interactive ? output : undefined, terminal: interactive, prompt: PROMPT });
  // As in a terminal shell: Ctrl-C throws away the line being typed; Ctrl-D or /quit leaves.
  rl.on("SIGINT", () => {
    rl.write(null, { ctrl: true, name: "u" });
    output.write("^C\n");
    rl.prompt();
  });
  const lines = rl[Symbol.asyncIterator]();
  // A command typed while a held message waits for its answer is run after it (see below).
  let typedAhead: string | null = null;
  const next = async (): Promise<string | null> => {
    if (typedAhead !== null) {
      const line = typedAhead;
      typedAhead = null;
      return line;
    }
    const { value, done } = await lines.next();
    return done ? null : String(value);
  };

  let actor = options.as ? await findPerson(deps, partnership.id, options.as, say) : null;
  if (options.as && !actor) return close(rl, 2);
  if (!actor) {
    if (!interactive) {
      say('Say who you are: curve shell --as "Jancis Andrew"');
      return close(rl, 2);
    }
    say(`Curve, for ${partnership.name}. Who are you? Type part of your name (e.g. Jancis), or Ctrl-D to leave.`);
    if (options.clockNote) say(options.clockNote);
    while (!actor) {
      rl.setPrompt("name> ");
      rl.prompt();
      const answer = await next();
      if (answer === null) return close(rl, 0);
      if (answer.trim()) actor = await findPerson(deps, partnership.id, answer.trim(), say);
    }
    rl.setPrompt(PROMPT);
  }
  if (interactive) say(`Hello ${actor.name}. Type /help to see what you can do, /as <name> to be someone else, /quit or Ctrl-D to leave (Ctrl-C clears the line).`);
  if (interactive && options.clockNote) say(options.clockNote);

  let waiting = false;
  for (;;) {
    if (interactive) rl.prompt();
    if (!waiting) {
      waiting = true;
      // A failure to load is the first command's to report.
      commands().catch(() => undefined);
      options.whenWaiting?.();
    }
    const line = await next();
    if (line === null) break;
    const input = line.trim();
    if (!input) continue;
    const [word = "", ...restWords] = input.replace(/^\//, "").split(/\s+/);
    const command = word.toLowerCase();
    const text = input.replace(/^\/?\S+\s*/, "");
    if (command === "exit" || command === "quit") break;
    if (command === "as") {
      const switched = await findPerson(deps, partnership.id, restWords.join(" "), say);
      if (switched) {
        actor = switched;
        say(`You are now ${actor.name}.`);
      }
      continue;
    }
    const invoke = async (command: string, text: string): Promise<Reply> => {
      const turn = { tenant: partnership.slug, user: { personId: actor!.id }, channel: "shell", command, text, key: randomUUID(), forms: false };
      let answered: Reply | undefined;
      const { conversation, replyOf } = await commands();
      await conversation.handle(turn, async (outcome) => {
        answered = replyOf(outcome);
        say(`${renderText(answered, style)}\n`);
      });
      return answered!;
    };
    let reply = await invoke(command, text);
    // The personal-data guard held it: ask the question its buttons ask in Slack and Teams.
    while (reply.code === HELD_CODE) {
      const choices = heldChoices(reply);
      if (choices.length === 0) break;
      say(`${choices.map((c) => `${c.label} [${c.key}]`).join(", ")}?`);
      if (interactive) {
        rl.setPrompt("choose> ");
        rl.prompt();
      }
      const answer = await next();
      if (interactive) rl.setPrompt(PROMPT);
      if (answer === null) break;
      // A new command instead of an answer: the held message stays unsaved (it expires by itself), and the command runs.
      if (answer.trim().startsWith("/")) {
        say("The held message is not saved.");
        typedAhead = answer;
        break;
      }
      // Only the letter, or the button's words: "stop" or "sorry" must never mean "save anyway".
      const typed = answer.trim().toLowerCase().replace(/\s+/g, " ");
      const chosen = choices.find((c) => typed === c.key || typed === c.word || typed === c.label.toLowerCase());
      if (!chosen) {
        say(`Type ${choices.map((c) => c.key).join(", ")}: nothing is saved until you choose.`);
        continue;
      }
      reply = await invoke("curve", chosen.command);
    }
  }
  return close(rl, 0);
}

/** The shell's conversation (one partnership, no channels) and what it answers with, loaded on first use. */
async function loadCommands(deps: CommandDeps, partnershipId: number, clock: () => Date) {
  const { Conversation, replyOf } = await import("../conversation.ts");
  const conversation = new Conversation({ deps, log: deps.log, clock }, { platform: "shell", partnershipFor: async () => ({ ok: true, partnershipId }) });
  return { conversation, replyOf };
}

const HELD_KEYS: Record<string, { key: string; word: string; verb: string }> = {
  "privacy.remove": { key: "r", word: "remove", verb: "remove" },
  "privacy.keep": { key: "s", word: "save", verb: "keep" },
  "privacy.cancel": { key: "c", word: "cancel", verb: "cancel" },
};

/** The held prompt's buttons as answers: r (or "remove", or the button's label) to remove and save, s to save anyway, c to cancel. */
function heldChoices(reply: Reply): { key: string; word: string; label: string; command: string }[] {
  return reply.blocks.flatMap((block) =>
    block.type === "buttons"
      ? block.buttons.flatMap((b) => {
          const entry = HELD_KEYS[b.actionId];
          return entry ? [{ key: entry.key, word: entry.word, label: b.label, command: `held ${entry.verb} ${b.value}` }] : [];
        })
      : [],
  );
}

function close(rl: Interface, code: number): number {
  rl.close();
  return code;
}

/** Exact name or email first, then a unique partial name; otherwise say who matched (the shell, and `curve digest --as`). */
export async function findPerson(deps: CommandDeps, partnershipId: number, query: string, say: (t: string) => void): Promise<Person | null> {
  if (!query) {
    say("Say whose name: /as Jancis Andrew");
    return null;
  }
  const exact = await deps.store.findPeopleByName(partnershipId, query);
  if (exact.length === 1) return exact[0]!;
  const partial = exact.length > 1 ? exact : await deps.store.searchPeople(partnershipId, query, 8);
  if (partial.length === 1) return partial[0]!;
  if (exact.length > 1) say(`${exact.length} people are called "${query.slice(0, 60)}". Give the email of the one you mean instead.`);
  else if (partial.length === 0) say(`No one called "${query.slice(0, 60)}" is in this partnership.`);
  else say(`"${query.slice(0, 60)}" could be ${partial.map((p) => p.name).join(", ")}. Type more of the name.`);
  return null;
}
