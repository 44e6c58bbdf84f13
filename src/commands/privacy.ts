// The personal-data guard in the conversation: free text is checked before anything is stored; a
// find holds the request and asks its author to remove the parts, save anyway or cancel.
import { randomBytes } from "node:crypto";
import { shortDateTime } from "../domain/dates/calendar.ts";
import { may, requirePermission } from "../domain/access.ts";
import { CurveError, HELD_CODE } from "../domain/errors.ts";
import type { Origin, Person } from "../domain/model.ts";
import {
  DEFAULT_GUARD_POLICY, DETECTOR_KINDS, KIND_LABELS, checkPersonalData, describeFindings, guardPolicyFrom, withoutFindings,
  type DetectorKind, type Finding, type GuardAction, type GuardPolicy, type GuardVerdict,
} from "../domain/privacy/guard.ts";
import { context, fields, list, reply, text, type Reply } from "../domain/reply.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext, CommandDeps } from "./context.ts";
import type { HeldTextRecord } from "./held-texts.ts";
import type { GuardContext, HeldRead, HeldSettlement, PrivacyRead, SubjectRead } from "./store.ts";

/** How long a held request waits for its author's decision before it is purged unsaved. */
export const HOLD_HOURS = 24;

/** Thrown by `guardText` when free text holds personal data; dispatch turns it into a held prompt. */
export class PersonalDataHeld extends Error {
  constructor(
    readonly freeText: string,
    readonly verdict: GuardVerdict,
  ) {
    super("personal data held");
    this.name = "PersonalDataHeld";
  }
}

const NOBODY = { names: [], emails: new Set<string>() };
const EVERY_DETECTOR = Object.fromEntries(DETECTOR_KINDS.map((k) => [k, "ask"])) as Record<DetectorKind, GuardAction>;

/**
 * Whether a line's text may hold personal data, by every detector and with no one exempt: a
 * change whose line may is read with the guard's context (`GuardContextRead`), so that holding
 * it needs no read of its own. Clean text costs no database work. Pure.
 */
export function mayHoldPersonalData(line: string): boolean {
  return checkPersonalData(line, NOBODY, EVERY_DETECTOR).outcome !== "clear";
}

/**
 * Checks free text a command is about to store or show. Clean text costs no database work: the
 * partnership's policy and people are read only when a detector finds something, unless they
 * were read with the person asking (`read`). Throws PersonalDataHeld when the text must be held;
 * `confirmed` is the command line its author chose to save anyway, so any free text inside it passes.
 */
export async function guardFreeText(deps: CommandDeps, partnershipId: number, freeText: string, confirmed: string | undefined, read?: GuardContext): Promise<void> {
  if (!deps.heldTexts || (confirmed !== undefined && confirmed.includes(freeText))) return;
  if (!mayHoldPersonalData(freeText)) return;
  const { policy, known } = read ?? (await deps.heldTexts.guardContext(partnershipId));
  const verdict = checkPersonalData(freeText, known, policy);
  if (verdict.outcome !== "clear") throw new PersonalDataHeld(freeText, verdict);
}

/**
 * Keeps a held request in the database and returns the prompt: what was found, masked, and the
 * choices. The hold, its audit event and the prompt stored as the reply to the request's key are
 * one statement (`HeldTextStore.hold`); a retry of the same request gets the same prompt.
 * `lineRead` is what the line reads by name (kept when it names an action).
 */
export async function holdRequest(
  deps: CommandDeps,
  request: { partnershipId: number; actor: Person; origin: Origin; command: string; text: string; idempotencyKey: string; request?: string; lineRead: SubjectRead | null; now: Date },
  held: PersonalDataHeld,
): Promise<Reply> {
  const offset = request.text.lastIndexOf(held.freeText);
  // Offsets move from the free text to the whole command line, so "remove" can rewrite the line.
  const findings: Finding[] = offset < 0 ? held.verdict.findings.map((f) => ({ ...f, start: -1, end: -1 })) : held.verdict.findings.map((f) => ({ ...f, start: f.start + offset, end: f.end + offset }));
  const lineRead = request.lineRead && "ref" in request.lineRead ? { ref: request.lineRead.ref, ...(request.lineRead.planKey ? { planKey: request.lineRead.planKey } : {}) } : null;
  return deps.heldTexts!.hold(
    {
      partnershipId: request.partnershipId,
      actor: request.actor,
      requestKey: request.idempotencyKey,
      ...(request.request ? { request: request.request } : {}),
      token: randomBytes(12).toString("hex"),
      command: request.command,
      text: request.text,
      findings,
      outcome: held.verdict.outcome === "block" ? "block" : "ask",
      origin: request.origin,
      lineRead,
      at: request.now,
      expiresAt: new Date(request.now.getTime() + HOLD_HOURS * 3_600_000),
    },
    (record) => heldPrompt(record, request.actor.timeZone),
  );
}

