import type { TextPart } from "../../commands/invocation.ts";
import { decodeTeamsText } from "./decode-text.ts";

/** A mention in a Teams message: the `<at>Name</at>` text and the member's Azure AD object id, when known. */
export interface Mention {
  text: string;
  userId: string | null;
}

/**
 * A Teams message as a command line. Teams has already removed the mention of Curve
 * itself; the HTML is decoded (decode-text.ts), other people's mentions become "@Name" with
 * a mention part carrying their AAD object id, so `curve link @Sam Prince Sam Prince` links
 * the right account. The leading slash is optional and a message with no words asks for help.
 */
export function commandFromMessage(raw: string, mentions: Mention[] = []): { command: string; text: string; parts: TextPart[] } {
  const decoded = decodeTeamsText(raw, mentions.map((m) => ({ text: m.text, aadObjectId: m.userId ?? undefined })));
  const text = decoded.text.replace(/^\/\s*/, "");
  if (!text) return { command: "help", text: "", parts: [] };
  const space = text.indexOf(" ");
  // The command layer names an unknown command; a word too long for it is one.
  const command = (space < 0 ? text : text.slice(0, space)).toLowerCase().slice(0, 64);
  return { command, text: space < 0 ? "" : text.slice(space + 1), parts: decoded.parts };
}
