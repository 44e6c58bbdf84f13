import type { ActionState, ActionView, AuditEntry, MilestoneView, Origin, Person, PersonSummary } from "../domain/model.ts";
import type { Due } from "../domain/dates/due-phrase.ts";
import type { Reply } from "../domain/reply.ts";

/** Where a change came from and who made it; written into the audit event. */
export interface ChangeContext {
  partnershipId: number;
  actor: Person;
  origin: Origin;
  idempotencyKey: string;
  at: Date;
}

export interface MilestoneFilter {
  ownerId?: number;
  actionId?: number;
  /** Open milestones due on or before this ISO date. */
  dueOnOrBefore?: string;
  open?: boolean;
  limit: number;
}

export interface PlanSummary {
  key: string;
  title: string;
  kind: string;
  periodStart: string | null;
  periodEnd: string | null;
  actions: number;
  milestones: number;
  milestonesDone: number;
}

export interface PrioritySummary {
  planKey: string;
  number: number | null;
  title: string;
  obsession: string | null;
  startingPoint: boolean;
  sponsors: PersonSummary[];
  leads: PersonSummary[];
  actions: number;
  actionsByState: Partial<Record<ActionState, number>>;
  indicators: { code: string; name: string; baselineText: string | null }[];
}

export interface PersonStanding {
  actionsOwned: number;
  openMilestones: number;
  sponsorOf: string[];
  leadOf: string[];
  identities: { platform: string; tenant: string; userId: string }[];
}

export type ChangeOutcome<T> = { applied: true; value: T } | { applied: false; reason: string };

/**
 * What the commands need from storage. Every change method writes its audit event in
 * the same transaction as the change; `recordReply` makes a retry return the first answer.
 */
export interface Store {
  findPersonById(partnershipId: number, id: number): Promise<Person | null>;
  findPersonByIdentity(partnershipId: number, identity: { platform: string; tenant: string; userId: string }): Promise<Person | null>;
  /** People whose name contains the text, for choosing who you are in the shell. */
  searchPeople(partnershipId: number, text: string, limit: number): Promise<Person[]>;
  findPeopleByName(partnershipId: number, name: string): Promise<Person[]>;
  standing(partnershipId: number, personId: number): Promise<PersonStanding>;
  findActionsByRef(partnershipId: number, ref: string, planKey?: string): Promise<ActionView[]>;
  allActionRefs(partnershipId: number): Promise<string[]>;
  listMilestones(partnershipId: number, filter: MilestoneFilter): Promise<{ items: MilestoneView[]; total: number }>;
  actionsOwnedBy(partnershipId: number, personId: number): Promise<ActionView[]>;
  actionHistory(actionId: number, limit: number): Promise<AuditEntry[]>;
  planSummaries(partnershipId: number): Promise<PlanSummary[]>;
  prioritySummaries(partnershipId: number, planKey?: string): Promise<PrioritySummary[]>;

  /** Runs a change exactly once per idempotency key; a repeat returns the stored reply. */
  once(ctx: ChangeContext, change: (tx: ChangeStore) => Promise<Reply>): Promise<Reply>;
}

/** Changes bound to one ChangeContext and one transaction. */
export interface ChangeStore {
  markMilestoneDone(milestone: MilestoneView, evidence: string | null): Promise<ChangeOutcome<MilestoneView>>;
  reopenMilestone(milestone: MilestoneView): Promise<ChangeOutcome<MilestoneView>>;
  addMilestoneEvidence(milestone: MilestoneView, evidence: string): Promise<ChangeOutcome<MilestoneView>>;
  setMilestoneDue(milestone: MilestoneView, due: Due): Promise<ChangeOutcome<MilestoneView>>;
  setActionState(action: ActionView, state: ActionState, note: string | null): Promise<ChangeOutcome<ActionView>>;
  addActionNote(action: ActionView, text: string): Promise<void>;
}
