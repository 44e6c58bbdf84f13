import type { EscalationLevel } from "../../domain/schedule/escalation.ts";
import type { MilestoneRest, RaisedEscalation, SweepFacts, SweepMilestone } from "../../domain/schedule/plan-nudges.ts";
import { asRegion } from "../../domain/schedule/bank-holidays.ts";
import type { NudgeMessage, RestBasis, SweepData, SweepPerson } from "../../jobs/ports.ts";
import { inTimedSlices, nextTurn } from "../../jobs/turns.ts";
import { sql, type ExpressionBuilder, type InferResult } from "kysely";
import { inBatches } from "./cursor.ts";
import { insertedDelivery, OUTBOX_ROWS_PER_STATEMENT, outboxRowsAdded, type InsertedDelivery } from "./deliveries.ts";
import { compileOnly, recordset, runCompiled, type DB } from "./kysely.ts";
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
 * anything now. One statement, through a cursor in the sweep's transaction `tx` (three round
 * trips, and one more per 2,000 people).
 */
export async function loadSweepPeople(tx: SqlTransaction, partnershipId: number, batchSize = PEOPLE_BATCH): Promise<SweepPerson[]> {
  const query = compileOnly
    .selectFrom("person as p")
    .innerJoin("partnership as pa", "pa.id", "p.partnership_id")
    .select(["p.id", "p.name", "p.time_zone", "p.quiet_start_minute", "p.quiet_end_minute"])
    .select((eb) => [eb.fn.coalesce("p.region", "pa.region").as("region"), sql<boolean>`'coordinator'::person_role = ANY(${eb.ref("p.roles")})`.as("coordinator")])
    .where("p.partnership_id", "=", partnershipId)
    .compile();
  const people: SweepPerson[] = [];
  // Through a cursor, a batch at a time: a city's 20,000 people parsed in one go held the thread for 100 ms.
  await inBatches(tx, "sweep_people", query, batchSize, async () => undefined, (rows) => {
    for (const p of rows) {
      people.push({
        id: p.id,
        name: p.name,
        coordinator: p.coordinator,
        rules: { timeZone: p.time_zone, quietStartMinute: p.quiet_start_minute, quietEndMinute: p.quiet_end_minute, region: asRegion(p.region) ?? undefined },
      });
    }
  });
  return people;
}

const PEOPLE_BATCH = 2000;

// Open milestones fetched this many at a time from one cursor: the statement runs once (a
// keyset-paged read re-ran its joins for every page, four times the cost), and a batch takes
// a few milliseconds to parse, however large the city. Its reply is parsed in one go, with the
// planning of the batch before it and a collection of what that left: at 2,000 rows, the first
// sweep at 100,000 actions held the event loop 42-95 ms (median 52, six runs); at 1,000, 39-56
// (median 44, four runs, alternated on a quiet machine).
const MILESTONE_BATCH = 1000;

