import type { Database } from "../../src/adapters/db/open-database.ts";

/**
 * Everything a command could change in one partnership, as plain JSON: for asserting that a
 * refusal changed nothing (compare the snapshot before and after).
 */
export async function partnershipState(db: Database, partnershipId: number): Promise<unknown> {
  const p = db.prisma;
  const inPartnership = { partnershipId };
  const [people, identities, actions, notes, milestones, snoozes, readings, audit] = await Promise.all([
    p.person.findMany({ where: inPartnership, orderBy: { id: "asc" } }),
    p.platformIdentity.findMany({ where: { person: inPartnership }, orderBy: { id: "asc" } }),
    p.action.findMany({ where: { plan: inPartnership }, orderBy: { id: "asc" } }),
    p.actionNote.findMany({ where: { action: { plan: inPartnership } }, orderBy: { id: "asc" } }),
    p.milestone.findMany({ where: { action: { plan: inPartnership } }, orderBy: { id: "asc" } }),
    p.snooze.findMany({ where: { milestone: { action: { plan: inPartnership } } }, orderBy: { id: "asc" } }),
    p.indicatorReading.findMany({ where: { indicator: inPartnership }, orderBy: { id: "asc" } }),
    p.auditEvent.findMany({ where: inPartnership, orderBy: { id: "asc" } }),
  ]);
  return JSON.parse(JSON.stringify({ people, identities, actions, notes, milestones, snoozes, readings, audit }));
}
