import type { PrismaClient } from "../../../generated/prisma/client.ts";
import { periodAsWritten } from "../../domain/indicators/periods.ts";
import { PERIODICITIES, type Periodicity } from "../../domain/indicators/types.ts";
import { PLAN_KINDS } from "../../domain/plan-document.ts";
import type { SheetRows } from "../files/write-workbook.ts";
import { isoDate } from "./views.ts";

type Row = Record<string, string | number | null>;
const KIND_NAMES = Object.fromEntries(Object.entries(PLAN_KINDS).map(([name, kind]) => [kind, name])) as Record<string, string>;
const list = (names: (string | null | undefined)[]) => names.filter((n): n is string => Boolean(n)).join("; ");

/**
 * A partnership's plans as the sheets `curve import` reads, in the same columns: every plan
 * with people, teams, indicators and their readings, or one plan (its outcomes, priorities,
 * actions and milestones). Milestones carry their exact dates and done state, and readings
 * their periods (written so they read back as the same period), values ("not known" for
 * none), sources, who recorded them and when, so an export imported into an empty database
 * shows every action and every indicator's history the same. Pledges are not part of it.
 * Throws when the partnership or plan does not exist (the CLI checks first).
 */
export async function exportSheets(prisma: PrismaClient, partnershipId: number, planKey: string | null): Promise<SheetRows[]> {
  const partnership = await prisma.partnership.findUniqueOrThrow({ where: { id: partnershipId } });
  const plans = await prisma.plan.findMany({ where: { partnershipId, ...(planKey ? { key: planKey } : {}) }, orderBy: { id: "asc" } });
  const planIds = plans.map((p) => p.id);
  const planKeyOf = new Map(plans.map((p) => [p.id, p.key]));
  const outcomes = await prisma.outcome.findMany({ where: { planId: { in: planIds } }, orderBy: [{ planId: "asc" }, { number: "asc" }] });
  const outcomeKey = new Map(outcomes.map((o) => [o.id, o.key]));
  const priorities = await prisma.priority.findMany({
    where: { planId: { in: planIds } },
    include: { roles: { include: { person: { select: { name: true } } }, orderBy: { position: "asc" } } },
    orderBy: [{ planId: "asc" }, { kind: "asc" }, { number: "asc" }, { id: "asc" }],
  });
  const priorityRef = new Map(priorities.map((p) => [p.id, p.kind === "priority" && p.number !== null ? String(p.number) : p.title]));
  const actions = await prisma.action.findMany({
    where: { planId: { in: planIds } },
    include: {
      owners: { include: { person: { select: { name: true } }, team: { select: { name: true } } }, orderBy: { position: "asc" } },
      contributors: { include: { person: { select: { name: true } }, team: { select: { name: true } } }, orderBy: { position: "asc" } },
      milestones: { include: { doneBy: { select: { name: true } } }, orderBy: { position: "asc" } },
    },
    orderBy: { id: "asc" },
  });

  const sheets: SheetRows[] = [];
  if (!planKey) sheets.push({ kind: "partnership", rows: [{ slug: partnership.slug, name: partnership.name }] });
  sheets.push({
    kind: "plans",
    rows: plans.map((p): Row => ({ key: p.key, title: p.title, kind: KIND_NAMES[p.kind] ?? p.kind, periodStart: isoDate(p.periodStart), periodEnd: isoDate(p.periodEnd), source: p.source })),
  });
  sheets.push({ kind: "outcomes", rows: outcomes.map((o): Row => ({ plan: planKeyOf.get(o.planId)!, number: o.number, key: o.key, title: o.title })) });
  sheets.push({
    kind: "priorities",
    rows: priorities.map((p): Row => ({
      plan: planKeyOf.get(p.planId)!,
      kind: p.kind,
      number: p.number,
      title: p.title,
      outcome: p.outcomeId ? (outcomeKey.get(p.outcomeId) ?? null) : null,
      obsession: p.obsession,
      startingPoint: p.startingPoint ? "yes" : "",
      refPrefix: p.refPrefix,
      sponsors: list(p.roles.filter((r) => r.role === "sponsor").map((r) => r.person.name)),
      leads: list(p.roles.filter((r) => r.role === "lead").map((r) => r.person.name)),
      note: p.note,
    })),
  });
  const partyName = (p: { person: { name: string } | null; team: { name: string } | null }) => p.person?.name ?? p.team?.name;
  sheets.push({
    kind: "actions",
    rows: actions.map((a): Row => ({
      plan: planKeyOf.get(a.planId)!,
      priority: a.priorityId ? (priorityRef.get(a.priorityId) ?? null) : null,
      ref: a.ref,
      section: a.section,
      title: a.title,
      targeting: a.targeting,
      owner: a.ownerText,
      contributors: a.contributorText,
      milestones: a.milestones.map((m) => (m.kind === "target" ? `Target: ${m.text}` : m.text)).join("\n"),
      whatWeWillDo: a.whatWeWillDo,
      howWeWillDoIt: a.howWeWillDoIt,
      howWeWillKnow: a.howWeWillKnow,
      state: a.state.replace(/_/g, " "),
      note: a.sourceNote,
      linkedOwners: list(a.owners.map(partyName)),
      linkedContributors: list(a.contributors.map(partyName)),
    })),
  });
  sheets.push({
    kind: "milestones",
    rows: actions.flatMap((a) =>
      a.milestones.map((m): Row => ({
        plan: planKeyOf.get(a.planId)!,
        ref: `${a.ref}.${m.position}`,
        text: m.text,
        kind: m.kind,
        due: m.duePhrase,
        precision: m.duePrecision,
        dueStart: isoDate(m.dueStart),
        dueBy: isoDate(m.dueDate),
        doneAt: m.doneAt ? m.doneAt.toISOString() : null,
        doneBy: m.doneBy?.name ?? null,
        evidence: m.evidence,
      })),
    ),
  });
  if (planKey) return sheets;

  const people = await prisma.person.findMany({
    where: { partnershipId },
    include: { memberships: { include: { team: { select: { name: true, kind: true } } } } },
    orderBy: { id: "asc" },
  });
  sheets.push({
    kind: "people",
    rows: people.map((p): Row => ({
      name: p.name,
      email: p.email,
      organisation: p.memberships.find((m) => m.team.kind === "organisation")?.team.name ?? null,
      roles: p.roles.join("; "),
      timeZone: p.timeZone,
      jobTitle: p.jobTitle,
    })),
  });
  const teams = await prisma.team.findMany({ where: { partnershipId }, include: { members: { include: { person: { select: { name: true } } } } }, orderBy: { id: "asc" } });
  sheets.push({ kind: "teams", rows: teams.map((t): Row => ({ name: t.name, kind: t.kind, members: list(t.members.map((m) => m.person.name)) })) });
  const indicators = await prisma.indicator.findMany({
    where: { partnershipId },
    include: { targets: { orderBy: { dueDate: "asc" } }, owner: { select: { name: true } }, priority: { select: { planId: true, number: true, title: true, kind: true } } },
    orderBy: [{ number: "asc" }, { id: "asc" }],
  });
  sheets.push({
    kind: "indicators",
    rows: indicators.map((i): Row => ({
      code: i.code,
      name: i.name,
      plan: i.priority ? (planKeyOf.get(i.priority.planId) ?? null) : null,
      priority: i.priority ? (i.priority.kind === "priority" && i.priority.number !== null ? String(i.priority.number) : i.priority.title) : null,
      number: i.number,
      unit: i.unit,
      polarity: i.polarity,
      obsession: i.obsession ? "yes" : "",
      baselineValue: i.baselineValue,
      baselineDate: isoDate(i.baselineDate),
      baselineText: i.baselineText,
      targets: i.targets.map((t) => `${t.value} by ${isoDate(t.dueDate)}`).join("; "),
      tolerance: i.ragTolerance,
      periodicity: i.periodicity,
      owner: i.owner?.name ?? null,
      forecast: Array.isArray(i.forecast) ? (i.forecast as { periodEnd: string; value: number }[]).map((f) => `${f.periodEnd} ${f.value}`).join("; ") : null,
      note: i.note,
    })),
  });
  const readings = await prisma.indicatorReading.findMany({
    where: { indicator: { partnershipId } },
    include: { recordedBy: { select: { name: true } } },
    orderBy: [{ periodEnd: "asc" }, { id: "asc" }],
  });
  const order = new Map(indicators.map((i, n) => [i.id, n]));
  const indicatorOf = new Map(indicators.map((i) => [i.id, i]));
  sheets.push({
    kind: "readings",
    rows: readings
      .sort((a, b) => order.get(a.indicatorId)! - order.get(b.indicatorId)!)
      .map((r): Row => {
        const indicator = indicatorOf.get(r.indicatorId)!;
        const periodicity = PERIODICITIES.includes(indicator.periodicity as Periodicity) ? (indicator.periodicity as Periodicity) : null;
        return {
          indicator: indicator.code,
          period: periodAsWritten(r.period, periodicity),
          value: r.value ?? "not known",
          source: r.source,
          recordedBy: r.recordedBy?.name ?? null,
          recordedAt: r.recordedAt.toISOString(),
        };
      }),
  });
  return sheets;
}