/** The statement behind the open-milestones cursor (see openMilestones). */
function openMilestonesQuery(partnershipId: number, today: string, rested: { now: Date; basis: RestBasis } | undefined) {
  return compileOnly
    .selectFrom("milestone as m")
    .innerJoin("action as a", "a.id", "m.action_id")
    .innerJoin("plan as pl", "pl.id", "a.plan_id")
    .leftJoin("milestone_nudge_tally as t", "t.milestone_id", "m.id")
    .leftJoin("milestone_nudge_rest as r", "r.milestone_id", "m.id")
    .select([
      "m.id",
      "m.ref",
      sql<"milestone" | "target">`m.kind::text`.as("kind"),
      sql<string | null>`m.due_date::text`.as("due_date"),
      "m.snoozed_until",
      "m.snooze_count",
      "a.priority_id",
      "m.action_id",
      // What its nudges add up to so far (kept by recordNudges), for the escalation rules.
      "t.overdue_nudges",
      sql<string | null>`t.first_nudged_on::text`.as("first_nudged_on"),
    ])
    // Whether it has a rest that something besides the passing of time has made out of date:
    // such a rest goes unless renewed (recordRests). One that has merely ended is left: no
    // sweep at or after its end trusts it, and a sweep for a time within it rightly does.
    .$if(rested !== undefined, (qb) => qb.select((eb) => eb.and([eb("r.milestone_id", "is not", null), restChanged(eb, rested!)]).as("rest_changed")))
    // Every open milestone, owned or not: one with no owner still reaches someone (domain/access.ts).
    .where("pl.partnership_id", "=", partnershipId)
    .where("m.done_at", "is", null)
    .where(sql<boolean>`a.state NOT IN ('done', 'dropped')`)
    // A refreshed plan's open work moved to its successor, which nudges for it.
    .where("pl.closed_at", "is", null)
    // Nothing due more than a week ahead can have reached a stage yet (plus a day: a local date can be ahead of UTC's).
    .where((eb) => eb.or([eb("m.due_date", "is", null), eb("m.due_date", "<=", sql<Date>`cast(${today} as date) + 9`)]))
    // Not one at rest: one about which nothing can be owed yet, as far as anything it was worked out from has stayed the same.
    .$if(rested !== undefined, (qb) =>
      qb.where((eb) => eb.or([eb("r.milestone_id", "is", null), eb("r.until", "<=", rested!.now), restChanged(eb, rested!)])),
    )
    .orderBy("m.id");
}

/**
 * Whether what a milestone's rest (r) was worked out from differs from what a sweep at `now`
 * under `basis` reads of it (m): recorded after `now` (a sweep for an earlier time), other
 * people who may hear of it, another bank-holiday calendar, or another kind, due date or snooze.
 */
function restChanged(eb: ExpressionBuilder<DB & { m: DB["milestone"]; r: DB["milestone_nudge_rest"] }, "m" | "r">, rested: { now: Date; basis: RestBasis }) {
  return eb.or([
    eb("r.since", ">", rested.now),
    eb("r.hearers_version", "<>", rested.basis.hearersVersion),
    eb("r.calendar", "<>", rested.basis.calendar),
    eb("r.kind", "<>", eb.ref("m.kind")),
    eb("r.snooze_count", "<>", eb.ref("m.snooze_count")),
    eb("r.due_date", "is distinct from", eb.ref("m.due_date")),
    eb("r.snoozed_until", "is distinct from", eb.ref("m.snoozed_until")),
  ]);
}

/**
 * Every open milestone of the partnership's open plans that can have reached a stage by
 * `today` (ISO date), in id order, fetched `batchSize` rows at a time through a cursor in
 * the caller's transaction `tx` (one statement to open it, one per batch, one to close it),
 * each batch handed to `read` and then `use` as inBatches does (the next batch is read while
 * this one is used), so the rows of a city are never all held as read.
 * With `rested`, those at rest at `now` under `basis` are left out (see recordRests).
 * Owners and team members are read apart, flat (see `actionParties`): read per row, as
 * arrays, they cost ten times the rest of the sweep.
 */
async function openMilestones<X>(
  tx: Queryable,
  partnershipId: number,
  today: string,
  rested: { now: Date; basis: RestBasis } | undefined,
  batchSize: number,
  read: (batch: MilestoneRow[]) => Promise<X>,
  use: (batch: MilestoneRow[], extra: X) => Promise<void>,
): Promise<void> {
  await inBatches(tx, "sweep_milestones", openMilestonesQuery(partnershipId, today, rested).compile(), batchSize, read, use);
}

/**
 * Who owns each of these actions (ids): the people named as owners, and the members of the
 * teams named, by action id, each list in id order without repeats. One statement, one row
 * per owner (per member, for a team), on action_owner's action index: a sweep asks for one
 * batch of milestones' actions at a time, so a city's owners are never all read at once.
 */
