import { linkSegments } from "../../domain/links.ts";
import type { Block as ReplyBlock, Button, ListItem, Reply } from "../../domain/reply.ts";

/** Slack's Block Kit limits (docs: "Block Kit reference"), enforced here so nothing fails. */
export const LIMITS = { blocks: 50, homeBlocks: 100, text: 3000, header: 150, fields: 10, actionElements: 25, buttonText: 75, buttonValue: 2000 };
/** List items per message; the rest page behind a "More" button. */
export const ITEMS_PER_PAGE = 10;

export type SlackBlock = Record<string, unknown> & { type: string };

export interface Rendered {
  text: string;
  blocks: SlackBlock[];
}

/** Where a message came from, so "More" and old buttons can re-run it on today's data. */
export interface MessageOrigin {
  command: string;
  text: string;
  page: number;
}

/** Escapes the three characters Slack's mrkdwn treats as markup: no <!channel>, no <http://x|links>. */
const escapeText = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
// Inside <url|label> a "|" or ">" would end the link early.
const escapeUrl = (url: string): string => escapeText(url).replace(/\|/g, "%7C");
/** Stored links (`[label](url)` or a bare URL, src/domain/links.ts) become Slack links; everything else is escaped text. */
export const escapeMrkdwn = (text: string): string =>
  linkSegments(text).map((s) => (s.url === undefined ? escapeText(s.text) : `<${escapeUrl(s.url)}|${escapeText(s.text).replace(/\|/g, "¦")}>`)).join("");

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const mrkdwn = (text: string) => ({ type: "mrkdwn", text: clip(text, LIMITS.text) });
const MARKS = { success: "✅", info: "", warning: "⚠️", error: "❌" } as const;

export const encodeOrigin = (origin: MessageOrigin): string => Buffer.from(JSON.stringify(origin)).toString("base64url");
export function decodeOrigin(value: string | undefined): MessageOrigin | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as MessageOrigin;
    return typeof parsed.command === "string" && typeof parsed.text === "string" && Number.isInteger(parsed.page) ? parsed : null;
  } catch {
    return null;
  }
}

function buttonElement(button: Button) {
  return {
    type: "button",
    action_id: button.actionId,
    text: { type: "plain_text", text: clip(button.label, LIMITS.buttonText), emoji: true },
    value: clip(button.value, LIMITS.buttonValue),
    ...(button.style ? { style: button.style } : {}),
  };
}

/** Block ids must be unique in a message and at most 255 characters. */
type BlockIds = () => string | undefined;

function blockIds(origin: MessageOrigin | undefined): BlockIds {
  let n = 0;
  // The block id carries the message's origin, so a press can redraw the message; an
  // origin too long to carry is left out, and that message is then answered, not redrawn.
  const encoded = origin ? encodeOrigin(origin) : undefined;
  return () => (encoded && encoded.length <= 240 ? `o:${encoded}:${n++}` : undefined);
}

function actionsBlocks(buttons: Button[], ids: BlockIds): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  for (let i = 0; i < buttons.length; i += LIMITS.actionElements) {
    const blockId = ids();
    blocks.push({
      type: "actions",
      ...(blockId ? { block_id: blockId } : {}),
      elements: buttons.slice(i, i + LIMITS.actionElements).map(buttonElement),
    });
  }
  return blocks;
}

function listBlocks(items: ListItem[], empty: string | undefined, origin: MessageOrigin | undefined, ids: BlockIds): SlackBlock[] {
  if (items.length === 0) return empty ? [{ type: "section", text: mrkdwn(`_${escapeMrkdwn(empty)}_`) }] : [];
  const page = origin?.page ?? 1;
  const shown = items.slice((page - 1) * ITEMS_PER_PAGE, page * ITEMS_PER_PAGE);
  const blocks: SlackBlock[] = shown.flatMap((item) => [
    { type: "section", text: mrkdwn(`*${escapeMrkdwn(item.text)}*${item.detail ? `\n${escapeMrkdwn(item.detail)}` : ""}`) },
    ...(item.buttons?.length ? actionsBlocks(item.buttons, ids) : []),
  ]);
  const remaining = items.length - page * ITEMS_PER_PAGE;
  if (page > 1 || remaining > 0) {
    blocks.push({ type: "context", elements: [mrkdwn(`Showing ${(page - 1) * ITEMS_PER_PAGE + 1}–${(page - 1) * ITEMS_PER_PAGE + shown.length} of ${items.length}.`)] });
  }
  const more = origin && encodeOrigin({ ...origin, page: page + 1 });
  if (remaining > 0 && more && more.length <= LIMITS.buttonValue) {
    blocks.push({
      type: "actions",
      elements: [buttonElement({ actionId: "page.more", label: `More (${remaining})`, value: more })],
    });
  }
  return blocks;
}

function renderBlock(block: ReplyBlock, origin: MessageOrigin | undefined, ids: BlockIds): SlackBlock[] {
  switch (block.type) {
    case "text":
      return [{ type: "section", text: mrkdwn(escapeMrkdwn(block.text)) }];
    case "fields": {
      const out: SlackBlock[] = [];
      for (let i = 0; i < block.fields.length; i += LIMITS.fields) {
        const fields = block.fields.slice(i, i + LIMITS.fields);
        out.push({ type: "section", fields: fields.map((f) => mrkdwn(`*${escapeMrkdwn(f.label)}*\n${clip(escapeMrkdwn(f.value), 1900)}`)) });
      }
      return out;
    }
    case "list":
      return listBlocks(block.items, block.empty, origin, ids);
    case "buttons":
      return actionsBlocks(block.buttons, ids);
    case "image":
      return [{ type: "image", image_url: block.url, alt_text: clip(block.alt, 2000) }];
    case "context":
      return [{ type: "context", elements: [mrkdwn(escapeMrkdwn(block.text))] }];
  }
}

/**
 * A Reply as Block Kit, within Slack's limits; `text` is the notification and screen-reader
 * fallback. `origin` is the query that produced it, for paging and redrawing; leave it out
 * for the answer to a change, which must never be run again.
 */
export function renderReply(reply: Reply, origin?: MessageOrigin, maxBlocks = LIMITS.blocks): Rendered {
  const blocks: SlackBlock[] = [];
  const ids = blockIds(origin);
  if (reply.heading) {
    const mark = MARKS[reply.tone];
    const heading = `${mark ? `${mark} ` : ""}${reply.heading}`;
    // A header holds 150 characters; a longer heading (a refusal naming who can) stays whole in a section.
    blocks.push(
      heading.length <= LIMITS.header
        ? { type: "header", text: { type: "plain_text", text: heading, emoji: true } }
        : { type: "section", text: mrkdwn(`*${escapeMrkdwn(heading)}*`) },
    );
  }
  for (const block of reply.blocks) blocks.push(...renderBlock(block, origin, ids));
  if (blocks.length > maxBlocks) {
    blocks.splice(maxBlocks - 1);
    blocks.push({ type: "context", elements: [mrkdwn("More than fits here: narrow the command to see the rest.")] });
  }
  return { text: clip(fallbackText(reply), LIMITS.text), blocks };
}

function fallbackText(reply: Reply): string {
  const first = reply.blocks.find((b): b is Extract<ReplyBlock, { type: "text" }> => b.type === "text");
  return escapeMrkdwn([reply.heading, first?.text].filter(Boolean).join(": ") || "Curve");
}
