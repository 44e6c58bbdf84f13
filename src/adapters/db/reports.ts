import type { PrismaClient } from "../../../generated/prisma/client.ts";
import type { Periodicity, Polarity } from "../../domain/indicators/types.ts";
import type { ReportFacts, ReportKind, ReportPriority } from "../../domain/reports/facts.ts";

const iso = (d: Date) => d.toISOString().slice(0, 10);
const priorityLabel = (p: { number: number | null; title: string }) => `${p.number ? `${p.number}. ` : ""}${p.title}`;

/** The plans a report can cover: one by key, or all of the partnership's; null when the key is unknown. */
export async function reportPlans(prisma: PrismaClient, partnershipId: number, planKey: string | null) {
  const plans = await prisma.plan.findMany({ where: { partnershipId, ...(planKey ? { key: planKey } : {}) }, select: { id: true, key: true, title: true }, orderBy: { id: "asc" } });
  return planKey && plans.length === 0 ? null : plans;
}

/**
 * Everything a report reads for a partnership (one plan, or all), with the changes recorded
 * in [since, until): five queries however large the plan. Dates come back as ISO days.
 */
export async function loadReportFacts(prisma: PrismaClient, partnershipId: number, planKey: string | null, since: Date, until: Date): Promise<ReportFacts | null> {
  const found = await reportPlans(prisma, partnershipId, planKey);
  if (!found) return null;
  // A plan refreshed before the period began has nothing of its own in it (its open work moved
  // to the new plan), so a report on every plan leaves it out; asked for by key, it is reported.
  const closedBefore = planKey ? [] : await prisma.plan.findMany({ where: { partnershipId, closedAt: { lte: since } }, select: { id: true } });
  const plans = found.filter((p) => !closedBefore.some((c) => c.id === p.id));
  const planIds = plans.map((p) => p.id);
  const [partnership, actions, events, indicators, risks] = await Promise.all([
    prisma.partnership.findUniqueOrThrow({ where: { id: partnershipId }, select: { name: true } }),
    prisma.action.findMany({
      where: { planId: { in: planIds } },
      orderBy: [{ planId: "asc" }, { id: "asc" }],
      select: {
        id: true,
        ref: true,
        title: true,
        state: true,
        ownerText: true,
        plan: { select: { key: true } },
        priority: { select: { id: true, number: true, title: true, obsession: true } },
        owners: { orderBy: { position: "asc" }, select: { person: { select: { name: true } }, team: { select: { name: true } } } },
        milestones: { orderBy: { position: "asc" }, select: { ref: true, text: true, dueDate: true, doneAt: true, evidence: true } },
      },
    }),
    prisma.auditEvent.findMany({
      where: { partnershipId, at: { gte: since, lt: until } },
      orderBy: { at: "asc" },
      select: { at: true, event: true, subjectType: true, subjectRef: true, actionId: true, before: true, after: true, actor: { select: { name: true } } },
    }),
    prisma.indicator.findMany({
      where: { partnershipId, ...(planKey ? { priority: { planId: { in: planIds } } } : {}) },
      orderBy: [{ number: "asc" }, { id: "asc" }],
      include: { readings: { orderBy: { periodEnd: "asc" }, include: { recordedBy: { select: { name: true } } } }, targets: true, priority: { select: { id: true, number: true, title: true, obsession: true } } },
    }),
    prisma.risk.findMany({
      where: { partnershipId, planId: { in: planIds } },
      orderBy: { number: "asc" },
      include: { owner: { select: { name: true } }, plan: { select: { key: true } }, priority: { select: { number: true, title: true } } },
    }),
  ]);
  const toPriority = (p: { id: number; number: number | null; title: string; obsession: string | null } | null): ReportPriority | null =>
    p ? { id: p.id, label: priorityLabel(p), obsession: p.obsession } : null;
  const actionIds = new Set(actions.map((a) => a.id));
  const riskRefs = new Set(risks.map((r) => `R${r.number}`));
  const indicatorCodes = new Set(indicators.map((i) => i.code));
  return {
    partnership: partnership.name,
    plans: plans.map((p) => ({ key: p.key, title: p.title })),
    actions: actions.map((a) => ({
      id: a.id,
      ref: a.ref,
      title: a.title,
      planKey: a.plan.key,
      state: a.state,
      owner: a.owners.map((o) => o.person?.name ?? o.team?.name).filter(Boolean).join(", ") || a.ownerText,
      priority: toPriority(a.priority),
      milestones: a.milestones.map((m) => ({ ref: m.ref, text: m.text, dueDate: m.dueDate ? iso(m.dueDate) : null, doneAt: m.doneAt, evidence: m.evidence })),
    })),
    changes: events
      .filter((e) => (e.actionId !== null && actionIds.has(e.actionId)) || (e.subjectType === "risk" && riskRefs.has(e.subjectRef ?? "")) || (e.subjectType === "indicator" && indicatorCodes.has(e.subjectRef ?? "")))
      .map((e) => ({
        at: e.at,
        event: e.event,
        ref: e.subjectRef ?? "",
        before: (e.before ?? null) as Record<string, unknown> | null,
        after: (e.after ?? null) as Record<string, unknown> | null,
        actor: e.actor?.name ?? null,
      })),
    indicators: indicators.map((i) => ({
      id: i.id,
      code: i.code,
      name: i.name,
      unit: i.unit,
      polarity: i.polarity as Polarity,
      baseline: i.baselineValue === null ? null : { value: i.baselineValue, date: i.baselineDate ? iso(i.baselineDate) : null, text: i.baselineText },
      periodicity: (i.periodicity as Periodicity | null) ?? null,
      forecast: Array.isArray(i.forecast) ? (i.forecast as { periodEnd: string; value: number }[]) : [],
      targets: i.targets.map((t) => ({ value: t.value, dueDate: iso(t.dueDate), text: t.text })),
      note: i.note,
      // A "not known" reading records a missing figure: nothing to compare, so reports leave it out.
      readings: i.readings.flatMap((r) => (r.value === null ? [] : [{ period: r.period, periodEnd: iso(r.periodEnd), value: r.value, source: r.source, recordedBy: r.recordedBy?.name ?? null }])),
      tolerance: i.ragTolerance,
      obsession: i.obsession,
      priority: toPriority(i.priority),
    })),
    risks: risks.map((r) => ({
      ref: `R${r.number}`,
      description: r.description,
      owner: r.owner.name,
      likelihood: r.likelihood,
      impact: r.impact,
      mitigation: r.mitigation,
      reviewDate: iso(r.reviewDate),
      planKey: r.plan.key,
      priority: r.priority ? priorityLabel(r.priority) : null,
      openedAt: r.createdAt,
      closedAt: r.closedAt,
    })),
  };
}

/** When this kind of report on this plan last went out on the calendar, before `now`; null if never. */
export async function lastReportSent(prisma: PrismaClient, partnershipId: number, planKey: string | null, kind: ReportKind, now: Date): Promise<Date | null> {
  const run = await prisma.reportRun.findFirst({
    where: { status: "sent", createdAt: { lt: now }, schedule: { partnershipId, planKey: planKey ?? "", kind } },
    orderBy: { createdAt: "desc" },
    select: { createdAt: true },
  });
  return run?.createdAt ?? null;
}
