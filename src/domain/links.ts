import { domainToASCII } from "node:url";
/**
 * Links inside stored text (evidence, notes). Platform decoders store a link as `[label](url)`
 * when it has a label and as the bare URL when not; every renderer (Slack, Teams, shell,
 * exports) turns these back into links with `linkSegments`. Only http(s) and mailto links are
 * links: anything else stays text.
 */
export type Segment = { text: string; url?: undefined } | { text: string; url: string };

const LINK = /\[([^\]\n]{1,300})\]\(((?:https?:\/\/|mailto:)[^\s()]{1,2000})\)|((?:https?:\/\/)[^\s<>"|]{1,2000})/g;

// A web or mail address inside a label: "https://leeds.gov.uk/report", "www.leeds.gov.uk",
// "leeds.gov.uk", "a@leeds.gov.uk", "10.1.2.3". Letters of any script: "bücher.de".
const ADDRESS_IN_LABEL = /(?:[\p{L}\p{N}-]+\.)+\p{L}{2,}(?![\p{L}\p{N}-])|\b\d{1,3}(?:\.\d{1,3}){3}\b/gu;
// Dots that pass for a full stop ("leeds․gov․uk"), and characters that show as nothing.
const LOOKALIKE_DOTS = /[\u2024\u3002\uFE52\uFF0E\uFF61]/g;
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/g;
// What follows the last dot of a file's name, not of a web address: "report.pdf", "plan v2.xlsx".
const FILE_ENDINGS = new Set(["pdf", "doc", "docx", "xls", "xlsx", "xlsm", "csv", "ppt", "pptx", "odt", "ods", "odp", "txt", "rtf", "png", "jpg", "jpeg", "gif", "zip", "msg", "eml", "htm", "html"]);

/** A host as people compare them: lower case, in ASCII (punycode), without "www." or a final dot. */
function comparableHost(host: string): string {
  const bare = host.toLowerCase().replace(/\.$/, "").replace(/^www\./, "");
  return domainToASCII(bare) || bare;
}

/** The host a link goes to ("leeds.gov.uk"; a mailto's domain), comparable; null when it has none. */
function hostOf(url: string): string | null {
  const mail = /^mailto:[^@]*@([^?]+)/i.exec(url);
  try {
    return comparableHost(mail ? mail[1]! : new URL(url).hostname);
  } catch {
    return null;
  }
}

/**
 * Whether a link's label names an address that the link does not go to exactly: the label
 * "https://leeds.gov.uk/report" on a link to evil.example, or to evil.leeds.gov.uk (a site
 * under another's name is not that site). Look-alike dots and invisible characters in the
 * label count as what they pass for; a file's name ("report.pdf") names no address. Shown as
 * a link, a disguised one would pass for the place it names, so renderers show it as text
 * with the real address after it (linkSegments).
 */
export function isDisguisedLink(label: string, url: string): boolean {
  const host = hostOf(url);
  const read = label.normalize("NFKC").replace(INVISIBLE, "").replace(LOOKALIKE_DOTS, ".");
  for (const [named] of read.matchAll(ADDRESS_IN_LABEL)) {
    if (FILE_ENDINGS.has(named.slice(named.lastIndexOf(".") + 1).toLowerCase())) continue;
    if (host === null || comparableHost(named) !== host) return true;
  }
  return false;
}

/**
 * Splits text into plain runs and links (label and URL). Trailing punctuation stays outside a
 * bare URL. A disguised link (isDisguisedLink) comes back as its label in plain text, then the
 * real address as the link: "https://leeds.gov.uk/report (http://evil.example/phish)".
 */
export function linkSegments(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(LINK)) {
    let [whole] = m;
    let url = m[2] ?? m[3]!;
    let label = m[1] ?? url;
    if (m[3]) {
      const trailing = /[.,;:!?)'\]]+$/.exec(url)?.[0] ?? "";
      url = url.slice(0, url.length - trailing.length);
      label = url;
      whole = url;
    }
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    if (label !== url && isDisguisedLink(label, url)) out.push({ text: `${label} (` }, { text: url.replace(/^mailto:/i, ""), url }, { text: ")" });
    else out.push({ text: label, url });
    last = m.index + whole.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/** How a decoder stores a link: the bare URL when the label is the URL itself, else `[label](url)`. */
export function storedLink(url: string, label?: string): string {
  const shown = (label ?? "").trim();
  if (!shown || shown === url || shown === url.replace(/^mailto:/, "") || `http://${shown}` === url || `https://${shown}` === url) return url.startsWith("mailto:") ? url.slice(7) : url;
  return `[${shown.replace(/[[\]]/g, "")}](${url.replace(/[()\s]/g, encodeURIComponent)})`;
}

/** Text with links written "label (url)": for the shell, plain-text exports and notifications. */
export function plainWithLinks(text: string): string {
  return linkSegments(text).map((s) => (s.url === undefined || s.text === s.url || s.text === s.url.replace(/^mailto:/i, "") ? s.text : `${s.text} (${s.url.replace(/^mailto:/, "")})`)).join("");
}
