import { isUtf8 } from "node:buffer";

/**
 * Checks on a request body before any platform library decodes it. Bolt, body-parser and
 * readline all turn invalid UTF-8 into U+FFFD silently, and JSON's "\ud800" escapes give
 * JavaScript strings with lone surrogates; either would be stored as "�". These read what
 * was actually sent, so a broken message is refused whole and nothing is changed.
 */

/**
 * True when an application/x-www-form-urlencoded body (Slack's slash commands and
 * `payload=<json>` interactions) is valid UTF-8 both as sent and once each `%XX` escape is
 * decoded to its byte: `text=%FF`, or `%ED%A0%80` (a surrogate written as CESU-8), is not.
 * Form separators are ASCII, so the whole decoded body is valid exactly when every field is.
 */
export function formBodyIsUtf8(raw: Buffer): boolean {
  if (!isUtf8(raw)) return false;
  const bytes = raw.toString("latin1").replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return isUtf8(Buffer.from(bytes, "latin1"));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const illFormed = (text: string): boolean => LONE_SURROGATE.test(text);

/** True when a body's bytes, as sent, are valid UTF-8 (surrogates written as UTF-8 bytes are not). */
export const bodyIsUtf8 = (raw: Buffer): boolean => isUtf8(raw);

/**
 * True when some string in a parsed JSON value (keys included, at any depth) is not
 * well-formed UTF-16: a lone surrogate, as `"\ud800"` in JSON gives. Such a string has no
 * UTF-8 form at all, so it cannot be what anyone typed.
 */
export function hasIllFormedText(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return illFormed(value);
  if (value === null || typeof value !== "object" || depth > 64) return false;
  if (Array.isArray(value)) return value.some((item) => hasIllFormedText(item, depth + 1));
  return Object.entries(value).some(([key, item]) => illFormed(key) || hasIllFormedText(item, depth + 1));
}
