/** A mention in a Teams message: the `<at>Name</at>` text and who it names. */
export interface Mention {
  text: string;
  userId: string;
  name: string;
}

const ENTITIES: Record<string, string> = { nbsp: " ", amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", "#39": "'", "#x27": "'" };

/**
 * A Teams message as a command line. Teams has already removed the mention of Curve
 * itself; other people's mentions become `<@id|name>`, as Slack writes them, so
 * `/curve link @Sue Sue May` reads the same on both. The leading slash is optional and
 * a message with no words at all asks for help.
 */
export function commandFromMessage(raw: string, mentions: Mention[] = []): { command: string; text: string } {
  let text = raw;
  for (const mention of mentions) text = text.split(mention.text).join(`<@${mention.userId}|${mention.name.replace(/[<>|]/g, "")}>`);
  text = text
    .replace(/<at>[^<]*<\/at>/gi, " ") // a mention of Curve that came without its entity
    .replace(/&(nbsp|amp|lt|gt|quot|apos|#39|#x27);/gi, (_m, name: string) => ENTITIES[name.toLowerCase()] ?? "")
    .replace(/[\s\u00a0]+/g, " ")
    .trim()
    .replace(/^\/\s*/, "");
  if (!text) return { command: "help", text: "" };
  const space = text.indexOf(" ");
  return space < 0 ? { command: text.toLowerCase(), text: "" } : { command: text.slice(0, space).toLowerCase(), text: text.slice(space + 1) };
}
