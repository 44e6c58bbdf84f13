import { createHmac, timingSafeEqual } from "node:crypto";
import { FILE_LINK_DAYS, type PageLink, type PagePath, type WebPages } from "../../commands/web-pages.ts";
import { sectionOf } from "../../commands/web-pages.ts";
import type { ReplyFile } from "../../domain/reply.ts";
import { DEFAULT_LINK_DAYS, MAX_LINK_DAYS, type Publication } from "../../domain/web/publishing.ts";
import type { Database } from "../db/open-database.ts";
import { readPublication } from "../db/publication.ts";

const DAY_SECONDS = 24 * 60 * 60;

/** 128 bits of an HMAC-SHA256 over the partnership and expiry: beyond guessing, short enough for a chat message. */
function mac(key: Buffer, partnershipId: number, expires: number): string {
  return createHmac("sha256", key).update(`board:${partnershipId}:${expires}`).digest("base64url").slice(0, 22);
}

/** "12.1767225600.<mac>": a signed, expiring token for the full scorecard of partnership 12. */
export function signBoardToken(key: Buffer, partnershipId: number, expiresAt: Date): string {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  return `${partnershipId}.${expires}.${mac(key, partnershipId, expires)}`;
}

/** The partnership id a token claims, before its key is looked up; null when it is not even shaped like one. */
export function tokenPartnership(token: string): number | null {
  const m = /^(\d{1,9})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$/.exec(token);
  return m ? Number(m[1]) : null;
}

/** Whether a token was made with this key and has not expired at `now`. */
export function checkBoardToken(key: Buffer, token: string, now: Date): boolean {
  const m = /^(\d{1,9})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return false;
  const expected = Buffer.from(mac(key, Number(m[1]), Number(m[2])));
  const given = Buffer.from(m[3]!);
  return given.length === expected.length && timingSafeEqual(given, expected) && Number(m[2]) * 1000 >= now.getTime();
}

/** The page's path under the site root: "/", "/plans/cypp-2011-15", "/indicators/LAC", "/pledges/3". */
export function pagePath(path: PagePath): string {
  switch (path.page) {
    case "scorecard":
      return "/";
    case "plan":
      return `/plans/${encodeURIComponent(path.key)}`;
    case "indicator":
      return `/indicators/${encodeURIComponent(path.code)}`;
    case "pledge":
      return `/pledges/${path.id}`;
  }
}

/**
 * The web pages' publication and links, over the database. `baseUrl` is curve serve's public
 * address (CURVE_PUBLIC_URL); without it there are no links to give.
 */
export class DatabaseWebPages implements WebPages {
  constructor(
    private readonly db: Database,
    private readonly baseUrl: string | undefined,
  ) {}

  async publication(partnershipId: number): Promise<Publication> {
    return (await readPublication(this.db.kysely, partnershipId)).publication;
  }

  async linkTo(partnershipId: number, path: PagePath, now: Date, options: { signed?: boolean; days?: number } = {}): Promise<PageLink | null> {
    if (!this.baseUrl) return null;
    const base = this.baseUrl.replace(/\/+$/, "");
    const { publication, linkKey } = await readPublication(this.db.kysely, partnershipId);
    const section = sectionOf(path);
    const isPublic = section ? publication[section] : Object.values(publication).some(Boolean);
    if (isPublic && !options.signed) return { url: `${base}${pagePath(path)}`, signed: false, expiresAt: null };
    const days = Math.min(Math.max(options.days ?? DEFAULT_LINK_DAYS, 1), MAX_LINK_DAYS);
    const expiresAt = new Date(now.getTime() + days * DAY_SECONDS * 1000);
    const token = signBoardToken(linkKey, partnershipId, expiresAt);
    return { url: `${base}/board/${token}${pagePath(path)}`, signed: true, expiresAt };
  }

  async fileLink(partnershipId: number, file: ReplyFile, now: Date): Promise<PageLink | null> {
    if (!this.baseUrl) return null;
    const base = this.baseUrl.replace(/\/+$/, "");
    const { linkKey } = await readPublication(this.db.kysely, partnershipId);
    const expiresAt = new Date(now.getTime() + FILE_LINK_DAYS * DAY_SECONDS * 1000);
    const token = signBoardToken(linkKey, partnershipId, expiresAt);
    return { url: `${base}${filePath(token, file)}`, signed: true, expiresAt };
  }
}

/**
 * "/board/<token>/files/<filename>?key=<what the file is>": the key says how to build the file
 * again (see readBoardPackKey); the board token, not the key, is what grants it.
 */
export function filePath(token: string, file: ReplyFile): string {
  return `/board/${token}/files/${encodeURIComponent(file.filename)}?key=${encodeURIComponent(file.key)}`;
}
