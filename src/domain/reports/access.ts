import type { Person, PersonSummary } from "../model.ts";

/**
 * Who may change what the board reads. Anyone in the partnership may read reports and risks.
 * Kept together so they can move into the partnership's one access module whole.
 */
const isCoordinator = (actor: Person) => actor.roles.includes("coordinator") || actor.roles.includes("admin");

/** An indicator's tolerance: its owner, its priority's leads, coordinators and admins (as for readings). */
export function mayTuneIndicator(actor: Person, indicator: { owner: PersonSummary | null; leads: readonly PersonSummary[] }): boolean {
  return indicator.owner?.id === actor.id || indicator.leads.some((l) => l.id === actor.id) || isCoordinator(actor);
}

/** Adding, reviewing or closing a risk: its owner, the priority's CTB sponsors and leads, coordinators and admins. */
export function mayChangeRisk(actor: Person, risk: { ownerId: number | null; sponsors: readonly PersonSummary[]; leads: readonly PersonSummary[] }): boolean {
  return risk.ownerId === actor.id || risk.sponsors.some((p) => p.id === actor.id) || risk.leads.some((p) => p.id === actor.id) || isCoordinator(actor);
}

/** The reporting calendar: coordinators and admins. */
export const mayScheduleReports = (actor: Person): boolean => isCoordinator(actor);

/** The board pack (private data, sent to the asker only): coordinators, admins and board members. */
export const mayTakeBoardPack = (actor: Person): boolean => isCoordinator(actor) || actor.roles.includes("board_member");
