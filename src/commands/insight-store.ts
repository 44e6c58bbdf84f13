import type { Due } from "../domain/dates/due-phrase.ts";
import type { ChartModel } from "../domain/indicators/chart-model.ts";
import type { IndicatorPriority, IndicatorView } from "../domain/indicators/types.ts";
import type { PersonSummary } from "../domain/model.ts";
import type { NoteSection } from "../domain/oba/workshop.ts";
import type { PledgeStats } from "../domain/pledges/card.ts";
import type { FollowUpAnswer, PledgeView, SignatureView, Signing } from "../domain/pledges/pledge.ts";
import type { Reply } from "../domain/reply.ts";
import type { ChangeContext } from "./store.ts";

/**
 * Storage for indicators, OBA workshops and pledges. Kept apart from Store so the plans'
 * store and this one can change independently; the change transaction follows the same
 * contract as Store.once (one transaction, audit events inside it, a retry gets the first reply).
 */
export interface RecordedAction {
  ref: string;
  actionId: number;
  owner: string;
  ownerId: number;
  title: string;
  firstMilestone: string;
}

export interface WorkshopView {
  id: number;
  indicatorId: number;
  indicatorCode: string;
  heldOn: string;
  notes: Partial<Record<NoteSection, string>>;
  actions: RecordedAction[];
  createdBy: PersonSummary | null;
}

export interface FollowUpTally {
  stage: number;
  answer: FollowUpAnswer | null;
  count: number;
}

/**
 * A pledge as a change reads it ahead, with the person asking (`Store.readInvocation`): the
 * pledge, its row version (`version`, opaque: it changes with every signature made, changed or
 * withdrawn, see pledges.ts), how many signatures were not withdrawn, and the asker's own
 * signatures, withdrawn ones included, oldest first. A change planned from it is made only
 * while the pledge is still at that version.
 */
export interface PledgeAsRead {
  pledge: PledgeView;
  version: string;
  count: number;
  mine: SignatureView[];
}

/** A follow-up question as an answer to it reads it ahead (`Store.readInvocation`): whose signature, on which pledge, whether it was asked and how it is answered so far. */
export interface FollowUpAsRead {
  id: number;
  signatureId: number;
  stage: number;
  pledgeId: number;
  personId: number;
  askedAt: Date | null;
  answer: FollowUpAnswer | null;
}

/** A workshop as a change to it reads it ahead, with the person asking (`Store.readInvocation`): the workshop and its indicator (null when it no longer exists). */
export interface WorkshopAsRead {
  workshop: WorkshopView;
  indicator: IndicatorView | null;
  /** How an action proposed at it would be numbered; null when its indicator is under no priority, absent when not read. */
  numbering?: ActionNumbering | null;
}

/**
 * How a new action in a priority's plan would be numbered, as read ahead: an action id
 * reserved for it, and the highest number among the plan's refs with the priority's prefix
 * (0 for none), so the action is ref prefix-(highest + 1).
 */
export interface ActionNumbering {
  reservedId: number;
  highest: number;
}

/**
 * The workshops the person asking logged on an indicator, as a log reads them ahead with the
 * person (`Store.readInvocation`): those held on the latest day they logged one (`heldOn`,
 * YYYY-MM-DD; null and none when they never did), oldest first, the highest of their numbers
 * that day (0 for none), and a workshop id reserved for a new one.
 */
export interface WorkshopsLoggedAsRead {
  indicatorId: number;
  heldOn: string | null;
  workshops: WorkshopView[];
  highestNumber: number;
  reservedId: number;
}

/**
 * What /pledge new reads ahead, with the person asking (`Store.readInvocation`): the title it
 * was read for, the partnership's pledges of that title (case and spacing aside), oldest first,
 * the partnership's row version (`version`, opaque: every pledge made changes it, see
 * pledges.ts), and `nextId`, an id drawn for the new pledge from the pledges' sequence (null
 * when none was drawn: the key already holds a reply, or a pledge of that title is open). A
 * pledge planned from it is made only while the partnership is still at that version.
 */
export interface NewPledgeAsRead {
  title: string;
  same: PledgeView[];
  version: string;
  nextId: number | null;
}

/** What an invocation read ahead for its insight change (InsightStore.once). */
export interface InsightReadAhead {
  pledge?: PledgeAsRead | null;
  followUp?: FollowUpAsRead | null;
  workshop?: WorkshopAsRead | null;
  newPledge?: NewPledgeAsRead | null;
  /** For a workshop logged: the asker's workshops on its indicator as read (null when there is no such indicator). */
  logged?: WorkshopsLoggedAsRead | null;
}

