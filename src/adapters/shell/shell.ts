import { randomUUID } from "node:crypto";
import { createInterface, type Interface } from "node:readline";
import type { CommandDeps } from "../../commands/context.ts";
import type { Person } from "../../domain/model.ts";
import { Conversation, replyOf } from "../conversation.ts";
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
  // The shell serves one partnership, as the person named; it has no channels to post to.
  const conversation = new Conversation({ deps, log: deps.log, clock }, { platform: "shell", partnershipFor: async () => ({ ok: true, partnershipId: partnership.id }) });
  const rl = createInterface({ input: options.input, output: interactive ? output : undefined, terminal: interactive, prompt: PROMPT });
  const lines = rl[Symbol.asyncIterator]();
  const next = async (): Promise<string | null> => {
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
  if (interactive) say(`Hello ${actor.name}. Type /help to see what you can do, /as <name> to be someone else, /exit to leave.`);
  if (interactive && options.clockNote) say(options.clockNote);

  for (;;) {
    if (interactive) rl.prompt();
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
    const turn = { tenant: partnership.slug, user: { personId: actor.id }, channel: "shell", command, text, key: randomUUID(), forms: false };
    await conversation.handle(turn, async (outcome) => say(`${renderText(replyOf(outcome), style)}\n`));
  }
  return close(rl, 0);
}

function close(rl: Interface, code: number): number {
  rl.close();
  return code;
}

/** Exact name or email first, then a unique partial name; otherwise say who matched. */
async function findPerson(deps: CommandDeps, partnershipId: number, query: string, say: (t: string) => void): Promise<Person | null> {
  if (!query) {
    say("Say whose name: /as Jancis Andrew");
    return null;
  }
  const exact = await deps.store.findPeopleByName(partnershipId, query);
  if (exact.length === 1) return exact[0]!;
  const partial = exact.length > 1 ? exact : await deps.store.searchPeople(partnershipId, query, 8);
  if (partial.length === 1) return partial[0]!;
  if (partial.length === 0) say(`No one called "${query.slice(0, 60)}" is in this partnership.`);
  else say(`"${query.slice(0, 60)}" could be ${partial.map((p) => p.name).join(", ")}. Type more of the name.`);
  return null;
}
