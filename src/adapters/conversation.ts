import type { Logger } from "../commands/context.ts";
import type { TextPart } from "../commands/invocation.ts";
import { handleInvocation, readsOf, type ReadAhead } from "../commands/dispatch.ts";
import { errorReply, replyForError } from "../commands/error-reply.ts";
import { identifyPlatformUser } from "../commands/identify.ts";
import { CurveError } from "../domain/errors.ts";
import type { Person, PlatformName } from "../domain/model.ts";
import { reply, text, type Reply } from "../domain/reply.ts";
import type { AdapterEnvironment } from "./chat/chat-adapter.ts";

/**
 * One conversation pipeline for Slack, Teams and the shell. Every request a person sends
 * takes the same steps, in this order:
 *
 *   partnership for tenant → identify → dedupe → dispatch → answer → effects
 *
 * and anything that fails on the way becomes one coded reply (`replyForError`), answered
 * through the same `answer` the adapter gave. Adapters only decode their platform's payload
 * into a `Turn`, render the outcome, and say what their effects are (channel posts, cards,
 * App Home); everything in between happens here, once.
 */

/** One request, decoded by its adapter. */
/** The answer to a button Curve never drew (a forged payload, or a message from an older version), on every platform. */
export const UNKNOWN_BUTTON: Reply = {
  ...reply("warning", "That button isn't one Curve knows", [text("It may be from an older version of Curve. Type the command instead; /curve help lists them.")]),
  code: "unknown_command",
};

export interface Turn {
  /** The platform's tenant: a Slack team id, a Microsoft 365 tenant id, the shell's partnership slug. */
  tenant: string | undefined;
  /** Who sent it: a platform user (found by their linked identity, else by their profile's email), or a person chosen by id (the shell). */
  user: { userId: string; email: () => Promise<string | null> } | { personId: number };
  /** Where it was said (a channel or conversation id). */
  channel: string;
  /** The command family ("milestone") and the rest of the line ("done ATT-4.1 agreed"). */
  command: string;
  text: string;
  /** Stable across the platform's redeliveries of this same request (a trigger id, an activity id). */
  key: string;
  /** Whether the platform can show a form before acting. */
  forms: boolean;
  /**
   * How a redelivery of this request is recognised. "receipt" (the default): it is
   * dispatched again and the change's idempotency receipt returns the stored reply, marked
   * `replayed`, so it is answered but its effects do not run again (Slack retries, Teams card
   * presses: each must be answered). "delivery": its key is recorded on first sight and a
   * repeat is not dispatched at all (Teams messages, whose answer is a new post).
   */
  dedupe?: "receipt" | "delivery";
  /** Mentions, channels and links the platform's decoder found in `text` (src/adapters/slack/decode-text.ts, teams/decode-text.ts). */
  parts?: TextPart[];
}

export type TurnOutcome =
  /** Dispatched. `first` is false when this is a redelivery whose effects have run already. */
  | { kind: "answered"; reply: Reply; partnershipId: number; tenant: string; person: Person; first: boolean }
  /** Not dispatched: a tenant Curve does not serve, a person it cannot identify, or a failure (coded). */
  | { kind: "refused"; reply: Reply }
  /** A redelivery of a request already answered, on a platform where answering again would post twice. */
  | { kind: "duplicate"; partnershipId: number };

export type Answered = Extract<TurnOutcome, { kind: "answered" }>;

/** What to tell the person; a duplicate delivery was answered already, so it gets a plain "already done". */
export function replyOf(outcome: TurnOutcome): Reply {
  return outcome.kind === "duplicate" ? reply("info", "Already answered", [text("Curve answered this message already.")]) : outcome.reply;
}

/** What differs between platforms; each adapter gives one. */
export interface ConversationPlatform {
  platform: PlatformName;
  /** Which partnership a tenant belongs to, or the reply that refuses it (code "unknown_partnership"). */
  partnershipFor(tenant: string | undefined): Promise<{ ok: true; partnershipId: number } | { ok: false; reply: Reply }>;
  /** After a person is identified (Teams keeps their conversation for later messages). */
  identified?(person: Person, turn: Turn, partnershipId: number): Promise<void>;
  /**
   * What follows an answer, run once per request after it is answered: a file for the asker
   * (a board pack). What follows a change (its announcements, a channel's card, App Home) is
   * not among them: those are outbox rows written with the change, sent by the delivery
   * worker. Failures are logged, never answered.
   */
  effects?(answered: Answered, turn: Turn): Promise<void>;
}

