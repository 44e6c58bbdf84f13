import type { ReplyFile } from "../domain/reply.ts";
import type { Publication, WebSection } from "../domain/web/publishing.ts";

/** A page of the partnership's web scorecard (served by curve serve). */
export type PagePath =
  | { page: "scorecard" }
  | { page: "plan"; key: string }
  | { page: "indicator"; code: string }
  | { page: "pledge"; id: number };

export interface PageLink {
  url: string;
  /** True for a signed, expiring link: it opens a page that is not public, so send it only privately. */
  signed: boolean;
  expiresAt: Date | null;
}

/**
 * The web pages as commands and jobs see them: what is public, changing it, and links to
 * pages. Links need curve serve's public address (CURVE_PUBLIC_URL); without one, null.
 */
export interface WebPages {
  publication(partnershipId: number): Promise<Publication>;
  /**
   * The page's public address when its section is public (and `signed` is not asked for);
   * otherwise a signed link to the full scorecard at that page, working for `days` days.
   */
  linkTo(partnershipId: number, path: PagePath, now: Date, options?: { signed?: boolean; days?: number }): Promise<PageLink | null>;
  /**
   * A signed link that downloads a file a reply carries (a board pack), built again when it is
   * fetched, working for FILE_LINK_DAYS days; null without a public address.
   */
  fileLink(partnershipId: number, file: ReplyFile, now: Date): Promise<PageLink | null>;
}

/** How long a file's download link works: a board pack is private, so days, not weeks. */
export const FILE_LINK_DAYS = 7;

/** Which publication section a page belongs to; the scorecard is public when any section is. */
export const sectionOf = (path: PagePath): WebSection | null =>
  path.page === "plan" ? "plans" : path.page === "indicator" ? "indicators" : path.page === "pledge" ? "pledges" : null;

/** What a command sees: the pages. (What they publish is changed through the ChangeStore: `setSectionPublished`.) */
export interface WebContext {
  pages: WebPages;
}

export function bindWeb(pages: WebPages): WebContext {
  return { pages };
}
