import { storedLink } from "../../domain/links.ts";

/**
 * Slack's message markup, decoded once at the boundary before any command sees it
 * (api.slack.com/reference/surfaces/formatting): `&amp;` `&lt;` `&gt;` become `&` `<` `>`;
 * `<https://x|label>` becomes a link Curve stores as `[label](https://x)`; `<mailto:a@b|a@b>`
 * keeps the address; `<@U123|sue>` becomes "@sue" and a mention part (resolved to a person
 * by the caller); `<#C123|general>` becomes "#general" with its channel id; `<!here>`,
 * `<!channel>` and `<!everyone>` become the harmless words "@here", "@channel", "@everyone";
 * `<!subteam^S1|@leads>` and `<!date^…|fallback>` become their labels.
 */
export type SlackPart = (
  | { kind: "mention"; text: string; userId: string }
  | { kind: "channel"; text: string; channelId: string }
  | { kind: "link"; text: string; url: string }
  | { kind: "broadcast"; text: string }
) & {
  /** Where its text starts in the decoded text, so it is replaced there and nowhere else (see conversation.ts). */
  at: number;
};

export interface DecodedText {
  text: string;
  parts: SlackPart[];
}

const ENTITY = /&(amp|lt|gt);/g;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">" };
// Slack escapes only these three; decoding them in one pass means "&amp;lt;" stays "&lt;" as typed.
const decodeEntities = (text: string): string => text.replace(ENTITY, (_m, name: string) => ENTITIES[name]!);

/** Decodes one message's text. Pure: names for user mentions come from Slack's label when it has one. */
export function decodeSlackText(raw: string): DecodedText {
  const parts: SlackPart[] = [];
  // Where the markup being decoded starts in the decoded text.
  let at = 0;
  const markup = (whole: string, inner: string): string => {
    const bar = inner.indexOf("|");
    const target = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? undefined : decodeEntities(inner.slice(bar + 1));
    if (target.startsWith("@")) {
      const userId = target.slice(1);
      const shown = `@${label ?? userId}`;
      parts.push({ kind: "mention", text: shown, userId, at });
      return shown;
    }
    if (target.startsWith("#")) {
      const shown = `#${label ?? target.slice(1)}`;
      parts.push({ kind: "channel", text: shown, channelId: target.slice(1), at });
      return shown;
    }
    if (target.startsWith("!")) {
      const [command] = target.slice(1).split("^");
      const shown = label ?? (["here", "channel", "everyone"].includes(command!) ? `@${command}` : "");
      parts.push({ kind: "broadcast", text: shown, at });
      return shown;
    }
    const url = decodeEntities(target);
    if (/^(?:https?:|mailto:)/i.test(url)) {
      const stored = storedLink(url, label);
      parts.push({ kind: "link", text: stored, url, at });
      return stored;
    }
    return decodeEntities(whole);
  };
  // Markup and the plain text between it, each decoded exactly once.
  let text = "";
  let last = 0;
  for (const m of raw.matchAll(/<([^<>]*)>/g)) {
    text += decodeEntities(raw.slice(last, m.index));
    at = text.length;
    text += markup(m[0], m[1]!);
    last = m.index + m[0].length;
  }
  return { text: text + decodeEntities(raw.slice(last)), parts };
}
