import { err, ok, type Result } from "../result.ts";

/**
 * A turning-the-curve workshop follows the OBA agenda: how are we doing, the story behind
 * the baseline, partners with a role to play, what works, information gaps, and proposed
 * actions. In a command each part starts with its heading and parts are separated by "|":
 *   story: placements rose with court delays | partners: police, schools | action: Sue May: edge-of-care panel; panel meets by end of October 2011
 */
export const NOTE_SECTIONS = ["how", "story", "partners", "works", "gaps"] as const;
export type NoteSection = (typeof NOTE_SECTIONS)[number];
export type SectionKey = NoteSection | "action";

export const SECTION_LABELS: Record<SectionKey, string> = {
  how: "How we are doing",
  story: "The story behind the baseline",
  partners: "Partners with a role to play",
  works: "What works (including low-cost and no-cost ideas)",
  gaps: "Information gaps",
  action: "Proposed action",
};

/** The order a workshop walks through the agenda after "how we are doing", which Curve fills in. */
export const AGENDA: readonly SectionKey[] = ["story", "partners", "works", "gaps", "action"];

const HEADINGS: [RegExp, SectionKey][] = [
  [/^how(?: we are doing| are we doing)?\s*:\s*/i, "how"],
  [/^(?:the )?story(?: behind the baseline)?\s*:\s*/i, "story"],
  [/^partners(?: with a role to play)?\s*:\s*/i, "partners"],
  [/^(?:what )?works\s*:\s*/i, "works"],
  [/^(?:information )?gaps\s*:\s*/i, "gaps"],
  [/^(?:proposed )?action\s*:\s*/i, "action"],
];

export interface ProposedAction {
  /** The owner's name as written; the command layer finds the person. */
  owner: string;
  title: string;
  firstMilestone: string;
}

export type WorkshopNotes = Partial<Record<NoteSection, string>> & { actions: ProposedAction[] };

export const ACTION_FORMAT = "<owner>: <what they will do>; <first milestone>";
export const ACTION_EXAMPLE = "Sue May: edge-of-care panel for every admission; panel meets by end of October 2011";

export function parseProposedAction(text: string): Result<ProposedAction, { message: string }> {
  const colon = text.indexOf(":");
  const semicolon = text.lastIndexOf(";");
  const owner = colon > 0 ? text.slice(0, colon).trim() : "";
  const title = colon > 0 && semicolon > colon ? text.slice(colon + 1, semicolon).trim() : "";
  const firstMilestone = semicolon > colon ? text.slice(semicolon + 1).trim() : "";
  if (!owner || !title || !firstMilestone) {
    return err({ message: `A proposed action needs an owner, what they will do and a first milestone: "${ACTION_FORMAT}", e.g. ${ACTION_EXAMPLE}.` });
  }
  if (owner.length > 100) return err({ message: "An action's owner is one person's name." });
  if (title.length > 500) return err({ message: "Keep a proposed action's title under 500 characters; put detail in a note." });
  return ok({ owner, title, firstMilestone });
}

/** Reads "heading: text | heading: text"; a part with no heading carries on the one before. */
export function parseWorkshopNotes(text: string): Result<WorkshopNotes, { message: string }> {
  const notes: WorkshopNotes = { actions: [] };
  const parts: { key: SectionKey; text: string }[] = [];
  for (const raw of text.split("|")) {
    const part = raw.trim();
    if (!part) continue;
    const heading = HEADINGS.find(([pattern]) => pattern.test(part));
    if (heading) parts.push({ key: heading[1], text: part.replace(heading[0], "").trim() });
    else if (parts.length > 0) parts[parts.length - 1]!.text += ` | ${part}`;
    else return err({ message: `Start each part with its heading (story:, partners:, works:, gaps:, action:), separated by "|".` });
  }
  for (const { key, text: body } of parts) {
    if (!body) continue;
    if (key === "action") {
      const action = parseProposedAction(body);
      if (!action.ok) return action;
      notes.actions.push(action.value);
    } else {
      notes[key] = notes[key] ? `${notes[key]}; ${body}` : body;
    }
  }
  return ok(notes);
}

export const hasNotes = (notes: WorkshopNotes): boolean => notes.actions.length > 0 || NOTE_SECTIONS.some((s) => notes[s]);

/** The next part of the agenda a workshop has not covered; proposing actions can go on for ever. */
export function nextAgendaItem(recorded: Partial<Record<NoteSection, string | null>>): SectionKey {
  return AGENDA.find((key) => key !== "action" && !recorded[key as NoteSection]) ?? "action";
}
