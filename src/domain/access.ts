import { CurveError } from "./errors.ts";
import type { Party, PersonRole, PersonSummary } from "./model.ts";
import { closedPlanRefusal, type ClosedPlanSubject } from "./plan-refresh.ts";

/**
 * Who may do what: every role rule in Curve, in one table.
 *
 * Anyone in the partnership may read the plans. Changes, private data and some deliveries
 * are kept to people with a standing towards the thing concerned (its owner, its priority's
 * CTB sponsor or lead, its creator…) or a partnership role (coordinator, admin, board member,
 * Child Friendly City ambassador), as the plans themselves assign them (seed 000 §8).
 *
 * Ask with `may(actor, capability, subject)`; it answers who the actor is to the subject
 * (`because`), or, when refused, a sentence naming who can. `requirePermission` throws that
 * sentence as a `not_permitted` CurveError, for commands. Capabilities that concern the
 * partnership as a whole take no subject: `may(actor, "pledge.create")`.
 *
 * To add a rule:
 *  1. add the capability and the subject it needs to `Subjects` (a structural type: any view
 *     with those fields will do; use `null` when it has no subject);
 *  2. add its entry to `RULES`: what is being done (`doing`), how a refusal names the thing
 *     (`by`), and its grants, most specific first, built from `role(…)` and `people(…)`;
 *  3. add a row to the table in test/unit/access.test.ts.
 */

/** What makes someone allowed: their relation to the subject, or a partnership role. */
export type Standing =
  | "owner"
  | "team_member"
  | "creator"
  | "indicator_owner"
  | "sponsor"
  | "lead"
  | "coordinator"
  | "admin"
  | "ambassador"
  | "board_member";

/** The least the rules need to know about the person asking. `teamIds` are the teams they belong to. */
export interface Actor {
  id: number;
  roles: readonly PersonRole[];
  teamIds?: readonly number[];
}

/** A priority's CTB sponsors and leads (a PriorityView or IndicatorPriority will do). */
export interface PriorityRoles {
  sponsors: readonly PersonSummary[];
  leads: readonly PersonSummary[];
}

/** An indicator as the rules see it (an IndicatorView will do). */
export interface IndicatorSubject {
  code: string;
  owner: PersonSummary | null;
  priority: PriorityRoles | null;
}

/** Each capability and what it is asked about. */
export interface Subjects {
  /**
   * Change an action or any of its milestones: status, done, undo, evidence, dates, snoozes.
   * Nobody may change an action of a refreshed (closed) plan: its work moved to the new plan.
   */
  "action.change": { ref: string; owners: readonly Party[]; priority: PriorityRoles | null; closedPlan?: ClosedPlanSubject["closedPlan"] };
  /** Choose the channel where progress on a priority is announced. */
  "priority.channel": PriorityRoles;
  /** Record an indicator's readings. */
  "indicator.record": IndicatorSubject;
  /** Log, or add to, an OBA workshop on an indicator; `creator` is who started the workshop, if anyone. */
  "workshop.log": { indicator: IndicatorSubject; creator: PersonSummary | null };
  /** Start a pledge. */
  "pledge.create": null;
  /** See a pledge's private side: every signer's name (export) and its follow-up tally. */
  "pledge.manage": { createdById: number | null };
  /** Link a Slack or Teams account to a person. */
  "account.link": null;
  /** Receive the partnership's monthly digest (seed 000 §8.1: the board sees exceptions monthly). */
  "digest.monthly": null;
  /** See, in a digest, the messages Curve could not deliver and why. */
  "digest.undelivered": null;
  /** Choose what the partnership's web pages show to the public (/curve publish). */
  "web.publish": null;
  /** Have a signed link to the full web scorecard, public or not (/report link); `sponsorIds` are the partnership's CTB sponsors. */
  "scorecard.link": { sponsorIds: readonly number[] };
  /** List every failed delivery with its reason (/curve deliveries failed). */
  "deliveries.list": null;
  /** Choose the partnership's bank holiday calendar (England and Wales, Scotland, Northern Ireland). */
  "partnership.calendar": null;
  /** Change what the personal-data guard blocks, asks about or ignores, and see how often it held text. */
  "privacy.settings": null;
  /** Set an indicator's target, forecast, tolerance, periodicity or owner (what its RAG is judged by). */
  "indicator.tune": IndicatorSubject;
  /** Add, review or close a risk; `what` is said in a refusal ("review R3"), `owner` is null for a new risk. */
  "risk.change": { what: string; owner: PersonSummary | null; priority: PriorityRoles | null };
  /** Change the reporting calendar (/report schedule). */
  "report.schedule": null;
  /** Take the board pack: private data, sent to the asker alone. */
  "report.board_pack": null;
  /** Add people to teams and organisations, or take them off (/team add|remove). */
  "team.manage": null;
  /** Add a person to the partnership (/curve person add). */
  "person.add": null;
  /** Give or take a partnership role: coordinator, admin, board member, ambassador (/curve role). */
  "person.role": null;
}

