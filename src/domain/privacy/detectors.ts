// The detectors behind the personal-data guard: each finds one kind of identifier in decoded
// text and says where. Pure functions of the text and what the partnership already knows.
import { parseDue } from "../dates/due-phrase.ts";
import { GIVEN_NAMES } from "./given-names.ts";

/** The kinds of personal data the guard looks for; a partnership sets each to block, ask or off. */
export const DETECTOR_KINDS = ["nhs_number", "ni_number", "date_of_birth", "postcode", "phone", "email", "child_name"] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

/** One identifier found: its kind and its place in the text (UTF-16 offsets, end exclusive). */
export interface Detection {
  kind: DetectorKind;
  start: number;
  end: number;
}

/** What the detectors may treat as the partnership's own, and so not personal data to hold. */
export interface KnownToPartnership {
  /** Email addresses of the partnership's people, any case. */
  emails: ReadonlySet<string>;
  /** Full names of the partnership's people ("Jackie Wilson"). */
  names: readonly string[];
}

// Separators people and office software put inside numbers: spaces (incl. no-break), hyphens, dashes,
// full stops and line breaks.
const SEP = String.raw`[\s\u00a0\u2010-\u2015.\-]{0,3}`;
// After "NHS" the digits are an NHS number however they are grouped (4-3-3, 5-5, one by one), and
// slashes and underscores separate them too.
const CUED_SEP = String.raw`[\s\u00a0\u2010-\u2015./_\-]{0,3}`;
const NHS_CUE = String.raw`nhs(?:[\s.]*(?:no\b|num(?:ber)?\b|#))?[\s.]*(?:is\s+)?[:#=\-\u2013\u2014(]*\s*`;

/**
 * The text as the detectors read it, the same length so that offsets stay the text's own:
 * full-width forms (U+FF01 to U+FF5E, "９４３") as their ASCII letters, digits and signs, and the
 * invisible characters that copying from a web page or a document leaves inside a number (soft
 * hyphen, zero-width space and joiners, word joiner, byte-order mark) as spaces.
 */
export function foldForDetection(text: string): string {
  if (!/[\u00ad\u200b-\u200d\u2060\ufeff\uff01-\uff5e]/.test(text)) return text;
  return text.replace(/[\u00ad\u200b-\u200d\u2060\ufeff\uff01-\uff5e]/g, (c) => {
    const code = c.charCodeAt(0);
    return code >= 0xff01 ? String.fromCharCode(code - 0xfee0) : " ";
  });
}

/**
 * NHS numbers: ten digits whose last is the modulus 11 check digit (NHS Data Dictionary), written
 * 3-3-4 or run together. A +44 or (0) in front means a phone number, not an NHS number.
 */
function nhsNumbers(text: string): Detection[] {
  const found: Detection[] = [];
  const pattern = new RegExp(String.raw`(?<![\d+])(\d{3})${SEP}(\d{3})${SEP}(\d{4})(?!\d|${SEP}\d)`, "g");
  for (const m of text.matchAll(pattern)) {
    const digits = `${m[1]}${m[2]}${m[3]}`;
    const before = text.slice(Math.max(0, m.index! - 6), m.index!);
    if (/(\+\s?44|0044|\(0\))\s*$/.test(before)) continue;
    if (isValidNhsNumber(digits)) found.push({ kind: "nhs_number", start: m.index!, end: m.index! + m[0].length });
  }
  // Named as an NHS number: ten digits in any grouping.
  const cued = new RegExp(String.raw`${NHS_CUE}(\d(?:${CUED_SEP}\d){9})(?!\d|${CUED_SEP}\d)`, "gi");
  for (const m of text.matchAll(cued)) {
    const value = m[1]!;
    const start = m.index! + m[0].length - value.length;
    if (isValidNhsNumber(value.replace(/\D/g, "")) && !found.some((f) => f.start === start)) found.push({ kind: "nhs_number", start, end: start + value.length });
  }
  return found;
}

