import type { TextPart } from "../../commands/invocation.ts";
import { z } from "zod/v4";
import { BUTTON_ACTION_IDS, commandForButton } from "../../commands/button-commands.ts";
import { isQuery } from "../../commands/command-table.ts";
import { errorReply } from "../../commands/error-reply.ts";
import { CurveError } from "../../domain/errors.ts";
import type { Reply } from "../../domain/reply.ts";
import { formCommandText } from "../chat/form-submission.ts";

/**
 * The data Curve puts on a card's Action.Execute buttons, and the command each press
 * runs. The verb is repeated inside the data so that a client falling back to
 * Action.Submit (which drops the verb) sends the same thing.
 */
export const CARD_VERBS = { form: "curve.form", more: "curve.more" } as const;
export const BUTTON_VERBS: readonly string[] = BUTTON_ACTION_IDS;

/** Inputs are named apart from the data's own keys, so a field can never overwrite them. */
export const FORM_FIELD_PREFIX = "field.";

export interface ButtonData {
  verb: string;
  value: string;
}

export interface FormData {
  verb: typeof CARD_VERBS.form;
  form: { id: string; command: string; textPrefix: string; fields: string[]; choices?: Record<string, string[]>; separator?: "|" };
}

export interface MoreData {
  verb: typeof CARD_VERBS.more;
  command: string;
  text: string;
  from: number;
}

/** What a card press asks for: a command line, whether it may answer with a form, and where a list resumes. */
export interface CardCommand {
  command: string;
  text: string;
  forms: boolean;
  from: number;
  /** Mentions and links a typed message's decoder found (none for card data). */
  parts?: TextPart[];
}

const ButtonSchema = z.object({ value: z.string().max(200) });
const FormSchema = z.object({
  form: z.object({
    command: z.string().min(1).max(64),
    textPrefix: z.string().max(200),
    fields: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/)).max(10),
    choices: z.record(z.string(), z.array(z.string().max(100)).max(20)).optional(),
    separator: z.literal("|").optional(),
  }),
});
const MoreSchema = z.object({ command: z.string().min(1).max(64), text: z.string().max(3000), from: z.number().int().min(1).max(100_000) });

// Form inputs may be multiline; commands take one line, so line breaks become spaces.
const oneLine = (value: unknown): string => (typeof value === "string" ? value.replace(/\s*[\r\n]+\s*/g, " ").trim() : "");

/**
 * The command a card press runs; null when the data is not something Curve put on a card;
 * or the one-line answer to a form whose choice holds a value the card never offered.
 */
export function commandForCardData(verb: string | undefined, data: unknown): CardCommand | Reply | null {
  const record = data !== null && typeof data === "object" ? (data as Record<string, unknown>) : {};
  const chosen = verb ?? (typeof record.verb === "string" ? record.verb : undefined);
  if (chosen === CARD_VERBS.form) {
    const parsed = FormSchema.safeParse(record);
    if (!parsed.success) return null;
    const { command, ...form } = parsed.data.form;
    const line = formCommandText(form, (id) => oneLine(record[`${FORM_FIELD_PREFIX}${id}`]));
    if (!line.ok) return errorReply(new CurveError("usage", line.error.message));
    // A submitted form has been shown already: an empty field means "without", not "ask again".
    return { command, text: line.value, forms: false, from: 0 };
  }
  if (chosen === CARD_VERBS.more) {
    const parsed = MoreSchema.safeParse(record);
    // Only a command that reads may be run again; a change is never repeated by paging.
    if (!parsed.success || !isQuery(parsed.data.command, parsed.data.text)) return null;
    return { ...parsed.data, forms: true };
  }
  const button = ButtonSchema.safeParse(record);
  const line = chosen && button.success ? commandForButton(chosen, button.data.value) : null;
  return line ? { ...line, forms: true, from: 0 } : null;
}