export type SignOutcome = "signed" | "signed_again" | "updated" | "unchanged";

export interface InsightStore {
  findIndicator(partnershipId: number, code: string): Promise<IndicatorView | null>;
  indicatorById(partnershipId: number, id: number): Promise<IndicatorView | null>;
  /** Every indicator with its readings and targets, in the plan's order: one query. */
  listIndicators(partnershipId: number): Promise<IndicatorView[]>;

  findWorkshop(partnershipId: number, id: number): Promise<WorkshopView | null>;
  listWorkshops(partnershipId: number, indicatorId: number | null, limit: number): Promise<{ items: WorkshopView[]; total: number }>;

  findPledge(partnershipId: number, id: number): Promise<PledgeView | null>;
  listPledges(partnershipId: number): Promise<(PledgeView & { count: number })[]>;
  pledgeStats(pledgeId: number): Promise<PledgeStats>;
  /** Signatures not withdrawn, oldest first. */
  signatures(pledgeId: number): Promise<SignatureView[]>;
  /** The person's own signatures on the pledge not withdrawn, oldest first. */
  signaturesBy(pledgeId: number, personId: number): Promise<SignatureView[]>;
  followUpTally(pledgeId: number): Promise<FollowUpTally[]>;

  /** Where a channel card was posted ("slack:C123:1700000000.0001"), by card key ("pledge:12"). */
  channelCardRef(partnershipId: number, key: string): Promise<string | null>;
  /** Remembers where a card was first posted; false when another post got there first. */
  saveChannelCardRef(partnershipId: number, key: string, ref: string): Promise<boolean>;

  /**
   * Runs a change once per idempotency key (Store.once's contract). With `read` (the pledge or
   * the follow-up question the change is to, or a new pledge's title, as read ahead), a
   * signature, its withdrawal, an answer or a new pledge is one statement while what it changes
   * is still as read; `work` may then run twice.
   */
  once(ctx: ChangeContext, work: (tx: InsightChanges) => Promise<Reply>, read?: InsightReadAhead): Promise<Reply>;
}

export interface NewAction {
  priority: IndicatorPriority;
  indicatorCode: string;
  owner: PersonSummary;
  title: string;
  firstMilestone: { text: string; due: Due };
  sourceNote: string;
}

export type NewPledgeRow = Omit<PledgeView, "id" | "createdById">;

/** Writes bound to one invocation's transaction; each writes its audit event. */
export interface InsightChanges {
  /** Adds or corrects the reading for a period; unchanged when the same value is already there. */
  /** A null value records "not known" for the period. `previous` is the figure replaced (null when none, or not known). */
  recordReading(indicator: IndicatorView, reading: { period: string; periodEnd: string; value: number | null; source: string | null }): Promise<{ applied: boolean; previous: number | null; hadReading: boolean }>;
  /** How far short of target is amber, in the indicator's unit (null: the default); unchanged when it has it already. `before` is the one it had. */
  setTolerance(indicator: IndicatorView, tolerance: number | null): Promise<{ before: number | null }>;
  /** Sets the target due on `target.dueDate` (ISO), replacing one set for that day; unchanged when it has that value. `before` is its old value. */
  setTarget(indicator: IndicatorView, target: { value: number; dueDate: string; text: string | null }): Promise<{ before: number | null }>;
  /** Replaces the whole forecast: period ends (ISO) and values, oldest first. */
  setForecast(indicator: IndicatorView, forecast: { periodEnd: string; value: number }[]): Promise<void>;
  /** How often readings come; unchanged when it has it already. */
  setPeriodicity(indicator: IndicatorView, periodicity: string): Promise<{ before: string | null }>;
  /** Who records its readings; unchanged when they do already. */
  setOwner(indicator: IndicatorView, owner: { id: number; name: string }): Promise<{ before: { id: number; name: string } | null }>;
  /** The workshops the actor logged on the indicator held that day (YYYY-MM-DD), oldest first; locks the indicator so twins queue. */
  sameDayWorkshops(indicator: IndicatorView, heldOn: string): Promise<WorkshopView[]>;
  createWorkshop(indicator: IndicatorView, heldOn: string, notes: Partial<Record<NoteSection, string>>): Promise<number>;
  /** Adds to a workshop's notes (each part appended to what is there); locks the row first. */
  addWorkshopNotes(workshopId: number, notes: Partial<Record<NoteSection, string>>): Promise<WorkshopView>;
  /** The workshop as this transaction sees it (the store's own reads cannot, until it commits). */
  readWorkshop(workshopId: number, lock?: boolean): Promise<WorkshopView>;
  /** A real action in the priority's plan, with its owner and first milestone, recorded on the workshop. */
  createAction(workshopId: number, action: NewAction): Promise<RecordedAction>;

