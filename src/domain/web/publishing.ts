import { detectPersonalData, type DetectorKind } from "../privacy/detectors.ts";
import { err, ok, type Result } from "../result.ts";

/**
 * What a partnership shows on its public web pages. Each section is off until a
 * coordinator turns it on: a page that is not public is not served at all (404), and
 * private data (private pledge signers, evidence, notes, emails) is never on a page.
 */
export type WebSection = "indicators" | "plans" | "pledges";
export const WEB_SECTIONS: readonly WebSection[] = ["indicators", "plans", "pledges"];

export type Publication = Record<WebSection, boolean>;

export const NOTHING_PUBLIC: Publication = { indicators: false, plans: false, pledges: false };

export const SECTION_WORDS: Record<WebSection, string> = {
  indicators: "the key indicators and their report cards (/indicators/<code>)",
  plans: "the plans, their priorities and actions (/plans/<plan>)",
  pledges: "the pledge registers, with public signers only (/pledges/<id>)",
};

export const PUBLISH_USAGE = "/curve publish [indicators|plans|pledges on|off]";

/** `indicators on`, `plans off`: which section and whether it should be public. Empty text: null (show the state). */
export function parsePublish(text: string): Result<{ section: WebSection; on: boolean } | null, { message: string }> {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return ok(null);
  const [sectionWord = "", onWord = "", ...extra] = words;
  const section = WEB_SECTIONS.find((s) => s === sectionWord || `${s.slice(0, -1)}` === sectionWord);
  if (!section) return err({ message: `"${sectionWord.slice(0, 20)}" is not something Curve publishes: say indicators, plans or pledges.` });
  if (onWord !== "on" && onWord !== "off") return err({ message: `Say on or off after ${section}.` });
  if (extra.length) return err({ message: `Say just the section and on or off, like: /curve publish ${section} ${onWord}.` });
  return ok({ section, on: onWord === "on" });
}

/** How long a board link works, in days, when no one says. A board meeting's papers go out a week ahead. */
export const DEFAULT_LINK_DAYS = 14;
export const MAX_LINK_DAYS = 31;

/** `/report link [days]`: the days a link should work, 1 to 31. */
export function parseLinkDays(text: string): Result<number, { message: string }> {
  const word = text.trim().toLowerCase().replace(/\s*days?$/, "").replace(/d$/, "");
  if (!word) return ok(DEFAULT_LINK_DAYS);
  // A whole number out of range (0, -5, 1000) is told the range, not that it is no number.
  if (!/^[+-]?\d+$/.test(word)) return err({ message: `"${text.trim().slice(0, 20)}" is not a number of days.` });
  const days = Number(word);
  if (days < 1 || days > MAX_LINK_DAYS) return err({ message: `A link can work for 1 to ${MAX_LINK_DAYS} days.` });
  return ok(days);
}

// What a contact detail looks like to the personal-data detectors. A name is not one: an owner
// cell names people and teams, and the page is there to say who owns the action.
const CONTACT_DETAILS: ReadonlySet<DetectorKind> = new Set(["email", "phone", "postcode", "nhs_number", "ni_number", "date_of_birth"]);
const NO_ONE_KNOWN = { emails: new Set<string>(), names: [] };

/**
 * An action's owner as a public page shows it: the plan's own words ("Jancis Andrew & Ken
 * Morton through Multi agency implementation group", "to be agreed"), with every contact
 * detail a spreadsheet cell may carry taken out (emails, phone numbers, postcodes, NHS and
 * National Insurance numbers, dates of birth: the personal-data detectors, any email counted,
 * the partnership's own too), and the brackets and separators left empty by that tidied away.
 * "Fred Bloggs (fred.bloggs@gmail.com, 07700 900123)" → "Fred Bloggs". Null stays null.
 */
export function publicOwnerText(text: string | null): string | null {
  if (text === null) return null;
  const found = detectPersonalData(text, NO_ONE_KNOWN, CONTACT_DETAILS);
  if (found.length === 0) return text;
  let kept = text;
  for (const d of [...found].sort((a, b) => b.start - a.start)) kept = `${kept.slice(0, d.start)}${kept.slice(d.end)}`;
  let previous: string;
  do {
    previous = kept;
    kept = kept
      // Labels left with nothing after them ("tel:", "email -").
      .replace(/\b(e-?mail|tel(?:ephone)?|phone|mob(?:ile)?|contact|dob|nhs(?: no\.?| number)?|ni(?: no\.?| number)?)\s*[:\-–]?\s*(?=[,;/)\]]|$)/gi, "")
      // Separators with nothing on one side, and brackets with nothing inside.
      .replace(/\(\s*[,;/&|]*\s*\)|\[\s*[,;/&|]*\s*\]/g, "")
      .replace(/\s*[,;/|]\s*(?=[,;/|)\]]|$)/g, "")
      .replace(/([(\[])\s*[,;/|]\s*/g, "$1")
      .replace(/\s{2,}/g, " ")
      .trim();
  } while (kept !== previous);
  return kept.replace(/^[,;/|&\-–\s]+|[,;/|&\-–\s]+$/g, "") || null;
}
