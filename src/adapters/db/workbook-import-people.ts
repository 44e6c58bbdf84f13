import type { Prisma } from "../../../generated/prisma/client.ts";
import type { PartnershipData } from "../../domain/workbook/partnership-data.ts";
import { newPeopleNamed } from "../../domain/workbook/resolve-names.ts";
import { differences, pickAfter, pickBefore, type ImportLog } from "./workbook-import-log.ts";

type Tx = Prisma.TransactionClient;
const norm = (s: string) => s.toLowerCase().replace(/\s+/g, " ").trim();

/** People and teams by name (exactly as written, else lower-cased), with their ids, after the import's changes. */
export interface Names {
  people: Map<string, { id: number; name: string }>;
  teams: Map<string, { id: number; name: string }>;
}

/**
 * People (matched by email, else by name), then people named only as sponsors, leads, members,
 * indicator owners or recorders of readings (created with their name), then teams and organisations with their
 * members. A column the file does not have leaves that field as it is.
 */
export async function importPeopleAndTeams(tx: Tx, partnershipId: number, data: PartnershipData, log: ImportLog, timeZone: string): Promise<Names> {
  const existing = await tx.person.findMany({ where: { partnershipId }, select: { id: true, name: true, email: true, roles: true, timeZone: true, jobTitle: true } });
  const byEmail = new Map(existing.filter((p) => p.email).map((p) => [p.email!.toLowerCase(), p]));
  const byName = new Map(existing.map((p) => [norm(p.name), p]));
  const creates: Prisma.PersonCreateManyInput[] = [];
  for (const person of data.people) {
    const found = (person.email ? byEmail.get(person.email) : undefined) ?? byName.get(norm(person.name));
    if (!found) {
      creates.push({ partnershipId, name: person.name, email: person.email, roles: person.roles ?? [], timeZone: person.timeZone ?? timeZone, jobTitle: person.jobTitle });
      byName.set(norm(person.name), { id: 0, name: person.name, email: person.email, roles: [], timeZone, jobTitle: null });
      continue;
    }
    const diff = differences(found, {
      name: person.name,
      email: person.email ?? undefined,
      roles: person.roles ?? undefined,
      timeZone: person.timeZone ?? undefined,
      jobTitle: person.jobTitle ?? undefined,
    });
    if (Object.keys(diff).length === 0) continue;
    await tx.person.update({ where: { id: found.id }, data: pickAfter(diff) });
    log.change("update", { type: "person", id: found.id, ref: person.name }, Object.keys(diff).join(", "), pickBefore(diff), pickAfter(diff));
  }
  const directory = { people: [...byName.values()].map((p) => p.name), teams: [] };
  for (const { name } of newPeopleNamed(data, directory)) {
    creates.push({ partnershipId, name, timeZone });
    byName.set(norm(name), { id: 0, name, email: null, roles: [], timeZone, jobTitle: null });
  }
  const people = new Map(existing.map((p) => [norm(p.name), { id: p.id, name: p.name }]));
  for (let i = 0; i < creates.length; i += 250) {
    const rows = await tx.person.createManyAndReturn({ data: creates.slice(i, i + 250), select: { id: true, name: true, email: true, roles: true } });
    for (const row of rows) {
      people.set(norm(row.name), { id: row.id, name: row.name });
      log.change("create", { type: "person", id: row.id, ref: row.name }, row.email ? row.email : "no email", null, { name: row.name, email: row.email, roles: row.roles });
    }
  }

  // Teams: the Teams sheet, then organisations named on the People sheet.
  const teamRows = await tx.team.findMany({ where: { partnershipId }, select: { id: true, name: true, kind: true, members: { select: { personId: true } } } });
  // Team names are kept exactly (the database tells "Partner agencies" from "Partner Agencies").
  const teams = new Map(teamRows.map((t) => [t.name, { id: t.id, name: t.name, kind: t.kind as string, members: new Set(t.members.map((m) => m.personId)) }]));
  const wanted = new Map<string, { name: string; kind: "team" | "organisation"; members: Set<number> | null; add: Set<number> }>();
  for (const t of data.teams) {
    const members = t.members ? new Set(t.members.map((n) => people.get(norm(n))?.id).filter((id): id is number => id !== undefined)) : null;
    wanted.set(t.name, { name: t.name, kind: t.kind, members, add: new Set() });
  }
  for (const p of data.people) {
    if (!p.organisation) continue;
    const id = people.get(norm(p.name))?.id;
    const key = teamKey(teams, wanted, p.organisation);
    const entry = wanted.get(key) ?? { name: key, kind: "organisation" as const, members: null, add: new Set<number>() };
    if (id !== undefined) entry.add.add(id);
    wanted.set(key, entry);
  }
  const newTeams = [...wanted].filter(([key]) => !teams.has(key)).map(([, want]) => ({ partnershipId, name: want.name, kind: want.kind }));
  for (let i = 0; i < newTeams.length; i += 250) {
    for (const row of await tx.team.createManyAndReturn({ data: newTeams.slice(i, i + 250), select: { id: true, name: true, kind: true } })) {
      teams.set(row.name, { id: row.id, name: row.name, kind: row.kind, members: new Set() });
      log.change("create", { type: "team", id: row.id, ref: row.name }, row.kind, null, { name: row.name, kind: row.kind });
    }
  }
  const nameById = new Map([...people.values()].map((p) => [p.id, p.name]));
  const nameOf = (id: number) => nameById.get(id) ?? String(id);
  const additions: { teamId: number; personId: number }[] = [];
  for (const [key, want] of wanted) {
    const team = teams.get(key)!;
    if (data.teams.some((t) => t.name === key) && team.kind !== want.kind) {
      await tx.team.update({ where: { id: team.id }, data: { kind: want.kind } });
      log.change("update", { type: "team", id: team.id, ref: team.name }, `kind ${want.kind}`, { kind: team.kind }, { kind: want.kind });
      team.kind = want.kind;
    }
    const target = new Set([...(want.members ?? team.members), ...want.add]);
    const added = [...target].filter((id) => !team.members.has(id));
    const removed = want.members ? [...team.members].filter((id) => !target.has(id)) : [];
    if (added.length === 0 && removed.length === 0) continue;
    additions.push(...added.map((personId) => ({ teamId: team.id, personId })));
    if (removed.length) await tx.teamMember.deleteMany({ where: { teamId: team.id, personId: { in: removed } } });
    log.change(
      "update",
      { type: "team", id: team.id, ref: team.name },
      [added.length ? `+${added.map(nameOf).join(", +")}` : "", removed.length ? `-${removed.map(nameOf).join(", -")}` : ""].filter(Boolean).join(" "),
      { members: [...team.members].map(nameOf) },
      { members: [...target].map(nameOf) },
    );
    team.members = target;
  }
  for (let i = 0; i < additions.length; i += 1000) await tx.teamMember.createMany({ data: additions.slice(i, i + 1000), skipDuplicates: true });
  return { people, teams: new Map([...teams].map(([k, t]) => [k, { id: t.id, name: t.name }])) };
}

/** An organisation named on the People sheet: the team of that exact name, else the one differing only in case. */
function teamKey(teams: Map<string, unknown>, wanted: Map<string, unknown>, name: string): string {
  if (teams.has(name) || wanted.has(name)) return name;
  return [...teams.keys(), ...wanted.keys()].find((k) => norm(k) === norm(name)) ?? name;
}

/** A person or team by name: exactly as written, else ignoring case and spacing. */
export function lookupName(map: Map<string, { id: number; name: string }>, name: string): { id: number; name: string } | undefined {
  const exact = map.get(name) ?? map.get(norm(name));
  if (exact) return exact;
  const n = norm(name);
  for (const [k, v] of map) if (norm(k) === n) return v;
  return undefined;
}