function heldPrompt(record: HeldTextRecord, timeZone: string): Reply {
  const found = describeFindings(record.findings);
  const canRemove = record.findings.every((f) => f.start >= 0);
  const canKeep = record.outcome === "ask";
  const choices = [canRemove ? "remove those parts and save" : null, canKeep ? "save it anyway if no child's personal data remains" : null, "cancel"].filter(Boolean) as string[];
  const result = reply("warning", "Held: this may be personal data", [
    text(`Curve found ${joinPhrases(found)} in what you wrote. Nothing has been saved.`),
    text(`You can ${joinPhrases(choices, "or")}.`),
    {
      type: "buttons",
      buttons: [
        ...(canRemove ? [{ actionId: "privacy.remove", label: "Remove and save", value: record.token, style: "primary" as const }] : []),
        ...(canKeep ? [{ actionId: "privacy.keep", label: "Save anyway", value: record.token }] : []),
        { actionId: "privacy.cancel", label: "Cancel", value: record.token, style: "danger" as const },
      ],
    },
    context(
      record.outcome === "block"
        ? `A child's personal data must not be kept in Curve. This is held until ${shortDateTime(record.expiresAt, timeZone)}, then deleted unsaved. If this is not personal data, a coordinator can change what the guard checks with /curve privacy.`
        : `This is held until ${shortDateTime(record.expiresAt, timeZone)}, then deleted unsaved.`,
    ),
  ]);
  return { ...result, code: HELD_CODE, private: true };
}

const joinPhrases = (items: readonly string[], conjunction = "and"): string =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;

const DECISIONS = { remove: "removed", keep: "kept", cancel: "cancelled" } as const;
const HELD_USAGE = "/curve held remove|keep|cancel <token>";

/**
 * `/curve held remove|keep|cancel <token>`: what the Remove and save, Save anyway and Cancel buttons
 * (and the shell's question) run. Only the person who wrote the text decides; a second click finds
 * the hold gone and changes nothing. The hold is read with the person (`HeldRead`), and settled
 * with the change its line makes when run again (`HeldSettlement`): one read, one statement.
 * A retry of the decision gets its reply back (dispatch.ts, before it gets here).
 */
export async function decideHeld(ctx: CommandContext, args: string): Promise<Reply> {
  const [choice, rest] = firstWord(args);
  const [token] = firstWord(rest);
  const decision = DECISIONS[choice.toLowerCase() as keyof typeof DECISIONS];
  if (!decision || !token) throw new CurveError("usage", "Say remove, keep or cancel, and which held message.", { hint: HELD_USAGE });
  const store = ctx.heldTexts;
  if (!store) throw new CurveError("usage", "The personal-data guard is not set up here.");
  const held = await store.findHeld(ctx.partnershipId, token, ctx.now);
  if (!held) return reply("info", "Nothing is held under that", [text("It was already dealt with, or it expired unsaved. Nothing changed.")]);
  if (held.personId !== ctx.actor.id) throw new CurveError("not_permitted", "Only the person who wrote a held message can decide what happens to it.");
  const answer = (result: Reply) => (ctx.idempotencyKey ? { key: ctx.idempotencyKey, ...(ctx.request ? { request: ctx.request } : {}), reply: result } : undefined);
  const settle = (result: Reply) => store.settle(held, decision, { partnershipId: ctx.partnershipId, actor: ctx.actor, origin: ctx.origin, at: ctx.now }, answer(result));
  // The line runs again under a key of its own, and its change settles the hold (or, when it
  // made none there, the hold is settled on its own after it).
  const rerun = async (line: string, confirmed?: string): Promise<Reply> => {
    const settles: HeldSettlement = { held, decision, ...(ctx.idempotencyKey ? { key: ctx.idempotencyKey } : {}), ...(ctx.request ? { request: ctx.request } : {}), settled: false };
    const result = await ctx.rerun(held.command, line, { key: `held:${held.token}`, ...(confirmed !== undefined ? { confirmed } : {}), settles });
    if (!settles.settled) await settle(result);
    return result;
  };
  switch (decision) {
    case "cancelled": {
      const result = reply("info", "Cancelled", [text("Nothing was saved, and the held message is deleted.")]);
      await settle(result);
      return result;
    }
    case "kept":
      if (held.outcome !== "ask") throw new CurveError("not_permitted", "That can't be saved as it is: remove the personal data, or cancel.");
      return rerun(held.text, held.text);
    case "removed":
      if (held.findings.some((f) => f.start < 0)) throw new CurveError("usage", "Curve can't remove those parts for you here: cancel, and type it again without them.");
      return rerun(withoutFindings(held.text, held.findings));
  }
}

