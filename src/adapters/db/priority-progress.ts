import { sql, type RawBuilder } from "kysely";
import type { PersonRole } from "../../domain/model.ts";
import { asRegion } from "../../domain/schedule/bank-holidays.ts";
import type { DigestRecipient, DigestRows } from "../../jobs/ports.ts";
import { compileOnly, enumArray, runCompiled } from "./kysely.ts";
import { inBatches } from "./cursor.ts";
import type { Queryable, SqlRunner } from "./sql-runner.ts";

/**
 * What every digest of a partnership is made from (see DigestRows): six queries however many
 * people there are, side by side, and the milestones through a cursor beside them
 * (milestoneRowsOf: a transaction, and one statement per `batchSize` milestones, 2,000 unless
 * given). `today` is an ISO date; refreshed (closed) plans are left out, their open work
 * having moved to the new plan.
 */
export async function loadDigestRows(db: SqlRunner, partnershipId: number, today: string, since: Date, options: { batchSize?: number } = {}): Promise<DigestRows> {
  const sinceAt = sql<Date>`cast(${since.toISOString()} as timestamptz)`;
  const [priorities, roles, milestones, atRisk, changes, readings, undelivered] = await Promise.all([
    runCompiled(
      db,
      compileOnly
        .selectFrom("priority as pr")
        .innerJoin("plan as pl", "pl.id", "pr.plan_id")
        .select(["pr.id", "pr.number", "pr.title", "pr.obsession", "pl.title as plan"])
        .where("pl.partnership_id", "=", partnershipId)
        .where("pl.closed_at", "is", null)
        .orderBy("pl.id")
        .orderBy("pr.kind")
        .orderBy("pr.number"),
    ),
    runCompiled(
      db,
      compileOnly
        .selectFrom("priority_role as r")
        .innerJoin("person as p", "p.id", "r.person_id")
        .select(["r.person_id", "r.priority_id"])
        .distinct()
        .where("p.partnership_id", "=", partnershipId),
    ),
    milestoneRowsOf(db, partnershipId, today, sinceAt, options.batchSize),
    runCompiled(
      db,
      compileOnly
        .selectFrom("action as a")
        .innerJoin("plan as pl", "pl.id", "a.plan_id")
        .select(["a.ref", "a.title", sql<"at_risk" | "off_track">`a.state::text`.as("state"), sql<number>`a.priority_id`.as("priority_id")])
        .where("pl.partnership_id", "=", partnershipId)
        .where("pl.closed_at", "is", null)
        .where(sql<boolean>`a.state IN ('at_risk', 'off_track')`)
        .where("a.priority_id", "is not", null)
        .orderBy("a.id"),
    ),
    runCompiled(
      db,
      compileOnly
        .selectFrom("audit_event as e")
        .innerJoin("action as a", "a.id", "e.action_id")
        .innerJoin("plan as pl", "pl.id", "a.plan_id")
        .select(["e.event", sql<string>`e.subject_ref`.as("subject_ref"), "e.before", "e.after", "e.at", sql<number>`a.priority_id`.as("priority_id")])
        .where("e.partnership_id", "=", partnershipId)
        .where("pl.closed_at", "is", null)
        .where("e.at", ">=", sinceAt)
        .where("e.event", "in", ["milestone.dated", "action.status"])
        .where("a.priority_id", "is not", null)
        .orderBy("e.at"),
    ),
    runCompiled(
      db,
      compileOnly
        .selectFrom((eb) =>
          eb
            .selectFrom("indicator as i")
            .innerJoin("indicator_reading as r", "r.indicator_id", "i.id")
            .select([
              "i.code",
              "i.name",
              sql<string>`i.polarity::text`.as("polarity"),
              sql<number>`i.priority_id`.as("priority_id"),
              sql<number>`r.value`.as("value"),
              "r.period",
              "r.recorded_at",
              sql<number | string>`row_number() OVER (PARTITION BY i.id ORDER BY r.period_end DESC)`.as("rank"),
            ])
            .where("i.partnership_id", "=", partnershipId)
            .where("i.priority_id", "is not", null)
            .where("r.value", "is not", null)
            .as("x"),
        )
        .selectAll()
        .where("x.rank", "<=", 2),
    ),
    runCompiled(
      db,
      compileOnly
        .selectFrom("delivery as d")
        .innerJoin("person as p", "p.id", "d.person_id")
        .select((eb) => ["p.name as person", "d.kind", eb.fn.coalesce("d.last_error", sql<string>`'unknown'`).as("reason"), "d.created_at as at"])
        .where("d.partnership_id", "=", partnershipId)
        .where("d.status", "=", sql<"failed">`'failed'`)
        .where("d.created_at", ">=", sinceAt)
        .orderBy("d.created_at", "desc")
        .limit(200),
    ),
  ]);
  return {
    priorities,
    roles: roles.map((r) => ({ personId: r.person_id, priorityId: r.priority_id })),
    milestones,
    atRisk: atRisk.map((a) => ({ ref: a.ref, title: a.title, state: a.state, priorityId: a.priority_id })),
    changes: changes.map((c) => ({
      event: c.event,
      subjectRef: c.subject_ref,
      before: c.before as Record<string, unknown> | null,
      after: c.after as Record<string, unknown> | null,
      at: new Date(c.at),
      priorityId: c.priority_id,
    })),
    readings: readings.map((r) => ({ code: r.code, name: r.name, polarity: r.polarity, priorityId: r.priority_id, value: r.value, period: r.period, recordedAt: new Date(r.recorded_at), rank: Number(r.rank) })),
    undelivered: undelivered.map((u) => ({ ...u, at: new Date(u.at) })),
  };
}

