// The personal-data guard: one check for all free text Curve stores or shows (evidence, notes, OBA
// workshop notes, pledge commitments, risks, imported cells). A child's NHS number pasted into a
// partnership channel is a data breach; the guard holds such text until the person decides.
import { DETECTOR_KINDS, detectPersonalData, foldForDetection, type DetectorKind, type KnownToPartnership } from "./detectors.ts";

export { DETECTOR_KINDS, isValidNhsNumber, type DetectorKind, type KnownToPartnership } from "./detectors.ts";

/** What a partnership does with each kind: hold the text and refuse to keep it as is, ask first, or ignore. */
export type GuardAction = "block" | "ask" | "off";
export type GuardPolicy = Readonly<Record<DetectorKind, GuardAction>>;

/**
 * The default: identifiers that can only be a person's block; postcodes, phone numbers and names
 * next to case words ask, since schools, offices and helplines have them too.
 */
export const DEFAULT_GUARD_POLICY: GuardPolicy = {
  nhs_number: "block",
  ni_number: "block",
  date_of_birth: "block",
  email: "block",
  postcode: "ask",
  phone: "ask",
  child_name: "ask",
};

/** Plain-English names of each kind, for replies and coordinators' counts. */
export const KIND_LABELS: Readonly<Record<DetectorKind, string>> = {
  nhs_number: "NHS number",
  ni_number: "National Insurance number",
  date_of_birth: "date of birth",
  email: "email address of someone outside the partnership",
  postcode: "home postcode",
  phone: "phone number",
  child_name: "child's name",
};

/** One identifier the guard found, masked so that a reply can show where it is without repeating it. */
export interface Finding {
  kind: DetectorKind;
  action: Exclude<GuardAction, "off">;
  /** UTF-16 offsets into the checked text, end exclusive. */
  start: number;
  end: number;
  masked: string;
}

/**
 * "clear": keep the text. "ask": hold it; the person may remove the parts, save anyway (confirming
 * no child's personal data remains) or cancel. "block": hold it; remove the parts or cancel.
 */
export interface GuardVerdict {
  outcome: "clear" | "ask" | "block";
  findings: Finding[];
}

/**
 * Checks decoded text for personal data under a partnership's policy. Pure; about 0.1 ms for a
 * 3,000-character text (npm run bench). The partnership's own people's names and emails are exempt.
 */
export function checkPersonalData(text: string, known: KnownToPartnership, policy: GuardPolicy = DEFAULT_GUARD_POLICY): GuardVerdict {
  const enabled = new Set(DETECTOR_KINDS.filter((kind) => policy[kind] !== "off"));
  if (enabled.size === 0 || text.trim() === "") return { outcome: "clear", findings: [] };
  // Masked as the detectors read it, so a full-width "９４３" is masked like "943".
  const folded = foldForDetection(text);
  const findings: Finding[] = detectPersonalData(text, known, enabled).map((d) => ({
    kind: d.kind,
    action: policy[d.kind] as Exclude<GuardAction, "off">,
    start: d.start,
    end: d.end,
    masked: maskValue(d.kind, folded.slice(d.start, d.end)),
  }));
  const outcome = findings.some((f) => f.action === "block") ? "block" : findings.length > 0 ? "ask" : "clear";
  return { outcome, findings };
}

/** The text with each finding replaced by "[removed]": what "remove those parts and save" keeps. */
export function withoutFindings(text: string, findings: readonly Pick<Finding, "start" | "end">[]): string {
  let result = text;
  for (const f of [...findings].sort((a, b) => b.start - a.start)) result = `${result.slice(0, f.start)}[removed]${result.slice(f.end)}`;
  return result.replace(/[ \t]{2,}/g, " ").trim();
}

/**
 * The kinds an error reply masks when it quotes what someone typed: identifiers that are never
 * the partnership's own business in a refusal. Emails and names are left, as refusals name the
 * partnership's people; postcodes are left, as a venue's is ordinary text.
 */
const ECHO_MASKED: ReadonlySet<DetectorKind> = new Set(["nhs_number", "ni_number", "date_of_birth", "phone"]);
const NOBODY_KNOWN: KnownToPartnership = { emails: new Set(), names: [] };

