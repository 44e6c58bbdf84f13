import { appliedMigrations, readMigrations } from "../adapters/db/migrator.ts";
import type { Database } from "../adapters/db/open-database.ts";

export interface Status {
  database: { kind: string; location: string };
  migrations: { applied: string[]; pending: string[] };
  counts: { partnerships: number; plans: number; actions: number; milestones: number; people: number; indicators: number; pledges: number };
  plans: { partnership: string; key: string; title: string; actions: number; milestones: number }[];
}

/** Where the data is, how far it is migrated, and how much of it there is. */
export async function collectStatus(db: Database, location: string): Promise<Status> {
  const applied = (await appliedMigrations(db.sql)).map((m) => m.migration_name);
  const pending = readMigrations()
    .map((m) => m.name)
    .filter((name) => !applied.includes(name));
  const status: Status = {
    database: { kind: db.kind, location },
    migrations: { applied, pending },
    counts: { partnerships: 0, plans: 0, actions: 0, milestones: 0, people: 0, indicators: 0, pledges: 0 },
    plans: [],
  };
  if (pending.length > 0 && applied.length === 0) return status;
  const p = db.prisma;
  const [partnerships, plans, actions, milestones, people, indicators, pledges] = await Promise.all([
    p.partnership.count(), p.plan.count(), p.action.count(), p.milestone.count(), p.person.count(), p.indicator.count(), p.pledge.count(),
  ]);
  status.counts = { partnerships, plans, actions, milestones, people, indicators, pledges };
  // Each plan with how many actions and milestones it has: one statement, typed (kysely.ts).
  const rows = await db.kysely
    .selectFrom("plan as pl")
    .innerJoin("partnership as pa", "pa.id", "pl.partnership_id")
    .select((eb) => [
      "pa.slug as partnership",
      "pl.key",
      "pl.title",
      eb.selectFrom("action as a").select((a) => a.fn.countAll().as("n")).whereRef("a.plan_id", "=", "pl.id").as("actions"),
      eb
        .selectFrom("milestone as m")
        .innerJoin("action as a", "a.id", "m.action_id")
        .select((m) => m.fn.countAll().as("n"))
        .whereRef("a.plan_id", "=", "pl.id")
        .as("milestones"),
    ])
    .orderBy("pa.slug")
    .orderBy("pl.period_start", (o) => o.nullsLast())
    .orderBy("pl.key")
    .execute();
  // Counts arrive as bigint (or text, by driver): numbers here.
  status.plans = rows.map((r) => ({ ...r, actions: Number(r.actions), milestones: Number(r.milestones) }));
  return status;
}

/** A connection string with its password removed, safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    return parsed.toString();
  } catch {
    return "postgresql://(unparseable)";
  }
}
