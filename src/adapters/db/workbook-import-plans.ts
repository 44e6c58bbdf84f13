import type { Prisma } from "../../../generated/prisma/client.ts";
import { PLAN_KINDS } from "../../domain/plan-document.ts";
import type { PartnershipData, PriorityData } from "../../domain/workbook/partnership-data.ts";
import { dateFromIso, isoDate } from "./views.ts";
import { lookupName, type Names } from "./workbook-import-people.ts";
import { differences, pickAfter, pickBefore, type ImportLog } from "./workbook-import-log.ts";

type Tx = Prisma.TransactionClient;

export interface PlanIds {
  plans: Map<string, { id: number; periodStart: string | null }>;
  /** Priorities by "plan:number" and "plan:title (lower case)". */
  priorities: Map<string, number>;
}

const priorityKeys = (plan: string, p: { number: number | null; title: string; kind: string }) =>
  [p.kind === "priority" && p.number !== null ? `${plan}:#${p.number}` : null, `${plan}:${p.kind}:${p.title.toLowerCase()}`].filter((k): k is string => k !== null);

/** Plans (by key), their outcomes (by key) and priorities (by number, else title), with sponsors and leads exactly as listed. */
export async function importPlans(tx: Tx, partnershipId: number, data: PartnershipData, names: Names, log: ImportLog): Promise<PlanIds> {
  const ids: PlanIds = { plans: new Map(), priorities: new Map() };
  const existingPlans = await tx.plan.findMany({ where: { partnershipId } });
  for (const plan of existingPlans) ids.plans.set(plan.key, { id: plan.id, periodStart: isoDate(plan.periodStart) });
  refuseClosedPlans(existingPlans, data, log);
  for (const plan of data.plans) {
    const found = existingPlans.find((p) => p.key === plan.key);
    const fields = { title: plan.title, kind: PLAN_KINDS[plan.kind], periodStart: dateFromIso(plan.periodStart), periodEnd: dateFromIso(plan.periodEnd), source: plan.source };
    if (!found) {
      const row = await tx.plan.create({ data: { partnershipId, key: plan.key, ...fields } });
      ids.plans.set(plan.key, { id: row.id, periodStart: plan.periodStart });
      log.change("create", { type: "plan", id: row.id, ref: plan.key }, plan.title, null, { key: plan.key, title: plan.title });
      continue;
    }
    if (plan.at === null) continue; // implied by the actions, not described: leave it as it is
    const diff = differences(found, fields);
    if (Object.keys(diff).length === 0) continue;
    await tx.plan.update({ where: { id: found.id }, data: pickAfter(diff) });
    ids.plans.set(plan.key, { id: found.id, periodStart: plan.periodStart });
    log.change("update", { type: "plan", id: found.id, ref: plan.key }, Object.keys(diff).join(", "), pickBefore(diff), pickAfter(diff));
  }
  const planId = (key: string, at: { sheet: string; row: number }, column = "Plan"): number | null => {
    const plan = ids.plans.get(key);
    if (!plan) log.problem(at, column, `no plan "${key}": add it to the Plans sheet, or name one of ${[...ids.plans.keys()].join(", ") || "(none yet)"}`);
    return plan?.id ?? null;
  };

  const outcomeIds = new Map<string, number>();
  const planIdsTouched = [...new Set([...data.outcomes.map((o) => o.plan), ...data.priorities.map((p) => p.plan), ...data.actions.map((a) => a.plan)])]
    .map((k) => ids.plans.get(k)?.id)
    .filter((id): id is number => id !== undefined);
  const outcomes = await tx.outcome.findMany({ where: { planId: { in: planIdsTouched } }, include: { plan: { select: { key: true } } } });
  for (const o of outcomes) {
    outcomeIds.set(`${o.plan.key}:${o.key}`, o.id);
    outcomeIds.set(`${o.plan.key}:${o.number}`, o.id);
  }
  for (const o of data.outcomes) {
    const pid = planId(o.plan, o.at);
    if (pid === null) continue;
    const found = outcomes.find((x) => x.planId === pid && x.key === o.key);
    if (!found) {
      const row = await tx.outcome.create({ data: { planId: pid, number: o.number, key: o.key, title: o.title } });
      outcomeIds.set(`${o.plan}:${o.key}`, row.id);
      outcomeIds.set(`${o.plan}:${o.number}`, row.id);
      log.change("create", { type: "outcome", id: row.id, ref: `${o.plan}:${o.key}` }, o.title, null, { number: o.number, title: o.title });
      continue;
    }
    const diff = differences(found, { number: o.number, title: o.title });
    if (Object.keys(diff).length === 0) continue;
    await tx.outcome.update({ where: { id: found.id }, data: pickAfter(diff) });
    log.change("update", { type: "outcome", id: found.id, ref: `${o.plan}:${o.key}` }, Object.keys(diff).join(", "), pickBefore(diff), pickAfter(diff));
  }

  const priorities = await tx.priority.findMany({ where: { planId: { in: planIdsTouched } }, include: { plan: { select: { key: true } }, roles: { orderBy: [{ role: "asc" }, { position: "asc" }] } } });
  for (const p of priorities) for (const key of priorityKeys(p.plan.key, p)) ids.priorities.set(key, p.id);
  for (const p of data.priorities) {
    const pid = planId(p.plan, p.at);
    if (pid === null) continue;
    await importPriority(tx, pid, p, priorities, outcomeIds, names, ids, log);
  }
  return ids;
}

