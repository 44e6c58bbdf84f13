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

/** A phrase read from the start of a run of words: what it means and how many words it took. */
export interface LeadingReading<T> {
  value: T;
  words: number;
}

/** What `leadingPhrase`'s reader says of a run of words: a reading, nothing (null), or a refusal. */
export type LeadingRead<T> = T | null | { refused: string };

const isRefusal = <T>(r: LeadingRead<T>): r is { refused: string } => typeof r === "object" && r !== null && "refused" in r;

/**
 * Reads a date or period typed before free text ("until w/c 5 October waiting for data",
 * "Dec 2011 children's social care return"): the longest run of the first `max` of `words`
 * that `read` accepts (null when none does). `doubt` is set when a shorter run reads as
 * something else (`same` says not) and the words after it start with a number of one or two
 * digits, which may as well begin the free text: "Oct 15 cases to review" is 15 October, or
 * October and "15 cases to review". A four-digit year after a month is never doubted, nor a
 * reading that takes every word (there is no free text to begin).
 * `read` returns `{ refused }` for a run that is a date for certain but wrongly written or open
 * to two readings ("Feb 30", "Sept 27"); a refusal longer than every reading is returned as
 * `refused` (its sentence), since the shorter reading inside it ("Feb", "Sept") is not what was meant.
 */
export function leadingPhrase<T>(
  words: readonly string[],
  max: number,
  read: (phrase: string) => LeadingRead<T>,
  same: (a: T, b: T) => boolean,
): { longest: LeadingReading<T>; doubt?: LeadingReading<T> } | { refused: string } | null {
  const readings: LeadingReading<T>[] = [];
  for (let n = Math.min(max, words.length); n >= 1; n--) {
    const value = read(words.slice(0, n).join(" "));
    if (isRefusal(value)) {
      if (readings.length === 0) return { refused: value.refused };
    } else if (value !== null) readings.push({ value, words: n });
  }
  const [longest] = readings;
  if (!longest) return null;
  // Nothing after the longest reading: the words are all the date ("Nov 30" alone, or before a "|").
  if (longest.words === words.length) return { longest };
  const doubt = readings.find((r) => !same(r.value, longest.value) && /^\d{1,2}(?:st|nd|rd|th)?$/i.test(words[r.words] ?? ""));
  return doubt ? { longest, doubt } : { longest };
}
