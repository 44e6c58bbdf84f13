import { localDate } from "../domain/dates/calendar.ts";
import { CurveError } from "../domain/errors.ts";
import type { Person } from "../domain/model.ts";
import { closestRefs } from "../domain/refs.ts";
import type { Reply } from "../domain/reply.ts";
import { checkUserText } from "../domain/user-text.ts";
import { firstWord } from "./arguments.ts";
import { COMMAND_TABLE, findFamily } from "./command-table.ts";
import type { CommandContext, CommandDeps } from "./context.ts";
import { replyForError } from "./error-reply.ts";
import { InvocationSchema, type Invocation } from "./invocation.ts";
import { bindInsights } from "./insight-store.ts";
import { bindWeb } from "./web-pages.ts";

/**
 * The single entry point for every adapter: an Invocation in, a Reply out.
 * Expected failures become one-line replies; anything else is logged under a reference.
 */
export async function handleInvocation(deps: CommandDeps, raw: Invocation): Promise<Reply> {
  try {
    const parsed = InvocationSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid invocation: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
    return await run(deps, parsed.data);
  } catch (error) {
    return replyForError(error, deps.log, { command: raw.command });
  }
}

async function run(deps: CommandDeps, invocation: Invocation): Promise<Reply> {
  const commandName = invocation.command.replace(/^\//, "").trim().toLowerCase();
  const text = checkUserText(invocation.text);
  const family = findFamily(commandName);
  if (!family) {
    const names = COMMAND_TABLE.map((f) => f.name);
    const near = closestRefs(commandName, names, 1);
    throw new CurveError("unknown_command", `There is no /${commandName.slice(0, 40)} command.${near.length ? ` Did you mean /${near[0]}?` : ""}`, {
      hint: "Type /help to see what Curve can do.",
    });
  }
  const actor = await resolveActor(deps, invocation);
  const changeContext = { partnershipId: invocation.partnershipId, actor, origin: invocation.place, idempotencyKey: invocation.idempotencyKey, at: invocation.now };
  const ctx: CommandContext = {
    store: deps.store,
    partnershipId: invocation.partnershipId,
    actor,
    origin: invocation.place,
    now: invocation.now,
    today: localDate(invocation.now, actor.timeZone),
    canShowForms: invocation.capabilities?.forms ?? false,
    ...(deps.web ? { web: bindWeb(deps.web, changeContext) } : {}),
    ...(deps.reports ? { reports: deps.reports } : {}),
    idempotencyKey: invocation.idempotencyKey,
    ...(deps.insights ? { insights: bindInsights(deps.insights, { partnershipId: invocation.partnershipId, actor, origin: invocation.place, idempotencyKey: invocation.idempotencyKey, at: invocation.now }) } : {}),
    change: (work, touches) =>
      deps.store.once(
        { partnershipId: invocation.partnershipId, actor, origin: invocation.place, idempotencyKey: invocation.idempotencyKey, at: invocation.now },
        async (tx) => {
          const result = await work(tx);
          return touches && result.tone === "success" ? { ...result, touched: [touches.id] } : result;
        },
      ),
  };
  if (family.direct) return family.direct(ctx, text);
  const [word, rest] = firstWord(text);
  const name = (word || family.defaultSubcommand || "").toLowerCase();
  const subcommand = family.subcommands.find((s) => s.name === name);
  if (!subcommand) {
    const options = family.subcommands.map((s) => s.name).join(", ");
    throw new CurveError("unknown_subcommand", `/${family.name} has no "${name.slice(0, 40)}". Try one of: ${options}.`, {
      hint: `/help ${family.name}`,
    });
  }
  return subcommand.run(ctx, word ? rest : "");
}

async function resolveActor(deps: CommandDeps, invocation: Invocation): Promise<Person> {
  if ("person" in invocation.actor) return invocation.actor.person;
  if ("personId" in invocation.actor) {
    const person = await deps.store.findPersonById(invocation.partnershipId, invocation.actor.personId);
    if (person) return person;
    throw new CurveError("unknown_person", "Curve doesn't know who you are in this partnership.");
  }
  const person = await deps.store.findPersonByIdentity(invocation.partnershipId, invocation.actor);
  if (person) return person;
  throw new CurveError(
    "not_linked",
    "Curve doesn't know who you are yet. Ask a coordinator to link your account with /curve link.",
  );
}
