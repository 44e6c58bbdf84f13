import { reply, type FormRequest, type Reply } from "../../domain/reply.ts";
import type { Result } from "../../domain/result.ts";
import { choicesOf, formCommandText } from "../chat/form-submission.ts";
import { escapeMrkdwn, type MessageOrigin } from "./block-kit.ts";

export const FORM_CALLBACK_ID = "curve.form";

/** What a modal carries back on submission (Slack's private_metadata, at most 3,000 characters). */
export interface FormMetadata {
  command: string;
  textPrefix: string;
  fieldIds: string[];
  /** For a choice field, the values it offered; a submission holding anything else is refused. */
  choices?: Record<string, string[]>;
  separator?: "|";
  channel: string | null;
  responseUrl: string | null;
  origin: MessageOrigin | null;
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
export const fieldBlockId = (fieldId: string) => `field:${fieldId}`;

/** A FormRequest as a Slack modal view. */
export function modalView(form: FormRequest, metadata: Omit<FormMetadata, "command" | "textPrefix" | "fieldIds">) {
  const choices = choicesOf(form.fields);
  const meta: FormMetadata = {
    ...metadata,
    command: form.command,
    textPrefix: form.textPrefix,
    fieldIds: form.fields.map((f) => f.id),
    ...(choices ? { choices } : {}),
    ...(form.separator ? { separator: form.separator } : {}),
  };
  return {
    type: "modal" as const,
    callback_id: FORM_CALLBACK_ID,
    private_metadata: JSON.stringify(meta),
    title: { type: "plain_text" as const, text: clip(form.title, 24) },
    submit: { type: "plain_text" as const, text: clip(form.submitLabel, 24) },
    close: { type: "plain_text" as const, text: "Cancel" },
    blocks: [
      ...(form.intro ? [{ type: "section", text: { type: "mrkdwn", text: clip(escapeMrkdwn(form.intro), 3000) } }] : []),
      ...form.fields.map((field) => ({
        type: "input",
        block_id: fieldBlockId(field.id),
        label: { type: "plain_text", text: clip(field.label, 2000) },
        ...(field.hint ? { hint: { type: "plain_text", text: clip(field.hint, 2000) } } : {}),
        element: field.choices?.length
          ? { type: "radio_buttons", action_id: "value", options: field.choices.map((c) => ({ text: { type: "plain_text", text: clip(c.label, 75) }, value: c.value })) }
          : {
              type: "plain_text_input",
              action_id: "value",
              multiline: field.multiline ?? false,
              ...(field.maxLength ? { max_length: field.maxLength } : {}),
            },
      })),
    ],
  };
}

export function readMetadata(raw: string | undefined): FormMetadata | null {
  try {
    const meta = JSON.parse(raw ?? "") as FormMetadata;
    return typeof meta.command === "string" && typeof meta.textPrefix === "string" && Array.isArray(meta.fieldIds) ? meta : null;
  } catch {
    return null;
  }
}

/** What Slack sends back for one input: a text box's value, or a choice's selected option. */
type SubmittedValues = Record<string, Record<string, { value?: string | null; selected_option?: { value?: string } | null }>>;

/**
 * The command text a submission completes: the prefix, then each field's value in order,
 * or which field to correct and why (a choice holding a value it never offered).
 * Commands are one line, so line breaks typed in a multi-line field become "; ".
 */
export function submittedText(meta: FormMetadata, values: SubmittedValues): Result<string, { field: string; message: string }> {
  const valueOf = (id: string) => {
    const input = values[fieldBlockId(id)]?.value;
    return (input?.selected_option ? (input.selected_option.value ?? "") : (input?.value ?? "")).trim().replace(/\s*\n\s*/g, "; ");
  };
  return formCommandText({ textPrefix: meta.textPrefix, fields: meta.fieldIds, choices: meta.choices, separator: meta.separator }, valueOf);
}

/**
 * When Slack will not open a form (its trigger id expired because Curve took more than 3 s,
 * or Slack refused): the line the person can type instead, which is what the form would
 * have sent, e.g. "/milestone done ATT-7.1 <evidence>".
 */
export function formNotOpened(form: FormRequest): Reply {
  const fields = form.fields.map((f) => `<${f.id}>`).join(form.separator ? ` ${form.separator} ` : " ");
  const line = [`/${form.command}`, form.textPrefix, fields].filter(Boolean).join(" ");
  return reply("warning", `Curve couldn't open the form; type ${line}`);
}
