import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CARD_BUDGET_BYTES, ITEMS_PER_PAGE, cardMessage, renderCard } from "../../src/adapters/teams/adaptive-card.ts";
import { commandForCardData } from "../../src/adapters/teams/card-data.ts";
import { commandFromMessage } from "../../src/adapters/teams/message-text.ts";
import { TENANT_REFUSED, TENANT_UNBOUND } from "../../src/adapters/teams/tenant-gate.ts";
import { unknownUserReply } from "../../src/commands/identify.ts";
import { list, reply, text, type Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";
import { actionsIn, cardText, checkCard } from "../support/teams-cards.ts";

/** What each person types, covering every command family and the ways they fail. */
const SESSION: [string, string][] = [
  ["Jancis Andrew", "/help"],
  ["Jancis Andrew", "/help milestone"],
  ["Jancis Andrew", "/whoami"],
  ["Jancis Andrew", "/curve whoami"],
  ["Jancis Andrew", "/milestone list mine"],
  ["Nigel Richardson", "/milestone list overdue"],
  ["Nigel Richardson", "/milestone list due 365d"],
  ["Jancis Andrew", "/milestone list action ATT-4"],
  ["Jancis Andrew", "/milestone done ATT-4.1"],
  ["Jancis Andrew", "/milestone done ATT-4.1 model agreed at cluster chairs, see https://example.org/minutes?id=4&x=<b>1</b>"],
  ["Jancis Andrew", "/milestone evidence ATT-4.1"],
  ["Jancis Andrew", "/milestone evidence ATT-4.1 **bold** [a link](javascript:alert(1)) <at>Nigel</at>"],
  ["Jancis Andrew", "/milestone undo ATT-4.1"],
  ["Jancis Andrew", "/milestone date ATT-4.2 end of March 2012"],
  ["Jancis Andrew", "/milestone date ATT-4.2 someday"],
  ["Mary Brittle", "/milestone done ATT-4.1 done"],
  ["Jancis Andrew", "/action show ATT-4"],
  ["Jancis Andrew", "/action show LAC-1"],
  ["Jancis Andrew", "/action mine"],
  ["Jancis Andrew", "/action status ATT-4 at-risk police data late"],
  ["Jancis Andrew", "/action note ATT-4 cluster chairs met"],
  ["Jancis Andrew", "/action history ATT-4"],
  ["Jancis Andrew", "/action show ATT-999"],
  ["Jancis Andrew", "/plan show"],
  ["Jancis Andrew", "/plan show cypp-2011-15"],
  ["Jancis Andrew", "/plan show piap-2015"],
  ["Jancis Andrew", "/plan priorities"],
  ["Jancis Andrew", "/frobnicate"],
];

describe.each(kindsUnderTest())("Teams cards for every reply, on %s", (kind) => {
  let t: TestDatabase;
  let replies: { line: string; reply: Reply }[] = [];
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    const p = commandDriver(t.db, await loadDemo(t.db));
    replies = [];
    for (const [as, line] of SESSION) replies.push({ line, reply: await p.run(as, line, undefined, { platform: "teams", forms: true }) });
  });
  afterAll(async () => t?.close());

  it("renders each as a card the adaptivecards library takes whole, within the size budget", () => {
    const extra: Reply[] = [unknownUserReply("teams", "pat.stranger@example.com"), unknownUserReply("teams", null), TENANT_REFUSED, TENANT_UNBOUND];
    for (const { line, reply: r } of [...replies, ...extra.map((r) => ({ line: r.heading ?? "", reply: r }))]) {
      const origin = { command: line.split(" ")[0]!.slice(1), text: line.split(" ").slice(1).join(" "), from: 0 };
      const card = renderCard(r, origin);
      expect(checkCard(card).problems, line).toEqual([]);
      expect(card.fallbackText, line).toBeTruthy();
      expect(cardMessage(r, origin).attachments?.[0]?.content).toEqual(card);
    }
    expect(replies.filter(({ reply: r }) => r.tone === "error").length).toBeGreaterThan(2);
    expect(replies.some(({ reply: r }) => r.form)).toBe(true);
  });

  it("maps every button on them back to the command a person would type", () => {
    for (const { reply: r } of replies) {
      for (const action of actionsIn(renderCard(r, { command: "milestone", text: "list overdue", from: 0 }))) {
        const data = action.data as Record<string, unknown>;
        const command = commandForCardData(action.verb as string, { ...data, "field.evidence": "x" });
        expect(command, JSON.stringify(data)).not.toBeNull();
      }
    }
  });

  it("keeps people's words as words: no markdown, links or markup", () => {
    const { reply: r } = replies.find(({ line }) => line.includes("**bold**"))!;
    const card = renderCard(r);
    expect(cardText(card)).toContain("**bold** [a link](javascript:alert(1)) <at>Nigel</at>");
    expect(JSON.stringify(card)).not.toContain('"TextBlock"');
    expect(JSON.stringify(card)).not.toContain('"FactSet"');
  });
});

