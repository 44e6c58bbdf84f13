import type { PrismaClient } from "../../../generated/prisma/client.ts";
import type { ActionState } from "../../domain/model.ts";
import { isoDate } from "./views.ts";

/**
 * Reads for the web scorecard that the chat commands do not need: a plan's actions a page
 * at a time, a pledge's public register, and when each page's data last changed. Only the
 * columns a public page may show are selected: no evidence, notes, emails or private signers.
 */

export interface PlanActionRow {
  ref: string;
  title: string;
  state: ActionState;
  ownerText: string | null;
  priority: { number: number | null; title: string } | null;
  milestones: number;
  milestonesDone: number;
  /** The first open milestone, soonest due first (dateless last). */
  next: { ref: string; text: string; dueDate: string | null; duePhrase: string | null } | null;
}

export interface PlanPage {
  plan: { key: string; title: string; periodStart: string | null; periodEnd: string | null };
  actions: PlanActionRow[];
  total: number;
  lastChanged: Date | null;
}

/** One page of a plan's actions in the plan's own order (the order they were loaded in); null when there is no such plan. */
export async function planActionsPage(prisma: PrismaClient, partnershipId: number, planKey: string, page: number, perPage: number): Promise<PlanPage | null> {
  const plan = await prisma.plan.findUnique({
    where: { partnershipId_key: { partnershipId, key: planKey } },
    select: { id: true, key: true, title: true, periodStart: true, periodEnd: true },
  });
  if (!plan) return null;
  const [rows, total, actionChange, milestoneChange] = await Promise.all([
    prisma.action.findMany({
      where: { planId: plan.id },
      orderBy: { id: "asc" },
      skip: (page - 1) * perPage,
      take: perPage,
      select: {
        ref: true,
        title: true,
        state: true,
        ownerText: true,
        priority: { select: { number: true, title: true } },
        milestones: { select: { ref: true, text: true, dueDate: true, duePhrase: true, doneAt: true, position: true }, orderBy: { position: "asc" } },
      },
    }),
    prisma.action.count({ where: { planId: plan.id } }),
    prisma.action.aggregate({ where: { planId: plan.id }, _max: { updatedAt: true } }),
    prisma.milestone.aggregate({ where: { action: { planId: plan.id } }, _max: { updatedAt: true } }),
  ]);
  const actions = rows.map((a): PlanActionRow => {
    const open = a.milestones.filter((m) => !m.doneAt).sort((x, y) => (x.dueDate?.getTime() ?? Infinity) - (y.dueDate?.getTime() ?? Infinity) || x.position - y.position);
    const next = open[0];
    return {
      ref: a.ref,
      title: a.title,
      state: a.state,
      ownerText: a.ownerText,
      priority: a.priority,
      milestones: a.milestones.length,
      milestonesDone: a.milestones.length - open.length,
      next: next ? { ref: next.ref, text: next.text, dueDate: isoDate(next.dueDate), duePhrase: next.duePhrase } : null,
    };
  });
  return {
    plan: { key: plan.key, title: plan.title, periodStart: isoDate(plan.periodStart), periodEnd: isoDate(plan.periodEnd) },
    actions,
    total,
    lastChanged: latest(actionChange._max.updatedAt, milestoneChange._max.updatedAt),
  };
}

export interface PublicSigner {
  name: string;
  onBehalfOf: string;
  commitment: string;
  signedAt: Date;
}

export interface PublicRegister {
  /** Everyone who has signed and not withdrawn, public or not: the count the register states. */
  signers: number;
  /** Public signers only, newest first, one page of them. */
  public: PublicSigner[];
  publicTotal: number;
  lastChanged: Date | null;
}

/**
 * A pledge's register as the public may see it. Private signers are counted in the database
 * and never read: their names and commitments do not leave it.
 */
export async function publicRegister(prisma: PrismaClient, pledgeId: number, page: number, perPage: number): Promise<PublicRegister> {
  const current = { pledgeId, withdrawnAt: null };
  const [signers, publicTotal, rows, signed, withdrawn] = await Promise.all([
    prisma.pledgeSignature.count({ where: current }),
    prisma.pledgeSignature.count({ where: { ...current, isPublic: true } }),
    prisma.pledgeSignature.findMany({
      where: { ...current, isPublic: true },
      orderBy: [{ signedAt: "desc" }, { id: "desc" }],
      skip: (page - 1) * perPage,
      take: perPage,
      select: { onBehalfOf: true, commitment: true, signedAt: true, person: { select: { name: true } } },
    }),
    prisma.pledgeSignature.aggregate({ where: { pledgeId }, _max: { signedAt: true } }),
    prisma.pledgeSignature.aggregate({ where: { pledgeId }, _max: { withdrawnAt: true } }),
  ]);
  return {
    signers,
    publicTotal,
    public: rows.map((r) => ({ name: r.person.name, onBehalfOf: r.onBehalfOf, commitment: r.commitment, signedAt: r.signedAt })),
    lastChanged: latest(signed._max.signedAt, withdrawn._max.withdrawnAt),
  };
}

/** When anything in the partnership last changed: its latest audit event (every change writes one), else when it was made. */
export async function partnershipLastChanged(prisma: PrismaClient, partnershipId: number): Promise<Date | null> {
  const [audit, partnership] = await Promise.all([
    prisma.auditEvent.aggregate({ where: { partnershipId }, _max: { at: true } }),
    prisma.partnership.findUnique({ where: { id: partnershipId }, select: { createdAt: true } }),
  ]);
  return audit._max.at ?? partnership?.createdAt ?? null;
}

/** When an indicator's readings last changed: the latest recorded reading. */
export async function indicatorLastChanged(prisma: PrismaClient, indicatorId: number): Promise<Date | null> {
  const found = await prisma.indicatorReading.aggregate({ where: { indicatorId }, _max: { recordedAt: true } });
  return found._max.recordedAt;
}

/** The pledges of a partnership, for the scorecard's list of registers: id, title and open signers. */
export async function pledgeList(prisma: PrismaClient, partnershipId: number): Promise<{ id: number; title: string; signers: number }[]> {
  const rows = await prisma.pledge.findMany({
    where: { partnershipId },
    orderBy: { id: "desc" },
    take: 100,
    select: { id: true, title: true, _count: { select: { signatures: { where: { withdrawnAt: null } } } } },
  });
  return rows.map((r) => ({ id: r.id, title: r.title, signers: r._count.signatures }));
}

/** The latest of some instants, ignoring the missing. */
export function latest(...instants: (Date | null | undefined)[]): Date | null {
  let found: Date | null = null;
  for (const at of instants) if (at && (!found || at > found)) found = at;
  return found;
}