async function importPriority(
  tx: Tx,
  planId: number,
  p: PriorityData,
  existing: (Prisma.PriorityGetPayload<{ include: { plan: { select: { key: true } }; roles: true } }>)[],
  outcomeIds: Map<string, number>,
  names: Names,
  ids: PlanIds,
  log: ImportLog,
): Promise<void> {
  const outcomeId = p.outcome ? (outcomeIds.get(`${p.plan}:${p.outcome}`) ?? null) : null;
  if (p.outcome && outcomeId === null) log.problem(p.at, "Outcome", `no outcome "${p.outcome}" in plan ${p.plan}`);
  const fields = { kind: p.kind, number: p.number, title: p.title, outcomeId, obsession: p.obsession, startingPoint: p.startingPoint, refPrefix: p.refPrefix, note: p.note };
  const foundId = priorityKeys(p.plan, p).map((k) => ids.priorities.get(k)).find((id) => id !== undefined);
  const found = existing.find((x) => x.id === foundId);
  let id: number;
  const ref = `${p.plan}:${p.number ?? p.title}`;
  if (!found) {
    const row = await tx.priority.create({ data: { planId, ...fields } });
    id = row.id;
    log.change("create", { type: "priority", id, ref }, p.title, null, { number: p.number, title: p.title });
  } else {
    id = found.id;
    const diff = differences(found, fields);
    if (Object.keys(diff).length) {
      await tx.priority.update({ where: { id }, data: pickAfter(diff) });
      log.change("update", { type: "priority", id, ref }, Object.keys(diff).join(", "), pickBefore(diff), pickAfter(diff));
    }
  }
  for (const key of priorityKeys(p.plan, p)) ids.priorities.set(key, id);
  const wantRoles = [
    ...p.sponsors.map((n, position) => ({ personId: lookupName(names.people, n)?.id, role: "sponsor" as const, position })),
    ...p.leads.map((n, position) => ({ personId: lookupName(names.people, n)?.id, role: "lead" as const, position })),
  ].filter((r): r is { personId: number; role: "sponsor" | "lead"; position: number } => r.personId !== undefined);
  const haveRoles = (found?.roles ?? []).map((r) => ({ personId: r.personId, role: r.role, position: r.position }));
  const sig = (list: { personId: number; role: string; position: number }[]) => JSON.stringify([...list].sort((a, b) => a.role.localeCompare(b.role) || a.position - b.position));
  if (sig(wantRoles) === sig(haveRoles)) return;
  await tx.priorityRole.deleteMany({ where: { priorityId: id } });
  await tx.priorityRole.createMany({ data: wantRoles.map((r) => ({ priorityId: id, ...r })), skipDuplicates: true });
  const nameOf = (personId: number) => [...names.people.values()].find((x) => x.id === personId)?.name ?? String(personId);
  const describe = (list: typeof haveRoles) => ({ sponsors: list.filter((r) => r.role === "sponsor").map((r) => nameOf(r.personId)), leads: list.filter((r) => r.role === "lead").map((r) => nameOf(r.personId)) });
  if (found) log.change("update", { type: "priority", id, ref }, "sponsors and leads", describe(haveRoles), describe(wantRoles));
}

/** Finds a priority named in an Actions or Indicators row: its number, or its title. */
export function priorityIdFor(ids: PlanIds, plan: string, written: string | null): number | null | undefined {
  if (!written) return null;
  const n = /^\d+$/.test(written.trim()) ? `${plan}:#${Number(written)}` : null;
  return (n ? ids.priorities.get(n) : undefined) ?? ids.priorities.get(`${plan}:priority:${written.toLowerCase()}`) ?? ids.priorities.get(`${plan}:ambition:${written.toLowerCase()}`);
}