describe("Teams cards at their limits", () => {
  it("has a checker that notices what Teams would drop or refuse", () => {
    const card = (body: unknown[], extra: Record<string, unknown> = {}) =>
      ({ type: "AdaptiveCard", $schema: "http://adaptivecards.io/schemas/adaptive-card.json", version: "1.5", fallbackText: "x", speak: "x", body, ...extra });
    expect(checkCard(card([{ type: "RichTextBlock", inlines: [{ type: "TextRun", text: "fine" }] }])).problems).toEqual([]);
    expect(checkCard(card([{ type: "TextBlock", text: "x", weight: "Heaviest" }])).problems).not.toEqual([]);
    expect(checkCard(card([{ type: "TextBlock", text: "x", madeUp: true }])).problems).not.toEqual([]);
    expect(checkCard(card([{ type: "Marquee" }])).problems).not.toEqual([]);
    expect(checkCard(card([{ type: "ActionSet", actions: [{ type: "Action.Submit", title: "Old", data: {} }] }])).problems).not.toEqual([]);
    expect(checkCard(card([], { version: "1.6" })).problems).not.toEqual([]);
    expect(checkCard(card([{ type: "RichTextBlock", inlines: [{ type: "TextRun", text: "x".repeat(CARD_BUDGET_BYTES) }] }])).problems).not.toEqual([]);
  });

  const long = (n: number) => `${"Evidence of multi-agency work at cluster level, agreed by the chairs. ".repeat(Math.ceil(n / 70)).slice(0, n)}`;
  const item = (i: number) => ({
    text: `ATT-${i}.1 · ${long(600)}`,
    detail: `done 12 Sep 2011 by Jancis Andrew · evidence: ${long(3000)}`,
    buttons: [
      { actionId: "milestone.evidence", label: "Add evidence", value: `ATT-${i}.1` },
      { actionId: "milestone.undo", label: "Undo", value: `ATT-${i}.1` },
      { actionId: "action.show", label: "Open action", value: `ATT-${i}` },
    ],
  });
  const huge = reply("info", "Milestones of ATT-1", [text(long(3000)), list(Array.from({ length: 100 }, (_, i) => item(i + 1)))]);

  it("pages a long list, shrinking pages and then texts until the card fits", () => {
    let from = 0;
    let pages = 0;
    while (from < 100) {
      const card = renderCard(huge, { command: "milestone", text: "list action ATT-1", from });
      expect(checkCard(card).problems).toEqual([]);
      expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
      const more = actionsIn(card).find((a) => a.title === "More");
      const next = more ? (more.data as { from: number }).from : 100;
      expect(next).toBeGreaterThan(from);
      expect(cardText(card)).toContain(`Showing ${from + 1}–${next} of 100.`);
      from = next;
      pages += 1;
    }
    expect(pages).toBeGreaterThan(100 / ITEMS_PER_PAGE);
  });

  it("keeps a card of very many blocks within the budget, saying it was shortened", () => {
    const many = reply("info", undefined, Array.from({ length: 400 }, (_, i) => text(`Paragraph ${i}: ${long(200)}`)));
    const card = renderCard(many);
    expect(checkCard(card).problems).toEqual([]);
    expect(cardText(card)).toContain("Too long to show whole in Teams.");
    expect(card.speak).toBeTruthy();
  });

  it("shows a short list whole, with no paging line, and a list without its command without a More button", () => {
    const short = reply("info", "Plans", [list([{ text: "One" }, { text: "Two" }])]);
    expect(cardText(renderCard(short))).not.toContain("Showing");
    const long20 = reply("info", "Overdue", [list(Array.from({ length: 20 }, (_, i) => ({ text: `Item ${i + 1}` })))]);
    const proactive = renderCard(long20);
    expect(cardText(proactive)).toContain("Showing 1–10 of 20.");
    expect(actionsIn(proactive)).toEqual([]);
  });

  it("reads a typed message as a command line, as Teams delivers it", () => {
    expect(commandFromMessage("milestone done ATT-4.1 model agreed")).toMatchObject({ command: "milestone", text: "done ATT-4.1 model agreed" });
    expect(commandFromMessage("<at>Curve</at>&nbsp;/Milestone  list\u00a0mine\n")).toMatchObject({ command: "milestone", text: "list mine" });
    expect(commandFromMessage("/ whoami")).toMatchObject({ command: "whoami", text: "" });
    expect(commandFromMessage("  ")).toMatchObject({ command: "help", text: "" });
    expect(commandFromMessage("action note ATT-4 a &lt; b &amp;&amp; c")).toMatchObject({ command: "action", text: "note ATT-4 a < b && c" });
    expect(commandFromMessage("curve link <at>Sue May</at> Sue May", [{ text: "<at>Sue May</at>", userId: "aad-sue" }])).toEqual({
      command: "curve",
      text: "link @Sue May Sue May",
      parts: [{ kind: "mention", text: "@Sue May", userId: "aad-sue" }],
    });
    expect(commandFromMessage("x".repeat(500)).command).toHaveLength(64);
  });

  it("turns card data back into commands only where Curve made it", () => {
    expect(commandForCardData("milestone.done", { verb: "milestone.done", value: "ATT-4.1" })).toEqual({ command: "milestone", text: "done ATT-4.1", forms: true, from: 0 });
    // Action.Submit drops the verb; the data repeats it.
    expect(commandForCardData(undefined, { verb: "action.show", value: "ATT-4" })).toMatchObject({ command: "action", text: "show ATT-4" });
    const form = { verb: "curve.form", form: { id: "milestone.done", command: "milestone", textPrefix: "done ATT-4.1", fields: ["evidence"] } };
    expect(commandForCardData("curve.form", { ...form, "field.evidence": " line one\r\nline two " })).toEqual({ command: "milestone", text: "done ATT-4.1 line one line two", forms: false, from: 0 });
    expect(commandForCardData("curve.form", form)).toMatchObject({ text: "done ATT-4.1", forms: false });
    // A choice is one of the values it offered, set apart from the other fields by the form's "|".
    const sign = { verb: "curve.form", form: { id: "pledge.sign", command: "pledge", textPrefix: "sign P1", fields: ["commitment", "public"], choices: { public: ["public", "private"] }, separator: "|" } };
    expect(commandForCardData("curve.form", { ...sign, "field.commitment": "No child\nwalks alone", "field.public": "private" })).toEqual({ command: "pledge", text: "sign P1 No child walks alone | private", forms: false, from: 0 });
    for (const answer of ["no.", "nah", "ok", "-", "0", "1", "Private", undefined]) {
      expect(commandForCardData("curve.form", { ...sign, "field.commitment": "mentor two pupils", "field.public": answer }), String(answer)).toMatchObject({ tone: "error", code: "usage", heading: expect.stringMatching(/^Choose one of the answers offered/) });
    }
    expect(commandForCardData("curve.more", { command: "milestone", text: "list overdue", from: 10 })).toMatchObject({ from: 10, forms: true });
    expect(commandForCardData("curve.more", { command: "milestone", text: "undo ATT-4.1", from: 10 })).toBeNull();
    expect(commandForCardData("curve.more", { command: "milestone", text: "list overdue", from: -1 })).toBeNull();
    expect(commandForCardData("milestone.done", { value: { toString: "ATT-4.1" } })).toBeNull();
    expect(commandForCardData("milestone.drop", { value: "ATT-4.1" })).toBeNull();
    expect(commandForCardData(undefined, null)).toBeNull();
  });
});