/**
 * Who may get a digest or the monthly report: coordinators, board members, and everyone who
 * leads or sponsors a priority, with their digest day and minute and their last digest sent.
 * One query; a sweep reads this first and the rest only when someone is due.
 */
export async function digestRecipients(db: Queryable, partnershipId: number): Promise<DigestRecipient[]> {
  const rows = await runCompiled(
    db,
    compileOnly
      .selectFrom("person as p")
      .select((eb) => [
        "p.id",
        "p.name",
        "p.time_zone",
        "p.digest_weekday",
        "p.digest_minute",
        enumArray<PersonRole>("p.roles").as("roles"),
        eb
          .selectFrom("delivery as d")
          .select((d) => d.fn.max("d.sent_at").as("sent"))
          .whereRef("d.person_id", "=", "p.id")
          .where("d.kind", "=", "digest")
          .where("d.status", "=", sql<"sent">`'sent'`)
          .as("last_digest"),
        eb.exists(eb.selectFrom("priority_role as r").select("r.person_id").whereRef("r.person_id", "=", "p.id")).as("oversees"),
        eb.fn.coalesce("p.region", eb.selectFrom("partnership as pa").select("pa.region").whereRef("pa.id", "=", "p.partnership_id")).as("region"),
      ])
      .where("p.partnership_id", "=", partnershipId)
      .where((eb) =>
        eb.or([
          sql<boolean>`coalesce(${eb.ref("p.roles")}, '{}') && ARRAY['coordinator', 'board_member']::person_role[]`,
          eb.exists(eb.selectFrom("priority_role as r").select("r.person_id").whereRef("r.person_id", "=", "p.id")),
        ]),
      ),
  );
  return rows.map((p) => ({
    id: p.id,
    name: p.name,
    timeZone: p.time_zone,
    digestWeekday: p.digest_weekday,
    digestMinute: p.digest_minute,
    roles: p.roles,
    lastDigest: p.last_digest ? new Date(p.last_digest) : null,
    oversees: Boolean(p.oversees),
    region: asRegion(p.region) ?? undefined,
  }));
}

// Milestones fetched this many at a time (see milestoneRowsOf).
const MILESTONE_BATCH = 2000;

/**
 * The milestones digests report on (open and due within 15 days of `today`, overdue, or done
 * since `sinceAt`), in due-date order, read through a cursor `batchSize` rows at a time in a
 * transaction of their own (cursor.ts, inBatches), with a turn of the event loop
 * between batches: a city's 20,000 milestones with their texts, read in one go, were parsed in
 * one stretch that held the thread for 43-49 ms (10,000 actions).
 */
async function milestoneRowsOf(db: SqlRunner, partnershipId: number, today: string, sinceAt: RawBuilder<Date>, batchSize = MILESTONE_BATCH): Promise<DigestRows["milestones"]> {
  const query = compileOnly
    .selectFrom("milestone as m")
    .innerJoin("action as a", "a.id", "m.action_id")
    .innerJoin("plan as pl", "pl.id", "a.plan_id")
    .leftJoin("person as pe", "pe.id", "m.done_by_id")
    .select(["m.ref", "m.text", sql<string | null>`m.due_date::text`.as("due_date"), "m.done_at", "pe.name as done_by", "m.evidence", sql<number>`a.priority_id`.as("priority_id")])
    .where("pl.partnership_id", "=", partnershipId)
    .where("pl.closed_at", "is", null)
    .where("a.priority_id", "is not", null)
    .where(sql<boolean>`a.state NOT IN ('done', 'dropped')`)
    // A person's local date can be a day ahead of UTC's (Pacific/Auckland): load one day more.
    .where((eb) =>
      eb.or([eb.and([eb("m.done_at", "is", null), eb("m.due_date", "<=", sql<Date>`cast(${today} as date) + 15`)]), eb("m.done_at", ">=", sinceAt)]),
    )
    .orderBy(sql`m.due_date NULLS LAST`)
    .orderBy("m.id")
    .compile();
  const rows: DigestRows["milestones"] = [];
  await db.transaction(async (tx) => {
    await inBatches(tx, "digest_milestones", query, batchSize, async () => undefined, (batch) => {
      for (const m of batch) {
        rows.push({ ref: m.ref, text: m.text, dueDate: m.due_date, doneAt: m.done_at ? new Date(m.done_at) : null, doneBy: m.done_by, evidence: m.evidence, priorityId: m.priority_id });
      }
    });
  });
  return rows;
}
