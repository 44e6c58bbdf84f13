import type { z } from "zod/v4";
import { CurveError } from "../domain/errors.ts";
import { plainWord } from "../domain/typed-text.ts";

/**
 * Splits "ATT-5.1 Script agreed" into the first word and the rest. The first word is always
 * parsed (a subcommand, a ref, a code, a keyword), so it comes without invisible characters
 * (plainWord), and a run of them before it is not a word; the rest is left as typed.
 */
export function firstWord(text: string): [string, string] {
  const trimmed = text.replace(/^[\s\p{Default_Ignorable_Code_Point}]+/u, "").trimEnd();
  const space = trimmed.search(/\s/);
  return space < 0 ? [plainWord(trimmed), ""] : [plainWord(trimmed.slice(0, space)), trimmed.slice(space + 1).trim()];
}

/** Parses arguments with a zod schema; any issue becomes a usage error naming the first problem. */
export function parseArgs<T>(schema: z.ZodType<T>, input: unknown, usage: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // A union's own message ("Invalid input") says nothing a person can act on.
  const message = issue && issue.code !== "invalid_union" ? issue.message : "Those arguments don't fit this command.";
  throw new CurveError("usage", message, { hint: usage });
}
