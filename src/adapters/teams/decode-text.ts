import { Parser } from "htmlparser2";
import { storedLink } from "../../domain/links.ts";

/**
 * A Teams message's text (HTML with `<at>` mentions) decoded once at the boundary, before any
 * command sees it: tags become text (`<p>`, `<div>` and `<br>` a space), `<a href="u">label</a>`
 * becomes a link Curve stores as `[label](u)`, entities (named and numeric) are decoded once, and
 * each `<at>Name</at>` that names a person becomes "@Name" with a mention part carrying the
 * member's Azure AD object id (found through the mention entity, else TeamsInfo, by the caller).
 * A mention of Curve itself, or of someone whose AAD id is unknown, is dropped from the text /
 * kept without an id respectively.
 */
export interface TeamsMention {
  /** The mention as it appears in the text: `<at>Sam Prince</at>`. */
  text: string;
  /** The member's Azure AD object id, when known. */
  aadObjectId: string | undefined;
}

export type TeamsPart = { kind: "mention"; text: string; userId: string | null } | { kind: "link"; text: string; url: string };

export interface DecodedTeamsText {
  text: string;
  parts: TeamsPart[];
}

const NAMED: Record<string, string> = { nbsp: " ", amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", ndash: "–", mdash: "—", lsquo: "‘", rsquo: "’", ldquo: "“", rdquo: "”", hellip: "…", pound: "£", euro: "€" };

/** Decodes HTML character references once: "&amp;lt;" is "&lt;", as typed. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}

/** Teams marks a quoted reply (a message quoted above the new one) with this itemtype on its <blockquote>. */
const QUOTED_REPLY = /^https?:\/\/schema\.skype\.com\/Reply$/i;

/**
 * The HTML without its quoted replies: a `<blockquote itemtype="http://schema.skype.com/Reply">`
 * holds the quoted message's sender (`<strong itemprop="mri">`), time and preview, none of
 * which the person typed now, so none of it is the command. Found with an HTML parser (by
 * source position, so nested blockquotes, attributes in any order or quote style, and a `>`
 * inside an attribute are all read as a browser reads them); the rest is kept byte for byte.
 * A quote left open runs to the end, as it would on screen.
 */
export function withoutQuotedReplies(html: string): string {
  if (!/schema\.skype\.com\/Reply/i.test(html)) return html;
  const cuts: [number, number][] = [];
  let start = -1;
  let depth = 0;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name !== "blockquote") return;
        if (depth > 0) depth++;
        else if (QUOTED_REPLY.test((attributes.itemtype ?? "").trim())) [start, depth] = [parser.startIndex, 1];
      },
      onclosetag(name) {
        if (name !== "blockquote" || depth === 0) return;
        if (--depth === 0) cuts.push([start, parser.endIndex + 1]);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  // Ending closes what is still open (onclosetag above); an unclosed quote then runs to the end.
  if (depth > 0) {
    const open = start;
    parser.end();
    if (!cuts.some(([from]) => from === open)) cuts.push([open, html.length]);
  } else {
    parser.end();
  }
  let kept = "";
  let from = 0;
  for (const [cutFrom, cutTo] of cuts) {
    kept += `${html.slice(from, cutFrom)} `;
    from = Math.min(Math.max(cutTo, cutFrom), html.length);
  }
  return kept + html.slice(from);
}

/**
 * An `<img>` tag as text: Teams sends each emoji typed as an image whose `alt` is the emoji
 * (`<img itemtype="http://schema.skype.com/Emoji" itemid="2705_whiteheavycheckmark" alt="✅">`),
 * so "cluster 1 ✅ cluster 2 ❌" keeps its marks; any other image (a pasted screenshot) is dropped.
 */
function emojiOf(tag: string): string {
  if (!/schema\.skype\.com\/Emoji/i.test(tag)) return "";
  const alt = /\balt\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(tag);
  return alt ? (alt[1] ?? alt[2] ?? "") : "";
}

/**
 * HTML to text and parts. `mentions` are the message's mention entities (other than Curve);
 * an `<at>` without one is Curve itself and is removed.
 */
export function decodeTeamsText(html: string, mentions: TeamsMention[] = []): DecodedTeamsText {
  const parts: TeamsPart[] = [];
  let text = withoutQuotedReplies(html);
  // Mentions first, by their entity's exact text, so a name containing markup is still matched.
  mentions.forEach((m, i) => {
    text = text.split(m.text).join(`\u0000${i}\u0000`);
  });
  text = text
    .replace(/<at\b[^>]*>[\s\S]*?<\/at>/gi, " ")
    .replace(/<a\b[^>]*?\bhref\s*=\s*("([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a>/gi, (_m, _q, dq: string | undefined, sq: string | undefined, inner: string) => {
      const url = decodeEntities(dq ?? sq ?? "");
      const label = decodeEntities(inner.replace(/<[^>]*>/g, ""));
      if (!/^(?:https?:|mailto:)/i.test(url)) return label;
      const stored = storedLink(url, label);
      parts.push({ kind: "link", text: stored, url });
      return `\u0001${parts.length - 1}\u0001`;
    })
    .replace(/<img\b[^>]*>/gi, emojiOf)
    .replace(/<(?:br|\/?p|\/?div|\/?li|\/?h\d)\b[^>]*>/gi, " ")
    .replace(/<[^>]*>/g, "");
  text = decodeEntities(text)
    .replace(/\u0001(\d+)\u0001/g, (_m, i: string) => parts[Number(i)]!.text)
    .replace(/\u0000(\d+)\u0000/g, (_m, i: string) => {
      const mention = mentions[Number(i)]!;
      const name = decodeEntities(mention.text.replace(/<[^>]*>/g, "")).trim();
      const shown = `@${name}`;
      parts.push({ kind: "mention", text: shown, userId: mention.aadObjectId ?? null });
      return ` ${shown} `;
    })
    .replace(/[\s\u00a0]+/g, " ")
    .trim();
  return { text, parts };
}