/** What a decision on a held message reads with the person deciding: the hold by its token (`HeldRead`). */
export const heldNamedBy = (args: string): HeldRead | null => {
  const [, rest] = firstWord(args);
  const [token] = firstWord(rest);
  return token ? { held: token } : null;
};

const PRIVACY_USAGE = `/curve privacy [<kind> block|ask|off] — kinds: ${DETECTOR_KINDS.join(", ")}`;

/**
 * `/curve privacy`: what the guard checks and how many messages it held in the last 30 days, by
 * kind; `/curve privacy <kind> block|ask|off` changes one (coordinators and admins).
 */
export async function privacySettings(ctx: CommandContext, args: string): Promise<Reply> {
  if (!ctx.heldTexts) throw new CurveError("usage", "The personal-data guard is not set up here.");
  const [kindWord, rest] = firstWord(args);
  const [actionWord] = firstWord(rest);
  const mayChange = may(ctx.actor, "privacy.settings").allowed;
  // Read with the person asking (`PrivacyRead`): the policy as stored, and the held counts.
  const read = await ctx.store.privacyOf(ctx.partnershipId, heldSince(ctx.now));
  const counts = mayChange ? (read.held ?? []) : [];
  if (!kindWord) return privacyReply(false, guardPolicyFrom(read.stored), counts, mayChange);
  requirePermission(ctx.actor, "privacy.settings");
  const kind = DETECTOR_KINDS.find((k) => k === kindWord.toLowerCase().replace(/-/g, "_"));
  const action = (["block", "ask", "off"] as const).find((a) => a === actionWord.toLowerCase());
  if (!kind || !action) throw new CurveError("usage", "Say which kind and what the guard should do with it.", { hint: PRIVACY_USAGE });
  // Once per idempotency key, with its audit event; a kind already so changes nothing. The
  // whole reply is built in the change, so a retry gets it back as it was.
  return ctx.change(async (tx) => {
    const outcome = await tx.setPrivacyPolicy(kind, action, read.stored);
    return privacyReply(true, outcome.applied ? outcome.value : { ...guardPolicyFrom(read.stored), [kind]: action }, counts, mayChange);
  });
}

/** Since when `/curve privacy` counts held messages: the last 30 days. */
const heldSince = (now: Date): Date => new Date(now.getTime() - 30 * 86_400_000);

/** What a privacy read reads for a line of /curve privacy, at `now` (the held counts only with it). */
export const privacyNamedBy = (_args: string, now?: Date): PrivacyRead => ({ privacy: { heldSince: now ? heldSince(now) : null } });

function privacyReply(changed: boolean, policy: GuardPolicy, counts: { kind: DetectorKind; count: number }[], mayChange: boolean): Reply {
  const total = counts.reduce((n, c) => n + c.count, 0);
  return reply(changed ? "success" : "info", changed ? "Personal-data guard updated" : "The personal-data guard", [
    text("Curve checks evidence, notes, workshop notes, pledge commitments, risks and imported cells for a child's personal data before saving them."),
    fields(DETECTOR_KINDS.map((k) => ({ label: KIND_LABELS[k], value: `${ACTION_WORDS[policy[k]]}${policy[k] !== DEFAULT_GUARD_POLICY[k] ? " (changed)" : ""}` }))),
    ...(mayChange
      ? [list(counts.map((c) => ({ text: `${KIND_LABELS[c.kind]}: ${c.count} held` })), "Nothing was held in the last 30 days."), context(`${total === 0 ? "No" : total} held in the last 30 days, by kind found (a message can hold several kinds).`)]
      : []),
    context(mayChange ? PRIVACY_USAGE : "Coordinators and admins can change these."),
  ]);
}

const ACTION_WORDS: Record<GuardAction, string> = { block: "held; must be removed", ask: "held; may be saved anyway", off: "not checked" };