/**
 * `text` (a refusal that may quote what someone typed, e.g. 'Curve could not read "NHS 943 476
 * 5919" as a date') with each NHS number, National Insurance number, date of birth and phone
 * number masked as the held prompt masks it ("NHS ••• ••• ••19"): a reply never repeats them,
 * in a channel or to its author. Pure; returns `text` itself when nothing is found.
 */
export function maskEchoedIdentifiers(text: string): string {
  const found = detectPersonalData(text, NOBODY_KNOWN, ECHO_MASKED);
  if (found.length === 0) return text;
  const folded = foldForDetection(text);
  let result = text;
  for (const d of [...found].sort((a, b) => b.start - a.start)) result = `${result.slice(0, d.start)}${maskValue(d.kind, folded.slice(d.start, d.end))}${result.slice(d.end)}`;
  return result;
}

const DOT = "•";

/**
 * A masked form of a found value: enough to recognise where it is, never enough to read it
 * ("••• ••• ••19", "LS1 •••", "j•••@example.org", "T••• S•••").
 */
export function maskValue(kind: DetectorKind, value: string): string {
  switch (kind) {
    case "postcode": {
      const compact = value.replace(/\s+/g, "");
      return `${compact.slice(0, -3)} ${DOT.repeat(3)}`;
    }
    case "email": {
      const at = value.indexOf("@");
      return `${value.slice(0, 1)}${DOT.repeat(3)}${value.slice(at)}`;
    }
    case "child_name":
      return value.split(/\s+/).map((word) => (/^\p{L}/u.test(word) ? `${word.slice(0, 1)}${DOT.repeat(3)}` : DOT.repeat(2))).join(" ");
    case "ni_number": {
      const chars = [...value];
      const keep = new Set([chars.findIndex((c) => /[A-Za-z]/.test(c))]);
      return chars.map((c, i) => (/[A-Za-z0-9]/.test(c) && !keep.has(i) ? DOT : c)).join("");
    }
    default: {
      // Numbers and dates: every digit but the last two.
      const digits = [...value].filter((c) => /\d/.test(c)).length;
      let seen = 0;
      return [...value].map((c) => (/\d/.test(c) ? (++seen > digits - 2 ? c : DOT) : c)).join("");
    }
  }
}

const PHRASES: Readonly<Record<DetectorKind, [one: string, many: string]>> = {
  nhs_number: ["an NHS number", "NHS numbers"],
  ni_number: ["a National Insurance number", "National Insurance numbers"],
  date_of_birth: ["a date of birth", "dates of birth"],
  email: ["an email address of someone outside the partnership", "email addresses of people outside the partnership"],
  postcode: ["a home postcode", "postcodes"],
  phone: ["a phone number", "phone numbers"],
  child_name: ["what may be a child's name", "what may be children's names"],
};

/** One phrase per kind found, e.g. "an NHS number (••• ••• ••19)", for the held prompt. */
export function describeFindings(findings: readonly Finding[]): string[] {
  const byKind = new Map<DetectorKind, string[]>();
  for (const f of findings) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f.masked]);
  return [...byKind].map(([kind, masked]) => {
    const [one, many] = PHRASES[kind];
    return `${masked.length === 1 ? one : `${masked.length} ${many}`} (${masked.join(", ")})`;
  });
}

/** How many of each kind were found, e.g. { nhs_number: 1 }: what audit events record of the finds, never their values. Pure. */
export function kindCounts(findings: readonly Finding[]): Partial<Record<DetectorKind, number>> {
  const counts: Partial<Record<DetectorKind, number>> = {};
  for (const f of findings) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  return counts;
}

/** Reads a partnership's stored policy, falling back to the default for kinds it doesn't name. */
export function guardPolicyFrom(stored: Partial<Record<string, string>> | null | undefined): GuardPolicy {
  const policy: Record<DetectorKind, GuardAction> = { ...DEFAULT_GUARD_POLICY };
  for (const kind of DETECTOR_KINDS) {
    const value = stored?.[kind];
    if (value === "block" || value === "ask" || value === "off") policy[kind] = value;
  }
  return policy;
}
