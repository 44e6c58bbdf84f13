import { Prisma, type Platform, type PrismaClient } from "../../../generated/prisma/client.ts";
import type { ChangeContext, ChangeStore, MilestoneFilter, PersonStanding, PlanSummary, PrioritySummary, Store } from "../../commands/store.ts";
import type { ActionState, AuditEntry, Person } from "../../domain/model.ts";
import { compareForAttention } from "../../domain/milestone-status.ts";
import { compareRefs } from "../../domain/refs.ts";
import type { Reply } from "../../domain/reply.ts";
import { PrismaChangeStore } from "./prisma-change-store.ts";
import { actionInclude, dateFromIso, isoDate, milestoneInclude, personInclude, toAction, toMilestone, toPerson } from "./views.ts";

// A person's list is sorted in memory (overdue first, refs in reading order); this caps the fetch.
const MAX_LISTED = 500;

export class PrismaStore implements Store {
  constructor(private readonly prisma: PrismaClient) {}

  async findPersonById(partnershipId: number, id: number): Promise<Person | null> {
    const row = await this.prisma.person.findFirst({ where: { id, partnershipId }, include: personInclude });
    return row && toPerson(row);
  }

  async findPersonByIdentity(partnershipId: number, identity: { platform: string; tenant: string; userId: string }) {
    const row = await this.prisma.platformIdentity.findFirst({
      where: { platform: identity.platform as Platform, tenant: identity.tenant, userId: identity.userId, person: { partnershipId } },
      include: { person: { include: personInclude } },
    });
    return row && toPerson(row.person);
  }

  async searchPeople(partnershipId: number, text: string, limit: number): Promise<Person[]> {
    const rows = await this.prisma.person.findMany({
      where: { partnershipId, name: { contains: text, mode: "insensitive" } },
      include: personInclude,
      orderBy: { name: "asc" },
      take: limit,
    });
    return rows.map(toPerson);
  }

  async findPeopleByName(partnershipId: number, name: string): Promise<Person[]> {
    const rows = await this.prisma.person.findMany({
      where: {
        partnershipId,
        OR: [{ name: { equals: name, mode: "insensitive" } }, { email: { equals: name, mode: "insensitive" } }],
      },
      include: personInclude,
      take: 10,
    });
    return rows.map(toPerson);
  }

  async standing(partnershipId: number, personId: number): Promise<PersonStanding> {
    const ownedBy = { some: { OR: [{ personId }, { team: { members: { some: { personId } } } }] } };
    const [actionsOwned, openMilestones, roles, identities] = await Promise.all([
      this.prisma.action.count({ where: { plan: { partnershipId }, owners: ownedBy } }),
      this.prisma.milestone.count({ where: { doneAt: null, action: { plan: { partnershipId }, owners: ownedBy } } }),
      this.prisma.priorityRole.findMany({ where: { personId }, include: { priority: { select: { title: true, number: true } } } }),
      this.prisma.platformIdentity.findMany({ where: { personId }, select: { platform: true, tenant: true, userId: true } }),
    ]);
    const titled = (role: string) =>
      roles.filter((r) => r.role === role).map((r) => `${r.priority.number ? `${r.priority.number}. ` : ""}${r.priority.title}`);
    return { actionsOwned, openMilestones, sponsorOf: titled("sponsor"), leadOf: titled("lead"), identities };
  }

  async findActionsByRef(partnershipId: number, ref: string, planKey?: string) {
    const rows = await this.prisma.action.findMany({
      where: { ref, plan: { partnershipId, ...(planKey ? { key: planKey } : {}) } },
      include: actionInclude,
    });
    return rows.map(toAction);
  }

  async allActionRefs(partnershipId: number): Promise<string[]> {
    const rows = await this.prisma.action.findMany({ where: { plan: { partnershipId } }, select: { ref: true }, distinct: ["ref"] });
    return rows.map((r) => r.ref);
  }

  async listMilestones(partnershipId: number, filter: MilestoneFilter) {
    const where: Prisma.MilestoneWhereInput = {
      action: {
        plan: { partnershipId },
        ...(filter.actionId === undefined ? {} : { id: filter.actionId }),
        ...(filter.ownerId === undefined
          ? {}
          : { owners: { some: { OR: [{ personId: filter.ownerId }, { team: { members: { some: { personId: filter.ownerId } } } }] } } }),
      },
      ...(filter.open ? { doneAt: null } : {}),
      ...(filter.dueOnOrBefore ? { dueDate: { lte: dateFromIso(filter.dueOnOrBefore)! }, doneAt: null } : {}),
    };
    const rows = await this.prisma.milestone.findMany({ where, include: milestoneInclude, take: MAX_LISTED });
    const total = rows.length < MAX_LISTED ? rows.length : await this.prisma.milestone.count({ where });
    const items = rows.map(toMilestone).sort(filter.actionId === undefined ? compareForAttention : (a, b) => compareRefs(a.ref, b.ref));
    return { items: items.slice(0, filter.limit), total };
  }

