/** A mention in a Teams message: the `<at>Name</at>` text and who it names. */
export interface Mention {
  text: string;
  userId: string;
}

const ENTITIES: Record<string, string> = { nbsp: " ", amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", "#39": "'", "#x27": "'" };

/**
 * A Teams message as a command line. Teams has already removed the mention of Curve
 * itself; other people's mentions become `<@id>`, as Slack writes them, so
 * `/curve link @Sue Sue May` reads the same on both. The leading slash is optional and
 * a message with no words at all asks for help.
 */
export function commandFromMessage(raw: string, mentions: Mention[] = []): { command: string; text: string } {
  let text = raw;
  for (const mention of mentions) text = text.split(mention.text).join(` <@${mention.userId}> `);
  text = text
    .replace(/<at>[^<]*<\/at>/gi, " ") // a mention of Curve that came without its entity
    .replace(/&(nbsp|amp|lt|gt|quot|apos|#39|#x27);/gi, (_m, name: string) => ENTITIES[name.toLowerCase()] ?? "")
    .replace(/[\s\u00a0]+/g, " ")
    .trim()
    .replace(/^\/\s*/, "");
  if (!text) return { command: "help", text: "" };
  const space = text.indexOf(" ");
  // The command layer names an unknown command; a word too long for it is one.
  const command = (space < 0 ? text : text.slice(0, space)).toLowerCase().slice(0, 64);
  return { command, text: space < 0 ? "" : text.slice(space + 1) };
}
