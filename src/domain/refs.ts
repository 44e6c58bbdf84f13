import { trimRefPunctuation } from "./typed-text.ts";

/**
 * Action refs look like LAC-4b or PIAP-12; milestone refs add a step number: ATT-1.2.
 * Without the hyphen ("lac14", "att5.1") the prefix is letters only, so every digit typed
 * belongs to the number: "lac14" is LAC-14, never LAC1-4.
 */
const REF = /^(?:([A-Z][A-Z0-9]*)-|([A-Z]+))(\d+)([a-z]?)(?:\.(\d+))?$/i;

export interface ParsedRef {
  /** Optional plan key when the person qualified it: cypp-2011-15:ATT-1. */
  plan?: string;
  action: string;
  step?: number;
}

/** Normalises what a person typed ("att5.1", "ATT-5.1", "cypp-2011-15:att-5") or returns null. */
export function parseRef(input: string): ParsedRef | null {
  // Office and phones: "ATT–4.1" (an en dash), "ATT-4.1." (the double-space full stop), "(ATT-4.1)".
  const trimmed = trimRefPunctuation(input.trim()).replace(/[\u2010-\u2015\u2212]/g, "-");
  const colon = trimmed.lastIndexOf(":");
  const plan = colon > 0 ? trimmed.slice(0, colon).toLowerCase() : undefined;
  const match = REF.exec(colon > 0 ? trimmed.slice(colon + 1) : trimmed);
  if (!match) return null;
  const [, hyphenated, bare, number, suffix, step] = match;
  const action = `${(hyphenated ?? bare)!.toUpperCase()}-${number}${(suffix ?? "").toLowerCase()}`;
  return { ...(plan ? { plan } : {}), action, ...(step ? { step: Number(step) } : {}) };
}

export const formatRef = (ref: ParsedRef): string => (ref.step === undefined ? ref.action : `${ref.action}.${ref.step}`);

/** The known refs closest to what was typed, best first: for "did you mean". */
export function closestRefs(typed: string, known: readonly string[], limit = 3): string[] {
  const target = typed.toUpperCase();
  return known
    .map((ref) => ({ ref, distance: editDistance(target, ref.toUpperCase()) }))
    .filter(({ distance }) => distance <= Math.max(2, Math.floor(target.length / 3)))
    .sort((a, b) => a.distance - b.distance || a.ref.localeCompare(b.ref, "en", { numeric: true }))
    .slice(0, limit)
    .map(({ ref }) => ref);
}

/** How many letters apart two texts are: insertions, deletions and substitutions (Levenshtein), by UTF-16 unit. Pure. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Sorts refs the way people read them: ATT-2 before ATT-10, LAC-4 before LAC-4b. */
export const compareRefs = (a: string, b: string): number => a.localeCompare(b, "en", { numeric: true });
