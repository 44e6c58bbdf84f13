import { linkSegments } from "../../domain/links.ts";
import type { Activity } from "botbuilder";
import type { Block, Button, FormRequest, ListItem, Reply } from "../../domain/reply.ts";
import { choicesOf } from "../chat/form-submission.ts";
import { renderText } from "../shell/render-text.ts";
import { CARD_VERBS, FORM_FIELD_PREFIX, type ButtonData, type FormData, type MoreData } from "./card-data.ts";

/** An Adaptive Card as Teams receives it: plain JSON. */
export type AdaptiveCard = { type: "AdaptiveCard"; version: string; body: CardElement[] } & Record<string, unknown>;
export type CardElement = Record<string, unknown> & { type: string };

// Teams refuses a message over about 28 KB; the card leaves room for the activity around it.
export const CARD_BUDGET_BYTES = 24 * 1024;
/** List items per card; a longer list pages behind a "More" button. */
export const ITEMS_PER_PAGE = 10;
const FALLBACK_CHARS = 1000;
const SPEAK_CHARS = 400;

/** The command a card answered, so its "More" button can run it again from the next item. */
export interface CardOrigin {
  command: string;
  text: string;
  /** Index of the first list item shown. */
  from: number;
}

const TONE_COLOURS = { success: "Good", info: "Default", warning: "Warning", error: "Attention" } as const;

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * A Reply as an Adaptive Card (schema 1.5). Every piece of text is a TextRun, which Teams
 * never reads as markdown, so a plan's or a person's words cannot become links or markup.
 * Lists page; a card that would still be too big shows fewer items, then shorter texts.
 */
export function renderCard(reply: Reply, origin?: CardOrigin): AdaptiveCard {
  let card = buildCard(reply, origin, ITEMS_PER_PAGE, 3000);
  for (const [perPage, maxText] of [[5, 3000], [2, 1500], [1, 600], [1, 200]] as const) {
    if (cardBytes(card) <= CARD_BUDGET_BYTES) return card;
    card = buildCard(reply, origin, perPage, maxText);
  }
  // Only a reply of very many blocks gets here: keep what fits, and say so.
  const body = [...card.body];
  const note: CardElement = { type: "RichTextBlock", inlines: [{ type: "TextRun", text: "Too long to show whole in Teams.", isSubtle: true, italic: true }] };
  while (body.length > 1 && cardBytes({ ...card, body: [...body, note] }) > CARD_BUDGET_BYTES) body.pop();
  return { ...card, body: [...body, note] };
}

/** A message activity carrying the card; its summary is what a notification shows. */
export function cardMessage(reply: Reply, origin?: CardOrigin): Partial<Activity> {
  const card = renderCard(reply, origin);
  return {
    type: "message",
    summary: clip(reply.heading ?? String(card.fallbackText), 200),
    attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", content: card }],
  };
}

export const cardBytes = (card: AdaptiveCard): number => Buffer.byteLength(JSON.stringify(card));