/** Runs turns for one platform. */
export class Conversation {
  private readonly log: Logger;

  constructor(
    private readonly env: AdapterEnvironment,
    private readonly platform: ConversationPlatform,
  ) {
    this.log = env.log;
  }

  /**
   * Takes one turn through the pipeline and hands its outcome to `answer` (which renders and
   * sends it, and returns what the platform needs back: an ack, a card). If anything fails
   * before `answer` is called, `answer` gets the coded failure instead; if `answer` itself
   * fails, it is logged and `answer` is tried once more with the coded failure. Effects run
   * after the answer, and only for a request's first delivery.
   */
  async handle<T>(turn: Turn, answer: (outcome: TurnOutcome) => Promise<T>): Promise<T | undefined> {
    let outcome: TurnOutcome;
    try {
      outcome = await this.run(turn);
    } catch (error) {
      outcome = { kind: "refused", reply: replyForError(error, this.log, this.where(turn)) };
    }
    let result: T | undefined;
    try {
      result = await answer(outcome);
    } catch (error) {
      // Rendering or sending failed: answer the coded failure instead, once, if the platform still lets us.
      const failure: TurnOutcome = { kind: "refused", reply: replyForError(error, this.log, { ...this.where(turn), step: "answer" }) };
      result = await answer(failure).catch((again: unknown) => {
        // Nothing more can reach the person: said in the log, beside the first failure's reference.
        this.log.error("answer not delivered", { ...this.where(turn), step: "answer", error: again instanceof Error ? again.message : String(again) });
        return undefined;
      });
    }
    // A change that was made is followed up even when its answer could not be sent.
    if (outcome.kind === "answered" && outcome.first && this.platform.effects) {
      try {
        await this.platform.effects(outcome, turn);
      } catch (error) {
        replyForError(error, this.log, { ...this.where(turn), step: "effects" });
      }
    }
    return result;
  }

  /** The pipeline up to the answer: partnership, person, dedupe, dispatch. */
  async run(turn: Turn): Promise<TurnOutcome> {
    const { deps, clock } = this.env;
    const tenancy = await this.platform.partnershipFor(turn.tenant);
    if (!tenancy.ok) return { kind: "refused", reply: tenancy.reply };
    const { partnershipId } = tenancy;
    const tenant = turn.tenant!;
    // The sender is read with what their command will read (its action, a stored reply) and,
    // for a delivery deduped on sight, with its sighting: one statement.
    const now = clock();
    const reads = readsOf(turn.command, turn.text, now, { platform: this.platform.platform, tenant, parts: turn.parts ?? [] });
    const sight = turn.dedupe === "delivery" ? turn.key : undefined;
    let ahead: ReadAhead | undefined;
    let sighted: boolean | undefined;
    const readWith = async (who: { personId: number } | { platform: PlatformName; tenant: string; userId: string }): Promise<Person | null> => {
      if (!reads && sight === undefined) return "personId" in who ? deps.store.findPersonById(partnershipId, who.personId) : deps.store.findPersonByIdentity(partnershipId, who);
      const found = await deps.store.readInvocation(partnershipId, who, reads?.read ?? null, reads?.changes ? turn.key : null, sight);
      if (reads) ahead = { read: reads.read, found };
      sighted = found.sighted;
      return found.person;
    };
    const person = await this.identify(turn, partnershipId, tenant, readWith);
    if (!("id" in person)) return { kind: "refused", reply: person.reply };
    // A sender found only now (by their profile's email) was not sighted with the read.
    if (sight !== undefined && !(sighted ?? (await deps.store.firstSighting(partnershipId, sight)))) {
      this.log.info("duplicate delivery ignored", { platform: this.platform.platform, key: turn.key });
      return { kind: "duplicate", partnershipId };
    }
    const { text, parts } = await this.namePeople(turn, partnershipId, tenant);
    const reply = await handleInvocation(deps, {
      partnershipId,
      actor: { person },
      place: { platform: this.platform.platform, tenant, channel: turn.channel },
      command: turn.command,
      text,
      ...(parts.length ? { parts } : {}),
      idempotencyKey: turn.key,
      now,
      capabilities: { forms: turn.forms },
    }, ahead);
    return { kind: "answered", reply, partnershipId, tenant, person, first: !reply.replayed };
  }

