import type { ActionState } from "./model.ts";

/**
 * Characters that show nothing and mean nothing to a parser: Unicode's default-ignorable code
 * points, among them the soft hyphen (U+00AD), zero-width space, joiners and non-joiners
 * (U+200B–U+200D), direction marks (LRM, RLM, the Arabic letter mark), embeddings, overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069), the word joiner, the combining grapheme joiner
 * (U+034F), the Mongolian vowel separator (U+180E), variation selectors and the BOM.
 */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * A word a command parses (a command or subcommand name, a ref, a code, a number, a date, a
 * keyword) without its invisible characters, so "ATT\u00AD-7" and "ATT-7\u200E" are ATT-7.
 * Only such words: in stored free text (a note, a commitment, an organisation's name) a
 * direction mark or a joiner can be what keeps a right-to-left name, a Persian word or an
 * emoji as written, so normaliseTyped leaves those there.
 */
export function plainWord(text: string): string {
  return text.replace(INVISIBLE, "");
}

/**
 * What phones and Office put into text, undone before any command reads it: letters typed as
 * a base and a combining mark ("e" + U+0301) composed as one (Unicode NFC, as names and refs are
 * stored, so "Zoë" typed on a Mac finds the Zoë imported from a spreadsheet), curly quotes,
 * non-breaking and other odd spaces, zero-width spaces and byte-order marks, and runs of
 * spaces. The characters a person meant stay: dashes and full stops are left for the parsers,
 * which accept them where they mean something (refs, ranges, quiet hours), and joiners and
 * direction marks, which free text may need, are taken out only of the words a command parses
 * (plainWord).
 */
export function normaliseTyped(text: string): string {
  return text
    .normalize("NFC")
    .replace(/[\u200B\u2060\uFEFF]/g, "") // zero-width space, word joiner, BOM: never needed in stored text
    .replace(/[\u2018\u2019\u201A\u201B\u2032\u02BC]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g, '"')
    .replace(/[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g, " ")
    .replace(/ {2,}/g, " ")
    .trim();
}

/**
 * Whether two pieces of free text say the same as typed: case (en-GB), spacing and leading or
 * trailing blanks aside. For telling a repeat (a form sent twice, a command retyped) from new words.
 */
export function sameWords(a: string, b: string): boolean {
  const spaced = (text: string) => text.trim().replace(/\s+/g, " ").toLocaleLowerCase("en-GB");
  return spaced(a) === spaced(b);
}

/**
 * Whether two risk descriptions say the same thing as typed: the same words, whatever their
 * case, spacing or closing full stop. An open risk of the same plan or priority that says so
 * is the same risk (a form submitted twice, a command sent again); another wording is another risk.
 */
export function sameRiskWords(a: string, b: string): boolean {
  const unstopped = (text: string) => text.trim().replace(/[.\s]+$/, "");
  return sameWords(unstopped(a), unstopped(b));
}

/** Characters that wrap or follow a ref in typed text: "(ATT-4.1)", "ATT-4.1.", "‘ATT-4.1’,". */
export function trimRefPunctuation(word: string): string {
  return plainWord(word).replace(/^[\s"'‘’“”([{<]+/, "").replace(/[\s"'‘’“”)\]}>.,;:!?…]+$/, "");
}

/**
 * A clock time as people type it, in minutes after midnight: "19:00", "7.30", "7pm", "7:30 pm",
 * "7.30am", "noon", "midnight". Null for anything else (including "13pm" and "24:00").
 */
export function readClockTime(text: string): number | null {
  const t = plainWord(text).trim().toLowerCase().replace(/\s+/g, "").replace(/\./g, (m, i: number, s: string) => (/\d/.test(s[i + 1] ?? "") ? ":" : ""));
  if (t === "noon" || t === "midday") return 12 * 60;
  if (t === "midnight") return 0;
  const m = /^(\d{1,2})(?::(\d{2}))?(am|pm|a|p)?$/.exec(t);
  if (!m) return null;
  const [hour, minute] = [Number(m[1]), Number(m[2] ?? "0")];
  if (minute > 59) return null;
  if (m[3]) {
    if (hour < 1 || hour > 12) return null;
    return ((hour % 12) + (m[3].startsWith("p") ? 12 : 0)) * 60 + minute;
  }
  // Without am/pm a time needs its minutes ("19:00"), so a lone "7" is never guessed.
  if (m[2] === undefined || hour > 23) return null;
  return hour * 60 + minute;
}

/** "19:00-07:30", "19:00–07:30", "7pm to 7.30am": a from/to pair of clock times, or null. */
export function readClockRange(text: string): { from: number; to: number } | null {
  const parts = plainWord(text).trim().split(/\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*/i).filter(Boolean);
  if (parts.length !== 2) return null;
  const [from, to] = parts.map(readClockTime);
  return from === null || to === null || from === undefined || to === undefined ? null : { from, to };
}

// The states a person sets, with the words they use for them. RAG colours are the same three states.
// Between the two words: a space, an underscore, or any dash Word or a phone puts there.
const STATE_WORDS: [RegExp, ActionState][] = [
  [/^(?:on[\s_\-\u2010-\u2015]*track|green)$/, "on_track"],
  [/^(?:at[\s_\-\u2010-\u2015]*risk|amber)$/, "at_risk"],
  [/^(?:off[\s_\-\u2010-\u2015]*track|red)$/, "off_track"],
  [/^(?:done|complete|completed|finished)$/, "done"],
  [/^(?:dropped|cancelled|canceled|withdrawn)$/, "dropped"],
];

/**
 * The state at the start of `text` ("at risk because …", "amber: waiting for data"), how many
 * words it took, and the colour word when one was used (so the reply can say how it was read).
 */
export function readActionState(text: string): { state: ActionState; words: number; colour: string | null } | null {
  const words = text.trim().split(/\s+/);
  // Three words for "RAG: at risk"; a state may be quoted or bracketed, and end in punctuation.
  for (const n of [3, 2, 1]) {
    const phrase = plainWord(words.slice(0, n).join(" ")).toLowerCase().replace(/^rag:?\s*/, "").replace(/^["'‘’“”(]+/, "").replace(/["'‘’“”).,;:!?…]+$/, "");
    if (words.length < n) continue;
    const hit = STATE_WORDS.find(([pattern]) => pattern.test(phrase));
    if (hit) return { state: hit[1], words: n, colour: /^(?:red|amber|green)$/.test(phrase) ? phrase : null };
  }
  return null;
}