  /**
   * A new pledge, or the partnership's pledge still open for signing with the same title
   * (case and spacing aside), which is then left as it is: the same /pledge new sent twice posts one card.
   */
  createPledge(pledge: NewPledgeRow): Promise<{ created: boolean; pledge: PledgeView }>;
  /** Signs (or re-signs, or changes a commitment); the pledge row is locked so counts are exact. */
  sign(pledge: PledgeView, signing: Signing): Promise<{ outcome: SignOutcome; signature: SignatureView; count: number }>;
  /** Withdraws the actor's signature given for `onBehalfOf` ("" for their own name); returns how many (0 or 1), and the count left. */
  withdraw(pledge: PledgeView, onBehalfOf: string): Promise<{ withdrawn: number; count: number }>;
  answerFollowUp(signatureId: number, stage: number, answer: FollowUpAnswer): Promise<"answered" | "unchanged" | "not_asked" | "not_yours">;

  /** An outbox row, at most once per key. */
  enqueueDelivery(delivery: { personId: number; key: string; kind: string; payload: Reply; dueAt: Date }): Promise<boolean>;
}

/** Links `curve serve` hands out for charts and exports; null when it has no public address. */
export interface InsightLinks {
  chartUrl(partnershipId: number, indicatorId: number, model: ChartModel): string;
  exportUrl(partnershipId: number, pledgeId: number, now: Date): string;
}

export interface InsightDeps {
  store: InsightStore;
  links: InsightLinks | null;
}

/** What a command sees: the store, links, and changes bound to its invocation. */
export interface InsightContext {
  store: InsightStore;
  links: InsightLinks | null;
  /** Runs `work` once for the invocation's key (`InsightStore.once`). `work` may run twice: once planned, once in a transaction. */
  change(work: (tx: InsightChanges) => Promise<Reply>): Promise<Reply>;
}

/**
 * The insights bound to one invocation (a retry of a change never gets here: dispatch.ts gives
 * it its stored reply first). With `ahead.pledge` (the pledge its command names, read with the
 * person), that pledge and the asker's signatures on it are answered from the read; with it,
 * `ahead.followUp` or `ahead.newPledge` (/pledge new's read), the change is planned from the
 * read (InsightStore.once).
 */
export function bindInsights(deps: InsightDeps, change: ChangeContext, ahead: InsightReadAhead = {}): InsightContext {
  const { pledge: read = null, followUp = null, workshop = null, newPledge = null, logged = null } = ahead;
  const inner = deps.store;
  const planned = read || followUp ? { pledge: read, followUp } : workshop ? { workshop } : newPledge ? { newPledge } : logged ? { logged } : undefined;
  const once = (work: (tx: InsightChanges) => Promise<Reply>) => inner.once(change, work, planned);
  if (workshop) return { store: withWorkshopRead(inner, change.partnershipId, workshop), links: deps.links, change: once };
  if (!read) return { store: inner, links: deps.links, change: once };
  const { pledge } = read;
  const store: InsightStore = Object.create(inner, {
    findPledge: { value: (partnershipId: number, id: number) => (partnershipId === change.partnershipId && id === pledge.id ? Promise.resolve(pledge) : inner.findPledge(partnershipId, id)) },
    signaturesBy: {
      value: (pledgeId: number, personId: number) =>
        pledgeId === pledge.id && personId === change.actor.id ? Promise.resolve(read.mine.filter((s) => s.withdrawnAt === null)) : inner.signaturesBy(pledgeId, personId),
    },
  }) as InsightStore;
  return { store, links: deps.links, change: once };
}

/** The store, but answering `findWorkshop` and `indicatorById` for the workshop read ahead and its indicator from that read. */
function withWorkshopRead(inner: InsightStore, partnershipId: number, read: WorkshopAsRead): InsightStore {
  const { workshop, indicator } = read;
  return Object.create(inner, {
    findWorkshop: { value: (asked: number, id: number) => (asked === partnershipId && id === workshop.id ? Promise.resolve(workshop) : inner.findWorkshop(asked, id)) },
    indicatorById: { value: (asked: number, id: number) => (asked === partnershipId && id === workshop.indicatorId ? Promise.resolve(indicator) : inner.indicatorById(asked, id)) },
  }) as InsightStore;
}
