import type { EscalationLevel } from "../../domain/schedule/escalation.ts";
import { sentKey, type NudgeItem, type RaisedEscalation, type SweepInput } from "../../domain/schedule/plan-nudges.ts";
import { asRegion } from "../../domain/schedule/bank-holidays.ts";
import type { SweepData, SweepPerson } from "../../jobs/ports.ts";
import { sql } from "kysely";
import { compileOnly, runCompiled } from "./kysely.ts";
import type { Queryable, SqlTransaction } from "./sql-runner.ts";

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

// Open milestones fetched this many at a time from one cursor: the statement runs once (a
// keyset-paged read re-ran its joins for every page, four times the cost), and a batch of
// 2,000 rows takes a few milliseconds to parse, however large the city.
const MILESTONE_BATCH = 2000;

/**
 * Every open milestone of the partnership's open plans that can have reached a stage by
 * `today` (ISO date), in id order, fetched `batchSize` rows at a time through a cursor in
 * the caller's transaction `tx` (one statement to open it, one per batch, one to close it).
 * Owners and team members are read apart, flat (see `actionParties`): read per row, as
 * arrays, they cost ten times the rest of the sweep.
 */
async function openMilestones(tx: Queryable, partnershipId: number, today: string, batchSize: number): Promise<MilestoneRow[]> {
  const select = compileOnly
    .selectFrom("milestone as m")
    .innerJoin("action as a", "a.id", "m.action_id")
    .innerJoin("plan as pl", "pl.id", "a.plan_id")
    .select([
      "m.id",
      "m.ref",
      sql<"milestone" | "target">`m.kind::text`.as("kind"),
      sql<string | null>`m.due_date::text`.as("due_date"),
      "m.snoozed_until",
      "m.snooze_count",
      "a.priority_id",
      "m.action_id",
    ])
    // Every open milestone, owned or not: one with no owner still reaches someone (domain/access.ts).
    .where("pl.partnership_id", "=", partnershipId)
    .where("m.done_at", "is", null)
    .where(sql<boolean>`a.state NOT IN ('done', 'dropped')`)
    // A refreshed plan's open work moved to its successor, which nudges for it.
    .where("pl.closed_at", "is", null)
    // Nothing due more than a week ahead can have reached a stage yet (plus a day: a local date can be ahead of UTC's).
    .where((eb) => eb.or([eb("m.due_date", "is", null), eb("m.due_date", "<=", sql<Date>`cast(${today} as date) + 9`)]))
    .orderBy("m.id")
    .compile();
  await tx.query(`DECLARE sweep_milestones NO SCROLL CURSOR FOR ${select.sql}`, [...select.parameters]);
  const all: MilestoneRow[] = [];
  for (;;) {
    const batch = await tx.query<MilestoneRow>(`FETCH ${Math.max(1, Math.floor(batchSize))} FROM sweep_milestones`);
    for (const row of batch) all.push(row);
    if (batch.length < batchSize) break;
  }
  await tx.query(`CLOSE sweep_milestones`);
  return all;
}

/**
 * Who owns each open action of the partnership's open plans: the people named as owners,
 * and the members of the teams named, by action id, each list in id order without repeats.
 * One statement, one row per owner (per member, for a team).
 */
async function actionParties(tx: Queryable, partnershipId: number): Promise<Map<number, { ownerIds: number[]; teamMemberIds: number[] }>> {
  const rows = await runCompiled(
    tx,
    compileOnly
      .selectFrom("action_owner as ao")
      .innerJoin("action as a", "a.id", "ao.action_id")
      .innerJoin("plan as pl", "pl.id", "a.plan_id")
      .leftJoin("team_member as tm", "tm.team_id", "ao.team_id")
      .select(["ao.action_id", "ao.person_id", "tm.person_id as member_id"])
      .where("pl.partnership_id", "=", partnershipId)
      .where("pl.closed_at", "is", null)
      .where(sql<boolean>`a.state NOT IN ('done', 'dropped')`),
  );
  const sets = new Map<number, { owners: Set<number>; members: Set<number> }>();
  for (const r of rows) {
    let entry = sets.get(r.action_id);
    if (!entry) sets.set(r.action_id, (entry = { owners: new Set(), members: new Set() }));
    if (r.person_id !== null) entry.owners.add(r.person_id);
    if (r.member_id !== null) entry.members.add(r.member_id);
  }
  const ascending = (ids: Set<number>) => [...ids].sort((a, b) => a - b);
  return new Map([...sets].map(([actionId, e]) => [actionId, { ownerIds: ascending(e.owners), teamMemberIds: ascending(e.members) }]));
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
  action_id: number;
}

/**
 * A nudge sweep's input for one partnership at `now`, read inside the transaction `tx` (the
 * open milestones come through a cursor): people and their quiet rules (unless `people`
 * were read already), open milestones in batches of `batchSize`, their actions' owners and
 * team members, stages already sent, overdue nudge counts, escalations raised, and priority
 * roles. A fixed number of statements however many people there are, plus one per batch.
 */
export async function loadSweepData(db: SqlTransaction, partnershipId: number, now: Date, people?: SweepPerson[], batchSize = MILESTONE_BATCH): Promise<SweepData> {
  people ??= await loadSweepPeople(db, partnershipId);
  const since = new Date(now.getTime() - 9 * 86_400_000).toISOString().slice(0, 10);
  // One after another: inside the sweep's transaction they share one connection.
  const [milestones, parties, sent, overdue, raised, roles] = await inSequence([
    () => openMilestones(db, partnershipId, now.toISOString().slice(0, 10), batchSize),
    () => actionParties(db, partnershipId),
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
      ownerIds: parties.get(m.action_id)?.ownerIds ?? [],
      teamMemberIds: parties.get(m.action_id)?.teamMemberIds ?? [],
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