  /**
   * A mention of someone Curve knows reads as their name ("@Sam Prince"), in its part and in
   * the text where the mention stands, and nowhere else: "@U2" named "@Mary Brittle" leaves
   * "@U23" beside it, and a second "@U2", each to be named in its own place.
   */
  private async namePeople(turn: Turn, partnershipId: number, tenant: string): Promise<{ text: string; parts: TextPart[] }> {
    const given = turn.parts ?? [];
    const known = new Map<string, string | null>();
    const names: (string | null)[] = [];
    for (const part of given) {
      if (part.kind !== "mention" || !part.userId) {
        names.push(null);
        continue;
      }
      if (!known.has(part.userId)) {
        const person = await this.env.deps.store.findPersonByIdentity(partnershipId, { platform: this.platform.platform, tenant, userId: part.userId });
        known.set(part.userId, person ? `@${person.name}` : null);
      }
      names.push(known.get(part.userId)!);
    }
    // The text rebuilt from its parts' places, so every part's place is known in the new text too.
    const placed = placeParts(turn.text, given);
    const order = given.map((_, i) => i).filter((i) => placed[i] !== null).sort((a, b) => placed[a]! - placed[b]!);
    let text = "";
    let from = 0;
    const movedTo = new Map<number, number>();
    for (const i of order) {
      const at = placed[i]!;
      if (at < from) continue; // overlaps the part before it: left as typed
      text += turn.text.slice(from, at);
      movedTo.set(i, text.length);
      text += names[i] ?? given[i]!.text;
      from = at + given[i]!.text.length;
    }
    text += turn.text.slice(from);
    const parts = given.map((part, i) => {
      const { at: _unplaced, ...rest } = part;
      const at = movedTo.get(i);
      return { ...rest, text: names[i] ?? part.text, ...(at === undefined ? {} : { at }) };
    });
    return { text, parts };
  }

  private async identify(
    turn: Turn,
    partnershipId: number,
    tenant: string,
    readWith: (who: { personId: number } | { platform: PlatformName; tenant: string; userId: string }) => Promise<Person | null>,
  ): Promise<Person | { reply: Reply }> {
    if ("personId" in turn.user) {
      const person = await readWith({ personId: turn.user.personId });
      return person ?? { reply: errorReply(new CurveError("unknown_person", "Curve doesn't know who you are in this partnership.")) };
    }
    const identity = { platform: this.platform.platform, tenant, userId: turn.user.userId };
    const who = await identifyPlatformUser(this.env.deps.store, partnershipId, identity, turn.user.email, this.env.clock(), () => readWith(identity));
    if (who.kind === "unknown") return { reply: who.reply };
    await this.platform.identified?.(who.person, turn, partnershipId);
    return who.person;
  }

  private where(turn: Turn): Record<string, unknown> {
    return { platform: this.platform.platform, command: turn.command.slice(0, 40) };
  }
}

/**
 * Where each part stands in `text`: where its decoder said (Slack's does), else, for a mention
 * (Teams' decoder gives no places yet), the first place after the mention before it where its
 * words stand whole ("@Sue" is not the start of "@Suella"); null when it cannot be found.
 */
function placeParts(text: string, parts: readonly TextPart[]): (number | null)[] {
  let after = 0;
  const nameGoesOn = (at: number) => /[\p{L}\p{N}_-]/u.test(text[at] ?? "") || (text[at] === "." && /[\p{L}\p{N}]/u.test(text[at + 1] ?? ""));
  return parts.map((part) => {
    if (part.at !== undefined) return text.startsWith(part.text, part.at) ? part.at : null;
    if (part.kind !== "mention" || !part.text) return null;
    for (let at = text.indexOf(part.text, after); at >= 0; at = text.indexOf(part.text, at + 1)) {
      if (nameGoesOn(at + part.text.length)) continue;
      after = at + part.text.length;
      return at;
    }
    return null;
  });
}
