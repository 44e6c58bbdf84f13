import { Prisma, type PrismaClient } from "../../../generated/prisma/client.ts";
import type { BoardChanges, BoardStore, RiskHome, RiskView, ScheduleView } from "../../commands/report-deps.ts";
import type { ChangeContext } from "../../commands/store.ts";
import { replayFor, type Reply } from "../../domain/reply.ts";
import { asRegion, DEFAULT_REGION } from "../../domain/schedule/bank-holidays.ts";
import { runCompiled } from "./kysely.ts";
import { changedOnce, claimReceiptQuery, receiptReply, storedReplyQuery } from "./receipts.ts";
import { PlannedRiskChanges, riskChanges } from "./risk-changes.ts";
import { calendarChanges, PlannedCalendarChanges } from "./calendar-changes.ts";
import { prismaQueryable, type SqlRunner, type SqlTransaction } from "./sql-runner.ts";

type Tx = Prisma.TransactionClient;

const iso = (d: Date) => d.toISOString().slice(0, 10);
const day = (isoDate: string) => new Date(`${isoDate}T00:00:00Z`);
const priorityLabel = (p: { number: number | null; title: string }) => `${p.number ? `${p.number}. ` : ""}${p.title}`;

const CLOSED_SELECT = { title: true, closedAt: true, refreshedInto: { select: { key: true } } } as const;

/** A refreshed plan as RiskHome names it, or null while it is open. */
const closedPlanOf = (plan: { title: string; closedAt: Date | null; refreshedInto: { key: string } | null }) =>
  plan.closedAt ? { title: plan.title, closedOn: plan.closedAt.toLocaleDateString("en-CA", { timeZone: "Europe/London" }), into: plan.refreshedInto?.key ?? "its successor" } : null;

const PRIORITY_SELECT = {
  id: true,
  number: true,
  title: true,
  roles: { orderBy: { position: "asc" }, select: { role: true, person: { select: { id: true, name: true } } } },
} satisfies Prisma.PrioritySelect;

type PriorityRow = Prisma.PriorityGetPayload<{ select: typeof PRIORITY_SELECT }>;

const RISK_INCLUDE = {
  plan: { select: { key: true } },
  owner: { select: { id: true, name: true } },
  priority: { select: PRIORITY_SELECT },
} satisfies Prisma.RiskInclude;

type RiskRow = Prisma.RiskGetPayload<{ include: typeof RISK_INCLUDE }>;

function toPriority(p: PriorityRow | null): RiskView["priority"] {
  if (!p) return null;
  return {
    id: p.id,
    label: priorityLabel(p),
    sponsors: p.roles.filter((r) => r.role === "sponsor").map((r) => r.person),
    leads: p.roles.filter((r) => r.role === "lead").map((r) => r.person),
  };
}

function toRisk(r: RiskRow): RiskView {
  return {
    id: r.id,
    number: r.number,
    planKey: r.plan.key,
    priority: toPriority(r.priority),
    description: r.description,
    owner: r.owner,
    likelihood: r.likelihood,
    impact: r.impact,
    mitigation: r.mitigation,
    reviewDate: iso(r.reviewDate),
    closedAt: r.closedAt,
    closedReason: r.closedReason,
  };
}

const toSchedule = (s: { id: number; planKey: string; kind: string; rule: string; minute: number; channel: string; channelName: string; createdById: number }): ScheduleView => ({
  id: s.id,
  planKey: s.planKey,
  kind: s.kind,
  rule: s.rule,
  minute: s.minute,
  channel: s.channel,
  channelName: s.channelName,
  createdById: s.createdById,
});

/**
 * Risks and the reporting calendar, through Prisma Client's typed API; with `sql` (the driver's
 * runner, Database.sql), a risk's change or the calendar's read ahead with the person asking is
 * planned as one statement (risk-changes.ts, calendar-changes.ts) and decided again in a transaction on that runner when it cannot be.
 */
