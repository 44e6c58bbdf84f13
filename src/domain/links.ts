/**
 * Links inside stored text (evidence, notes). Platform decoders store a link as `[label](url)`
 * when it has a label and as the bare URL when not; every renderer (Slack, Teams, shell,
 * exports) turns these back into links with `linkSegments`. Only http(s) and mailto links are
 * links: anything else stays text.
 */
export type Segment = { text: string; url?: undefined } | { text: string; url: string };

const LINK = /\[([^\]\n]{1,300})\]\(((?:https?:\/\/|mailto:)[^\s()]{1,2000})\)|((?:https?:\/\/)[^\s<>"|]{1,2000})/g;

/** Splits text into plain runs and links (label and URL). Trailing punctuation stays outside a bare URL. */
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
    out.push({ text: label, url });
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
  return linkSegments(text).map((s) => (s.url === undefined || s.text === s.url ? s.text : `${s.text} (${s.url.replace(/^mailto:/, "")})`)).join("");
}
