import { describe, expect, it } from "vitest";
import { LIMITS, escapeMrkdwn, renderReply } from "../../src/adapters/slack/block-kit.ts";
import type { Reply } from "../../src/domain/reply.ts";

type Block = { type: string; block_id?: string; text?: { text: string }; fields?: { text: string }[]; elements?: { action_id?: string; text?: string | { text: string } }[] };

const huge: Reply = {
  tone: "info",
  heading: "H".repeat(400),
  visibility: "ephemeral",
  blocks: [
    { type: "text", text: "x".repeat(5000) },
    { type: "fields", fields: Array.from({ length: 23 }, (_, i) => ({ label: `Field ${i}`, value: "v".repeat(3000) })) },
    { type: "buttons", buttons: Array.from({ length: 60 }, (_, i) => ({ actionId: "action.show", label: `B${i}`, value: `ATT-${i}` })) },
    {
      type: "list",
      items: Array.from({ length: 120 }, (_, i) => ({
        text: `ATT-${i}.1 <!channel>`,
        detail: "d".repeat(4000),
        buttons: [{ actionId: "milestone.done", label: "Mark done", value: `ATT-${i}.1` }],
      })),
    },
  ],
};

describe("Block Kit rendering", () => {
  it("keeps any reply within Slack's limits", () => {
    const { blocks, text } = renderReply(huge, { command: "milestone", text: "list mine", page: 1 }) as { blocks: Block[]; text: string };
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(text.length).toBeLessThanOrEqual(LIMITS.text);
    for (const block of blocks) {
      if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(block.type === "header" ? LIMITS.header : LIMITS.text);
      if (block.fields) {
        expect(block.fields.length).toBeLessThanOrEqual(LIMITS.fields);
        for (const f of block.fields) expect(f.text.length).toBeLessThanOrEqual(2000);
      }
      if (block.type === "actions") expect(block.elements!.length).toBeLessThanOrEqual(LIMITS.actionElements);
      if (block.block_id) expect(block.block_id.length).toBeLessThanOrEqual(255);
    }
    const ids = blocks.filter((b) => b.block_id).map((b) => b.block_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("pages a list ten at a time behind a More button", () => {
    const list: Reply = { tone: "info", visibility: "ephemeral", blocks: [huge.blocks[3]!] };
    const first = renderReply(list, { command: "milestone", text: "list mine", page: 1 }).blocks as Block[];
    expect(first.filter((b) => b.type === "section")).toHaveLength(10);
    expect(first.flatMap((b) => b.elements ?? []).some((e) => e.action_id === "page.more")).toBe(true);
    const last = renderReply(list, { command: "milestone", text: "list mine", page: 12 }).blocks as Block[];
    expect(last.flatMap((b) => b.elements ?? []).some((e) => e.action_id === "page.more")).toBe(false);
    expect(JSON.stringify(last)).toContain("Showing 111–120 of 120");
  });

  it("escapes everything Slack would read as markup", () => {
    // A URL in stored text is shown as a link; nothing else becomes markup.
    expect(escapeMrkdwn("<!channel> <http://x|y> <@U1> & co")).toBe("&lt;!channel&gt; &lt;<http://x|http://x>|y&gt; &lt;@U1&gt; &amp; co");
    const { text, blocks } = renderReply({ tone: "info", visibility: "ephemeral", heading: "<!here>", blocks: [{ type: "text", text: "<!everyone>" }] });
    // Headers are plain_text, which Slack never reads as markup; everything mrkdwn is escaped.
    const mrkdwn = (blocks as Block[]).filter((b) => b.type !== "header");
    expect(JSON.stringify(mrkdwn)).not.toMatch(/<!(here|everyone|channel)>/);
    expect(text).toBe("&lt;!here&gt;: &lt;!everyone&gt;");
    expect((blocks[0] as { type: string; text: { type: string } }).text.type).toBe("plain_text");
  });
});