export type Capability = keyof Subjects;

/** The answer to "may they?": who they are to the subject, or a sentence naming who can. */
export type Decision =
  | { allowed: true; because: Standing }
  | { allowed: false; /** "ATT-4 can be changed by its owner (…), … or an admin." */ whoCan: string; /** "You can't change ATT-4. " + whoCan */ message: string };

interface Grant<S> {
  standing: Standing;
  holds(actor: Actor, subject: S): boolean;
  /** How a refusal names the holders ("its lead (Simon Flowers)"), or null when nobody holds it. */
  describe(subject: S): string | null;
}

interface Rule<S> {
  /** What a refusal says cannot be done: "change ATT-4". */
  doing(subject: S): string;
  /** The start of the sentence naming who can: "ATT-4 can be changed by". */
  by(subject: S): string;
  grants: readonly Grant<S>[];
  /** A sentence when nobody at all may do it now (the subject's plan is closed), else null. */
  closed?(subject: S): string | null;
}

const ROLE_NAMES: Record<PersonRole, string> = {
  coordinator: "a coordinator",
  admin: "an admin",
  board_member: "a board member",
  ambassador: "a Child Friendly City ambassador",
};

/** A partnership role grants it, whatever the subject. */
function role<S>(name: PersonRole): Grant<S> {
  return { standing: name, holds: (actor) => actor.roles.includes(name), describe: () => ROLE_NAMES[name] };
}

/** The people the subject names grant it: "its lead (Simon Flowers)", "its leads (A and B)". */
function people<S>(standing: Standing, who: (subject: S) => readonly PersonSummary[], one: string, many = `${one}s`): Grant<S> {
  return {
    standing,
    holds: (actor, subject) => who(subject).some((p) => p.id === actor.id),
    describe: (subject) => {
      const names = who(subject).map((p) => p.name);
      return names.length ? `${names.length > 1 ? many : one} (${joinNames(names)})` : null;
    },
  };
}

const personOwners = (owners: readonly Party[]) => owners.flatMap((o) => (o.kind === "person" ? [o.person] : []));
const inTeam = (actor: Actor, team: Extract<Party, { kind: "team" }>) => team.memberIds.includes(actor.id) || (actor.teamIds ?? []).includes(team.id);

type ActionSubject = Subjects["action.change"];
const actionOwners: Grant<ActionSubject> = {
  standing: "owner",
  holds: (actor, action) => personOwners(action.owners).some((p) => p.id === actor.id),
  // Named with the owning teams, as the plan names them: "its owners (Jancis Andrew and members of Cluster chairs)".
  describe: (action) => {
    const names = action.owners.map((o) => (o.kind === "person" ? o.person.name : `members of ${o.name}`));
    return names.length ? `its ${names.length > 1 ? "owners" : "owner"} (${joinNames(names)})` : null;
  },
};
const owningTeams: Grant<ActionSubject> = {
  standing: "team_member",
  holds: (actor, action) => action.owners.some((o) => o.kind === "team" && inTeam(actor, o)),
  describe: () => null, // named with the owners
};

