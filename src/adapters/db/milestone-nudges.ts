import type { EscalationLevel } from "../../domain/schedule/escalation.ts";
import { sentKey, type NudgeItem, type RaisedEscalation, type SweepInput } from "../../domain/schedule/plan-nudges.ts";
import { asRegion } from "../../domain/schedule/bank-holidays.ts";
import type { SweepData, SweepPerson } from "../../jobs/ports.ts";
import type { Queryable } from "./sql-runner.ts";

/** Runs queries one after another, keeping each one's own result type. */
async function inSequence<T extends readonly (() => Promise<unknown>)[]>(work: T): Promise<{ [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const results: unknown[] = [];
  for (const query of work) results.push(await query());
  return results as { [K in keyof T]: Awaited<ReturnType<T[K]>> };
}

// Sweeps of one partnership take turns across instances, so a stage is claimed once.
export const SWEEP_LOCK = 7_240_400;

/**
 * Everyone in the partnership with their quiet rules (time zone, quiet hours, region) and
 * whether they coordinate: what a sweep reads first, to know whether anyone may hear
 * anything now. One statement.
 */
export async function loadSweepPeople(db: Queryable, partnershipId: number): Promise<SweepPerson[]> {
  const rows = await db.query<{ id: number; name: string; time_zone: string; quiet_start_minute: number; quiet_end_minute: number; region: string | null; coordinator: boolean }>(
    `SELECT p.id, p.name, p.time_zone, p.quiet_start_minute, p.quiet_end_minute, coalesce(p.region, pa.region) AS region,
       'coordinator'::person_role = ANY(p.roles) AS coordinator
     FROM person p JOIN partnership pa ON pa.id = p.partnership_id WHERE p.partnership_id = $1`,
    [partnershipId],
  );
  return rows.map((p) => ({
    id: p.id,
    name: p.name,
    coordinator: p.coordinator,
    rules: { timeZone: p.time_zone, quietStartMinute: p.quiet_start_minute, quietEndMinute: p.quiet_end_minute, region: asRegion(p.region) ?? undefined },
  }));
}

// Open milestones read this many at a time: a city's 20,000 parsed at once held the thread for
// a tenth of a second or more; a batch of 2,000 takes a few milliseconds.
const MILESTONE_BATCH = 2000;

/**
 * Every open milestone of the partnership's open plans that can have reached a stage by
 * `today` (ISO date), with its owners and owning teams' members, in id order, in batches
 * of `batchSize` (one statement each).
 */
async function openMilestones(db: Queryable, partnershipId: number, today: string, batchSize: number): Promise<MilestoneRow[]> {
  const all: MilestoneRow[] = [];
  for (let after = 0; ; ) {
    const batch = await db.query<MilestoneRow>(
      // Every open milestone, owned or not: one with no owner still reaches someone (domain/access.ts).
      // Per-row lookups on action_owner's index: a grouped join here made the planner loop (minutes at 40k milestones).
      `SELECT m.id, m.ref, m.kind::text AS kind, m.due_date::text AS due_date, m.snoozed_until, m.snooze_count, a.priority_id,
         coalesce((SELECT array_agg(DISTINCT ao.person_id) FROM action_owner ao WHERE ao.action_id = a.id AND ao.person_id IS NOT NULL), '{}') AS owner_ids,
         coalesce((SELECT array_agg(DISTINCT tm.person_id) FROM action_owner ao JOIN team_member tm ON tm.team_id = ao.team_id WHERE ao.action_id = a.id), '{}') AS team_member_ids
       FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id
       WHERE pl.partnership_id = $1 AND m.done_at IS NULL AND a.state NOT IN ('done', 'dropped')
         -- A refreshed plan's open work moved to its successor, which nudges for it.
         AND pl.closed_at IS NULL
         -- Nothing due more than a week ahead can have reached a stage yet (plus a day: a local date can be ahead of UTC's).
         AND (m.due_date IS NULL OR m.due_date <= $2::date + 9)
         AND m.id > $3
       ORDER BY m.id LIMIT $4`,
      [partnershipId, today, after, batchSize],
    );
    all.push(...batch);
    if (batch.length < batchSize) return all;
    after = batch[batch.length - 1]!.id;
  }
}

/** Takes the partnership's sweep lock until the transaction `tx` ends. */
export async function lockSweep(tx: Queryable, partnershipId: number): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock($1, $2)`, [SWEEP_LOCK, partnershipId]);
}

interface MilestoneRow {
  id: number;
  ref: string;
  kind: "milestone" | "target";
  due_date: string | null;
  snoozed_until: Date | null;
  snooze_count: number;
  priority_id: number | null;
  owner_ids: number[];
  team_member_ids: number[];
}

/**
 * A nudge sweep's input for one partnership at `now`, in six queries however many people
 * there are (five when `people` were read already): people and their quiet rules, open milestones (with owners and team members),
 * stages already sent, overdue nudge counts, escalations raised, and priority roles.
 */
export async function loadSweepData(db: Queryable, partnershipId: number, now: Date, people?: SweepPerson[], batchSize = MILESTONE_BATCH): Promise<SweepData> {
  people ??= await loadSweepPeople(db, partnershipId);
  const since = new Date(now.getTime() - 9 * 86_400_000).toISOString().slice(0, 10);
  // One after another: inside the sweep's transaction they share one connection.
  const [milestones, sent, overdue, raised, roles] = await inSequence([
    () => openMilestones(db, partnershipId, now.toISOString().slice(0, 10), batchSize),
    // Only the latest stage can be sent, and its date is never more than a week old.
    () => db.query<{ milestone_id: number; person_id: number; stage: string; stage_date: string }>(
      `SELECT mn.milestone_id, mn.person_id, mn.stage, mn.stage_date::text AS stage_date FROM milestone_nudge mn
       JOIN person p ON p.id = mn.person_id WHERE p.partnership_id = $1 AND mn.stage_date >= $2::date`,
      [partnershipId, since],
    ),
    // Per milestone: overdue nudges so far, and the day its owners were first nudged (the sweep's time, London).
    () => db.query<{ milestone_id: number; n: number | string; first_nudged: string }>(
      `SELECT mn.milestone_id, count(DISTINCT mn.stage_date) FILTER (WHERE mn.stage = 'overdue') AS n,
         (min(mn.created_at) AT TIME ZONE 'Europe/London')::date::text AS first_nudged
       FROM milestone_nudge mn JOIN person p ON p.id = mn.person_id
       WHERE p.partnership_id = $1 GROUP BY mn.milestone_id`,
      [partnershipId],
    ),
    () => db.query<{ milestone_id: number; level: EscalationLevel; at: string }>(
      `SELECT e.milestone_id, e.level, (e.created_at AT TIME ZONE 'Europe/London')::date::text AS at FROM escalation e
       JOIN milestone m ON m.id = e.milestone_id JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id
       WHERE pl.partnership_id = $1`,
      [partnershipId],
    ),
    () => db.query<{ priority_id: number; person_id: number; role: "lead" | "sponsor" }>(
      `SELECT r.priority_id, r.person_id, r.role::text AS role FROM priority_role r JOIN person p ON p.id = r.person_id WHERE p.partnership_id = $1`,
      [partnershipId],
    ),
  ] as const);
  const input: SweepInput = {
    now,
    people: new Map(people.map((p) => [p.id, p.rules])),
    milestones: milestones.map((m) => ({
      id: m.id,
      dueDate: m.due_date,
      kind: m.kind,
      snoozedUntil: m.snoozed_until ? new Date(m.snoozed_until) : null,
      snoozeCount: m.snooze_count,
      priorityId: m.priority_id,
      ownerIds: m.owner_ids,
      teamMemberIds: m.team_member_ids,
    })),
    sent: new Set(sent.map((s) => sentKey(s.milestone_id, s.person_id, s.stage, s.stage_date))),
    overdueNudges: new Map(overdue.map((o) => [o.milestone_id, Number(o.n)])),
    firstNudged: new Map(overdue.map((o) => [o.milestone_id, o.first_nudged])),
    raised: new Map(),
    roles: new Map(),
    coordinatorIds: people.filter((p) => p.coordinator).map((p) => p.id),
  };
  for (const r of raised) input.raised.set(r.milestone_id, { ...input.raised.get(r.milestone_id), [r.level]: r.at });
  for (const r of roles) {
    const entry = input.roles.get(r.priority_id) ?? { lead: [], sponsor: [] };
    entry[r.role].push(r.person_id);
    input.roles.set(r.priority_id, entry);
  }
  return { input, refs: new Map(milestones.map((m) => [m.id, m.ref])), names: new Map(people.map((p) => [p.id, p.name])) };
}

/** Records which stage reached whom in which delivery; a stage already recorded is kept. */
export async function recordNudges(tx: Queryable, rows: (NudgeItem & { personId: number; deliveryId: number })[], now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO milestone_nudge (milestone_id, person_id, stage, stage_date, delivery_id, created_at)
     SELECT *, $6::timestamptz FROM unnest($1::int[], $2::int[], $3::text[], $4::date[], $5::int[]) ON CONFLICT DO NOTHING`,
    [rows.map((r) => r.milestoneId), rows.map((r) => r.personId), rows.map((r) => r.stage), rows.map((r) => r.stageDate), rows.map((r) => r.deliveryId), now],
  );
}

/** Records escalations raised at `now`; one already raised is kept. */
export async function recordEscalations(tx: Queryable, rows: RaisedEscalation[], now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO escalation (milestone_id, level, reason, created_at) SELECT *, $4::timestamptz FROM unnest($1::int[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
    [rows.map((e) => e.milestoneId), rows.map((e) => e.level), rows.map((e) => e.reason), now],
  );
}
