import type { Person } from "../model.ts";
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

/**
 * Who chooses what the public sees: a coordinator or an admin. Kept in one place so the
 * rule moves whole into the partnership's role table.
 */
export function mayPublish(actor: Pick<Person, "roles">): boolean {
  return actor.roles.includes("coordinator") || actor.roles.includes("admin");
}

/** Who may have a signed link to the full scorecard: a coordinator, an admin, or a CTB sponsor of any priority. */
export function mayLinkFullScorecard(actor: Pick<Person, "roles">, sponsorOf: readonly string[]): boolean {
  return mayPublish(actor) || sponsorOf.length > 0;
}

/** How long a board link works, in days, when no one says. A board meeting's papers go out a week ahead. */
export const DEFAULT_LINK_DAYS = 14;
export const MAX_LINK_DAYS = 31;

/** `/report link [days]`: the days a link should work, 1 to 31. */
export function parseLinkDays(text: string): Result<number, { message: string }> {
  const word = text.trim().toLowerCase().replace(/\s*days?$/, "").replace(/d$/, "");
  if (!word) return ok(DEFAULT_LINK_DAYS);
  if (!/^\d{1,3}$/.test(word)) return err({ message: `"${text.trim().slice(0, 20)}" is not a number of days.` });
  const days = Number(word);
  if (days < 1 || days > MAX_LINK_DAYS) return err({ message: `A link can work for 1 to ${MAX_LINK_DAYS} days.` });
  return ok(days);
}
