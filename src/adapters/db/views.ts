import type { Prisma } from "../../../generated/prisma/client.ts";
import type { ActionView, MilestoneView, Party, Person, PriorityView } from "../../domain/model.ts";

/** Prisma rows to the domain's plain views. The only place that knows both shapes. */

const partyInclude = {
  person: { select: { id: true, name: true } },
  team: { select: { id: true, name: true, members: { select: { personId: true } } } },
} satisfies Prisma.ActionOwnerInclude;

export const milestoneInclude = {
  doneBy: { select: { id: true, name: true } },
  action: { select: { ref: true } },
} satisfies Prisma.MilestoneInclude;

// Only owners' team members matter (for permission); contributors need names only.
const contributorInclude = {
  person: { select: { id: true, name: true } },
  team: { select: { id: true, name: true } },
} satisfies Prisma.ActionContributorInclude;

export const actionInclude = {
  plan: { select: { key: true, title: true } },
  owners: { orderBy: { position: "asc" }, include: partyInclude },
  contributors: { orderBy: { position: "asc" }, include: contributorInclude },
  priority: {
    select: {
      id: true,
      number: true,
      title: true,
      obsession: true,
      roles: { orderBy: { position: "asc" }, select: { role: true, person: { select: { id: true, name: true } } } },
    },
  },
  milestones: { orderBy: { position: "asc" }, include: { doneBy: { select: { id: true, name: true } } } },
} satisfies Prisma.ActionInclude;

export const personInclude = { memberships: { select: { teamId: true } } } satisfies Prisma.PersonInclude;

type ActionRow = Prisma.ActionGetPayload<{ include: typeof actionInclude }>;
type MilestoneRow = Prisma.MilestoneGetPayload<{ include: typeof milestoneInclude }>;
type PartyRow = Prisma.ActionOwnerGetPayload<{ include: typeof partyInclude }> | Prisma.ActionContributorGetPayload<{ include: typeof contributorInclude }>;
type PersonRow = Prisma.PersonGetPayload<{ include: typeof personInclude }>;

export const isoDate = (value: Date | null): string | null => (value ? value.toISOString().slice(0, 10) : null);
export const dateFromIso = (value: string | null): Date | null => (value ? new Date(`${value}T00:00:00Z`) : null);

export function toPerson(row: PersonRow): Person {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    roles: row.roles,
    jobTitle: row.jobTitle,
    timeZone: row.timeZone,
    teamIds: row.memberships.map((m) => m.teamId),
  };
}

type MilestoneScalars = Omit<MilestoneRow, "action">;

export function toMilestone(row: MilestoneRow): MilestoneView {
  return milestoneView(row, row.action.ref);
}

export function milestoneView(row: MilestoneScalars, actionRef: string): MilestoneView {
  return {
    id: row.id,
    ref: row.ref,
    actionId: row.actionId,
    actionRef,
    text: row.text,
    kind: row.kind,
    precision: row.duePrecision,
    dueDate: isoDate(row.dueDate),
    dueStart: isoDate(row.dueStart),
    duePhrase: row.duePhrase,
    doneAt: row.doneAt,
    doneBy: row.doneBy,
    evidence: row.evidence,
  };
}

function toParty(row: PartyRow): Party | null {
  if (row.person) return { kind: "person", person: row.person };
  if (row.team) {
    const memberIds = "members" in row.team ? row.team.members.map((m) => m.personId) : [];
    return { kind: "team", id: row.team.id, name: row.team.name, memberIds };
  }
  return null;
}

export function toAction(row: ActionRow): ActionView {
  const priority: PriorityView | null = row.priority && {
    id: row.priority.id,
    number: row.priority.number,
    title: row.priority.title,
    obsession: row.priority.obsession,
    sponsors: row.priority.roles.filter((r) => r.role === "sponsor").map((r) => r.person),
    leads: row.priority.roles.filter((r) => r.role === "lead").map((r) => r.person),
  };
  return {
    id: row.id,
    planKey: row.plan.key,
    planTitle: row.plan.title,
    ref: row.ref,
    section: row.section,
    title: row.title,
    targeting: row.targeting,
    state: row.state,
    ownerText: row.ownerText,
    contributorText: row.contributorText,
    owners: row.owners.map(toParty).filter((p): p is Party => p !== null),
    contributors: row.contributors.map(toParty).filter((p): p is Party => p !== null),
    priority,
    milestones: row.milestones.map((m) => milestoneView(m, row.ref)),
    sourceNote: row.sourceNote,
  };
}
