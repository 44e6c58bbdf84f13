/**
 * Every piece of free text an import stores (titles, owner cells, milestones, notes, evidence)
 * passes through here, and only here, so a check on what partners paste in (personal data,
 * for one) has a single place to hook in. Returns the text to store, or a reason to refuse it.
 */
export type FreeTextCheck = { ok: true; text: string | null } | { ok: false; message: string };

/** Longest text a cell may hold, in characters; longer is almost always a pasted document. */
export const MAX_CELL_TEXT = 10_000;

// C0 and C1 controls except tab and newline; bidi overrides could disguise a ref or a name.
const FORBIDDEN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;

/**
 * Tidies one cell's text: non-breaking spaces and tabs become spaces, runs of spaces shrink,
 * each line is trimmed; empty becomes null. Line breaks are kept (they separate milestones).
 */
export function importedText(value: string | null | undefined): FreeTextCheck {
  if (value === null || value === undefined) return { ok: true, text: null };
  const text = value
    .replace(/\r\n?/g, "\n")
    .replace(/[\t\u00a0\u2007\u202f]/g, " ")
    .split("\n")
    .map((line) => line.replace(/ {2,}/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  if (text === "") return { ok: true, text: null };
  if (text.length > MAX_CELL_TEXT) return { ok: false, message: `the text is ${text.length.toLocaleString("en-GB")} characters; the limit is ${MAX_CELL_TEXT.toLocaleString("en-GB")}` };
  if (FORBIDDEN.test(text)) return { ok: false, message: "the text contains control characters; retype it as plain text" };
  return { ok: true, text };
}