async function actionParties(tx: Queryable, actionIds: readonly number[]): Promise<Map<number, { ownerIds: number[]; teamMemberIds: number[] }>> {
  const parties = new Map<number, { ownerIds: number[]; teamMemberIds: number[] }>();
  if (actionIds.length === 0) return parties;
  const rows = await runCompiled(
    tx,
    compileOnly
      .selectFrom("action_owner as ao")
      .leftJoin("team_member as tm", "tm.team_id", "ao.team_id")
      .select(["ao.action_id", "ao.person_id", "tm.person_id as member_id"])
      .where((eb) => eb("ao.action_id", "=", eb.fn.any(eb.val([...actionIds])))),
  );
  for (const r of rows) {
    let entry = parties.get(r.action_id);
    if (!entry) parties.set(r.action_id, (entry = { ownerIds: [], teamMemberIds: [] }));
    // An action has a few owners, and a team a few members: a list is cheaper than a set.
    if (r.person_id !== null && !entry.ownerIds.includes(r.person_id)) entry.ownerIds.push(r.person_id);
    if (r.member_id !== null && !entry.teamMemberIds.includes(r.member_id)) entry.teamMemberIds.push(r.member_id);
  }
  for (const entry of parties.values()) {
    if (entry.ownerIds.length > 1) entry.ownerIds.sort((a, b) => a - b);
    if (entry.teamMemberIds.length > 1) entry.teamMemberIds.sort((a, b) => a - b);
  }
  return parties;
}

/**
 * Takes the partnership's sweep lock until the transaction `tx` ends, and returns the count
 * of changes to who would hear of its milestones (nudge_hearers_version, kept by triggers), as
 * text, 0 before the first: read in the same statement, before anything a sweep plans from,
 * so a change made while the sweep runs is seen by the next one. The same statement turns
 * PostgreSQL's JIT compilation off for the rest of the transaction: a sweep's statements are
 * index probes, and the sent-stages read of each batch (sentStagesQuery), estimated past
 * jit_above_cost, spent 7 of its 16 ms compiling (10,000 actions, EXPLAIN ANALYZE). It also
 * tells the planner that a sweep's cursors are read to the end (cursor_tuple_fraction 1): planned
 * for the first tenth of their rows, as a cursor is by default, the open-milestones read walked
 * the milestone key and probed each action and rest in turn, 72 ms at a working day's 09:00 against
 * 33 ms for the hash joins chosen when the whole result is wanted (10,000 actions, EXPLAIN ANALYZE).
 * And the sweep's commit does not wait for its WAL to reach the disk (synchronous_commit off, for
 * this transaction only): a sweep writes nothing a person typed, only what it worked out, and a
 * sweep lost to a crash in the moment after its commit (PostgreSQL's crash recovery keeps the
 * database consistent, without it) is worked out again by the next, which finds its stages unsent
 * and its rests gone. A delivery it enqueued is never sent and then forgotten: marking a delivery
 * sent commits synchronously, which writes the WAL before it, the sweep's included. The wait was
 * 4–23 ms of a 09:00 sweep at 10,000 actions (2 ms without it).
 */
export async function lockSweep(tx: Queryable, partnershipId: number): Promise<string> {
  const [row] = await runCompiled(
    tx,
    compileOnly.selectNoFrom((eb) => [
      sql<null>`pg_advisory_xact_lock(${SWEEP_LOCK}, ${partnershipId})`.as("locked"),
      sql<string>`set_config('jit', 'off', true)`.as("jit"),
      sql<string>`set_config('cursor_tuple_fraction', '1', true)`.as("whole_cursor"),
      sql<string>`set_config('synchronous_commit', 'off', true)`.as("commit"),
      eb.fn.coalesce(eb.selectFrom("nudge_hearers_version").select(sql<string>`version::text`.as("version")).where("partnership_id", "=", partnershipId), sql<string>`'0'`).as("version"),
    ]),
  );
  return row!.version;
}

type MilestoneRow = InferResult<ReturnType<typeof openMilestonesQuery>>[number];

