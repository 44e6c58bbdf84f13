import type { FollowUpAsRead, NewPledgeAsRead, PledgeAsRead, WorkshopAsRead, WorkshopsLoggedAsRead } from "./insight-store.ts";
import type { RiskAsRead } from "./report-deps.ts";
import type { CalendarAsRead } from "./report-deps.ts";
import type { ClosedPlan } from "../domain/plan-refresh.ts";
import type { Region } from "../domain/schedule/bank-holidays.ts";
import type { ActionState, ActionView, AuditEntry, MilestoneView, Origin, Person, PersonRole, PersonSummary, PlatformName, PriorityView } from "../domain/model.ts";
import type { Due } from "../domain/dates/due-phrase.ts";
import type { Reply } from "../domain/reply.ts";
import type { IndicatorView } from "../domain/indicators/types.ts";
import type { DetectorKind, GuardAction, GuardPolicy, KnownToPartnership } from "../domain/privacy/guard.ts";
import type { HeldDecision, HeldTextRecord } from "./held-texts.ts";
import type { Publication, WebSection } from "../domain/web/publishing.ts";

/** Where a change came from and who made it; written into the audit event. */
export interface ChangeContext {
  partnershipId: number;
  actor: Person;
  origin: Origin;
  idempotencyKey: string;
  /** Who asked what (`requestFingerprint`): stored with the reply, so the key's reply answers only this request. */
  request?: string;
  at: Date;
  /** A held request this change decides (a decision on a held message runs its line again): settled with the change (`HeldSettlement`). */
  settles?: HeldSettlement;
}

/**
 * A held request decided by the change it runs: with the change, in the same statement or
 * transaction, the hold is purged, the decision audited ("privacy.decided", with the kinds found,
 * never the values) and the change's reply stored under the decision's own key (`key`,
 * `request`), so a retry of the decision gets it back. The store sets `settled` once it has
 * done so; a change answered by a stored reply, or made where the store cannot settle it,
 * leaves it false and the decision settles the hold itself (`HeldTextStore.settle`).
 */
export interface HeldSettlement {
  held: HeldTextRecord;
  decision: HeldDecision;
  /** The decision's own idempotency key, under which its reply is stored (none: no reply is). */
  key?: string;
  request?: string;
  settled: boolean;
}

export interface MilestoneFilter {
  ownerId?: number;
  actionId?: number;
  /** Open milestones due on or before this ISO date. */
  dueOnOrBefore?: string;
  /** Open milestones due on or after this ISO date (with dueOnOrBefore: a window). */
  dueOnOrAfter?: string;
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
  /** Set when the plan was refreshed into another: readable, closed to changes. */
  closedPlan?: ClosedPlan | null;
}