type IndicatorRule = Subjects["indicator.record"];
const indicatorOwner = people<IndicatorRule>("indicator_owner", (i) => (i.owner ? [i.owner] : []), "its owner");

const RULES: { [C in Capability]: Rule<Subjects[C]> } = {
  "action.change": {
    doing: (a) => `change ${a.ref}`,
    by: (a) => `${a.ref} can be changed by`,
    closed: (a) => closedPlanRefusal({ ref: a.ref, closedPlan: a.closedPlan ?? null }),
    grants: [
      actionOwners,
      owningTeams,
      people("sponsor", (a) => a.priority?.sponsors ?? [], "the priority's CTB sponsor"),
      people("lead", (a) => a.priority?.leads ?? [], "its lead"),
      role("coordinator"),
      role("admin"),
    ],
  },
  "priority.channel": {
    doing: () => "choose where this priority's progress is announced",
    by: () => "That can be chosen by",
    grants: [
      people("sponsor", (p) => p.sponsors, "the priority's CTB sponsor"),
      people("lead", (p) => p.leads, "its lead"),
      role("coordinator"),
      role("admin"),
    ],
  },
  "indicator.record": {
    doing: (i) => `record ${i.code}'s readings`,
    by: () => "They can be recorded by",
    grants: [indicatorOwner, people("lead", (i) => i.priority?.leads ?? [], "its priority's lead"), role("coordinator"), role("admin")],
  },
  "workshop.log": {
    doing: (w) => `log ${w.indicator.code}'s workshops`,
    by: () => "They can be logged by",
    grants: [
      people("creator", (w) => (w.creator ? [w.creator] : []), "the workshop's creator"),
      { ...indicatorOwner, holds: (actor, w) => indicatorOwner.holds(actor, w.indicator), describe: (w) => indicatorOwner.describe(w.indicator) },
      people("sponsor", (w) => w.indicator.priority?.sponsors ?? [], "its priority's CTB sponsor"),
      people("lead", (w) => w.indicator.priority?.leads ?? [], "its priority's lead"),
      role("coordinator"),
      role("admin"),
    ],
  },
  "pledge.create": {
    doing: () => "create pledges",
    by: () => "Pledges can be created by",
    grants: [role("coordinator"), role("admin"), role("ambassador")],
  },
  "pledge.manage": {
    doing: () => "see every signer of this pledge",
    by: () => "They can be seen by",
    grants: [
      { standing: "creator", holds: (actor, p) => p.createdById === actor.id, describe: () => "the pledge's creator" },
      role("coordinator"),
      role("admin"),
    ],
  },
  "account.link": {
    doing: () => "link accounts",
    by: () => "Accounts can be linked by",
    grants: [role("coordinator"), role("admin")],
  },
  "digest.monthly": {
    doing: () => "receive the monthly digest",
    by: () => "It goes to",
    grants: [role("coordinator"), role("board_member")],
  },
  "digest.undelivered": {
    doing: () => "see undelivered messages",
    by: () => "They can be seen by",
    grants: [role("coordinator")],
  },
  "web.publish": {
    doing: () => "choose what the web pages show",
    by: () => "That can be chosen by",
    grants: [role("coordinator"), role("admin")],
  },
  "scorecard.link": {
    doing: () => "have a link to the full scorecard",
    by: () => "That link can be given to",
    grants: [
      role("coordinator"),
      role("admin"),
      { standing: "sponsor", holds: (actor, s) => s.sponsorIds.includes(actor.id), describe: () => "a CTB sponsor" },
    ],
  },
  "deliveries.list": {
    doing: () => "see Curve's failed deliveries",
    by: () => "They can be seen by",
    grants: [role("coordinator"), role("admin")],
  },
  "partnership.calendar": {
    doing: () => "set the partnership's bank holidays",
    by: () => "They can be set by",
    grants: [role("coordinator"), role("admin")],
  },
  "privacy.settings": {
    doing: () => "change what the personal-data guard checks",
    by: () => "It can be changed by",
    grants: [role("coordinator"), role("admin")],
  },
  "indicator.tune": {
    doing: (i) => `set ${i.code}'s target, forecast, tolerance, periodicity or owner`,
    by: () => "They can be set by",
    grants: [indicatorOwner, people("lead", (i) => i.priority?.leads ?? [], "its priority's lead"), role("coordinator"), role("admin")],
  },
  "risk.change": {
    doing: (r) => r.what,
    by: () => "That can be done by",
    grants: [
      people("owner", (r) => (r.owner ? [r.owner] : []), "the risk's owner"),
      people("sponsor", (r) => r.priority?.sponsors ?? [], "the priority's CTB sponsor"),
      people("lead", (r) => r.priority?.leads ?? [], "its lead"),
      role("coordinator"),
      role("admin"),
    ],
  },
  "report.schedule": {
    doing: () => "change the reporting calendar",
    by: () => "It can be changed by",
    grants: [role("coordinator"), role("admin")],
  },
  "report.board_pack": {
    doing: () => "take the board pack",
    by: () => "It goes to",
    grants: [role("coordinator"), role("admin"), role("board_member")],
  },
  "team.manage": {
    doing: () => "change who is in a team",
    by: () => "Teams can be changed by",
    grants: [role("coordinator"), role("admin")],
  },
  "person.add": {
    doing: () => "add people to the partnership",
    by: () => "People can be added by",
    grants: [role("coordinator"), role("admin")],
  },
  "person.role": {
    doing: () => "give or take partnership roles",
    by: () => "Roles can be given by",
    grants: [role("admin")],
  },
};

