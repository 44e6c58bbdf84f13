import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import type { InsightLinks } from "../../commands/insight-store.ts";
import type { ChartModel } from "../../domain/indicators/chart-model.ts";

/** How long a CSV export link works: long enough to click, short enough not to be passed around. */
export const EXPORT_LINK_SECONDS = 15 * 60;

const ID = /^\d{1,9}$/;

/**
 * Unguessable links to charts and exports. A link carries the ids it is for and an
 * HMAC of them, so `curve serve` (any instance sharing the secret) can check it without
 * storing anything; without the key no one can make one, however many ids they try.
 */
export class SignedLinks implements InsightLinks {
  constructor(
    private readonly baseUrl: string,
    private readonly key: Buffer,
  ) {}

  private mac(...parts: (string | number)[]): string {
    // 128 bits of the HMAC: beyond guessing, and short enough for Slack's image_url.
    return createHmac("sha256", this.key).update(parts.join(":")).digest("base64url").slice(0, 22);
  }

  chartUrl(partnershipId: number, indicatorId: number, model: ChartModel): string {
    // The version changes with the data, so Slack's image cache never shows an old chart.
    const version = createHash("sha256").update(JSON.stringify(model)).digest("hex").slice(0, 12);
    return `${this.baseUrl}/charts/${partnershipId}.${indicatorId}.${this.mac("chart", partnershipId, indicatorId)}.png?v=${version}`;
  }

  exportUrl(partnershipId: number, pledgeId: number, now: Date): string {
    const expires = Math.floor(now.getTime() / 1000) + EXPORT_LINK_SECONDS;
    return `${this.baseUrl}/exports/${partnershipId}.${pledgeId}.${expires}.${this.mac("export", partnershipId, pledgeId, expires)}.csv`;
  }

  private matches(given: string, expected: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** "12.3.<mac>" from /charts/12.3.<mac>.png */
  readChart(token: string): { partnershipId: number; indicatorId: number } | null {
    const [p, i, mac, ...rest] = token.split(".");
    if (rest.length || !p || !i || !mac || !ID.test(p) || !ID.test(i)) return null;
    return this.matches(mac, this.mac("chart", Number(p), Number(i))) ? { partnershipId: Number(p), indicatorId: Number(i) } : null;
  }

  readExport(token: string, now: Date): { partnershipId: number; pledgeId: number } | null {
    const [p, id, expires, mac, ...rest] = token.split(".");
    if (rest.length || !p || !id || !expires || !mac || !ID.test(p) || !ID.test(id) || !/^\d{1,12}$/.test(expires)) return null;
    if (!this.matches(mac, this.mac("export", Number(p), Number(id), Number(expires)))) return null;
    return Number(expires) * 1000 >= now.getTime() ? { partnershipId: Number(p), pledgeId: Number(id) } : null;
  }
}

/**
 * Links need the address Slack and Teams reach curve serve at, and a key. The key is
 * derived from the platform secret Curve already holds (HKDF, with its own label, so the
 * secret itself is never used twice); with none, a key for this process only.
 */
export function createInsightLinks(publicUrl: string | undefined, secrets: (string | undefined)[]): SignedLinks | null {
  if (!publicUrl) return null;
  const secret = secrets.find((s): s is string => Boolean(s));
  const key = secret ? Buffer.from(hkdfSync("sha256", secret, "curve", "chart and export links", 32)) : randomBytes(32);
  return new SignedLinks(publicUrl.replace(/\/+$/, ""), key);
}
