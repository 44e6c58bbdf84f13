import { CurveError } from "./errors.ts";

export const MAX_TEXT_LENGTH = 3000;

// C0 and C1 controls except tab; bidi overrides could disguise a ref or a name.
const FORBIDDEN = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;

const BROKEN = /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The one refusal for text that arrived broken: invalid UTF-8 (decoded by someone with U+FFFD)
 * or a lone UTF-16 surrogate. Adapters that see the raw bytes refuse with it too, before
 * anything is decoded, so every platform says the same sentence.
 */
export const brokenTextError = (): CurveError =>
  new CurveError("bad_text", "That message arrived with broken characters (it is not valid UTF-8 text), so Curve did nothing; please retype it.");

/** Rejects text a person should never be able to store or echo: too long, or with control characters. */
export function checkUserText(input: string): string {
  if (input.length > MAX_TEXT_LENGTH) {
    throw new CurveError(
      "too_long",
      `That message is ${input.length.toLocaleString("en-GB")} characters; the limit is ${MAX_TEXT_LENGTH.toLocaleString("en-GB")}.`,
      { hint: "Put long evidence in a document and paste its link instead." },
    );
  }
  // A lone surrogate or U+FFFD means the text arrived broken (invalid UTF-8 decoded with replacement):
  // storing it would save "�" instead of what the person typed.
  if (BROKEN.test(input)) {
    throw brokenTextError();
  }
  if (FORBIDDEN.test(input)) {
    throw new CurveError("bad_text", "That message contains control characters, which Curve does not accept.", {
      hint: "Retype it as plain text.",
    });
  }
  return input.replace(/\t/g, " ").trim();
}
