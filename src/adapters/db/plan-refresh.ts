import type { Prisma, PrismaClient } from "../../../generated/prisma/client.ts";
import { CurveError } from "../../domain/errors.ts";
import { readPlanPeriod, refreshedTitle, successorPeriodProblem, type PlanPeriod } from "../../domain/plan-refresh.ts";
import { dateFromIso } from "./views.ts";
import { writeAudit, type AuditSubject } from "./audit.ts";
import { compileOnly, runCompiled } from "./kysely.ts";
import { prismaQueryable } from "./sql-runner.ts";

type Tx = Prisma.TransactionClient;

/** What `curve plan refresh` asks for. `now` is when the old plan closes. */
export interface RefreshRequest {
  partnershipId: number;
  from: string;
  to: string;
  period: string;
  title?: string;
  dryRun: boolean;
  now: Date;
}

/** What a refresh did, or would do on a dry run. */
export interface RefreshReport {
  from: { key: string; title: string };
  to: { key: string; title: string; period: PlanPeriod };
  outcomes: number;
  priorities: number;
  /** Carried actions' refs with their open milestones' count, in plan order. */
  carried: { ref: string; openMilestones: number }[];
  /** Done or dropped actions, which stay behind in the old plan. */
  leftBehind: string[];
  indicators: string[];
  readings: number;
  dryRun: boolean;
}

/** Thrown inside the transaction to roll a dry run back after it has done everything. */
class DryRunRollback extends Error {
  constructor(readonly report: RefreshReport) {
    super("dry run");
  }
}

/**
 * Refreshes plan `from` into a new plan `to` (seed 003: CYPP 2011-15 into CYPP 2015-19), in one
 * transaction: creates the plan with the period read by readPlanPeriod; copies its outcomes and
 * priorities with their CTB sponsors and leads, obsessions, ref prefixes and channels; carries
 * each open action (not done or dropped) over with its ref, owners, contributors and open
 * milestones, linked back by carried_from_action_id; repoints the old priorities' indicators
 * (readings stay on the indicator); closes the old plan (closed_at, refreshed_into_id); audits
 * plan.refreshed and action.carried. A dry run does all of it and rolls back.
 *
 * Errors (CurveError, nothing written): unknown_ref (no such plan), conflict (a plan `to` exists,
 * so a second run changes nothing; or `from` was already refreshed), bad_date (period), usage (key).
 */
export async function refreshPlan(prisma: PrismaClient, request: RefreshRequest): Promise<RefreshReport> {
  try {
    return await prisma.$transaction((tx) => refreshIn(tx, request), { timeout: 120_000, maxWait: 30_000 });
  } catch (error) {
    if (error instanceof DryRunRollback) return error.report;
    throw error;
  }
}

