import { err, ok, type Result } from "./result.ts";

/**
 * A figure as a person types it for an indicator reading: "1,420", "91.6%", "8.1", "0.5".
 * Never guesses: a decimal comma ("7,5") or a comma not grouping thousands in threes ("1,42")
 * is refused with a sentence, because 7,5 read as 75 would flip a verdict (NEET 7.5% vs 75%).
 * "n/a", "not known", "unknown", "NK" and "-" mean the figure is not known for the period
 * (seed 003's "not knowns"): `value` is then null.
 */
export type Figure = { value: number | null; words: number };
export type FigureError = { message: string };

// Words that record "not known" for a period. Two-word forms are matched on the first two words.
const NOT_KNOWN = /^(?:n\/?a|n\.a\.|not\s+known|not\s+available|unknown|nk|n\/k|-|–|—)$/i;

/**
 * Reads the figure at the start of `text`; `words` says how many words it took ("7.5 %" is two).
 * Errors are one sentence naming what was typed.
 */
export function readFigure(text: string): Result<Figure, FigureError> {
  const words = text.trim().split(/\s+/);
  const [first = "", second = "", third = ""] = words;
  if (NOT_KNOWN.test(`${first} ${second}`)) return ok({ value: null, words: 2 });
  if (NOT_KNOWN.test(first)) return ok({ value: null, words: 1 });
  const percentWord = /^(?:%|percent)$/i.test(second) ? 1 : /^per$/i.test(second) && /^cent$/i.test(third) ? 2 : 0;
  const shown = first.slice(0, 20);
  const body = first.replace(/%$/, "").replace(/^[−–]/, "-");
  // "1 420" (a space, or a non-breaking one, grouping thousands): not two words, and not guessed.
  if (/^-?\d{1,3}$/.test(body) && /^\d{3}(?:[.,]\d+)?%?$/.test(second)) {
    return err({ message: `"${first} ${second}" has a space inside the number; write ${first}${second.replace(/,/g, "")} without it, or ${first},${second}.` });
  }
  if (/^-?\d+,\d{1,2}$/.test(body) || /^-?\d{1,3}(?:\.\d{3})+,\d+$/.test(body)) {
    const [whole, fraction] = body.replace(/\./g, "").split(",");
    return err({
      // "0,5" can only be a half: there is no whole number to offer.
      message: /^-?0$/.test(whole!)
        ? `"${shown}" has a decimal comma; Curve does not guess: write ${whole}.${fraction} (with a point).`
        : `"${shown}" has a decimal comma; Curve does not guess: write ${whole}.${fraction} (with a point) or, if you meant a whole number, ${whole}${fraction!.padEnd(3, "0")}.`,
    });
  }
  if (body.includes(",") && !/^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(body)) {
    return err({ message: `"${shown}" is not a number Curve can read: commas may only group thousands in threes, like 1,420 or 12,345.` });
  }
  const plain = body.replace(/,/g, "");
  if (!/^-?(?:\d+(?:\.\d+)?|\.\d+)$/.test(plain)) return err({ message: `"${shown}" is not a number.` });
  const value = Number(plain);
  if (!Number.isFinite(value)) return err({ message: `"${shown}" is not a number.` });
  return ok({ value, words: 1 + percentWord });
}
