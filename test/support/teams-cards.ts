import { createRequire } from "node:module";
import type * as AdaptiveCardsModule from "adaptivecards";
import { CARD_BUDGET_BYTES } from "../../src/adapters/teams/adaptive-card.ts";

// adaptivecards' lib/ is ES modules with extensionless imports, which Node cannot load;
// its dist/ bundle is UMD and runs in Node without a DOM for parsing and validation.
const AC = createRequire(import.meta.url)("adaptivecards/dist/adaptivecards.js") as typeof AdaptiveCardsModule;

/** Keys sorted, so two cards compare equal whatever order their properties were written in. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value !== null && typeof value === "object"
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]))
      : value;

export interface CardCheck {
  bytes: number;
  /** Everything wrong with the card; empty when Teams' own renderer library takes it whole. */
  problems: string[];
}

/**
 * Checks a card with the adaptivecards package: no parse events, no validation events,
 * and nothing dropped when it is parsed and written back (an unknown property or a bad
 * value would be), plus Curve's own rules: schema 1.5, fallbacks set, within the budget,
 * every Action.Execute with a verb that its data repeats.
 */
export function checkCard(card: unknown): CardCheck {
  const problems: string[] = [];
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card as never, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of parsed.validateProperties().validationEvents) problems.push(`validation: ${event.message}`);
  const roundTrip = parsed.toJSON() as Record<string, unknown>;
  if (JSON.stringify(canonical(roundTrip)) !== JSON.stringify(canonical(card))) {
    problems.push(`round trip changed the card: ${firstDifference(card, roundTrip)}`);
  }
  const c = card as Record<string, unknown>;
  if (c.version !== "1.5") problems.push(`version ${String(c.version)}, not 1.5`);
  if (typeof c.fallbackText !== "string" || !c.fallbackText) problems.push("no fallbackText");
  if (typeof c.speak !== "string" || !c.speak) problems.push("no speak");
  const bytes = Buffer.byteLength(JSON.stringify(card));
  if (bytes > CARD_BUDGET_BYTES) problems.push(`${bytes} bytes, over the ${CARD_BUDGET_BYTES} byte budget`);
  for (const action of actionsIn(card)) {
    if (action.type !== "Action.Execute") problems.push(`${String(action.type)} is not a universal action`);
    const data = action.data as Record<string, unknown> | undefined;
    if (typeof action.verb !== "string" || data?.verb !== action.verb) problems.push(`action "${String(action.title)}" has no verb repeated in its data`);
  }
  return { bytes, problems };
}

/** Visits every element, action and text run on a card, but not the data carried by actions. */
function eachNode(card: unknown, visit: (node: Record<string, unknown>) => "skip" | void): void {
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    if (visit(record) === "skip") return;
    for (const [key, value] of Object.entries(record)) if (key !== "data" && key !== "fallbackText" && key !== "speak") walk(value);
  };
  walk(card);
}

/** Every action on a card, wherever it sits. */
export function actionsIn(card: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  // A link in text (a TextRun's Action.OpenUrl) opens a page; it is not a button that runs a command.
  eachNode(card, (node) => void (typeof node.type === "string" && node.type.startsWith("Action.") && node.type !== "Action.OpenUrl" && found.push(node)));
  return found;
}

/** All the words on a card (a paragraph's runs joined as written), for asserting what it says. */
export function cardText(card: unknown): string {
  const words: string[] = [];
  eachNode(card, (node) => {
    if (node.type === "RichTextBlock" && Array.isArray(node.inlines)) {
      words.push(node.inlines.map((run: { text?: unknown }) => (typeof run.text === "string" ? run.text : "")).join(""));
      return "skip";
    }
    if (typeof node.type === "string" && node.type.startsWith("Action.") && typeof node.title === "string") words.push(`[${node.title}]`);
  });
  return words.join(" ");
}

function firstDifference(a: unknown, b: unknown, at = "card"): string {
  if (JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))) return "";
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return `${at}: ${JSON.stringify(a)} became ${JSON.stringify(b)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const difference = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`);
    if (difference) return difference;
  }
  return at;
}
