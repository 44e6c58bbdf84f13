import { plainWithLinks } from "../../domain/links.ts";
import type { Block, Reply } from "../../domain/reply.ts";

export interface TextStyle {
  bold(text: string): string;
  dim(text: string): string;
  tone(reply: Reply, text: string): string;
}

export const plainStyle: TextStyle = { bold: (t) => t, dim: (t) => t, tone: (_r, t) => t };

export const ansiStyle: TextStyle = {
  bold: (t) => `\x1b[1m${t}\x1b[22m`,
  dim: (t) => `\x1b[2m${t}\x1b[22m`,
  tone: (reply, t) => {
    const colour = { success: 32, info: 36, warning: 33, error: 31 }[reply.tone];
    return `\x1b[${colour}m${t}\x1b[39m`;
  },
};

const MARKS = { success: "✓", info: "•", warning: "!", error: "✗" } as const;

// Terminal control sequences in stored text must not reach the screen.
// Stored links read as "label (url)", which terminals show as links.
const clean = (text: string): string => plainWithLinks(text.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, ""));

/** A Reply as readable terminal text: heading, indented blocks, buttons as [labels]. */
export function renderText(reply: Reply, style: TextStyle = plainStyle): string {
  const lines: string[] = [];
  if (reply.heading) lines.push(style.tone(reply, `${MARKS[reply.tone]} ${style.bold(clean(reply.heading))}`));
  for (const block of reply.blocks) lines.push(...renderBlock(block, style));
  return lines.join("\n");
}

function renderBlock(block: Block, style: TextStyle): string[] {
  switch (block.type) {
    case "text":
      return clean(block.text).split("\n").map((line) => `  ${line}`);
    case "fields":
      return block.fields.map((f) => `  ${style.bold(`${clean(f.label)}:`)} ${clean(f.value)}`);
    case "list":
      if (block.items.length === 0) return block.empty ? [`  ${style.dim(clean(block.empty))}`] : [];
      return block.items.flatMap((item) => [
        `  - ${clean(item.text)}`,
        ...(item.detail ? [`    ${style.dim(clean(item.detail))}`] : []),
      ]);
    case "buttons":
      return [`  ${block.buttons.map((b) => `[${clean(b.label)}]`).join(" ")}`];
    case "image":
      return [`  (image: ${clean(block.alt)} ${block.url})`];
    case "context":
      return [`  ${style.dim(clean(block.text))}`];
  }
}