/** Indicators by code, with targets exactly as listed, owner, periodicity and forecast. */
export async function importIndicators(tx: Tx, partnershipId: number, data: PartnershipData, names: Names, ids: PlanIds, log: ImportLog): Promise<void> {
  if (data.indicators.length === 0) return;
  const existing = await tx.indicator.findMany({ where: { partnershipId }, include: { targets: { orderBy: { dueDate: "asc" } } } });
  const onlyPlan = ids.plans.size === 1 ? [...ids.plans.keys()][0]! : null;
  for (const i of data.indicators) {
    const plan = i.plan ?? onlyPlan ?? data.plans[0]?.key ?? null;
    let priorityId: number | null = null;
    if (i.priority) {
      const found = plan ? priorityIdFor(ids, plan, i.priority) : undefined;
      if (found === undefined) log.problem(i.at, "Priority", `no priority "${i.priority}"${plan ? ` in plan ${plan}` : ""}`);
      priorityId = found ?? null;
    }
    const ownerId = i.owner ? (lookupName(names.people, i.owner)?.id ?? null) : null;
    const fields = {
      priorityId, ownerId, number: i.number, name: i.name, unit: i.unit, polarity: i.polarity, obsession: i.obsession,
      baselineValue: i.baselineValue, baselineDate: dateFromIso(i.baselineDate), baselineText: i.baselineText, note: i.note,
      periodicity: i.periodicity,
      ...(i.tolerance === undefined ? {} : { ragTolerance: i.tolerance }),
    };
    const found = existing.find((x) => x.code === i.code);
    let id: number;
    if (!found) {
      const row = await tx.indicator.create({ data: { partnershipId, code: i.code, ...fields, ...(i.forecast ? { forecast: i.forecast } : {}) } });
      id = row.id;
      log.change("create", { type: "indicator", id, ref: i.code }, i.name, null, { code: i.code, name: i.name });
    } else {
      id = found.id;
      const diff = differences(found as unknown as Record<string, unknown>, { ...fields, ...(i.forecast ? { forecast: i.forecast } : {}) });
      if (Object.keys(diff).length) {
        await tx.indicator.update({ where: { id }, data: pickAfter(diff) });
        log.change("update", { type: "indicator", id, ref: i.code }, Object.keys(diff).join(", "), pickBefore(diff), pickAfter(diff));
      }
    }
    const have = (found?.targets ?? []).map((t) => ({ value: t.value, dueDate: isoDate(t.dueDate), text: t.text }));
    const want = i.targets.map((t) => ({ value: t.value, dueDate: t.dueDate, text: t.text }));
    if (JSON.stringify(have) === JSON.stringify([...want].sort((a, b) => a.dueDate.localeCompare(b.dueDate)))) continue;
    await tx.indicatorTarget.deleteMany({ where: { indicatorId: id } });
    await tx.indicatorTarget.createMany({ data: want.map((t) => ({ indicatorId: id, value: t.value, dueDate: dateFromIso(t.dueDate)!, text: t.text })), skipDuplicates: true });
    log.change("update", { type: "indicator", id, ref: i.code }, "targets", { targets: have }, { targets: want });
  }
}

/**
 * A refreshed plan is closed to changes, imports included: the first row that names one is a
 * problem (so nothing is written), saying which plan its work moved to.
 */
function refuseClosedPlans(existing: { id: number; key: string; closedAt: Date | null; refreshedIntoId: number | null }[], data: PartnershipData, log: ImportLog): void {
  const rows: { plan: string; at: { sheet: string; row: number } | null }[] = [...data.plans.map((p) => ({ plan: p.key, at: p.at })), ...data.outcomes, ...data.priorities, ...data.actions];
  const reported = new Set<string>();
  for (const row of rows) {
    const plan = existing.find((p) => p.key === row.plan);
    if (!plan?.closedAt || !row.at || reported.has(plan.key)) continue;
    reported.add(plan.key);
    const into = existing.find((p) => p.id === plan.refreshedIntoId)?.key;
    log.problem(row.at, "Plan", `${plan.key} was refreshed${into ? ` into ${into}` : ""} on ${plan.closedAt.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "Europe/London" })} and is closed to changes: import into ${into ?? "its successor"} instead`);
  }
}
