import { err, ok, type Result } from "../../domain/result.ts";

/** What a Slack modal or a Teams card carries back about the form it showed. */
export interface FormShape {
  textPrefix: string;
  /** The field ids, in order. */
  fields: string[];
  /** For a choice field, the values it offered. */
  choices?: Record<string, string[]>;
  separator?: "|";
}

/**
 * The command line a submitted form runs: the prefix, then each field's value in order
 * (already one line), set apart by the form's separator. A choice field must hold one of the
 * values it offered: anything else (a forged or garbled submission) is refused, naming the
 * field, rather than passed on as words the command might read as something else.
 */
export function formCommandText(form: FormShape, valueOf: (fieldId: string) => string): Result<string, { field: string; message: string }> {
  const values: string[] = [];
  for (const id of form.fields) {
    const value = valueOf(id);
    const offered = form.choices?.[id];
    if (offered && !offered.includes(value)) return err({ field: id, message: value ? `Choose one of the answers offered (${offered.join(" or ")}).` : "Choose one of the answers offered." });
    values.push(value);
  }
  const body = form.separator ? values.join(` ${form.separator} `) : values.filter(Boolean).join(" ");
  return ok([form.textPrefix, body].filter(Boolean).join(" ").trim());
}

/** The choices of a form's fields, as a FormShape carries them. */
export function choicesOf(fields: readonly { id: string; choices?: { value: string }[] }[]): Record<string, string[]> | undefined {
  const entries = fields.filter((f) => f.choices?.length).map((f) => [f.id, f.choices!.map((c) => c.value)] as const);
  return entries.length ? Object.fromEntries(entries) : undefined;
}