  async actionsOwnedBy(partnershipId: number, personId: number) {
    const rows = await this.prisma.action.findMany({
      where: {
        plan: { partnershipId },
        owners: { some: { OR: [{ personId }, { team: { members: { some: { personId } } } }] } },
      },
      include: actionInclude,
      take: MAX_LISTED,
    });
    return rows.map(toAction).sort((a, b) => compareRefs(a.ref, b.ref));
  }

  async actionHistory(actionId: number, limit: number): Promise<AuditEntry[]> {
    const rows = await this.prisma.auditEvent.findMany({
      where: { actionId },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: limit,
      include: { actor: { select: { id: true, name: true } } },
    });
    return rows.reverse().map((row) => ({
      id: row.id,
      at: row.at,
      actor: row.actor,
      event: row.event,
      subjectRef: row.subjectRef,
      before: row.before,
      after: row.after,
      origin: (row.origin as AuditEntry["origin"]) ?? null,
    }));
  }

  async planSummaries(partnershipId: number): Promise<PlanSummary[]> {
    const rows = await this.prisma.$queryRaw<
      { key: string; title: string; kind: string; period_start: Date | null; period_end: Date | null; actions: bigint; milestones: bigint; done: bigint }[]
    >`SELECT p.key, p.title, p.kind::text AS kind, p.period_start, p.period_end,
        (SELECT count(*) FROM action a WHERE a.plan_id = p.id) AS actions,
        (SELECT count(*) FROM milestone m JOIN action a ON a.id = m.action_id WHERE a.plan_id = p.id) AS milestones,
        (SELECT count(*) FROM milestone m JOIN action a ON a.id = m.action_id WHERE a.plan_id = p.id AND m.done_at IS NOT NULL) AS done
      FROM plan p WHERE p.partnership_id = ${partnershipId}
      ORDER BY p.period_start NULLS LAST, p.key`;
    return rows.map((r) => ({
      key: r.key,
      title: r.title,
      kind: r.kind,
      periodStart: isoDate(r.period_start),
      periodEnd: isoDate(r.period_end),
      actions: Number(r.actions),
      milestones: Number(r.milestones),
      milestonesDone: Number(r.done),
    }));
  }

  async prioritySummaries(partnershipId: number, planKey?: string): Promise<PrioritySummary[]> {
    const priorities = await this.prisma.priority.findMany({
      where: { plan: { partnershipId, ...(planKey ? { key: planKey } : {}) } },
      include: {
        plan: { select: { key: true, periodStart: true } },
        roles: { orderBy: { position: "asc" }, include: { person: { select: { id: true, name: true } } } },
        indicators: { select: { code: true, name: true, baselineText: true }, orderBy: { number: "asc" } },
      },
      orderBy: [{ planId: "asc" }, { kind: "asc" }, { number: "asc" }],
    });
    const counts = await this.prisma.action.groupBy({
      by: ["priorityId", "state"],
      where: { priorityId: { in: priorities.map((p) => p.id) } },
      _count: { _all: true },
    });
    return priorities.map((p) => {
      const byState: Partial<Record<ActionState, number>> = {};
      for (const c of counts) if (c.priorityId === p.id) byState[c.state] = c._count._all;
      return {
        planKey: p.plan.key,
        number: p.number,
        title: p.title,
        obsession: p.obsession,
        startingPoint: p.startingPoint,
        sponsors: p.roles.filter((r) => r.role === "sponsor").map((r) => r.person),
        leads: p.roles.filter((r) => r.role === "lead").map((r) => r.person),
        actions: Object.values(byState).reduce((sum, n) => sum + n, 0),
        actionsByState: byState,
        indicators: p.indicators,
      };
    });
  }

  async once(ctx: ChangeContext, change: (tx: ChangeStore) => Promise<Reply>): Promise<Reply> {
    const key = { partnershipId_idempotencyKey: { partnershipId: ctx.partnershipId, idempotencyKey: ctx.idempotencyKey } };
    try {
      return await this.prisma.$transaction(
        async (tx) => {
          const seen = await tx.commandReceipt.findUnique({ where: key });
          if (seen) return seen.reply as unknown as Reply;
          // Claimed first: a concurrent twin blocks on this row, then fails as a duplicate below.
          await tx.commandReceipt.create({ data: { partnershipId: ctx.partnershipId, idempotencyKey: ctx.idempotencyKey, reply: {} } });
          const result = await change(new PrismaChangeStore(tx, ctx));
          await tx.commandReceipt.update({ where: key, data: { reply: result as unknown as Prisma.InputJsonValue } });
          return result;
        },
        { timeout: 15_000, maxWait: 10_000 },
      );
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        const seen = await this.prisma.commandReceipt.findUnique({ where: key });
        if (seen) return seen.reply as unknown as Reply;
      }
      throw error;
    }
  }
}