/**
 * The stages sent about these milestones (ids) that belong to `since` (ISO date) or later,
 * each as sentKey writes it (plan-nudges.ts): one text a row, as rows of four columns took
 * longer to parse than the query took to run. A sweep reads the last nine days' for each
 * batch of milestones it reads: only the latest stage can be sent, and its date is never more
 * than a week old. On milestone_nudge's key, which starts with the milestone.
 */
export function sentStagesQuery(milestoneIds: readonly number[], since: string) {
  return (
    compileOnly
      .selectFrom(sql<{ id: number }>`unnest(cast(${[...milestoneIds]} as int[]))`.as<"b">(sql`b(id)`))
      // One index probe per milestone, by milestone and stage date: as `= ANY(ids)` PostgreSQL
      // chose to scan every nudge ever sent (60 ms at a year of weekly nudges, against 12). The
      // OFFSET 0 keeps the subquery a subquery, so the probes stay one per milestone.
      .innerJoinLateral(
        (eb) =>
          eb
            .selectFrom("milestone_nudge as mn")
            .select((eb) => sql<string>`${eb.ref("mn.milestone_id")} || ':' || ${eb.ref("mn.person_id")} || ':' || ${eb.ref("mn.stage")} || ':' || ${eb.ref("mn.stage_date")}::text`.as("key"))
            .whereRef("mn.milestone_id", "=", "b.id")
            .where("mn.stage_date", ">=", sql<Date>`cast(${since} as date)`)
            .offset(0)
            .as("s"),
        (join) => join.onTrue(),
      )
      .select("s.key")
  );
}

// Rests written this many to a statement.
const RESTS_PER_STATEMENT = 2000;

/**
 * Records the milestones a sweep at `now` found nothing owed about (plan-nudges.ts,
 * MilestoneRest), each with its due date, kind and snoozes as the sweep read them, the
 * sweep's `basis`, and `now` (a sweep for an earlier time reads the milestone after all),
 * replacing any rest recorded before; and deletes the rests of the milestones in `outOfDate`
 * (read because something besides time changed under their rest: streamSweepData's `outOfDate`) that are not
 * renewed. One statement per 2,000 of each, with a turn of the event loop between. A later
 * sweep reads the milestone again at `until`, or as soon as any of those differs from what
 * it reads (openMilestonesQuery).
 */
export async function recordRests(tx: Queryable, rests: readonly MilestoneRest[], basis: RestBasis, now: Date, outOfDate: readonly number[]): Promise<void> {
  // A rest read and not renewed goes: left, it would be trusted again if what made it out of
  // date changed back (a due date moved and moved back), though the sweep in between may have
  // sent a nudge that brings an escalation nearer.
  const renewed = new Set(rests.map((r) => r.milestone.id));
  const gone = outOfDate.filter((id) => !renewed.has(id));
  for (let start = 0; start < gone.length; start += RESTS_PER_STATEMENT) {
    if (start > 0) await nextTurn();
    const ids = gone.slice(start, start + RESTS_PER_STATEMENT);
    await runCompiled(tx, compileOnly.deleteFrom("milestone_nudge_rest").where((eb) => eb("milestone_id", "=", eb.fn.any(eb.val(ids)))));
  }
  for (let start = 0; start < rests.length; start += RESTS_PER_STATEMENT) {
    if (start > 0) await nextTurn();
    const rows = rests.slice(start, start + RESTS_PER_STATEMENT).map(({ milestone: m, until }) => ({
      milestone_id: m.id,
      until: until.toISOString(),
      due_date: m.dueDate,
      kind: m.kind,
      snoozed_until: m.snoozedUntil?.toISOString() ?? null,
      snooze_count: m.snoozeCount,
    }));
    await runCompiled(
      tx,
      compileOnly
        .insertInto("milestone_nudge_rest")
        .columns(["milestone_id", "since", "until", "due_date", "kind", "snoozed_until", "snooze_count", "hearers_version", "calendar"])
        .expression(
          compileOnly
            .selectFrom(recordset(rows, { milestone_id: "int", until: "timestamptz", due_date: "date", kind: "milestone_kind", snoozed_until: "timestamptz", snooze_count: "int" }))
            .select(["r.milestone_id", sql<Date>`cast(${now.toISOString()} as timestamptz)`.as("since"), "r.until", "r.due_date", "r.kind", "r.snoozed_until", "r.snooze_count", sql<string>`cast(${basis.hearersVersion} as bigint)`.as("hearers_version"), sql<string>`${basis.calendar}`.as("calendar")]),
        )
        .onConflict((oc) =>
          oc.column("milestone_id").doUpdateSet((eb) => ({
            since: eb.ref("excluded.since"),
            until: eb.ref("excluded.until"),
            due_date: eb.ref("excluded.due_date"),
            kind: eb.ref("excluded.kind"),
            snoozed_until: eb.ref("excluded.snoozed_until"),
            snooze_count: eb.ref("excluded.snooze_count"),
            hearers_version: eb.ref("excluded.hearers_version"),
            calendar: eb.ref("excluded.calendar"),
          })),
        ),
    );
  }
}