/** True when ten digits carry a valid modulus 11 check digit (weights 10 down to 2). */
export function isValidNhsNumber(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(digits[9]);
}

/**
 * National Insurance numbers: two letters, six digits, and a suffix A to D (HMRC), in either case,
 * spaced in pairs or not. Without the suffix the shape only counts after "NI" or "National Insurance".
 */
function niNumbers(text: string): Detection[] {
  const found: Detection[] = [];
  const pair = String.raw`[\s\u00a0\-]?`;
  const pattern = new RegExp(String.raw`(?<![A-Za-z0-9])([A-Za-z]{2})${pair}(\d{2})${pair}(\d{2})${pair}(\d{2})(?:${pair}([A-Da-d]))?(?![A-Za-z0-9])`, "g");
  for (const m of text.matchAll(pattern)) {
    const prefix = m[1]!.toUpperCase();
    if (["BG", "GB", "NK", "KN", "TN", "NT", "ZZ"].includes(prefix)) continue;
    if (m[5] === undefined) {
      const before = text.slice(Math.max(0, m.index! - 40), m.index!);
      if (!/\b(NI|NINO|national\s+insurance)(\s+(no|number))?\.?\s*[:#-]?\s*$/i.test(before)) continue;
    }
    found.push({ kind: "ni_number", start: m.index!, end: m.index! + m[0].length });
  }
  return found;
}

const MONTH_WORD = String.raw`(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`;
const DATE_SHAPES = [
  String.raw`\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?\d{2,4}`,
  String.raw`\d{4}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?\d{1,2}(?!\d)`,
  String.raw`\d{1,2} \d{1,2} \d{4}(?!\d)`,
  String.raw`\d{8}(?!\d)`,
  String.raw`\d{1,2}(?:\s?(?:st|nd|rd|th))?(?:\s+of)?[\s\-]+${MONTH_WORD}[\s,\-]+(?:\d{2,4}|['’]\d{2})`,
  String.raw`${MONTH_WORD}\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:\d{2,4}|['’]\d{2})`,
];
const DOB_CUE = String.raw`\b(?:d\.?\s?o\.?\s?b\.?|date[\s\-_]+of[\s\-_]+birth|birth\s?(?:date|day)|born(?:\s+on)?)`;

/**
 * Dates of birth in context: "DOB", "date of birth", "born" and the like, then a date within a few
 * words. The date is read with Curve's own date grammar where it can be; numeric forms with two-digit
 * years are checked for a real day and month.
 */
function datesOfBirth(text: string): Detection[] {
  const found: Detection[] = [];
  const pattern = new RegExp(String.raw`${DOB_CUE}[\s:;,\-\u2010-\u2015=(]*(?:(?:is|was|on|in|the)\s+){0,2}(${DATE_SHAPES.join("|")})`, "gi");
  for (const m of text.matchAll(pattern)) {
    const date = m[1]!;
    if (!looksLikeADay(date)) continue;
    const start = m.index! + m[0].length - date.length;
    found.push({ kind: "date_of_birth", start, end: start + date.length });
  }
  return found;
}

function looksLikeADay(date: string): boolean {
  const parsed = parseDue(date.replace(/\s+/g, " "));
  if (parsed.ok && parsed.value.precision === "day") return true;
  const numeric = /^(\d{1,2})\s?[/.\-]\s?(\d{1,2})\s?[/.\-]\s?(\d{2}|\d{4})$/.exec(date);
  if (numeric) {
    const [day, month] = [Number(numeric[1]), Number(numeric[2])];
    return day >= 1 && day <= 31 && month >= 1 && month <= 12;
  }
  const iso = /^(\d{4})\s?[/.\-]\s?(\d{1,2})\s?[/.\-]\s?(\d{1,2})$/.exec(date);
  if (iso) return Number(iso[2]) >= 1 && Number(iso[2]) <= 12 && Number(iso[3]) >= 1 && Number(iso[3]) <= 31;
  const spaced = /^(\d{1,2}) (\d{1,2}) \d{4}$/.exec(date);
  if (spaced) return Number(spaced[1]) >= 1 && Number(spaced[1]) <= 31 && Number(spaced[2]) >= 1 && Number(spaced[2]) <= 12;
  // Eight digits run together, as forms write them: 14032012 (day first) or 20120314 (year first).
  const run = /^(\d{2})(\d{2})(\d{4})$/.exec(date);
  if (run) {
    const dayFirst = Number(run[1]) >= 1 && Number(run[1]) <= 31 && Number(run[2]) >= 1 && Number(run[2]) <= 12 && /^(19|20)/.test(run[3]!);
    const yearFirst = /^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(date);
    return dayFirst || yearFirst;
  }
  // Day and month name with a two-digit year: the grammar wants four digits.
  return /\d/.test(date) && new RegExp(MONTH_WORD, "i").test(date);
}

/**
 * Full UK unit postcodes (outward and inward code, e.g. "LS1 1UR", "ls11ur"). An inward code that
 * reads as an ordinal ("Y6 7th") is not one.
 */
function postcodes(text: string): Detection[] {
  const found: Detection[] = [];
  const pattern = /(?<![A-Za-z0-9])([A-PR-UWYZa-pr-uwyz][A-HK-Ya-hk-y]?\d[A-Za-z\d]?)[\s\u00a0]?(\d[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2})(?![A-Za-z0-9])/g;
  for (const m of text.matchAll(pattern)) {
    const whole = m[0];
    const mixedCase = whole !== whole.toUpperCase() && whole !== whole.toLowerCase();
    if (mixedCase) continue;
    if (/^\d(st|nd|rd|th)$/i.test(m[2]!)) continue;
    if (/^[a-z]+\d+$/i.test(m[1]!) && /^(ks|y|yr|q|fy|ni|no|pt|ch)$/i.test(m[1]!.replace(/\d+$/, ""))) continue;
    found.push({ kind: "postcode", start: m.index!, end: m.index! + whole.length });
  }
  return found;
}

/**
 * UK phone numbers: 0 or +44/0044, then 9 or 10 more digits, with the spaces, hyphens, full stops
 * and brackets people write ("(0113) 222 4444", "+44 (0)113 222 4444", "07700 900123").
 */
function phoneNumbers(text: string): Detection[] {
  const found: Detection[] = [];
  const pattern = /(?<![\d+])(?:(?:\+\s?44|0044)[\s\u00a0.\-]?(?:\(\s?0\s?\)[\s\u00a0.\-]?)?|(?:\(\s?)?0)\d[\d\s\u00a0().\-]{7,16}\d(?!\d)/g;
  for (const m of text.matchAll(pattern)) {
    const raw = m[0];
    const international = /^(\+\s?44|0044)/.test(raw);
    const national = raw.replace(/^(\+\s?44|0044)/, "").replace(/\(\s?0\s?\)/, "").replace(/\D/g, "");
    const digits = international ? national.replace(/^0/, "") : national.replace(/^0/, "");
    if (!international && !/^\(?\s?0/.test(raw)) continue;
    if (digits.length < 9 || digits.length > 10) continue;
    // A run that is mostly separators is a list of numbers, not a phone number.
    if ((raw.match(/[\s\u00a0]/g) ?? []).length > 4) continue;
    if (!/^[1-37-9]/.test(digits)) continue;
    found.push({ kind: "phone", start: m.index!, end: m.index! + raw.length });
  }
  return found;
}

/** Email addresses, except those of the partnership's own people. */
function emails(text: string, known: KnownToPartnership): Detection[] {
  const found: Detection[] = [];
  const pattern = /(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])/g;
  for (const m of text.matchAll(pattern)) {
    if (known.emails.has(m[0].toLowerCase())) continue;
    found.push({ kind: "email", start: m.index!, end: m.index! + m[0].length });
  }
  return found;
}

// seed 002 and the case work around it: words that make a nearby name a child's case.
// One child, not "children" in general: "Children's Services" is an organisation, not a case.
const CHILD_CASE = /\b(child(?!ren)|young\s+person|pupil|looked[\s-]+after|CP\s+plan|child\s+protection|LAC|CiN|foster(?:ed|ing)?|care\s+leaver|baby|toddler|(?:his|her|their)\s+(?:mum|mother|dad|father|carer|school))\b/i;
const NAME_WINDOW = 80;
const PROFESSIONAL_BEFORE = /\b(chair|director|lead|officer|head|manager|sponsor|owner|cllr|councillor|dr|mp|minister|commissioner|inspector|chief|executive)\b[\s:–—,-]*$/i;

// The known names in lower case, once per list: an import checks 40,000 cells against the same 2,000 people.
const LOWER_CASE_NAMES = new WeakMap<readonly string[], readonly string[]>();
function lowerCaseNames(names: readonly string[]): readonly string[] {
  let lower = LOWER_CASE_NAMES.get(names);
  if (!lower) LOWER_CASE_NAMES.set(names, (lower = names.map((n) => n.toLowerCase())));
  return lower;
}

/**
 * A person-like name (a common given name, then a capitalised surname or an age) near child-case
 * words: a weak signal that asks rather than blocks. The partnership's own people are exempt.
 */
function childNames(text: string, known: KnownToPartnership): Detection[] {
  const found: Detection[] = [];
  const pattern = /(?<![\p{L}'])(\p{Lu}\p{Ll}+)(?:\s+(\p{Lu}[\p{Ll}'’-]+(?:-\p{Lu}\p{Ll}+)?)|\s*\(\s*\d{1,2}\s*\)|,\s*(?:aged\s+)?\d{1,2}\b)/gu;
  const knownNames = lowerCaseNames(known.names);
  for (const m of text.matchAll(pattern)) {
    if (!GIVEN_NAMES.has(m[1]!.toLowerCase())) continue;
    const name = m[0];
    const lower = name.toLowerCase();
    // The cheap tests first: most names are nowhere near child-case words.
    const around = text.slice(Math.max(0, m.index! - NAME_WINDOW), m.index! + name.length + NAME_WINDOW);
    if (!CHILD_CASE.test(around)) continue;
    // A professional named by role ("Chair – Paul Rogerson", "Cllr Amy Smith") is not a child.
    if (PROFESSIONAL_BEFORE.test(text.slice(Math.max(0, m.index! - 24), m.index!))) continue;
    if (knownNames.some((k) => k === lower || k.startsWith(`${lower} `) || lower.startsWith(`${k}`))) continue;
    if (m[2] && knownNames.some((k) => k.endsWith(` ${m[2]!.toLowerCase()}`) && k.startsWith(m[1]!.toLowerCase()))) continue;
    found.push({ kind: "child_name", start: m.index!, end: m.index! + name.length });
  }
  return found;
}

/**
 * Every identifier found in the text, in order, without overlaps (the earlier and longer wins).
 * `enabled` limits the work to the detectors a partnership has switched on.
 */
export function detectPersonalData(text: string, known: KnownToPartnership, enabled: ReadonlySet<DetectorKind> = new Set(DETECTOR_KINDS)): Detection[] {
  const all: Detection[] = [];
  text = foldForDetection(text);
  if (enabled.has("nhs_number")) all.push(...nhsNumbers(text));
  if (enabled.has("ni_number")) all.push(...niNumbers(text));
  if (enabled.has("date_of_birth")) all.push(...datesOfBirth(text));
  if (enabled.has("email")) all.push(...emails(text, known));
  if (enabled.has("phone")) all.push(...phoneNumbers(text));
  if (enabled.has("postcode")) all.push(...postcodes(text));
  if (enabled.has("child_name")) all.push(...childNames(text, known));
  const rank = (d: Detection) => DETECTOR_KINDS.indexOf(d.kind);
  const ordered = all.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start) || rank(a) - rank(b));
  const kept: Detection[] = [];
  for (const d of ordered) if (kept.every((k) => d.end <= k.start || d.start >= k.end)) kept.push(d);
  return kept;
}
