import { CurveError, type ReplyCode } from "./errors.ts";

/**
 * The one reply model. Commands build it; each adapter renders it (Block Kit, an
 * Adaptive Card, plain text). Text is plain: renderers escape it for their platform.
 */
export type Tone = "success" | "info" | "warning" | "error";

export interface Button {
  /** Stable action id, e.g. "milestone.done". */
  actionId: string;
  label: string;
  /** What the button acts on, e.g. a milestone ref. */
  value: string;
  style?: "primary" | "danger";
}

export interface Field {
  label: string;
  value: string;
}

export interface ListItem {
  text: string;
  detail?: string;
  buttons?: Button[];
}

export type Block =
  | { type: "text"; text: string }
  | { type: "fields"; fields: Field[] }
  | { type: "list"; items: ListItem[]; empty?: string }
  | { type: "buttons"; buttons: Button[] }
  | { type: "image"; url: string; alt: string }
  | { type: "context"; text: string };

/** A form the platform should show (Slack modal, Teams card inputs) before anything changes. */
export interface FormField {
  id: string;
  label: string;
  hint?: string;
  multiline?: boolean;
  maxLength?: number;
  /**
   * A choice instead of a text box (Slack radio buttons, a Teams Input.ChoiceSet): one of
   * these values must be picked, and anything else is refused before the command runs.
   */
  choices?: { value: string; label: string }[];
}

export interface FormRequest {
  /** Stable id, e.g. "milestone.done". */
  id: string;
  title: string;
  submitLabel: string;
  intro?: string;
  fields: FormField[];
  /** A submission runs this command with the field values appended to `textPrefix`, in order. */
  command: string;
  textPrefix: string;
  /**
   * Set between the field values when the command reads them apart (`/pledge sign P1 <commitment> | public`),
   * so one field's answer can never run into another's words; a space when not given.
   */
  separator?: "|";
}

/** A short post for a channel other than the one asked in, e.g. a priority's channel. */
export interface Announcement {
  /** "<platform>:<tenant>:<channel id>" */
  channel: string;
  text: string;
}

/** A card a channel keeps: posted once, then updated in place (a pledge's sign-up card). */
export interface ChannelCard {
  /** What the card shows, e.g. "pledge:12"; adapters redraw it from today's data by this key. */
  key: string;
  /** "<platform>:<tenant>:<channel id>" */
  channel: string;
}

export interface Reply {
  tone: Tone;
  heading?: string;
  blocks: Block[];
  /** Only the person who asked sees it, unless a command says otherwise. */
  visibility: "ephemeral" | "in_channel";
  /** Error code, when the reply reports a failure (src/domain/errors.ts). */
  code?: ReplyCode;
  form?: FormRequest;
  announcements?: Announcement[];
  /** Actions a change touched, so adapters can refresh what their people see (App Home). */
  touched?: number[];
  /** Post this card to its channel, or update the message already posted for its key. */
  card?: ChannelCard;
  /**
   * Holds private data (exports, registers with private signers, settings, board packs,
   * report links, held personal data): never posted into a channel.
   */
  private?: true;
  /**
   * The stored reply of a request answered before (a platform's retry of the same request):
   * its effects (announcements, cards, App Home) have run already and must not run again.
   */
  replayed?: true;
  /**
   * Which request a stored reply answered: a fingerprint of who asked what (see
   * `requestFingerprint`), kept with the reply in its receipt, so that the reply is only ever
   * given again to that same request (`replayFor`).
   */
  request?: string;
  /** A file for the asker (a board pack): Slack uploads it, Teams links to it. */
  file?: ReplyFile;
}

/** A file a reply carries: where the adapter fetches its bytes, and what to call it. */
export interface ReplyFile {
  /** What the file is, so an adapter can build it again: "board-pack:<plan>:<period>:xlsx". */
  key: string;
  filename: string;
  title: string;
}

export const reply = (tone: Tone, heading: string | undefined, blocks: Block[] = []): Reply => ({
  tone,
  ...(heading === undefined ? {} : { heading }),
  blocks,
  visibility: "ephemeral",
});

export const text = (value: string): Block => ({ type: "text", text: value });
export const context = (value: string): Block => ({ type: "context", text: value });
/** `answer` with one more line of context at its end. */
export const withContext = (answer: Reply, line: string): Reply => ({ ...answer, blocks: [...answer.blocks, context(line)] });
export const fields = (entries: Field[]): Block => ({ type: "fields", fields: entries });
export const list = (items: ListItem[], empty?: string): Block => ({ type: "list", items, ...(empty ? { empty } : {}) });

/**
 * The stored reply for a request's key, given again to a retry of that request and marked
 * `replayed` (its effects have run already). A reply stored for a different request under the
 * same key (other words, another person: an altered or forged redelivery) is never given: the
 * request is refused with code "conflict" and changes nothing. A reply stored before receipts
 * named their request is given as it is.
 * Errors: CurveError "conflict".
 */
export function replayFor(stored: Reply, request: string | undefined): Reply {
  if (stored.request !== undefined && request !== undefined && stored.request !== request) {
    throw new CurveError("conflict", "Curve already answered a different request sent under this one's id, so it did nothing. Send it again.");
  }
  const { request: _request, ...reply } = stored;
  return { ...reply, replayed: true };
}