async function refreshIn(tx: Tx, request: RefreshRequest): Promise<RefreshReport> {
  const { partnershipId, now } = request;
  const fromKey = request.from.toLowerCase();
  const toKey = request.to.toLowerCase();
  if (!/^[a-z0-9][a-z0-9-]{1,39}$/.test(toKey)) {
    throw new CurveError("usage", `"${request.to.slice(0, 40)}" cannot be a plan key: use letters, digits and hyphens, e.g. --to cypp-2015-19.`);
  }
  // Lock the old plan first, so that a second refresh at the same time waits, then sees the first one's plan.
  await runCompiled(prismaQueryable(tx), compileOnly.selectFrom("plan").select("id").where("partnership_id", "=", partnershipId).where("key", "=", fromKey).forUpdate());
  const plans = await tx.plan.findMany({ where: { partnershipId }, orderBy: { key: "asc" } });
  const old = plans.find((p) => p.key === fromKey);
  if (!old) throw new CurveError("unknown_ref", `There is no plan "${request.from.slice(0, 40)}"; the plans are ${plans.map((p) => p.key).join(", ") || "none yet"}.`);
  const existing = plans.find((p) => p.key === toKey);
  if (existing) {
    throw new CurveError(
      "conflict",
      old.refreshedIntoId === existing.id
        ? `${old.title} was already refreshed into ${toKey}; nothing changed.`
        : `There is already a plan ${toKey}; choose another key with --to.`,
    );
  }
  if (old.closedAt) {
    const into = plans.find((p) => p.id === old.refreshedIntoId);
    throw new CurveError("conflict", `${old.title} was already refreshed${into ? ` into ${into.key}` : ""}; refresh ${into?.key ?? "its successor"} instead.`);
  }
  const period = readPlanPeriod(request.period, old.periodStart ? old.periodStart.toISOString().slice(0, 10) : null);
  if (!period) throw new CurveError("bad_date", `"${request.period.slice(0, 20)}" is not a plan period; give its years, e.g. --period 2015-19.`);
  const iso = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);
  const problem = successorPeriodProblem({ title: old.title, start: iso(old.periodStart), end: iso(old.periodEnd) }, period);
  if (problem) throw new CurveError("bad_date", problem);
  const title = request.title?.trim() || refreshedTitle(old.title, period);

  const plan = await tx.plan.create({
    data: { partnershipId, key: toKey, title, kind: old.kind, periodStart: dateFromIso(period.start)!, periodEnd: dateFromIso(period.end)!, source: old.source },
  });

  const outcomes = await tx.outcome.findMany({ where: { planId: old.id }, orderBy: { number: "asc" } });
  const outcomeIds = new Map<number, number>();
  for (const o of outcomes) {
    const created = await tx.outcome.create({ data: { planId: plan.id, number: o.number, key: o.key, title: o.title } });
    outcomeIds.set(o.id, created.id);
  }
  const priorities = await tx.priority.findMany({ where: { planId: old.id }, orderBy: { id: "asc" }, include: { roles: true } });
  const priorityIds = new Map<number, number>();
  for (const p of priorities) {
    const created = await tx.priority.create({
      data: {
        planId: plan.id,
        outcomeId: p.outcomeId === null ? null : (outcomeIds.get(p.outcomeId) ?? null),
        kind: p.kind,
        number: p.number,
        title: p.title,
        obsession: p.obsession,
        startingPoint: p.startingPoint,
        refPrefix: p.refPrefix,
        channel: p.channel,
        note: p.note,
        roles: { create: p.roles.map((r) => ({ personId: r.personId, role: r.role, position: r.position })) },
      },
    });
    priorityIds.set(p.id, created.id);
  }

  const audit = (event: string, subject: AuditSubject, before: unknown, after: unknown) =>
    writeAudit(tx, { partnershipId, actorId: null, event, subject, before, after, origin: { platform: "cli", channel: "curve plan refresh" }, at: now });

  // Wait for changes under way on the old plan's actions and milestones, and hold later ones
  // until the plan is closed (the change store then refuses them): nothing done meanwhile is lost.
  await runCompiled(prismaQueryable(tx), compileOnly.selectFrom("action as a").select("a.id").where("a.plan_id", "=", old.id).forUpdate());
  await runCompiled(prismaQueryable(tx), compileOnly.selectFrom("milestone as m").innerJoin("action as a", "a.id", "m.action_id").select("m.id").where("a.plan_id", "=", old.id).forUpdate("m"));
  const actions = await tx.action.findMany({
    where: { planId: old.id },
    orderBy: { id: "asc" },
    include: { owners: true, contributors: true, milestones: { orderBy: { position: "asc" } } },
  });
  const carried: RefreshReport["carried"] = [];
  const leftBehind: string[] = [];
  for (const a of actions) {
    if (a.state === "done" || a.state === "dropped") {
      leftBehind.push(a.ref);
      continue;
    }
    const open = a.milestones.filter((m) => !m.doneAt);
    const created = await tx.action.create({
      data: {
        planId: plan.id,
        priorityId: a.priorityId === null ? null : (priorityIds.get(a.priorityId) ?? null),
        ref: a.ref,
        section: a.section,
        title: a.title,
        targeting: a.targeting,
        ownerText: a.ownerText,
        contributorText: a.contributorText,
        whatWeWillDo: a.whatWeWillDo,
        howWeWillDoIt: a.howWeWillDoIt,
        howWeWillKnow: a.howWeWillKnow,
        state: a.state,
        sourceNote: a.sourceNote,
        carriedFromActionId: a.id,
        createdAt: now,
        owners: { create: a.owners.map((o) => ({ personId: o.personId, teamId: o.teamId, position: o.position })) },
        contributors: { create: a.contributors.map((c) => ({ personId: c.personId, teamId: c.teamId, position: c.position })) },
        milestones: {
          create: open.map((m) => ({
            ref: m.ref,
            position: m.position,
            text: m.text,
            kind: m.kind,
            duePrecision: m.duePrecision,
            dueStart: m.dueStart,
            dueDate: m.dueDate,
            duePhrase: m.duePhrase,
            evidence: m.evidence,
            snoozedUntil: m.snoozedUntil,
            snoozeCount: m.snoozeCount,
          })),
        },
      },
    });
    const after = { fromPlan: old.title, fromRef: a.ref, fromActionId: a.id, toPlan: title, openMilestones: open.map((m) => m.ref) };
    await audit("action.carried", { type: "action", id: created.id, ref: a.ref, actionId: created.id }, null, after);
    carried.push({ ref: a.ref, openMilestones: open.length });
  }

  const indicators = await tx.indicator.findMany({ where: { priorityId: { in: [...priorityIds.keys()] } }, orderBy: { code: "asc" }, select: { id: true, code: true, priorityId: true } });
  for (const i of indicators) await tx.indicator.update({ where: { id: i.id }, data: { priorityId: priorityIds.get(i.priorityId!)! } });
  const readings = indicators.length ? await tx.indicatorReading.count({ where: { indicatorId: { in: indicators.map((i) => i.id) } } }) : 0;

  await tx.plan.update({ where: { id: old.id }, data: { closedAt: now, refreshedIntoId: plan.id } });
  const report: RefreshReport = {
    from: { key: old.key, title: old.title },
    to: { key: toKey, title, period },
    outcomes: outcomes.length,
    priorities: priorities.length,
    carried,
    leftBehind,
    indicators: indicators.map((i) => i.code),
    readings,
    dryRun: request.dryRun,
  };
  await audit(
    "plan.refreshed",
    { type: "plan", id: plan.id, ref: toKey, actionId: null },
    { plan: old.key },
    { fromPlan: old.key, title, periodStart: period.start, periodEnd: period.end, carried: carried.map((c) => c.ref), indicators: report.indicators },
  );
  if (request.dryRun) throw new DryRunRollback(report);
  return report;
}
