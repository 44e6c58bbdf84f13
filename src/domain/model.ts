import type { DuePrecision } from "./dates/due-phrase.ts";

/** Plain views of the partnership's plans: what the rules and commands work on. */
export type ActionState = "not_started" | "on_track" | "at_risk" | "off_track" | "done" | "dropped";
export const ACTION_STATES: readonly ActionState[] = ["not_started", "on_track", "at_risk", "off_track", "done", "dropped"];
export type PersonRole = "coordinator" | "admin" | "board_member" | "ambassador";
export type PlatformName = "slack" | "teams" | "shell";

export interface PersonSummary {
  id: number;
  name: string;
}

export interface Person extends PersonSummary {
  email: string | null;
  roles: PersonRole[];
  jobTitle: string | null;
  timeZone: string;
  teamIds: number[];
}

export type Party =
  | { kind: "person"; person: PersonSummary }
  | { kind: "team"; id: number; name: string; memberIds: number[] };

export interface MilestoneView {
  id: number;
  ref: string;
  actionId: number;
  actionRef: string;
  text: string;
  kind: "milestone" | "target";
  precision: DuePrecision;
  /** ISO calendar date, or null when the date is to be agreed. */
  dueDate: string | null;
  dueStart: string | null;
  duePhrase: string | null;
  doneAt: Date | null;
  doneBy: PersonSummary | null;
  evidence: string | null;
  /** Nudges about it wait until then (null: not snoozed, or the snooze has been cleared). */
  snoozedUntil: Date | null;
  /** How often it has been snoozed; the lead is told from the third (escalation rules). */
  snoozeCount: number;
}

export interface PriorityView {
  id: number;
  number: number | null;
  title: string;
  obsession: string | null;
  /** Where progress on this priority is announced: "<platform>:<tenant>:<channel>". */
  channel: string | null;
  sponsors: PersonSummary[];
  leads: PersonSummary[];
}

export interface ActionView {
  id: number;
  planKey: string;
  planTitle: string;
  ref: string;
  section: string | null;
  title: string;
  targeting: string | null;
  state: ActionState;
  ownerText: string | null;
  contributorText: string | null;
  owners: Party[];
  contributors: Party[];
  priority: PriorityView | null;
  milestones: MilestoneView[];
  sourceNote: string | null;
  /** Set when the action's plan was refreshed: the plan is readable but closed to changes. */
  closedPlan: { title: string; closedOn: string; into: string; carriedRef: string | null } | null;
  /** The earlier plan's action this one was carried over from. */
  carriedFrom: { id: number; ref: string; planKey: string; planTitle: string } | null;
}

export interface AuditEntry {
  id: number;
  at: Date;
  actor: PersonSummary | null;
  event: string;
  subjectRef: string | null;
  before: unknown;
  after: unknown;
  origin: { platform?: string; channel?: string } | null;
}

export interface Origin {
  platform: PlatformName;
  tenant: string;
  channel: string;
}