export interface PrioritySummary {
  planKey: string;
  planTitle: string;
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
 * the same transaction as the change; `once` makes a retry return the first answer.
 */
/** A team or organisation, as /team show lists it. */
export interface TeamView {
  id: number;
  name: string;
  kind: "team" | "organisation";
  members: { id: number; name: string }[];
  /** Refs of the actions the team owns. */
  owns: string[];
}

export interface Store {
  /** Every team and organisation of the partnership, with members and the actions each owns, by name. */
  teams(partnershipId: number): Promise<TeamView[]>;
  findPersonById(partnershipId: number, id: number): Promise<Person | null>;
  findPersonByIdentity(partnershipId: number, identity: { platform: string; tenant: string; userId: string }): Promise<Person | null>;
  /** People whose name contains the text, for choosing who you are in the shell. */
  searchPeople(partnershipId: number, text: string, limit: number): Promise<Person[]>;
  findPersonByEmail(partnershipId: number, email: string): Promise<Person | null>;
  /** The partnership a Slack workspace or Microsoft 365 tenant belongs to. */
  partnershipForTenant(platform: PlatformName, tenant: string): Promise<number | null>;
  /** Every partnership's id and slug; a lone partnership adopts the first workspace it meets. */
  partnerships(): Promise<{ id: number; slug: string; name: string }[]>;
  bindTenant(platform: PlatformName, tenant: string, partnershipId: number): Promise<void>;
  /** Keeps what a platform needs to message the person later (a Teams conversation reference). */
  rememberConversation(identity: PlatformIdentity, conversation: unknown): Promise<void>;
  conversationOf(personId: number, platform: PlatformName): Promise<{ identity: PlatformIdentity; conversation: unknown } | null>;
  /** Anyone's latest stored conversation in a tenant: where the platform's connector for that tenant is (Teams' service URL). */
  conversationInTenant(platform: PlatformName, tenant: string): Promise<{ identity: PlatformIdentity; conversation: unknown } | null>;
  /**
   * Slack users (workspace and user id) whose App Home shows a change to these actions: their
   * owners, team members, sponsors and leads, and the person who made it, if they have ever opened App Home.
   */
  homeViewersConcernedWith(partnershipId: number, actionIds: readonly number[], actorPersonId: number): Promise<{ tenant: string; userId: string }[]>;
  markHomeOpened(identity: PlatformIdentity, at: Date): Promise<void>;
  milestonesByIds(ids: number[]): Promise<MilestoneView[]>;
  /** Who each milestone has been raised with: level, date and the people told. */
  escalationsOf(milestoneIds: number[]): Promise<{ milestoneId: number; level: string; at: Date; names: string[] }[]>;
  /** Failed deliveries of the partnership, newest first, with the recorded reason (/curve deliveries). */
  failedDeliveries(partnershipId: number): Promise<{ person: string; kind: string; platform: string | null; lastError: string | null; at: Date }[]>;
  /** A person's settings; `region` is null when they follow the partnership's (`partnershipRegion`). */
  settingsOf(personId: number): Promise<Required<PersonSettings> & { partnershipRegion: Region }>;
  /** A person's linked accounts, most recent first. */
  identitiesOf(personId: number): Promise<PlatformIdentity[]>;
  findPeopleByName(partnershipId: number, name: string): Promise<Person[]>;
  standing(partnershipId: number, personId: number): Promise<PersonStanding>;
  findActionsByRef(partnershipId: number, ref: string, planKey?: string): Promise<ActionView[]>;
  /**
   * What an invocation needs before its command runs, read at once: who is asking (by person
   * id, or by a linked platform identity; null when neither finds them), the actions its
   * command will read by ref (as `findActionsByRef` returns them; null when `read` is null or
   * names an indicator) or the indicator it reads by code (as `InsightStore.findIndicator`
   * returns it), and the reply stored for its idempotency key (null when none, or `key` is null).
   * With `sight`, a delivery's key is also recorded as sighted, as `firstSighting` records it,
   * if the person is found: `sighted` then says whether this was its first sighting.
   */
  readInvocation(partnershipId: number, who: { personId: number } | PlatformIdentity, read: SubjectRead | null, key: string | null, sight?: string): Promise<InvocationReads>;
  /** The partnership's personal-data guard policy as stored, with how many messages it held by kind since `heldSince` (none read when null). */
  privacyOf(partnershipId: number, heldSince: Date | null): Promise<PrivacyAsRead>;
  /** What the partnership's web pages publish; null when it has never published (nothing is public). */
  publicationOf(partnershipId: number): Promise<Publication | null>;
  /** The partnership's bank-holiday calendar as stored; null when there is no such partnership. */
  partnershipCalendarOf(partnershipId: number): Promise<PartnershipCalendarAsRead | null>;
  /** The id of the person a platform account is linked to, in any partnership; null when it is linked to no one. */
  accountHolderOf(identity: PlatformIdentity): Promise<number | null>;
  allActionRefs(partnershipId: number): Promise<string[]>;
  listMilestones(partnershipId: number, filter: MilestoneFilter): Promise<{ items: MilestoneView[]; total: number }>;
  actionsOwnedBy(partnershipId: number, personId: number): Promise<ActionView[]>;
  /** The refs of the actions under the priorities a person sponsors or leads, by state. */
  actionStatesOverseenBy(partnershipId: number, personId: number): Promise<{ state: ActionState; refs: string[] }[]>;
  actionHistory(actionId: number, limit: number): Promise<AuditEntry[]>;
  planSummaries(partnershipId: number): Promise<PlanSummary[]>;
  prioritySummaries(partnershipId: number, planKey?: string): Promise<PrioritySummary[]>;

  /**
   * True the first time a platform delivery (event id, activity id) is seen, false for a
   * duplicate, on any instance: for inbound traffic that must not be answered twice. A change
   * the delivery then makes keeps its reply in the same receipt (one receipt per message).
   */
  firstSighting(partnershipId: number, key: string): Promise<boolean>;