/**
 * A nudge sweep's input for one partnership at `now`, read inside the transaction `tx`,
 * with every milestone held: streamSweepData, collected. For a preview and for tests; a
 * sweep plans each batch as it is read.
 */
export async function loadSweepData(db: SqlTransaction, partnershipId: number, now: Date, people?: SweepPerson[], batchSize?: number): Promise<SweepData> {
  const milestones: SweepMilestone[] = [];
  const sent = new Set<string>();
  const { facts, refs, names } = await streamSweepData(
    db,
    partnershipId,
    now,
    people,
    (facts) => {
      // facts.sent is a new set for each batch of the cursor, and the batch comes a slice at a time: each set is taken in once.
      let taken: Set<string> | undefined;
      return (slice) => {
        milestones.push(...slice);
        if (facts.sent === taken) return;
        taken = facts.sent;
        for (const key of facts.sent) sent.add(key);
      };
    },
    { batchSize },
  );
  return { input: { ...facts, sent, milestones }, refs, names };
}

/**
 * A nudge sweep's input for one partnership at `now`, read inside the transaction `tx`:
 * first what is known before any milestone (people and their quiet rules, unless `people`
 * were read already; escalations raised; priority roles), handed to `start`; then the open
 * milestones, through a cursor, each batch handed to the function `start` returned as it
 * arrives, a slice at a time, so a city's milestones are never all held. Each milestone's
 * overdue-nudge count and first nudge (milestone_nudge_tally) come with it, and its actions'
 * owners and team members and the stages sent about it in the last nine days are read with
 * its batch: all are in the facts before a slice is handed on (`facts.sent` is a new set for
 * each batch, holding that batch's stages only). With `rested` (the sweep's RestBasis), milestones at rest are not read at all
 * (recordRests), and the ids of those read with a rest that something besides the passing
 * of time made out of date are returned (`outOfDate`); a rest that merely ended is left. A fixed number of statements however many people there are, plus three
 * per batch; people and milestones are fetched `batchSize` rows at a time when given (each
 * has its own default otherwise). Returns the facts, and each milestone's ref and each
 * person's name to show them.
 */