function buildCard(reply: Reply, origin: CardOrigin | undefined, perPage: number, maxText: number): AdaptiveCard {
  // A stored link (`[label](url)`, a bare URL) becomes its own TextRun that opens the URL; the rest stays plain text.
  const runs = (text: string, style: Record<string, unknown> = {}): Record<string, unknown>[] =>
    linkSegments(clip(text, maxText)).map((s) =>
      s.url === undefined ? { type: "TextRun", text: s.text, ...style } : { type: "TextRun", text: s.text, ...style, color: "Accent", underline: true, selectAction: { type: "Action.OpenUrl", url: s.url } },
    );
  const run = (text: string, style: Record<string, unknown> = {}) => ({ type: "TextRun", text: clip(text, maxText), ...style });
  const paragraph = (...inlines: Record<string, unknown>[]): CardElement => ({ type: "RichTextBlock", inlines: inlines.flatMap((i) => (i.type === "TextRun" && typeof i.text === "string" && !("selectAction" in i) ? runs(i.text, Object.fromEntries(Object.entries(i).filter(([k]) => k !== "type" && k !== "text"))) : [i])) });
  const from = Math.max(0, origin?.from ?? 0);
  // The longest list decides what "Showing x–y of n" says and whether there is more.
  const paging = { total: 0, shown: 0 };

  const listElements = (items: ListItem[], empty: string | undefined): CardElement[] => {
    if (items.length === 0) return empty ? [paragraph(run(empty, { isSubtle: true, italic: true }))] : [];
    const shown = items.slice(from, from + perPage);
    if (items.length > paging.total) Object.assign(paging, { total: items.length, shown: shown.length });
    return shown.map((item, i) => ({
      type: "Container",
      ...(i > 0 ? { separator: true } : {}),
      spacing: "Small",
      items: [
        paragraph(run(item.text, { weight: "Bolder" })),
        ...(item.detail ? [paragraph(run(item.detail, { isSubtle: true, size: "Small" }))] : []),
        ...(item.buttons?.length ? [actionSet(item.buttons)] : []),
      ],
    }));
  };

  const blockElements = (block: Block): CardElement[] => {
    switch (block.type) {
      case "text":
        return [paragraph(run(block.text))];
      case "fields":
        // Not a FactSet: Teams reads a fact's value as markdown.
        return block.fields.map((f) => paragraph(run(`${f.label}: `, { weight: "Bolder" }), run(f.value)));
      case "list":
        return listElements(block.items, block.empty);
      case "buttons":
        return block.buttons.length ? [actionSet(block.buttons)] : [];
      case "image":
        return /^https:\/\//.test(block.url) ? [{ type: "Image", url: block.url, altText: clip(block.alt, 200) }] : [paragraph(run(block.alt))];
      case "context":
        return [paragraph(run(block.text, { isSubtle: true, size: "Small" }))];
    }
  };

  const body: CardElement[] = [];
  if (reply.heading) body.push(paragraph(run(reply.heading, { size: "Medium", weight: "Bolder", color: TONE_COLOURS[reply.tone] })));
  for (const block of reply.blocks) body.push(...blockElements(block));
  if (reply.form) body.push(...formElements(reply.form, run, paragraph));
  const next = from + paging.shown;
  if (paging.total > 0 && (from > 0 || next < paging.total)) {
    const range = paging.shown ? `${from + 1}–${next}` : "none";
    body.push(paragraph(run(`Showing ${range} of ${paging.total}.`, { isSubtle: true, size: "Small" })));
    if (next < paging.total && origin) {
      const more: MoreData = { verb: CARD_VERBS.more, command: origin.command, text: origin.text, from: next };
      body.push({ type: "ActionSet", actions: [{ type: "Action.Execute", title: "More", verb: more.verb, data: more }] });
    }
  }
  const plain = renderText(reply);
  return {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: "1.5",
    fallbackText: clip(plain || "Curve", FALLBACK_CHARS),
    speak: clip(speakable(reply) || plain || "Curve", SPEAK_CHARS),
    body,
  };
}

function actionSet(buttons: Button[]): CardElement {
  return {
    type: "ActionSet",
    actions: buttons.map((button) => {
      const data: ButtonData = { verb: button.actionId, value: button.value };
      const style = button.style === "primary" ? "positive" : button.style === "danger" ? "destructive" : undefined;
      return { type: "Action.Execute", title: clip(button.label, 40), verb: data.verb, data, ...(style ? { style } : {}) };
    }),
  };
}

type Run = (text: string, style?: Record<string, unknown>) => Record<string, unknown>;

function formElements(form: FormRequest, run: Run, paragraph: (...inlines: Record<string, unknown>[]) => CardElement): CardElement[] {
  const choices = choicesOf(form.fields);
  const data: FormData = {
    verb: CARD_VERBS.form,
    form: { id: form.id, command: form.command, textPrefix: form.textPrefix, fields: form.fields.map((f) => f.id), ...(choices ? { choices } : {}), ...(form.separator ? { separator: form.separator } : {}) },
  };
  return [
    ...(form.intro ? [paragraph(run(form.intro, { isSubtle: true }))] : []),
    ...form.fields.map((field) =>
      field.choices?.length
        ? {
            type: "Input.ChoiceSet",
            id: `${FORM_FIELD_PREFIX}${field.id}`,
            label: field.label,
            style: "expanded",
            isRequired: true,
            errorMessage: "Choose one.",
            choices: field.choices.map((c) => ({ title: clip(c.label, 100), value: c.value })),
          }
        : {
            type: "Input.Text",
            id: `${FORM_FIELD_PREFIX}${field.id}`,
            label: field.label,
            ...(field.hint ? { placeholder: clip(field.hint, 200) } : {}),
            ...(field.multiline ? { isMultiline: true } : {}),
            ...(field.maxLength ? { maxLength: field.maxLength } : {}),
          },
    ),
    { type: "ActionSet", actions: [{ type: "Action.Execute", title: clip(form.submitLabel, 40), verb: data.verb, data, style: "positive" }] },
  ];
}

/** What a screen reader or a notification says: the heading and the first sentence or two. */
function speakable(reply: Reply): string {
  const firstText = reply.blocks.find((b) => b.type === "text");
  return [reply.heading, firstText?.type === "text" ? firstText.text : undefined].filter(Boolean).join(". ");
}
