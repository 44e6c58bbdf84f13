import type { Due } from "../dates/due-phrase.ts";
import type { ActionState, PersonRole } from "../model.ts";

/**
 * A partnership as a workbook holds it: what `curve import` reads and `curve export` writes.
 * Names (people, teams) and refs stand for rows; the database gives the ids. Every record
 * remembers where it came from, so a problem found later still names the sheet and row.
 */
export interface SourceRow {
  sheet: string;
  row: number;
}

export type PlanKindName = "improvement" | "cypp" | "inspection_action";
export type IndicatorUnit = "count" | "percent" | "per_1000";
export type PolarityName = "lower_is_better" | "higher_is_better" | "unknown";

export interface PlanData {
  key: string;
  title: string;
  kind: PlanKindName;
  /** ISO dates. */
  periodStart: string | null;
  periodEnd: string | null;
  source: string | null;
  at: SourceRow | null;
}

export interface OutcomeData {
  plan: string;
  number: number;
  key: string;
  title: string;
  at: SourceRow;
}

export interface PriorityData {
  plan: string;
  kind: "priority" | "ambition";
  number: number | null;
  title: string;
  /** An outcome's key or number in the same plan. */
  outcome: string | null;
  obsession: string | null;
  startingPoint: boolean;
  refPrefix: string | null;
  /** Person names, in order (CTB sponsors, then leads). */
  sponsors: string[];
  leads: string[];
  note: string | null;
  at: SourceRow;
}

/** A person or a team named as an owner or contributor. */
export type PartyName = { person: string } | { team: string } | { unmatched: string };

export interface MilestoneData {
  /** The milestone's ref (ATT-1.2) when the file gives it; otherwise its position. */
  position: number;
  text: string;
  kind: "milestone" | "target";
  /** The date as the file gives it apart from the text; null: read it from the text. */
  duePhrase: string | null;
  /** Exported exactly, so that a round trip keeps a date someone set in chat. */
  due: Due | null;
  doneAt: Date | null;
  doneBy: string | null;
  evidence: string | null;
  /** The position comes from the ref the file gives (the Milestones sheet's ATT-1.2), not from the line's place in a cell. */
  fromRef?: boolean;
  at: SourceRow;
}

export interface ActionData {
  plan: string;
  ref: string;
  /** A priority number or title in the plan, as written. */
  priority: string | null;
  section: string | null;
  title: string;
  targeting: string | null;
  ownerText: string | null;
  contributorText: string | null;
  /** Who owns it, read from the owner cell (or from the linked-owners column when given). */
  owners: PartyName[];
  contributors: PartyName[];
  /** True when owners/contributors were listed exactly (the Linked columns), not read from the cells' prose. */
  linkedOwners: boolean;
  linkedContributors: boolean;
  whatWeWillDo: string | null;
  howWeWillDoIt: string | null;
  howWeWillKnow: string | null;
  /** Null: the file does not say, so an existing state stands. */
  state: ActionState | null;
  note: string | null;
  milestones: MilestoneData[];
  at: SourceRow;
}

export interface PersonData {
  name: string;
  email: string | null;
  organisation: string | null;
  /** Null: the file has no roles column, so existing roles stand. */
  roles: PersonRole[] | null;
  timeZone: string | null;
  jobTitle: string | null;
  at: SourceRow;
}

export interface TeamData {
  name: string;
  kind: "team" | "organisation";
  /** Null: the file does not list members, so existing members stand. */
  members: string[] | null;
  at: SourceRow;
}

export interface IndicatorTargetData {
  value: number;
  /** ISO date. */
  dueDate: string;
  text: string | null;
}

export interface IndicatorData {
  code: string;
  name: string;
  plan: string | null;
  priority: string | null;
  number: number | null;
  unit: IndicatorUnit;
  polarity: PolarityName;
  obsession: boolean;
  baselineValue: number | null;
  baselineDate: string | null;
  baselineText: string | null;
  targets: IndicatorTargetData[];
  periodicity: string | null;
  owner: string | null;
  forecast: { periodEnd: string; value: number }[] | null;
  /**
   * How far short of its target, in its own unit, a reading may fall and still be amber, not
   * red (domain/rag.ts); null for the default; undefined when the sheet has no such column,
   * so an import leaves the tolerance set in chat alone.
   */
  tolerance: number | null | undefined;
  note: string | null;
  at: SourceRow;
}

/**
 * One row of the Readings sheet: an indicator's figure for one period, as the file gives it.
 * The period is kept as written, because how it reads ("2016/17" a financial or an academic
 * year) depends on the indicator's periodicity, which the import knows once the Indicators
 * sheet and the database are both in (workbook/readings.ts reads it then).
 */
export interface ReadingData {
  /** The indicator's code, in capitals ("NEET"). */
  code: string;
  /** The period as written: "September 2011", "2011-09", "Q2 2011/12", "2016/17". */
  period: string;
  /** The figure in the indicator's unit (a count, a percentage, a rate per 1,000); null records "not known". */
  value: number | null;
  /** The unit sign written with the figure ("%", "£"), checked against the indicator's unit at import; null when none. */
  sign: string | null;
  source: string | null;
  /** A person's name, resolved like an indicator's owner. */
  recordedBy: string | null;
  /** When the figure was recorded: the instant the file gives, a day at noon UTC, or null (the import's time). */
  recordedAt: Date | null;
  /** The headings of the Indicator, Period and Value columns as the file writes them, for problems found at import. */
  headings: { indicator: string; period: string; value: string };
  at: SourceRow;
}

export interface PartnershipData {
  partnership: { slug: string | null; name: string | null };
  plans: PlanData[];
  outcomes: OutcomeData[];
  priorities: PriorityData[];
  actions: ActionData[];
  people: PersonData[];
  teams: TeamData[];
  indicators: IndicatorData[];
  /** The Readings sheet's rows, in file order; none when the workbook has no Readings sheet. */
  readings: ReadingData[];
}

export const emptyPartnershipData = (): PartnershipData => ({
  partnership: { slug: null, name: null },
  plans: [],
  outcomes: [],
  priorities: [],
  actions: [],
  people: [],
  teams: [],
  indicators: [],
  readings: [],
});