export async function streamSweepData(
  db: SqlTransaction,
  partnershipId: number,
  now: Date,
  people: SweepPerson[] | undefined,
  start: (facts: SweepFacts) => (batch: SweepMilestone[]) => void,
  options: { batchSize?: number; rested?: RestBasis } = {},
): Promise<{ facts: SweepFacts; refs: Map<number, string>; names: Map<number, string>; outOfDate: number[] }> {
  const { batchSize, rested } = options;
  people ??= await loadSweepPeople(db, partnershipId, batchSize);
  const since = new Date(now.getTime() - 9 * 86_400_000).toISOString().slice(0, 10);
  // One after another: inside the sweep's transaction they share one connection.
  const [raised, roles] = await inSequence([
    () =>
      runCompiled(
        db,
        compileOnly
          .selectFrom("escalation as e")
          .innerJoin("milestone as m", "m.id", "e.milestone_id")
          .innerJoin("action as a", "a.id", "m.action_id")
          .innerJoin("plan as pl", "pl.id", "a.plan_id")
          .select(["e.milestone_id", sql<EscalationLevel>`e.level`.as("level"), sql<string>`(e.created_at AT TIME ZONE 'Europe/London')::date::text`.as("at")])
          .where("pl.partnership_id", "=", partnershipId),
      ),
    () =>
      runCompiled(
        db,
        compileOnly
          .selectFrom("priority_role as r")
          .innerJoin("person as p", "p.id", "r.person_id")
          .select(["r.priority_id", "r.person_id", sql<"lead" | "sponsor">`r.role::text`.as("role")])
          .where("p.partnership_id", "=", partnershipId),
      ),
  ] as const);
  const facts: SweepFacts = {
    now,
    people: new Map(people.map((p) => [p.id, p.rules])),
    sent: new Set(),
    overdueNudges: new Map(),
    firstNudged: new Map(),
    raised: new Map(),
    roles: new Map(),
    coordinatorIds: people.filter((p) => p.coordinator).map((p) => p.id),
  };
  for (const r of raised) facts.raised.set(r.milestone_id, { ...facts.raised.get(r.milestone_id), [r.level]: r.at });
  for (const r of roles) {
    const entry = facts.roles.get(r.priority_id) ?? { lead: [], sponsor: [] };
    entry[r.role].push(r.person_id);
    facts.roles.set(r.priority_id, entry);
  }
  const plan = start(facts);
  const refs = new Map<number, string>();
  const outOfDate: number[] = [];
  await openMilestones(
    db,
    partnershipId,
    now.toISOString().slice(0, 10),
    rested && { now, basis: rested },
    batchSize ?? MILESTONE_BATCH,
    // What a batch needs besides its rows: read while the batch before it is planned.
    async (rows) => {
      if (rows.length === 0) return { parties: new Map(), sent: [] };
      const parties = await actionParties(db, [...new Set(rows.map((m) => m.action_id))]);
      const sent = await runCompiled(db, sentStagesQuery(rows.map((m) => m.id), since));
      return { parties, sent };
    },
    async (rows, { parties, sent }) => {
      facts.sent = new Set(sent.map((s) => s.key));
      // Taken in and planned a slice at a time, with a turn of the event loop every few
      // milliseconds: a batch planned in one go, with each milestone's rest worked out, held
      // the thread for 60 ms.
      await inTimedSlices(rows, (slice) =>
        plan(
          slice.map((m): SweepMilestone => {
            refs.set(m.id, m.ref);
            if (m.rest_changed) outOfDate.push(m.id);
            if (m.overdue_nudges !== null) facts.overdueNudges.set(m.id, m.overdue_nudges);
            if (m.first_nudged_on !== null) facts.firstNudged.set(m.id, m.first_nudged_on);
            const owners = parties.get(m.action_id);
            return {
              id: m.id,
              dueDate: m.due_date,
              kind: m.kind,
              snoozedUntil: m.snoozed_until ? new Date(m.snoozed_until) : null,
              snoozeCount: m.snooze_count,
              priorityId: m.priority_id,
              ownerIds: owners?.ownerIds ?? [],
              teamMemberIds: owners?.teamMemberIds ?? [],
            };
          }),
        ),
      );
    },
  );
  return { facts, refs, names: new Map(people.map((p) => [p.id, p.name])), outOfDate };
}

/** Messages one statement of `enqueueNudges` carries, at most. */
export const NUDGE_MESSAGES_PER_STATEMENT = OUTBOX_ROWS_PER_STATEMENT;
/** Stages (nudge records) one statement of `enqueueNudges` carries, at most, unless one message alone has more. */
export const NUDGE_STAGES_PER_STATEMENT = 4000;

