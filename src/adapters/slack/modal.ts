import { reply, type FormRequest, type Reply } from "../../domain/reply.ts";
import { escapeMrkdwn, type MessageOrigin } from "./block-kit.ts";

export const FORM_CALLBACK_ID = "curve.form";

/** What a modal carries back on submission (Slack's private_metadata, at most 3,000 characters). */
export interface FormMetadata {
  command: string;
  textPrefix: string;
  fieldIds: string[];
  channel: string | null;
  responseUrl: string | null;
  origin: MessageOrigin | null;
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
export const fieldBlockId = (fieldId: string) => `field:${fieldId}`;

/** A FormRequest as a Slack modal view. */
export function modalView(form: FormRequest, metadata: Omit<FormMetadata, "command" | "textPrefix" | "fieldIds">) {
  const meta: FormMetadata = { ...metadata, command: form.command, textPrefix: form.textPrefix, fieldIds: form.fields.map((f) => f.id) };
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
        element: {
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

/**
 * The command text a submission completes: the prefix, then each field's value in order.
 * Commands are one line, so line breaks typed in a multi-line field become "; ".
 */
export function submittedText(meta: FormMetadata, values: Record<string, Record<string, { value?: string | null }>>): string {
  const parts = meta.fieldIds.map((id) => (values[fieldBlockId(id)]?.value?.value ?? "").trim().replace(/\s*\n\s*/g, "; "));
  return [meta.textPrefix, ...parts].filter(Boolean).join(" ");
}

/**
 * When Slack will not open a form (its trigger id expired because Curve took more than 3 s,
 * or Slack refused): the line the person can type instead, which is what the form would
 * have sent, e.g. "/milestone done ATT-7.1 <evidence>".
 */
export function formNotOpened(form: FormRequest): Reply {
  const line = [`/${form.command}`, form.textPrefix, ...form.fields.map((f) => `<${f.id}>`)].filter(Boolean).join(" ");
  return reply("warning", `Curve couldn't open the form; type ${line}`);
}
