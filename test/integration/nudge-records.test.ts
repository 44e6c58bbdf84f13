import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { enqueueNudges, NUDGE_MESSAGES_PER_STATEMENT } from "../../src/adapters/db/milestone-nudges.ts";
import type { NudgeMessage } from "../../src/jobs/ports.ts";
import { runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { throughEachTransaction, watchStatements, type StatementWatch } from "../support/watched-transaction.ts";

// What the escalation rules count, worked out from every nudge recorded: as the sweep read it
// before milestone_nudge_tally kept it.
const COUNTED = `
  SELECT mn.milestone_id,
         count(DISTINCT mn.stage_date) FILTER (WHERE mn.stage = 'overdue')::int AS overdue_nudges,
         ((min(mn.created_at) AT TIME ZONE 'Europe/London')::date)::text AS first_nudged_on
  FROM milestone_nudge mn JOIN person p ON p.id = mn.person_id
  WHERE p.partnership_id = $1 GROUP BY mn.milestone_id ORDER BY mn.milestone_id`;
const KEPT = `
  SELECT t.milestone_id, t.overdue_nudges, t.first_nudged_on::text AS first_nudged_on
  FROM milestone_nudge_tally t JOIN milestone m ON m.id = t.milestone_id JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id
  WHERE pl.partnership_id = $1 ORDER BY t.milestone_id`;

/** Working days' 09:00 and 15:00 (UTC) from `from`, for `days` days. */
function sweepTimes(from: string, days: number): Date[] {
  const times: Date[] = [];
  for (let d = 0; d < days; d++) {
    const day = new Date(Date.parse(`${from}T00:00:00Z`) + d * 86_400_000);
    if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
    for (const hour of [9, 15]) times.push(new Date(day.getTime() + hour * 3_600_000));
  }
  return times;
}

describe.each(kindsUnderTest())("what the sweep records of its nudges on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  it("agrees with the nudges recorded after weeks of sweeps, and the migration's back-fill agrees too", async () => {
    const partnershipId = await loadDemo(t.db);
    // A team's members are nudged about its work in different sweeps when one of them is out of
    // hours: the week counts once.
    await t.db.sql.query(`UPDATE person SET time_zone = 'America/New_York' WHERE partnership_id = $1 AND id % 3 = 0`, [partnershipId]);
    const times = sweepTimes("2011-09-19", 26);
    for (const [i, at] of times.entries()) {
      await runNudgeSweep(jobStoreOf(t.db), partnershipId, at);
      // Now and then the same sweep twice: it records nothing more.
      if (i % 7 === 0) await runNudgeSweep(jobStoreOf(t.db), partnershipId, at);
      if (i % 10 === 9) expect(await t.db.sql.query(KEPT, [partnershipId])).toEqual(await t.db.sql.query(COUNTED, [partnershipId]));
    }
    const kept = await t.db.sql.query<{ milestone_id: number; overdue_nudges: number; first_nudged_on: string }>(KEPT, [partnershipId]);
    expect(kept).toEqual(await t.db.sql.query(COUNTED, [partnershipId]));
    // The sweeps reached what the tally is for: repeated overdue weeks, and first nudges on several days.
    expect(Math.max(...kept.map((k) => k.overdue_nudges))).toBeGreaterThanOrEqual(3);
    expect(new Set(kept.map((k) => k.first_nudged_on)).size).toBeGreaterThan(1);
    const [shared] = await t.db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM milestone_nudge mn JOIN person p ON p.id = mn.person_id
         WHERE p.partnership_id = $1 AND mn.stage = 'overdue' GROUP BY mn.milestone_id, mn.stage_date HAVING count(*) > 1) weeks`,
      [partnershipId],
    );
    expect(shared!.n).toBeGreaterThan(0);

    // The migration's back-fill, run over the same nudges, makes the same tally.
    const migration = readFileSync(new URL("../../prisma/migrations/20261201110000_milestone_nudge_tally/migration.sql", import.meta.url), "utf8");
    const backFill = migration.slice(migration.indexOf("INSERT INTO"));
    const ids = kept.map((k) => k.milestone_id);
    await t.db.sql.transaction(async (tx) => {
      await tx.query(`DELETE FROM milestone_nudge_tally WHERE milestone_id = ANY($1::int[])`, [`{${ids.join(",")}}`]);
      // Only this partnership's milestones (other tests share the database).
      await tx.query(backFill.replace(`FROM "milestone_nudge"`, `FROM "milestone_nudge" WHERE "milestone_id" = ANY('{${ids.join(",")}}'::int[])`));
    });
    expect(await t.db.sql.query(KEPT, [partnershipId])).toEqual(kept);
  }, 240_000);

  it("enqueues more messages than one statement takes: each once, with its own stages, and nothing again the second time", async () => {
    const partnershipId = await loadDemo(t.db);
    const people = await t.db.sql.query<{ id: number }>(`SELECT id FROM person WHERE partnership_id = $1 ORDER BY id`, [partnershipId]);
    const milestones = await t.db.sql.query<{ id: number }>(
      `SELECT m.id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 ORDER BY m.id`,
      [partnershipId],
    );
    const now = new Date("2011-10-03T08:00:00Z");
    const count = 2 * NUDGE_MESSAGES_PER_STATEMENT + 201;
    // Overdue weeks counted back from the sweep, one per message, so every stage is new.
    const weekOf = (i: number) => new Date(Date.UTC(2011, 8, 26) - 7 * 86_400_000 * i).toISOString().slice(0, 10);
    const messages: NudgeMessage[] = Array.from({ length: count }, (_, i) => {
      const personId = people[i % people.length]!.id;
      const nudges = [0, 1].map((n) => ({ milestoneId: milestones[(i + n) % milestones.length]!.id, stage: "overdue" as const, stageDate: weekOf(i), because: "owner" as const }));
      return { partnershipId, personId, key: `enqueue-test:${partnershipId}:${i}`, kind: "nudge", payload: { items: nudges }, dueAt: now, nudges };
    });
    const added = await t.db.sql.transaction((tx) => enqueueNudges(tx, messages, now));
    expect(added.map((r) => r.key).sort()).toEqual(messages.map((m) => m.key).sort());
    const recorded = async () =>
      (
        await t.db.sql.query<{ key: string; stage: string }>(
          `SELECT d.key, mn.milestone_id || ':' || mn.person_id || ':' || mn.stage || ':' || mn.stage_date::text AS stage
           FROM milestone_nudge mn JOIN delivery d ON d.id = mn.delivery_id AND d.person_id = mn.person_id WHERE d.key LIKE $1`,
          [`enqueue-test:${partnershipId}:%`],
        )
      )
        .map((r) => `${r.key} ${r.stage}`)
        .sort();
    const expected = messages.flatMap((m) => m.nudges.map((n) => `${m.key} ${n.milestoneId}:${m.personId}:overdue:${n.stageDate}`)).sort();
    expect(await recorded()).toEqual(expected);
    expect(await t.db.sql.query(KEPT, [partnershipId])).toEqual(await t.db.sql.query(COUNTED, [partnershipId]));
    // The same messages again: every key is there, so nothing is added or recorded twice.
    expect(await t.db.sql.transaction((tx) => enqueueNudges(tx, messages, now))).toEqual([]);
    expect(await recorded()).toEqual(expected);

    // A statement that fails after others succeeded fails the enqueue, and its transaction keeps nothing.
    const broken = messages.map((m, i) => ({ ...m, key: `${m.key}:again`, personId: i === count - 1 ? -1 : m.personId }));
    await expect(t.db.sql.transaction((tx) => enqueueNudges(tx, broken, now))).rejects.toThrow(/foreign key/);
    const [kept] = await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM delivery WHERE key LIKE $1`, [`enqueue-test:${partnershipId}:%:again`]);
    expect(kept!.n).toBe(0);

    // A message that cannot be written (its due time is not a time) fails the enqueue, but only once the statement before it has ended.
    let w: StatementWatch | undefined;
    const unwritable = messages.map((m, i) => ({ ...m, key: `${m.key}:unwritable`, dueAt: i === NUDGE_MESSAGES_PER_STATEMENT ? new Date(Number.NaN) : m.dueAt }));
    const failing = t.db.sql.transaction(async (tx) => {
      const watch = watchStatements(tx);
      w = watch.w;
      try {
        return await enqueueNudges(watch.watched, unwritable, now);
      } catch (error) {
        watch.w.events.push("thrown");
        throw error;
      }
    });
    await expect(failing).rejects.toThrow(RangeError);
    expect(w!.events).toEqual(["start with", "end with", "thrown"]);
  });

  it("records each message's stages with it whatever its key holds: quotes, commas, braces, backslashes, NULL", async () => {
    const partnershipId = await loadDemo(t.db);
    const [person] = await t.db.sql.query<{ id: number }>(`SELECT id FROM person WHERE partnership_id = $1 ORDER BY id LIMIT 1`, [partnershipId]);
    const milestones = await t.db.sql.query<{ id: number }>(
      `SELECT m.id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 ORDER BY m.id LIMIT 2`,
      [partnershipId],
    );
    const now = new Date("2011-10-03T08:00:00Z");
    // Keys an array literal would misread unescaped, each a prefix or near-twin of another.
    const odd = ['"', "a,b", "{c}", "d\\", "NULL", "e f", ""].map((tail) => `odd-key:${partnershipId}:${tail}`);
    const messages: NudgeMessage[] = odd.map((key, i) => {
      const nudges = milestones.map((m) => ({ milestoneId: m.id, stage: "overdue" as const, stageDate: `2011-0${1 + i}-03`, because: "owner" as const }));
      return { partnershipId, personId: person!.id, key, kind: "nudge", payload: { items: nudges }, dueAt: now, nudges };
    });
    await t.db.sql.transaction((tx) => enqueueNudges(tx, messages, now));
    const recorded = await t.db.sql.query<{ key: string; stage: string }>(
      `SELECT d.key, mn.milestone_id || ':' || mn.stage_date::text AS stage FROM milestone_nudge mn JOIN delivery d ON d.id = mn.delivery_id WHERE d.key LIKE $1`,
      [`odd-key:${partnershipId}:%`],
    );
    expect(recorded.map((r) => `${r.key} ${r.stage}`).sort()).toEqual(messages.flatMap((m) => m.nudges.map((n) => `${m.key} ${n.milestoneId}:${n.stageDate}`)).sort());
  });

  it("runs a whole sweep one statement at a time, and a failure at any statement leaves none running and nothing written", async () => {
    const partnershipId = await loadDemo(t.db);
    const at = new Date("2011-09-26T09:00:00+01:00");
    const written = async () =>
      (await t.db.sql.query<{ n: number }>(
        `SELECT ((SELECT count(*) FROM delivery WHERE partnership_id = $1) + (SELECT count(*) FROM milestone_nudge_rest r JOIN milestone m ON m.id = r.milestone_id JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1))::int AS n`,
        [partnershipId],
      ))[0]!.n;
    /** One sweep at `at` whose transaction is watched, the statement numbered `failAt` failing; rolled back at its end with `rollBack`. */
    const sweep = async (failAt?: number, rollBack = false) => {
      let w: StatementWatch | undefined;
      let runningWhenThrown: number | undefined;
      const watchedSql = throughEachTransaction(t.db.sql, async (tx, work) => {
        const watch = watchStatements(tx, (_text, n) => n === failAt);
        w = watch.w;
        try {
          const result = await work(watch.watched);
          if (rollBack) throw new Error("rolled back as asked");
          return result;
        } catch (error) {
          runningWhenThrown = watch.w.running;
          throw error;
        }
      });
      const outcome = await runNudgeSweep(jobStoreOf({ ...t.db, sql: watchedSql }), partnershipId, at).then(
        (report) => ({ report }),
        (error: Error) => ({ error }),
      );
      return { outcome, w: w!, runningWhenThrown };
    };
    const before = await written();
    // How many statements a sweep runs, counted in a sweep rolled back; then each fails in
    // turn, the last (the enqueue's) included: nothing is ever left running or written.
    const whole = await sweep(undefined, true);
    expect(whole.outcome).toEqual({ error: new Error("rolled back as asked") });
    expect(await written()).toBe(before);
    expect(whole.w.started).toBeGreaterThan(8);
    for (let n = 1; n <= whole.w.started; n++) {
      const failed = await sweep(n);
      expect("error" in failed.outcome, `statement ${n} of ${whole.w.started} fails`).toBe(true);
      expect(failed.runningWhenThrown, `statements running when statement ${n} failed`).toBe(0);
      expect(failed.w.most, `statements at once, statement ${n} failing`).toBe(1);
      expect(await written()).toBe(before);
    }
    // Then it runs whole, never two statements at once, and writes its rests and its messages.
    const done = await sweep();
    expect("report" in done.outcome && done.outcome.report.deliveries.length).toBeGreaterThan(0);
    expect(done.w.most).toBe(1);
    expect(await written()).toBeGreaterThan(before);
  });

  it("keeps no nudge of a person who is deleted: their deliveries go, and their nudges with them", async () => {
    const partnershipId = await loadDemo(t.db);
    const sweep = await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2011-09-26T09:00:00+01:00"));
    const personId = sweep.deliveries[0]!.personId;
    const nudgesOf = async () => (await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM milestone_nudge WHERE person_id = $1`, [personId]))[0]!.n;
    expect(await nudgesOf()).toBeGreaterThan(0);
    await t.db.sql.query(`DELETE FROM person WHERE id = $1`, [personId]);
    expect(await nudgesOf()).toBe(0);
  });
});
