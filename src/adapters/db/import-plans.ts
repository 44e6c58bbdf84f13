import type { Prisma, PrismaClient } from "../../../generated/prisma/client.ts";
import { findDue } from "../../domain/dates/due-phrase.ts";
import { PLAN_KINDS, type PartnershipDocument, type PlanDocument } from "../../domain/plan-document.ts";
import { parseRef } from "../../domain/refs.ts";
import { parsePeriod } from "../../domain/indicators/periods.ts";
import { dateFromIso } from "./views.ts";

type Tx = Prisma.TransactionClient;

export interface ImportReport {
  partnershipId: number;
  createdPlans: string[];
  skippedPlans: string[];
  people: number;
}

/**
 * Loads a partnership and its plans. Idempotent: rows that exist are left exactly as they
 * are (people may have changed them since), so loading twice changes nothing.
 */
export async function importPartnership(
  prisma: PrismaClient,
  partnership: PartnershipDocument,
  plans: PlanDocument[],
  options: { timeZone?: string } = {},
): Promise<ImportReport> {
  return prisma.$transaction(
    async (tx) => {
      const { id: partnershipId } = await tx.partnership.upsert({
        where: { slug: partnership.slug },
        create: { slug: partnership.slug, name: partnership.name },
        update: {},
      });
      const people = await ensurePeople(tx, partnershipId, partnership, plans, options.timeZone);
      const report: ImportReport = { partnershipId, createdPlans: [], skippedPlans: [], people: people.size };
      for (const plan of plans) {
        const existing = await tx.plan.findUnique({ where: { partnershipId_key: { partnershipId, key: plan.plan.key } } });
        if (existing) {
          report.skippedPlans.push(plan.plan.key);
          continue;
        }
        await createPlan(tx, partnershipId, plan, people);
        report.createdPlans.push(plan.plan.key);
      }
      return report;
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}

/** Every person named in the documents, by name, creating the missing ones. */
async function ensurePeople(tx: Tx, partnershipId: number, partnership: PartnershipDocument, plans: PlanDocument[], timeZone?: string) {
  const byEmail = new Map<string, { name: string; email: string; title?: string | null | undefined }>();
  for (const plan of plans) for (const person of plan.people) byEmail.set(person.email.toLowerCase(), person);
  await tx.person.createMany({
    data: [...byEmail.values()].map((p) => ({
      partnershipId,
      name: p.name,
      email: p.email.toLowerCase(),
      jobTitle: p.title ?? null,
      roles: partnership.roles[p.email.toLowerCase()] ?? [],
      ...(timeZone ? { timeZone } : {}),
    })),
    skipDuplicates: true,
  });
  const rows = await tx.person.findMany({ where: { partnershipId, email: { in: [...byEmail.keys()] } }, select: { id: true, name: true } });
  return new Map(rows.map((r) => [r.name, r.id]));
}

async function ensureTeams(tx: Tx, partnershipId: number, plan: PlanDocument) {
  const names = new Set<string>();
  for (const action of plan.actions) for (const party of [...action.owners, ...action.contributors]) if ("team" in party) names.add(party.team);
  await tx.team.createMany({ data: [...names].map((name) => ({ partnershipId, name })), skipDuplicates: true });
  const rows = await tx.team.findMany({ where: { partnershipId, name: { in: [...names] } }, select: { id: true, name: true } });
  return new Map(rows.map((r) => [r.name, r.id]));
}

function lookup(map: Map<string, number>, name: string, what: string, plan: string): number {
  const id = map.get(name);
  if (id === undefined) throw new Error(`${plan}: ${what} "${name}" is not listed in the document's people`);
  return id;
}

async function createPlan(tx: Tx, partnershipId: number, doc: PlanDocument, people: Map<string, number>): Promise<void> {
  const key = doc.plan.key;
  const teams = await ensureTeams(tx, partnershipId, doc);
  const plan = await tx.plan.create({
    data: {
      partnershipId,
      key,
      title: doc.plan.title,
      kind: PLAN_KINDS[doc.plan.kind],
      periodStart: dateFromIso(doc.plan.periodStart),
      periodEnd: dateFromIso(doc.plan.periodEnd),
      source: doc.plan.source ?? null,
    },
  });
  const outcomes = await tx.outcome.createManyAndReturn({
    data: doc.outcomes.map((o) => ({ planId: plan.id, number: o.number, key: o.key, title: o.title })),
  });
  const outcomeId = new Map(outcomes.map((o) => [o.key, o.id]));

  const priorityId = new Map<number, number>();
  const roles: Prisma.PriorityRoleCreateManyInput[] = [];
  const addRoles = (id: number, sponsors: string[], leads: string[]) => {
    sponsors.forEach((name, position) => roles.push({ priorityId: id, personId: lookup(people, name, "sponsor", key), role: "sponsor", position }));
    leads.forEach((name, position) => roles.push({ priorityId: id, personId: lookup(people, name, "lead", key), role: "lead", position }));
  };
  for (const p of doc.priorities) {
    const row = await tx.priority.create({
      data: {
        planId: plan.id,
        outcomeId: p.outcome ? (outcomeId.get(p.outcome) ?? null) : null,
        number: p.number,
        title: p.title,
        obsession: p.obsession,
        startingPoint: p.startingPoint,
        refPrefix: p.refPrefix,
        note: p.note ?? null,
      },
    });
    priorityId.set(p.number, row.id);
    addRoles(row.id, p.sponsors, p.leads);
  }
  for (const a of doc.ambitions) {
    const row = await tx.priority.create({ data: { planId: plan.id, kind: "ambition", title: a.title, note: a.note ?? null } });
    addRoles(row.id, a.sponsors, a.leads);
  }
  await tx.priorityRole.createMany({ data: roles, skipDuplicates: true });

  await tx.indicator.createMany({
    data: doc.indicators.map((i) => ({
      partnershipId,
      priorityId: priorityId.get(i.priority) ?? null,
      number: i.number,
      code: i.code,
      name: i.name,
      unit: i.unit,
      polarity: i.polarity,
      obsession: i.obsession,
      baselineValue: i.baseline?.value ?? null,
      baselineDate: dateFromIso(i.baseline?.date ?? null),
      baselineText: i.baseline?.text ?? null,
      note: i.note ?? null,
      ragTolerance: i.tolerance ?? null,
      periodicity: i.periodicity ?? null,
    })),
    skipDuplicates: true,
  });
  // The plan's other figures, each kept with its own period (seed 001 gives primary attendance
  // for half terms 1-5 and, in the attendance plan, at the end of half term 4).
  const withReadings = doc.indicators.filter((i) => i.readings?.length);
  if (withReadings.length) {
    const ids = new Map((await tx.indicator.findMany({ where: { partnershipId, code: { in: withReadings.map((i) => i.code) } }, select: { id: true, code: true } })).map((r) => [r.code, r.id]));
    await tx.indicatorReading.createMany({
      data: withReadings.flatMap((i) =>
        i.readings!.map((r) => {
          const period = parsePeriod(r.period, { periodicity: i.periodicity ?? null });
          if (!period.ok) throw new Error(`${i.code}'s reading period "${r.period}": ${period.error.message}`);
          return { indicatorId: ids.get(i.code)!, period: period.value.label, periodEnd: dateFromIso(period.value.end)!, value: r.value, source: r.source };
        }),
      ),
      skipDuplicates: true,
    });
  }

  const parties = (list: PlanDocument["actions"][number]["owners"], actionId: number) =>
    list.map((party, position) =>
      "person" in party
        ? { actionId, personId: lookup(people, party.person, "person", key), position }
        : { actionId, teamId: lookup(teams, party.team, "team", key), position },
    );
  // A year-less phrase ("end of summer term") means the first such date in the plan's period.
  const planStart = doc.plan.periodStart ?? undefined;
  for (const a of doc.actions) {
    const ref = parseRef(a.ref);
    if (!ref || ref.step !== undefined) throw new Error(`${key}: "${a.ref}" is not an action ref`);
    const action = await tx.action.create({
      data: {
        planId: plan.id,
        priorityId: priorityId.get(a.priority) ?? null,
        ref: ref.action,
        section: a.section ?? null,
        title: a.title,
        targeting: a.targeting ?? null,
        ownerText: a.ownerText ?? null,
        contributorText: a.contributorText ?? null,
        whatWeWillDo: a.whatWeWillDo ?? null,
        howWeWillDoIt: a.howWeWillDoIt ?? null,
        howWeWillKnow: a.howWeWillKnow ?? null,
        sourceNote: a.note ?? null,
      },
    });
    await tx.actionOwner.createMany({ data: parties(a.owners, action.id) });
    await tx.actionContributor.createMany({ data: parties(a.contributors, action.id) });
    await tx.milestone.createMany({
      data: a.milestones.map((m, index) => {
        const due = findDue(m.text, planStart ? { today: planStart } : {});
        return {
          actionId: action.id,
          ref: `${ref.action}.${index + 1}`,
          position: index + 1,
          text: m.text,
          kind: m.kind,
          duePrecision: due.precision,
          dueStart: dateFromIso(due.start),
          dueDate: dateFromIso(due.due),
          duePhrase: due.phrase,
        };
      }),
    });
  }
}