  /**
   * Runs a change exactly once per idempotency key; a repeat returns the stored reply, marked
   * `replayed`. `change` must do nothing but call its ChangeStore and build the reply: a store
   * may run it first to plan the change as one statement, then again in a transaction when
   * the data moved on since the command read it.
   */
  once(ctx: ChangeContext, change: (tx: ChangeStore) => Promise<Reply>): Promise<Reply>;
}

/** An action named by ref, in a named plan or in any, as a command will read it. */
export interface ActionRead {
  ref: string;
  planKey?: string;
}

/** An indicator named by its code (any case), as a command will read it. */
export interface IndicatorRead {
  indicator: string;
  /** A person the line names too (their name or email, as `findPeopleByName` reads it): an indicator's new owner. */
  person?: string;
  /** For a workshop logged on it: the asker's workshops on it as read (insight-store.ts, `WorkshopsLoggedAsRead`). */
  workshopsLogged?: true;
}

/** A pledge named by id, as a change to it will read it: with the asker's own signatures (insight-store.ts, `PledgeAsRead`). */
export interface PledgeRead {
  pledgeId: number;
}

/** A follow-up question on a signature ("12.30": signature 12, at 30 days), as an answer to it will read it (insight-store.ts, `FollowUpAsRead`). */
export interface FollowUpRead {
  signatureId: number;
  stage: number;
}

/** A turn-the-curve workshop named by id ("W3"), as a change to it will read it: with its notes, actions and indicator (insight-store.ts, `WorkshopAsRead`). */
export interface WorkshopRead {
  workshopId: number;
  /** A person the line names too (as `findPeopleByName` reads it): a proposed action's owner. */
  person?: string;
}

/** The asker's own settings (/curve settings), as `Store.settingsOf` reads them. */
export interface SettingsRead {
  settings: "own";
}

/** The partnership's personal-data guard policy (/curve privacy), with its held counts since `heldSince` (none when null), as `Store.privacyOf` reads them. */
export interface PrivacyRead {
  privacy: { heldSince: Date | null };
}

/** What the partnership's web pages publish (/curve publish), as `Store.publicationOf` reads it. */
export interface PublicationRead {
  publication: "web";
}

/** The partnership's bank-holiday calendar (/curve settings region partnership), as `Store.partnershipCalendarOf` reads it. */
export interface PartnershipCalendarRead {
  partnershipCalendar: true;
}

/**
 * A platform account linked to a person named by full name or email (/curve link), as the link
 * reads them: the people of that name (`findPeopleByName`) and whom the account is linked to now
 * (`Store.accountHolderOf`).
 */
export interface LinkRead {
  person: string;
  account: PlatformIdentity;
}

/** A new pledge's title, as /pledge new will read it: the partnership's pledges of that title and an id for it (insight-store.ts, `NewPledgeAsRead`). */
export interface NewPledgeRead {
  newPledgeTitle: string;
}

/** A risk named by number ("R3"), as a review or a closing reads it (report-deps.ts, `RiskAsRead`). */
export interface RiskRead {
  risk: number;
}

/**
 * Where a new risk goes, as /risk add names it (a plan key, a priority's ref prefix, an action's
 * ref; null for the partnership's only plan), with the risks already open there (report-deps.ts, `RiskAsRead`).
 */
export interface RiskHomeRead {
  riskHome: string | null;
  /** The owner the line names (their name or email, as `findPeopleByName` reads it). */
  person?: string;
}

/** The reporting calendar with the plans it may name, as /report schedule reads it (report-deps.ts, `CalendarAsRead`). */
export interface ReportCalendarRead {
  reportCalendar: true;
}

/** A person named by full name or email, as a change to them reads them (`findPeopleByName`): a role given. */
export interface PersonRead {
  person: string;
}

/**
 * Every team (`Store.teams`), as a change to one reads them (a member added or taken off),
 * with the people named by each of `people` (`findPeopleByName`): the names the rest of the
 * line may be, once the team's name is taken off its start.
 */
export interface TeamRead {
  teams: true;
  people: string[];
}

/**
 * A held message named by its token (/curve held), as a decision on it reads it: the held
 * request (`HeldAsRead`) with, when the request names an action, what its line reads by it (an
 * `ActionRead` kept with the hold), so the request can be run again from this one read.
 */
export interface HeldRead {
  held: string;
}

/**
 * Beside what a line reads: the personal-data guard's context (its policy, the partnership's own
 * names and emails; held-texts.ts, `guardContextQuery`), asked for when the line's free text may
 * hold personal data, so that holding it needs no read of its own. Alone: that and nothing more.
 */
export interface GuardContextRead {
  guardContext: true;
}

/** What a subcommand reads by name, read with the person asking (`Store.readInvocation`). */
export type SubjectRead =
  | ((ActionRead | IndicatorRead | PledgeRead | FollowUpRead | WorkshopRead | RiskRead | RiskHomeRead | PersonRead | TeamRead | NewPledgeRead | SettingsRead | PrivacyRead | PublicationRead | ReportCalendarRead | PartnershipCalendarRead | LinkRead | HeldRead) & Partial<GuardContextRead>)
  | GuardContextRead;

/** The personal-data guard's policy as stored (null: never changed, every kind at its default), and how many messages it held by kind (null when not read). */
export interface PrivacyAsRead {
  stored: Partial<Record<DetectorKind, GuardAction>> | null;
  held: { kind: DetectorKind; count: number }[] | null;
}

/** What the personal-data guard checks text against: the partnership's policy, and its own people's names and emails (exempt). */
export interface GuardContext {
  policy: GuardPolicy;
  known: KnownToPartnership;
}

/**
 * A held request as a decision on it reads it (`HeldRead`): the hold, and, when the line it
 * holds reads an action by ref (`read`, kept with the hold), the actions that ref finds (as
 * `findActionsByRef` returns them; null when it reads anything else, which is then read again).
 */
export interface HeldAsRead {
  record: HeldTextRecord;
  read: ActionRead | null;
  actions: ActionView[] | null;
}

/** A person's own settings and their partnership's calendar, as `Store.settingsOf` reads them. */
export type SettingsAsRead = Required<PersonSettings> & { partnershipRegion: Region };

/** The partnership's calendar as stored: its slug (the audit's ref) and its region (a Region, unless stored outside Curve). */
export interface PartnershipCalendarAsRead {
  slug: string;
  region: string;
}

/** See `Store.readInvocation`. */
export interface InvocationReads {
  person: Person | null;
  actions: ActionView[] | null;
  /** For an IndicatorRead: the indicator with that code (null when none has it). Absent for any other read. */
  indicator?: IndicatorView | null;
  /** For a read that names a person: those `findPeopleByName` finds by that name. Absent otherwise. */
  people?: Person[];
  /** For a TeamRead: every team, as `Store.teams` reads them. Absent otherwise. */
  teams?: TeamView[];
  /** For a TeamRead: for each of its names, those `findPeopleByName` finds by it. Absent otherwise. */
  peopleNamed?: { name: string; people: Person[] }[];
  /** For a PledgeRead: the pledge as read (null when the partnership has no such pledge); absent otherwise. */
  pledge?: PledgeAsRead | null;
  /** For a FollowUpRead: the question as read (null when the partnership has no such question); absent otherwise. */
  followUp?: FollowUpAsRead | null;
  /** For a WorkshopRead: the workshop with its indicator (null when the partnership has no such workshop); absent otherwise. */
  workshop?: WorkshopAsRead | null;
  /** For a RiskRead or RiskHomeRead: the risk, or where a new one goes, as read; absent otherwise. */
  risk?: RiskAsRead;
  /** For a NewPledgeRead: the pledges of that title with an id drawn for a new one (null when the partnership is not found); absent otherwise. */
  newPledge?: NewPledgeAsRead | null;
  /** For a SettingsRead: the asker's settings (null when the asker was not found); absent otherwise. */
  settings?: SettingsAsRead | null;
  /** For a PrivacyRead: the partnership's policy as stored, with its held counts; absent otherwise. */
  privacy?: PrivacyAsRead | null;
  /** For a PublicationRead: what the web pages publish (null when the partnership never published); absent otherwise. */
  publication?: Publication | null;
  /** For a PartnershipCalendarRead: the partnership's calendar as stored (null when the partnership is not found); absent otherwise. */
  partnershipCalendar?: PartnershipCalendarAsRead | null;
  /** For a LinkRead: the id of the person its account is linked to now, in any partnership (null when none); absent otherwise. */
  accountHolder?: number | null;
  /** For an IndicatorRead with `workshopsLogged`: the asker's workshops on the indicator (null when none has the code); absent otherwise. */
  workshopsLogged?: WorkshopsLoggedAsRead | null;
  /** For a ReportCalendarRead: the plans and the reporting calendar as read; absent otherwise. */
  calendar?: CalendarAsRead;
  /** For a read with `guardContext`: the guard's policy and the partnership's own names and emails; absent otherwise. */
  guardContext?: GuardContext;
  /** For a HeldRead: the held request (null when none is held under that token, or it expired); absent otherwise. */
  held?: HeldAsRead | null;
  stored: Reply | null;
  /** Asked for with `sight` and the person found: true on the key's first sighting, false for a redelivery. Absent otherwise. */
  sighted?: boolean;
}

export interface PlatformIdentity {
  platform: PlatformName;
  tenant: string;
  userId: string;
}

/** What a person can set for themselves with /curve settings. */
export interface PersonSettings {
  timeZone?: string;
  quietStartMinute?: number;
  quietEndMinute?: number;
  digestWeekday?: number;
  digestMinute?: number;
  /** Their bank holiday calendar; null follows the partnership's. */
  region?: Region | null;
}

/** Changes bound to one ChangeContext and one transaction. */
export interface ChangeStore {
  markMilestoneDone(milestone: MilestoneView, evidence: string | null): Promise<ChangeOutcome<MilestoneView>>;
  reopenMilestone(milestone: MilestoneView): Promise<ChangeOutcome<MilestoneView>>;
  addMilestoneEvidence(milestone: MilestoneView, evidence: string): Promise<ChangeOutcome<MilestoneView>>;
  setMilestoneDue(milestone: MilestoneView, due: Due): Promise<ChangeOutcome<MilestoneView>>;
  /** The action as changed, and the state it had before: the row's own, which can differ from the action as the command read it. */
  setActionState(action: ActionView, state: ActionState, note: string | null): Promise<ChangeOutcome<{ action: ActionView; was: ActionState }>>;
  /** Not applied ("unchanged") when the action's latest note already says `text`. */
  addActionNote(action: ActionView, text: string): Promise<ChangeOutcome<null>>;
  /**
   * Links a platform user to a person (moving the account from whoever held it); returns false
   * when that user was already linked to them. `heldBy` is whom the account was linked to when
   * the command read it (`Store.accountHolderOf`; null: no one), which the change is decided
   * on, and made in one statement while it still is; without it, in a transaction.
   */
  linkIdentity(person: Person, identity: PlatformIdentity, heldBy?: number | null): Promise<boolean>;
  setPriorityChannel(priority: PriorityView, channel: string | null): Promise<ChangeOutcome<PriorityView>>;
  /** Holds a milestone's nudges until then; returns how many times it has now been snoozed. */
  snoozeMilestone(milestone: MilestoneView, until: Date, reason: string): Promise<ChangeOutcome<{ count: number }>>;
  /**
   * Sets some of a person's settings; the value is all their settings after it. `asRead` is the
   * person's settings as the command read them (`Store.settingsOf`), which the change is
   * decided on, and made in one statement while they are still so; without it, in a transaction.
   */
  updateSettings(person: Person, settings: PersonSettings, asRead?: Required<PersonSettings>): Promise<ChangeOutcome<Required<PersonSettings>>>;
  /**
   * What the personal-data guard does with one kind (coordinators and admins); the value is the
   * whole policy after it. `asRead` is the policy as stored when the command read it (`PrivacyAsRead.stored`).
   */
  setPrivacyPolicy(kind: DetectorKind, action: GuardAction, asRead: PrivacyAsRead["stored"]): Promise<ChangeOutcome<GuardPolicy>>;
  /**
   * Makes one section of the web pages public or not (coordinators); the value is the whole
   * publication after it. `asRead` is the publication as the command read it (`Store.publicationOf`).
   */
  setSectionPublished(section: WebSection, on: boolean, asRead: Publication | null): Promise<ChangeOutcome<Publication>>;
  /**
   * The partnership's bank holiday calendar (coordinators and admins). `asRead` is the calendar
   * as the command read it (`Store.partnershipCalendarOf`), which the change is decided on, and
   * made in one statement while it is still so; without it, in a transaction.
   */
  setPartnershipRegion(region: Region, asRead?: PartnershipCalendarAsRead): Promise<ChangeOutcome<{ region: Region }>>;
  /** A new team (or organisation) by name; "exists" when one of that name (any case) is there. */
  createTeam(name: string, kind: "team" | "organisation"): Promise<ChangeOutcome<{ id: number; name: string }>>;
  /** The team or organisation of that name (any case) as it is now, or null: one another change made since the command read the teams. */
  teamNamed(name: string): Promise<{ id: number; name: string } | null>;
  /** Adds or removes a member; false when they already were, or were not, a member. */
  setTeamMember(team: { id: number; name: string }, person: Person, member: boolean): Promise<boolean>;
  /** A new person in the partnership; "exists" when the email is taken. */
  addPerson(person: { name: string; email: string }): Promise<ChangeOutcome<{ id: number; name: string }>>;
  /** Gives or takes a partnership role; false when nothing changed. */
  setRole(person: Person, role: PersonRole, on: boolean): Promise<boolean>;
}