/**
 * Where each statement of `enqueueNudges` starts and ends in `messages` ([start, end) pairs, in
 * order, covering every message once): as many messages as fit within 1,000 messages and 4,000
 * stages, and never none. A working day's 09:00 sweep at 10,000 actions (1,772 messages of one or
 * two stages) goes in two statements, not four: each statement cost 3–5 ms besides its rows
 * (rolled-back A/B, 10 runs: median 189 ms at 500 messages a statement, 178 at 1,000). A first
 * sweep's long messages (dozens of stages) go in smaller statements than before, so each is
 * built, sent and parsed in a few milliseconds, not one long hold of the thread.
 */
export function nudgeStatementBounds(messages: readonly NudgeMessage[]): [number, number][] {
  const bounds: [number, number][] = [];
  let start = 0;
  let stages = 0;
  for (let i = 0; i < messages.length; i++) {
    const carried = messages[i]!.nudges.length;
    if (i > start && (i - start >= NUDGE_MESSAGES_PER_STATEMENT || stages + carried > NUDGE_STAGES_PER_STATEMENT)) {
      bounds.push([start, i]);
      start = i;
      stages = 0;
    }
    stages += carried;
  }
  if (start < messages.length) bounds.push([start, messages.length]);
  return bounds;
}

/**
 * Enqueues a sweep's messages and records which stage reached whom in which delivery, in one
 * statement per 1,000 messages or 4,000 stages (`nudgeStatementBounds`; a data-modifying WITH), each built while the one before runs:
 * the outbox rows whose keys are new (`outboxRowsAdded`), the stages of those rows only (a
 * message already enqueued records nothing again; a stage already recorded is kept), and
 * each milestone's tally (milestone_nudge_tally): one more overdue nudge for each overdue
 * week no one had been nudged in before, and the day (Europe/London) of its first nudge. The
 * escalation rules read the tally, not a count over every nudge ever recorded. Returns the
 * outbox rows added.
 */
export async function enqueueNudges(tx: Queryable, messages: readonly NudgeMessage[], now: Date): Promise<InsertedDelivery[]> {
  const added: InsertedDelivery[] = [];
  const bounds = nudgeStatementBounds(messages);
  const statementFor = (n: number) => {
    if (n >= bounds.length) return undefined;
    const chunk = messages.slice(...bounds[n]!);
    return compileOnly
      .with("added", (db) => outboxRowsAdded(db, chunk))
      .with("recorded", (db) =>
        db
          .insertInto("milestone_nudge")
          .columns(["milestone_id", "person_id", "stage", "stage_date", "delivery_id", "created_at"])
          .expression(
            db
              .selectFrom(stagesOf(chunk))
              .innerJoin("added as d", "d.key", "r.key")
              .select(["r.milestone_id", "d.person_id", "r.stage", sql<Date>`r.stage_date`.as("stage_date"), "d.id", sql<Date>`cast(${now.toISOString()} as timestamptz)`.as("created_at")]),
          )
          .onConflict((oc) => oc.doNothing())
          .returning(["milestone_id", "stage", "stage_date"]),
      )
      .with("tallied", (db) =>
        db
          .insertInto("milestone_nudge_tally")
          .columns(["milestone_id", "overdue_nudges", "first_nudged_on"])
          .expression((eb) => tallied(eb, now))
          .onConflict((oc) =>
            oc
              .column("milestone_id")
              .doUpdateSet((eb) => ({
                overdue_nudges: eb("milestone_nudge_tally.overdue_nudges", "+", eb.ref("excluded.overdue_nudges")),
                first_nudged_on: sql<Date>`least(${eb.ref("milestone_nudge_tally.first_nudged_on")}, ${eb.ref("excluded.first_nudged_on")})`,
              }))
              // Most of a day's nudges change nothing: the milestone was nudged before, and no new overdue week began.
              .where((eb) => eb.or([eb("excluded.overdue_nudges", ">", 0), eb("excluded.first_nudged_on", "<", eb.ref("milestone_nudge_tally.first_nudged_on"))])),
          )
          .returning("milestone_id"),
      )
      .selectFrom("added")
      .select(["id", "key", "person_id", "status"]);
  };
  let statement = statementFor(0);
  for (let n = 0; statement; n++) {
    const running = runCompiled(tx, statement);
    // Its failure is handled where it is awaited, below, not reported as unhandled meanwhile.
    running.catch(() => undefined);
    // The next statement is built while this one runs, after a turn of the event loop: sending
    // one and building the next (its JSON: a statement of a first sweep's long messages) held the thread for 50 ms.
    let following: ReturnType<typeof statementFor>;
    try {
      await nextTurn();
      following = statementFor(n + 1);
    } catch (error) {
      // Not while this one runs: its transaction would be rolled back under it. Its own failure, if any, comes first.
      await running;
      throw error;
    }
    added.push(...(await running).map(insertedDelivery));
    statement = following;
  }
  return added;
}

