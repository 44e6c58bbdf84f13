import { err, ok, type Result } from "./result.ts";
import { plainWord } from "./typed-text.ts";

/**
 * A figure as a person types it for an indicator reading: "1,420", "91.6%", "8.1", "0.5".
 * A unit sign typed with it ("%", "per cent", "£") is returned, never dropped, so the
 * caller can refuse one that contradicts the indicator's unit (report-card.ts figureProblem).
 * Never guesses: a decimal comma ("7,5") or a comma not grouping thousands in threes ("1,42")
 * is refused with a sentence, because 7,5 read as 75 would flip a verdict (NEET 7.5% vs 75%).
 * "n/a", "not known", "unknown", "NK" and "-" mean the figure is not known for the period
 * (seed 003's "not knowns"): `value` is then null.
 */
export type Figure = {
  value: number | null;
  words: number;
  /** The unit sign typed with the figure ("%", "per cent", "£"), or null: the caller checks it against the indicator's unit. */
  sign: string | null;
};
export type FigureError = { message: string };

/** A typed number as JavaScript writes it back: no leading zeros, no trailing fractional zeros ("08.50" → "8.5"). */
function canonical(plain: string): string {
  const [whole = "", fraction = ""] = plain.replace(/^-/, "").split(".");
  const int = whole.replace(/^0+/, "") || "0";
  const frac = fraction.replace(/0+$/, "");
  const negative = plain.startsWith("-") && (int !== "0" || frac !== "");
  return `${negative ? "-" : ""}${int}${frac ? `.${frac}` : ""}`;
}

/** A number as JavaScript writes it, without an exponent ("1e-7" → "0.0000001", "1e+21" → "1000000000000000000000"). */
function written(value: number): string {
  const text = String(value);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const digits = `${m[2]}${m[3] ?? ""}`;
  const point = 1 + Number(m[4]);
  const body = point <= 0 ? `0.${"0".repeat(-point)}${digits}` : point >= digits.length ? `${digits}${"0".repeat(point - digits.length)}` : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${m[1]}${body}`;
}

// Words that record "not known" for a period. Two-word forms are matched on the first two words.
const NOT_KNOWN = /^(?:n\/?a|n\.a\.|not\s+known|not\s+available|unknown|nk|n\/k|-|–|—)$/i;

/**
 * Reads the figure at the start of `text`; `words` says how many words it took ("7.5 %" is two).
 * Errors are one sentence naming what was typed.
 */
export function readFigure(text: string): Result<Figure, FigureError> {
  // Each word without invisible characters ("12\u200E"), counted as the caller splits the text.
  const words = text.trim().split(/\s+/).map(plainWord);
  const [first = "", second = "", third = ""] = words;
  if (NOT_KNOWN.test(`${first} ${second}`)) return ok({ value: null, words: 2, sign: null });
  if (NOT_KNOWN.test(first)) return ok({ value: null, words: 1, sign: null });
  const percentWord = /^(?:%|percent)$/i.test(second) ? 1 : /^per$/i.test(second) && /^cent$/i.test(third) ? 2 : 0;
  const shown = first.slice(0, 20);
  // A currency sign before the figure is read, and left for the caller to refuse against the unit.
  const money = /^[−–-]?([£$€])/.exec(first)?.[1] ?? null;
  const body = first.replace(/%$/, "").replace(/^([−–-]?)[£$€]/, "$1").replace(/^[−–]/, "-");
  const sign = first.endsWith("%") ? "%" : percentWord ? words.slice(1, 1 + percentWord).join(" ") : money;
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
  // A double keeps about 15 significant digits: "99999999999999999999" would be stored as 1e20.
  // What is kept must read back as what was typed.
  if (written(value) !== canonical(plain)) {
    return err({ message: `"${shown}" can't be kept exactly as typed (it would be stored as ${value.toLocaleString("en-GB", { maximumFractionDigits: 20 })}): check the figure.` });
  }
  if (first.endsWith("%") && percentWord) return err({ message: `"${first} ${words.slice(1, 1 + percentWord).join(" ")}" says per cent twice: write ${first}.` });
  if (money && (first.endsWith("%") || percentWord)) return err({ message: `"${shown}" is both money and a percentage: write the figure in the indicator's unit.` });
  return ok({ value, words: 1 + percentWord, sign });
}
