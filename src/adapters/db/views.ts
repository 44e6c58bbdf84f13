import type { Prisma } from "../../../generated/prisma/client.ts";
import type { Person } from "../../domain/model.ts";

/** Prisma rows to the domain's plain views, for the reads that go through Prisma. */

export const personInclude = { memberships: { select: { teamId: true } } } satisfies Prisma.PersonInclude;

type PersonRow = Prisma.PersonGetPayload<{ include: typeof personInclude }>;

export const isoDate = (value: Date | null): string | null => (value ? value.toISOString().slice(0, 10) : null);
export const dateFromIso = (value: string | null): Date | null => (value ? new Date(`${value}T00:00:00Z`) : null);

export function toPerson(row: PersonRow): Person {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    roles: row.roles,
    jobTitle: row.jobTitle,
    timeZone: row.timeZone,
    teamIds: row.memberships.map((m) => m.teamId),
  };
}