/**
 * The stages `messages` carry, one row per message and stage (r: key, milestone_id, stage,
 * stage_date), as four typed array parameters read back by `unnest`: as one JSON parameter,
 * PostgreSQL parsed 3,350 stage objects of a working day's 09:00 sweep before inserting them.
 */
function stagesOf(messages: readonly NudgeMessage[]) {
  const keys: string[] = [];
  const milestoneIds: number[] = [];
  const stages: string[] = [];
  const stageDates: string[] = [];
  for (const m of messages) {
    for (const n of m.nudges) {
      keys.push(m.key);
      milestoneIds.push(n.milestoneId);
      stages.push(n.stage);
      stageDates.push(n.stageDate);
    }
  }
  return sql<{ key: string; milestone_id: number; stage: string; stage_date: string }>`unnest(cast(${keys} as text[]), cast(${milestoneIds} as int[]), cast(${stages} as text[]), cast(${stageDates} as date[]))`.as<"r">(
    sql`r(key, milestone_id, stage, stage_date)`,
  );
}

/**
 * Per milestone, what the stages just recorded (`recorded`) add to its tally. An overdue week
 * counts once, however many people were nudged in it: the lookup into milestone_nudge sees the
 * rows as they were before this statement, so a week is new only if nobody had heard of it yet.
 * The lookup is one index probe per stage recorded (a lateral join with a limit): as a subquery,
 * the planner may hash every overdue nudge ever recorded, once per statement.
 */
function tallied(db: ExpressionBuilder<DB & { recorded: { milestone_id: number; stage: string; stage_date: Date } }, "milestone_nudge_tally">, now: Date) {
  return db
    .selectFrom("recorded as n")
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom("milestone_nudge as o")
          .select(sql<boolean>`true`.as("known"))
          .whereRef("o.milestone_id", "=", "n.milestone_id")
          .where("o.stage", "=", "overdue")
          .whereRef("o.stage_date", "=", "n.stage_date")
          .limit(1)
          .as("earlier"),
      (join) => join.onTrue(),
    )
    .select((eb) => [
      "n.milestone_id",
      sql<number>`count(DISTINCT ${eb.ref("n.stage_date")}) FILTER (WHERE ${eb.ref("n.stage")} = 'overdue' AND ${eb.ref("earlier.known")} IS NULL)`.as("overdue_nudges"),
      sql<Date>`(cast(${now.toISOString()} as timestamptz) AT TIME ZONE 'Europe/London')::date`.as("first_nudged_on"),
    ])
    .groupBy("n.milestone_id");
}

/** Records escalations raised at `now`; one already raised is kept. */
export async function recordEscalations(tx: Queryable, rows: RaisedEscalation[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await runCompiled(
    tx,
    compileOnly
      .insertInto("escalation")
      .columns(["milestone_id", "level", "reason", "created_at"])
      .expression(
        compileOnly
          .selectFrom(recordset(rows.map((e) => ({ milestone_id: e.milestoneId, level: e.level, reason: e.reason })), { milestone_id: "int", level: "text", reason: "text" }))
          .select(["r.milestone_id", "r.level", "r.reason", sql<Date>`cast(${now.toISOString()} as timestamptz)`.as("created_at")]),
      )
      .onConflict((oc) => oc.doNothing()),
  );
}