type SubjectArgs<C extends Capability> = Subjects[C] extends null ? [] : [subject: Subjects[C]];

/**
 * May `actor` do `capability` to `subject`? Grants are tried in the rule's order, so
 * `because` is the most specific standing ("owner" before "coordinator"). A closed subject
 * (an action of a refreshed plan) is refused to everyone, with the sentence saying where it went. Pure.
 */
export function may<C extends Capability>(actor: Actor, capability: C, ...args: SubjectArgs<C>): Decision {
  const rule = RULES[capability] as Rule<Subjects[C]>;
  const subject = (args[0] ?? null) as Subjects[C];
  const closed = rule.closed?.(subject);
  if (closed) return { allowed: false, whoCan: closed, message: closed };
  const granted = rule.grants.find((g) => g.holds(actor, subject));
  if (granted) return { allowed: true, because: granted.standing };
  const holders = rule.grants.map((g) => g.describe(subject)).filter((d): d is string => d !== null);
  const whoCan = `${rule.by(subject)} ${joinNames(holders, "or")}.`;
  return { allowed: false, whoCan, message: `You can't ${rule.doing(subject)}. ${whoCan}` };
}

/**
 * As `may`, for commands: returns the actor's standing, or throws a `not_permitted`
 * CurveError whose sentence says who can.
 */
export function requirePermission<C extends Capability>(actor: Actor, capability: C, ...args: SubjectArgs<C>): Standing {
  const decision = may(actor, capability, ...args);
  if (!decision.allowed) throw new CurveError("not_permitted", decision.message);
  return decision.because;
}

/** Every capability, for tables and help. */
export const CAPABILITIES = Object.keys(RULES) as Capability[];

/** A capability that takes no subject: whether someone may is a matter of their roles alone. */
export type RoleCapability = { [C in Capability]: Subjects[C] extends null ? C : never }[Capability];