export function createBoardStore(prisma: PrismaClient, sql?: SqlRunner): BoardStore {
  return {
    async findRisk(partnershipId, number) {
      const row = await prisma.risk.findUnique({ where: { partnershipId_number: { partnershipId, number } }, include: RISK_INCLUDE });
      return row ? toRisk(row) : null;
    },
    async listRisks(partnershipId, filter) {
      const rows = await prisma.risk.findMany({
        where: { partnershipId, ...(filter.open ? { closedAt: null } : {}), ...(filter.planKey ? { plan: { key: filter.planKey } } : {}), ...(filter.priorityId ? { priorityId: filter.priorityId } : {}) },
        include: RISK_INCLUDE,
        orderBy: { number: "asc" },
      });
      return rows.map(toRisk).sort((a, b) => b.likelihood * b.impact - a.likelihood * a.impact || a.number - b.number);
    },
    async findRiskHome(partnershipId, typed): Promise<RiskHome | null> {
      const word = typed.trim();
      const plan = await prisma.plan.findFirst({ where: { partnershipId, key: word.toLowerCase() }, select: { id: true, key: true, ...CLOSED_SELECT } });
      if (plan) return { planId: plan.id, planKey: plan.key, priority: null, closedPlan: closedPlanOf(plan) };
      // A priority or action carried over by a plan refresh means the open plan's one.
      const open = { plan: { partnershipId, closedAt: null } };
      const priorityWhere = { refPrefix: { equals: word, mode: "insensitive" as const } };
      const prioritySelect = { ...PRIORITY_SELECT, plan: { select: { id: true, key: true, ...CLOSED_SELECT } } };
      const priority =
        (await prisma.priority.findFirst({ where: { ...open, ...priorityWhere }, orderBy: { id: "asc" }, select: prioritySelect })) ??
        (await prisma.priority.findFirst({ where: { plan: { partnershipId }, ...priorityWhere }, orderBy: { id: "asc" }, select: prioritySelect }));
      if (priority) return { planId: priority.plan.id, planKey: priority.plan.key, priority: toPriority(priority), closedPlan: closedPlanOf(priority.plan) };
      const actionWhere = { ref: { equals: word, mode: "insensitive" as const } };
      const actionSelect = { plan: { select: { id: true, key: true, ...CLOSED_SELECT } }, priority: { select: PRIORITY_SELECT } };
      const action =
        (await prisma.action.findFirst({ where: { ...open, ...actionWhere }, orderBy: { id: "asc" }, select: actionSelect })) ??
        (await prisma.action.findFirst({ where: { plan: { partnershipId }, ...actionWhere }, orderBy: { id: "asc" }, select: actionSelect }));
      return action ? { planId: action.plan.id, planKey: action.plan.key, priority: toPriority(action.priority), closedPlan: closedPlanOf(action.plan) } : null;
    },
    async soleRiskHome(partnershipId) {
      const plans = await prisma.plan.findMany({ where: { partnershipId }, select: { id: true, key: true }, take: 2 });
      return plans.length === 1 ? { planId: plans[0]!.id, planKey: plans[0]!.key, priority: null } : null;
    },
    async schedules(partnershipId) {
      const rows = await prisma.reportSchedule.findMany({ where: { partnershipId }, orderBy: { id: "asc" }, include: { partnership: { select: { region: true } } } });
      return rows.map((s) => ({ ...toSchedule(s), region: asRegion(s.partnership.region) ?? DEFAULT_REGION }));
    },
    async indicatorLeads(indicatorId) {
      const rows = await prisma.priorityRole.findMany({ where: { role: "lead", priority: { indicators: { some: { id: indicatorId } } } }, select: { person: { select: { id: true, name: true } } } });
      return rows.map((r) => r.person);
    },
    once: (ctx, work, read) =>
      sql && read
        ? changedOnce<BoardChanges>(sql, ctx, "schedules" in read ? new PlannedCalendarChanges(ctx, read) : new PlannedRiskChanges(ctx, read), (tx) => transactionChanges(tx, ctx), work)
        : onceInTransaction(prisma, ctx, work),
  };
}

/**
 * A change applied once per idempotency key: the receipt is claimed first (a concurrent twin
 * waits on it, then reads the reply this one stored, marked replayed), then the change and its
 * audit events, then the reply, all in one transaction.
 */
async function onceInTransaction(prisma: PrismaClient, ctx: ChangeContext, work: (tx: BoardChanges) => Promise<Reply>): Promise<Reply> {
  return prisma.$transaction(async (tx) => {
    const raw = prismaQueryable(tx);
    const claimed = await runCompiled(raw, claimReceiptQuery(ctx.partnershipId, ctx.idempotencyKey));
    if (claimed.length === 0) {
      const [seen] = await runCompiled(raw, storedReplyQuery(ctx.partnershipId, ctx.idempotencyKey));
      // Marked, so the conversation pipeline does not repeat the first delivery's effects.
      return replayFor(seen!.reply, ctx.request);
    }
    const result = await work(boardChanges(tx, ctx));
    await tx.commandReceipt.update({
      where: { partnershipId_idempotencyKey: { partnershipId: ctx.partnershipId, idempotencyKey: ctx.idempotencyKey } },
      data: { reply: JSON.parse(receiptReply(ctx, result)) as Prisma.InputJsonValue },
    });
    return result;
  });
}

/** A risk's or the calendar's change decided again on the driver's transaction (receipts.ts, `changeOnce`). */
function transactionChanges(tx: SqlTransaction, ctx: ChangeContext): BoardChanges {
  return { ...riskChanges(tx, ctx), ...calendarChanges(tx, ctx) };
}

/** The same changes in a Prisma transaction (`once` without a read). */
function boardChanges(tx: Tx, ctx: ChangeContext): BoardChanges {
  const raw = prismaQueryable(tx);
  return { ...riskChanges(raw, ctx), ...calendarChanges(raw, ctx) };
}

/** Open risks whose review date is on or before `today` (ISO date), by number: the reviews due. */
export async function risksDueForReview(prisma: PrismaClient, partnershipId: number, today: string): Promise<RiskView[]> {
  const due = await prisma.risk.findMany({
    where: { partnershipId, closedAt: null, reviewDate: { lte: day(today) } },
    include: RISK_INCLUDE,
    orderBy: { number: "asc" },
  });
  return due.map(toRisk);
}
