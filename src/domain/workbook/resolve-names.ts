import { editDistance } from "../refs.ts";
import { splitNames } from "./cells.ts";
import type { PartnershipData, PartyName, SourceRow } from "./partnership-data.ts";

/** The people and teams names can point at: those in the file and those already in Curve. */
export interface Directory {
  people: readonly string[];
  teams: readonly string[];
}

export interface UnmatchedName {
  name: string;
  /** Where it was written, e.g. "Actions row 14, Action Owner (ATT-3)". */
  where: string[];
  closest: string[];
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();

/**
 * Links the owner and contributor cells of each action to people and teams, in place. A cell is
 * split at line breaks, ";", ",", "&", "/" and "and" ("Jancis Andrew & Andrea Richardson"); a
 * part that is no known name is searched for known people's names ("Sue May Jean Davey Multi
 * Agency" → Sue May, Jean Davey, and "Multi Agency" unmatched). Names that match no one are
 * left unlinked (the cell's words are kept) and returned with the closest known names, so a
 * dry run can list them; nothing is guessed.
 */
export function resolveActionParties(data: PartnershipData, directory: Directory): UnmatchedName[] {
  const people = new Map(directory.people.map((n) => [norm(n), n]));
  const teams = new Map(directory.teams.map((n) => [norm(n), n]));
  const unmatched = new Map<string, UnmatchedName>();
  const note = (name: string, where: string) => {
    const entry = unmatched.get(norm(name)) ?? { name, where: [], closest: closestNames(name, [...directory.people, ...directory.teams]) };
    if (entry.where.length < 5) entry.where.push(where);
    unmatched.set(norm(name), entry);
  };
  const exactPeople = new Set(directory.people);
  const exactTeams = new Set(directory.teams);
  const exact = (name: string): PartyName | null => {
    if (exactPeople.has(name)) return { person: name };
    if (exactTeams.has(name)) return { team: name };
    const n = norm(name);
    const person = people.get(n);
    if (person) return { person };
    const team = teams.get(n);
    return team ? { team } : null;
  };
  const personNames = [...people.entries()].sort((a, b) => b[0].length - a[0].length);

  const fromCell = (cell: string | null, where: string): PartyName[] => {
    const out: PartyName[] = [];
    // A team's own name may hold "and" or "&" ("Cluster chairs and managers"): try each part whole first.
    const parts = splitNames(cell, /\s*(?:\n|;|,)\s*/).flatMap((p) => (exact(p) ? [p] : splitNames(p)));
    for (const part of parts) {
      const whole = exact(part);
      if (whole) {
        out.push(whole);
        continue;
      }
      // Names run together in one cell: pick out the known people, keep the rest as one name.
      let rest = ` ${norm(part)} `;
      const found: { at: number; party: PartyName }[] = [];
      for (const [n, name] of personNames) {
        const at = rest.indexOf(` ${n} `);
        if (at < 0) continue;
        found.push({ at, party: { person: name } });
        // Same length, so later names keep their places: they are listed in the order written.
        rest = `${rest.slice(0, at)} ${"|".padEnd(n.length, " ")} ${rest.slice(at + n.length + 2)}`;
      }
      const inside = found.sort((a, b) => a.at - b.at).map((f) => f.party);
      if (inside.length === 0) {
        out.push({ unmatched: part });
        note(part, where);
        continue;
      }
      out.push(...inside);
      for (const leftover of rest.split("|").map((s) => s.trim()).filter((s) => s.length > 2)) {
        const team = exact(leftover);
        if (team) out.push(team);
        else {
          out.push({ unmatched: leftover });
          note(leftover, where);
        }
      }
    }
    return dedupe(out);
  };
  const fromList = (list: PartyName[], where: string): PartyName[] =>
    list.map((p) => {
      const name = "person" in p ? p.person : "team" in p ? p.team : p.unmatched;
      const found = exact(name);
      if (!found) note(name, where);
      return found ?? { unmatched: name };
    });

  for (const a of data.actions) {
    const at = (column: string) => `${a.at.sheet} row ${a.at.row}, ${column} (${a.ref})`;
    a.owners = a.linkedOwners ? fromList(a.owners, at("Linked owners")) : fromCell(a.ownerText, at("Action Owner"));
    a.contributors = a.linkedContributors ? fromList(a.contributors, at("Linked contributors")) : fromCell(a.contributorText, at("Contributing Officers/Teams"));
  }
  return [...unmatched.values()];
}

/**
 * Names in columns that can only hold people (sponsors, leads, team members, indicator owners,
 * who recorded a reading) that match no one: they become new people (with no email) when imported. Returned for the
 * dry run with where each was written.
 */
export function newPeopleNamed(data: PartnershipData, directory: Directory): { name: string; where: SourceRow }[] {
  const known = new Set(directory.people.map(norm));
  const out = new Map<string, { name: string; where: SourceRow }>();
  const add = (name: string, where: SourceRow) => {
    if (!known.has(norm(name)) && !out.has(norm(name))) out.set(norm(name), { name, where });
  };
  for (const p of data.priorities) for (const n of [...p.sponsors, ...p.leads]) add(n, p.at);
  for (const t of data.teams) for (const n of t.members ?? []) add(n, t.at);
  for (const i of data.indicators) if (i.owner) add(i.owner, i.at);
  for (const r of data.readings) if (r.recordedBy) add(r.recordedBy, r.at);
  return [...out.values()];
}

/** Known names closest to an unknown one, best first: same surname, or a few letters apart. */
export function closestNames(name: string, known: readonly string[], limit = 3): string[] {
  const target = norm(name);
  const words = new Set(target.split(" ").filter((w) => w.length >= 3));
  return known
    .map((k) => {
      const n = norm(k);
      const shared = n.split(" ").filter((w) => words.has(w)).length;
      // Names more than 12 letters apart in length are not close: not worked out letter by letter.
      const distance = (Math.abs(target.length - n.length) > 12 ? Math.max(target.length, n.length) : editDistance(target, n)) / Math.max(target.length, n.length, 1);
      return { k, score: distance - shared * 0.5 };
    })
    .filter((c) => c.score <= 0.35)
    .sort((a, b) => a.score - b.score || a.k.localeCompare(b.k))
    .slice(0, limit)
    .map((c) => c.k);
}

function dedupe(list: PartyName[]): PartyName[] {
  const seen = new Set<string>();
  return list.filter((p) => {
    const key = JSON.stringify(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