/**
 * The partnership roles that grant `capability`, found by asking its rule (so the rule stays
 * here, in one place): for a read that must tell, with the person, whether the change may
 * follow. invocation-reads.ts draws a new pledge's id only for someone who may make one, as a
 * sequence's value is spent whether or not it is used.
 */
export function rolesGranting(capability: RoleCapability): PersonRole[] {
  return (Object.keys(ROLE_NAMES) as PersonRole[]).filter((name) => (may as (actor: Actor, capability: RoleCapability) => Decision)({ id: 0, roles: [name] }, capability).allowed);
}

/** "A", "A and B", "A, B and C" (or with "or"). */
export function joinNames(names: readonly string[], conjunction = "and"): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} ${conjunction} ${names[names.length - 1]}`;
}

/**
 * Who hears about a milestone: the role rule behind nudges and escalations, so that nobody's
 * work falls through. Ids only; the sweep loads them.
 */
export interface MilestoneParties {
  /** People named as the action's owners. */
  ownerIds: readonly number[];
  /** Members of the teams named as its owners. */
  teamMemberIds: readonly number[];
  /** Its priority's leads and CTB sponsors (none when it has no priority). */
  leadIds: readonly number[];
  sponsorIds: readonly number[];
  /** The partnership's coordinators. */
  coordinatorIds: readonly number[];
}

/** Why a person hears about a milestone. */
export type HearingStanding = Extract<Standing, "owner" | "team_member" | "lead" | "sponsor" | "coordinator">;

export interface Hearer {
  personId: number;
  because: HearingStanding;
}

/**
 * Each id once, in first-seen order, leaving out `except`. A sweep calls this for every open
 * milestone, where lists hold one or two ids: looked up in the list, not through a set.
 */
function hearers(ids: readonly number[], because: HearingStanding, except?: ReadonlySet<number> | readonly number[]): Hearer[] {
  const out: Hearer[] = [];
  const seen = ids.length > 8 ? new Set<number>() : undefined;
  for (const personId of ids) {
    if (except && (Array.isArray(except) ? except.includes(personId) : (except as ReadonlySet<number>).has(personId))) continue;
    if (seen ? seen.has(personId) : out.some((h) => h.personId === personId)) continue;
    seen?.add(personId);
    out.push({ personId, because });
  }
  return out;
}

/**
 * Who is nudged about a milestone: its owners and the members of its owning teams; when
 * that is nobody (no owner, or a team with no members yet), its priority's leads; when its
 * priority has no lead either, the coordinators. Each person once, by their most specific
 * standing (an owner who is also in the owning team is nudged as owner). Pure.
 */
export function nudgeRecipients(parties: MilestoneParties): Hearer[] {
  const owners = hearers(parties.ownerIds, "owner");
  const members = hearers(parties.teamMemberIds, "team_member", parties.ownerIds);
  if (owners.length + members.length) return [...owners, ...members];
  const leads = hearers(parties.leadIds, "lead");
  return leads.length ? leads : hearers(parties.coordinatorIds, "coordinator");
}

/**
 * Who a stuck milestone is raised with at `level`: above whoever is nudged about it.
 * Lead level: the priority's leads, or, when there is none (or the lead is the one nudged,
 * for an action with no owner), the coordinators. Sponsor level: the CTB sponsors. Nobody
 * already nudged about it is told again as an escalation; an empty list raises nothing. Pure.
 */
export function escalationRecipients(level: "lead" | "sponsor", parties: MilestoneParties): Hearer[] {
  const nudged = new Set(nudgeRecipients(parties).map((h) => h.personId));
  if (level === "sponsor") return hearers(parties.sponsorIds, "sponsor", nudged);
  const leads = hearers(parties.leadIds, "lead", nudged);
  return leads.length ? leads : hearers(parties.coordinatorIds, "coordinator", nudged);
}
