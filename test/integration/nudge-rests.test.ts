import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import type { SqlRunner } from "../../src/adapters/db/sql-runner.ts";
import { BUILT_IN_CHANGES, useOneOffChanges } from "../../src/domain/schedule/bank-holidays.ts";
import { runNudgeSweep, type SweepReport } from "../../src/jobs/nudge-sweep.ts";
import { generatePartnership } from "../../bench/generate.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, uniqueName, type TestDatabase } from "../support/databases.ts";
import { throughEachTransaction } from "../support/watched-transaction.ts";

/**
 * A sweep skips the milestones at rest (nothing owed about them until a known date), and sends
 * exactly what it would have sent had it read them all. Two identical partnerships live the
 * same weeks: the same sweeps, the same changes made between them (owners, teams, leads,
 * coordinators, due dates, snoozes, time zones, regions, work done and reopened, bank holidays).
 * One keeps its rests; the other's are deleted before every sweep, so it reads everything, as
 * sweeps did before rests. Every sweep's messages must match, person by person, item by item.
 */

/** Counts the open-milestone rows a sweep reads, by wrapping the runner it is given. */
function readCounter(sql: SqlRunner) {
  let rows = 0;
  const counted = throughEachTransaction(sql, (tx, work) =>
    work({
      exec: (text) => tx.exec(text),
      query: async (text, params) => {
        const result = await tx.query(text, params);
        if (/^FETCH \d+ FROM sweep_milestones/.test(text)) rows += result.length;
        return result as never;
      },
    }),
  );
  return { sql: counted, rows: () => rows };
}

/** A sweep's messages as a person reads them: who, and each item's milestone and stage or level. */
const messages = (report: SweepReport) =>
  report.deliveries
    .map((d) => ({
      person: d.person,
      items: d.items.map((i) => `${i.ref} ${i.kind === "nudge" ? i.stage : `escalation:${i.level}`} (${i.because})`).sort(),
    }))
    .sort((a, b) => a.person.localeCompare(b.person));

describe.each(kindsUnderTest())("nudge sweeps with milestones at rest on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => {
    useOneOffChanges(BUILT_IN_CHANGES);
    await t?.close();
  });

  /** Runs `text` once for each partnership, with its id as $1. */
  const onBoth = (ids: readonly number[]) => async (text: string, params: unknown[] = []) => {
    for (const id of ids) await t.db.sql.query(text, [id, ...params]);
  };

  /** The ordinal-th action of a partnership by ref (the same action in both twins). */
  const ACTION = (n: number) => `(SELECT a.id FROM action a JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 ORDER BY a.ref LIMIT 1 OFFSET ${n})`;
  const PERSON = (n: number) => `(SELECT id FROM person WHERE partnership_id = $1 ORDER BY name, id LIMIT 1 OFFSET ${n})`;
  const MILESTONE = (n: number) =>
    `(SELECT m.id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 AND m.done_at IS NULL ORDER BY m.ref LIMIT 1 OFFSET ${n})`;

  /** The ordinal-th milestone by ref of those open and overdue by more than three days on $2 (a date). */
  const OVERDUE = (n: number) =>
    `(SELECT m.id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 AND m.done_at IS NULL AND m.due_date < $2::date - 3 ORDER BY m.ref LIMIT 1 OFFSET ${n})`;

  /** The changes made on the morning of day `day` (0-based), in working hours, before the day's later sweeps. */
  async function change(both: ReturnType<typeof onBoth>, day: number, today: string) {
    switch (day) {
      case 1:
        // A second owner for an action: they hear of its latest stage.
        await both(`INSERT INTO action_owner (action_id, person_id, position) SELECT ${ACTION(3)}, ${PERSON(7)}, 5`);
        break;
      case 2:
        // A team takes on an action, then gains a member.
        await both(`INSERT INTO team (partnership_id, name) VALUES ($1, 'Rest test team')`);
        await both(`INSERT INTO team_member (team_id, person_id) SELECT (SELECT id FROM team WHERE partnership_id = $1 AND name = 'Rest test team'), ${PERSON(2)}`);
        await both(`INSERT INTO action_owner (action_id, team_id, position) SELECT ${ACTION(5)}, (SELECT id FROM team WHERE partnership_id = $1 AND name = 'Rest test team'), 6`);
        break;
      case 3:
        await both(`INSERT INTO team_member (team_id, person_id) SELECT (SELECT id FROM team WHERE partnership_id = $1 AND name = 'Rest test team'), ${PERSON(4)}`);
        // A milestone moved to tomorrow, and one to today.
        await both(`UPDATE milestone SET due_date = $2::date + 1 WHERE id = ${MILESTONE(2)}`, [today]);
        await both(`UPDATE milestone SET due_date = $2::date WHERE id = ${MILESTONE(9)}`, [today]);
        break;
      case 4:
        // Snoozed for three days; and one snoozed for the third time (its lead is told).
        await both(`UPDATE milestone SET snoozed_until = $2::date + 3, snooze_count = snooze_count + 1 WHERE id = ${MILESTONE(4)}`, [today]);
        // An overdue one snoozed for the third time: its lead is told now, its sponsors a week on,
        // whatever day of its weekly reminders that falls on.
        await both(`UPDATE milestone SET snooze_count = 3 WHERE id = ${OVERDUE(1)}`, [today]);
        await both(`UPDATE milestone SET snooze_count = 3 WHERE id = ${OVERDUE(6)}`, [today]);
        break;
      case 5:
        // Nobody owns an action any more: its lead, or the coordinators, hear of it.
        await both(`DELETE FROM action_owner WHERE action_id = ${ACTION(8)}`);
        break;
      case 7:
        // Someone moves to Auckland (their dates run ahead), someone else to Scotland's bank holidays.
        await both(`UPDATE person SET time_zone = 'Pacific/Auckland' WHERE id IN (SELECT person_id FROM action_owner WHERE action_id = ${ACTION(10)} AND person_id IS NOT NULL)`);
        await both(`UPDATE person SET region = 'scotland' WHERE id IN (SELECT person_id FROM action_owner WHERE action_id = ${ACTION(11)} AND person_id IS NOT NULL)`);
        break;
      case 8:
        // A new coordinator, and a priority that loses its leads.
        await both(`UPDATE person SET roles = array_append(roles, 'coordinator'::person_role) WHERE id = ${PERSON(12)}`);
        await both(
          `DELETE FROM priority_role WHERE role = 'lead' AND priority_id = (SELECT a.priority_id FROM action a WHERE a.id = ${ACTION(8)})`,
        );
        break;
      case 9:
        // Work done, and an action moved to another priority.
        await both(`UPDATE milestone SET done_at = now() WHERE id = ${MILESTONE(12)}`);
        await both(
          `UPDATE action SET priority_id = (SELECT pr.id FROM priority pr JOIN plan pl ON pl.id = pr.plan_id WHERE pl.partnership_id = $1 AND pr.id IS DISTINCT FROM (SELECT priority_id FROM action WHERE id = ${ACTION(14)}) ORDER BY pr.number DESC LIMIT 1) WHERE id = ${ACTION(14)}`,
        );
        break;
      case 10:
        // The partnership follows Scotland's bank holidays; a snooze lifted early.
        await both(`UPDATE partnership SET region = 'scotland' WHERE id = $1`);
        await both(`UPDATE milestone SET snoozed_until = NULL WHERE id = ${MILESTONE(4)}`);
        break;
      case 11:
        // A bank holiday proclaimed for next Monday (the operator's file changed).
        useOneOffChanges([...BUILT_IN_CHANGES, ...(["england-and-wales", "scotland", "northern-ireland"] as const).map((region) => ({ region, date: nextMonday(today), change: "added" as const, title: "Proclaimed" }))]);
        break;
      case 13:
        // Done work reopened; a milestone given no date.
        await both(`UPDATE milestone SET done_at = NULL WHERE id IN (SELECT m.id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 AND m.done_at IS NOT NULL ORDER BY m.ref LIMIT 2)`);
        await both(`UPDATE milestone SET due_date = NULL WHERE id = ${MILESTONE(15)}`);
        break;
    }
  }

  const nextMonday = (date: string) => {
    const d = new Date(`${date}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7 || 7));
    return d.toISOString().slice(0, 10);
  };

  async function liveTheSameWeeks(kept: number, control: number, start: string, days: number) {
    const both = onBoth([kept, control]);
    const keptReads = readCounter(t.db.sql);
    const controlReads = readCounter(t.db.sql);
    let sent = 0;
    let sweeps = 0;
    for (let day = 0; day < days; day++) {
      const date = new Date(Date.parse(`${start}T00:00:00Z`) + day * 86_400_000).toISOString().slice(0, 10);
      // Before people may hear anything (London), first thing, a quarter-hour later, after lunch, late in the day.
      for (const [i, time] of ["06:45", "09:00", "09:15", "13:30", "16:45"].entries()) {
        if (i === 3) await change(both, day, date);
        const at = new Date(`${date}T${time}:00Z`);
        const withRests = await runNudgeSweep(jobStoreOf({ ...t.db, sql: keptReads.sql }), kept, at);
        await t.db.sql.query(
          `DELETE FROM milestone_nudge_rest WHERE milestone_id IN (SELECT m.id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1)`,
          [control],
        );
        const readingAll = await runNudgeSweep(jobStoreOf({ ...t.db, sql: controlReads.sql }), control, at);
        expect(messages(withRests), `${date} ${time}`).toEqual(messages(readingAll));
        sent += withRests.deliveries.length;
        sweeps++;
      }
    }
    useOneOffChanges(BUILT_IN_CHANGES);
    return { sent, sweeps, keptRead: keptReads.rows(), controlRead: controlReads.rows() };
  }

  it("sends from the Leeds demo exactly what reading every milestone would, over four weeks of changes, reading a fraction", async () => {
    const kept = await loadDemo(t.db);
    const control = await loadDemo(t.db);
    const run = await liveTheSameWeeks(kept, control, "2011-09-19", 28);
    expect(run.sent).toBeGreaterThan(20);
    // Rests were kept, and spared reads.
    const [rests] = await t.db.sql.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM milestone_nudge_rest r JOIN milestone m ON m.id = r.milestone_id JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1`,
      [kept],
    );
    expect(Number(rests!.n)).toBeGreaterThan(0);
    expect(run.keptRead).toBeLessThan(run.controlRead / 2);
  }, 300_000);

  it("trusts no rest in a sweep for a time before the rest was recorded, as an operator's `curve nudge --now` may ask", async () => {
    const leeds = await loadDemo(t.db);
    await runNudgeSweep(jobStoreOf(t.db), leeds, new Date("2011-10-03T09:00:00+01:00"));
    await runNudgeSweep(jobStoreOf(t.db), leeds, new Date("2011-10-03T09:15:00+01:00"));
    const reads = async (at: string) => {
      const counter = readCounter(t.db.sql);
      await runNudgeSweep(jobStoreOf({ ...t.db, sql: counter.sql }), leeds, new Date(at));
      return counter.rows();
    };
    // Later the same morning every milestone rests; a week earlier none does.
    expect(await reads("2011-10-03T09:30:00+01:00")).toBe(0);
    const earlier = await reads("2011-09-26T09:00:00+01:00");
    await t.db.sql.query(`DELETE FROM milestone_nudge_rest`);
    expect(earlier).toBeGreaterThan(0);
    expect(earlier).toBe(await reads("2011-09-26T09:00:00+01:00"));
  });

  it("leaves a rest that has merely ended where it is: no later sweep trusts it, and deleting it cost the busiest sweeps a statement", async () => {
    const leeds = await loadDemo(t.db);
    const first = new Date("2011-10-03T09:00:00+01:00");
    await runNudgeSweep(jobStoreOf(t.db), leeds, first);
    // A fortnight of working mornings: rests end, their milestones are read again, and those with something owed are nudged instead.
    const OF_LEEDS = `r.milestone_id IN (SELECT m.id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1)`;
    let last = first;
    let left = 0;
    for (const day of ["04", "05", "06", "07", "10", "11", "12", "13", "14"]) {
      last = new Date(`2011-10-${day}T09:00:00+01:00`);
      const sent = (await runNudgeSweep(jobStoreOf(t.db), leeds, last)).deliveries.length;
      // Rests of earlier sweeps that had ended by this one, which read their milestones and did not renew them (that would have made this sweep their `since`).
      const [ended] = await t.db.sql.query<{ n: number | string }>(`SELECT count(*) AS n FROM milestone_nudge_rest r WHERE ${OF_LEEDS} AND r.since < $2 AND r.until <= $2`, [leeds, last]);
      left = Number(ended!.n);
      if (left > 0 && sent > 0) break;
    }
    expect(left).toBeGreaterThan(0);
    // A later sweep reads those milestones again, as if they had no rest (the twin tests above show it sends what reading everything would).
    const counter = readCounter(t.db.sql);
    await runNudgeSweep(jobStoreOf({ ...t.db, sql: counter.sql }), leeds, new Date(last.getTime() + 15 * 60_000));
    expect(counter.rows()).toBeGreaterThanOrEqual(left);
  });

  it("drops a rest that no longer held once the sweep that read the milestone found something owed, so it is not trusted again when the change is undone", async () => {
    useOneOffChanges(BUILT_IN_CHANGES);
    const kept = await loadDemo(t.db);
    const control = await loadDemo(t.db);
    const both = onBoth([kept, control]);
    const sweep = async (at: string) => {
      const withRests = await runNudgeSweep(jobStoreOf(t.db), kept, new Date(at));
      await t.db.sql.query(
        `DELETE FROM milestone_nudge_rest WHERE milestone_id IN (SELECT m.id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1)`,
        [control],
      );
      const readingAll = await runNudgeSweep(jobStoreOf(t.db), control, new Date(at));
      expect(messages(withRests), at).toEqual(messages(readingAll));
      return messages(readingAll);
    };
    await sweep("2011-10-03T09:00:00+01:00");
    await sweep("2011-10-03T09:15:00+01:00");
    // Overdue milestones at rest, reminded of one overdue week, not escalated.
    const refs = (
      await t.db.sql.query<{ ref: string }>(
        `SELECT m.ref FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id
           JOIN milestone_nudge_rest r ON r.milestone_id = m.id JOIN milestone_nudge_tally t ON t.milestone_id = m.id
         WHERE pl.partnership_id = $1 AND m.due_date < date '2011-09-30' AND t.overdue_nudges = 1 AND NOT EXISTS (SELECT 1 FROM escalation e WHERE e.milestone_id = m.id)
         ORDER BY m.ref LIMIT 5`,
        [kept],
      )
    ).map((r) => r.ref);
    expect(refs.length).toBeGreaterThan(0);
    const THEM = `(SELECT m.id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 AND m.ref = ANY($2::text[]))`;
    // Their due dates moved three days earlier by mistake: a new overdue week is sent, the second for each...
    await both(`UPDATE milestone SET due_date = due_date - 3 WHERE id IN ${THEM}`, [refs]);
    await sweep("2011-10-03T10:15:00+01:00");
    // ... and put back: nothing new to nudge, but two overdue weeks unanswered tell the lead.
    await both(`UPDATE milestone SET due_date = due_date + 3 WHERE id IN ${THEM}`, [refs]);
    const told = await sweep("2011-10-03T10:30:00+01:00");
    expect(told.flatMap((m) => m.items).filter((i) => i.includes("escalation:lead")).length).toBeGreaterThan(0);
  });

  it("sends from a generated city exactly what reading every milestone would, over three weeks of changes", async () => {
    const size = { people: 60, actions: 240, perAction: 4 };
    const kept = (await generatePartnership(t.db.sql, uniqueName("rest-kept").replace(/_/g, "-"), size)).partnershipId;
    const control = (await generatePartnership(t.db.sql, uniqueName("rest-control").replace(/_/g, "-"), size)).partnershipId;
    // The twins' due dates differ by their ids: give the control the kept one's, by ref.
    await t.db.sql.query(
      `UPDATE milestone mc SET due_date = mk.due_date
       FROM milestone mk JOIN action ak ON ak.id = mk.action_id JOIN plan pk ON pk.id = ak.plan_id, action ac JOIN plan pc ON pc.id = ac.plan_id
       WHERE pk.partnership_id = $1 AND pc.partnership_id = $2 AND ac.id = mc.action_id AND mc.ref = mk.ref`,
      [kept, control],
    );
    // Some targets, some with no date, and a coordinator, in both.
    const both = onBoth([kept, control]);
    await both(`UPDATE milestone SET kind = 'target' WHERE id IN (SELECT m.id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 AND m.position = 4 AND m.ref LIKE '%1_.4')`);
    await both(`UPDATE milestone SET due_date = NULL WHERE id IN (SELECT m.id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 AND m.ref LIKE '%7.2')`);
    await both(`UPDATE person SET roles = '{coordinator}' WHERE id = ${PERSON(40)}`);
    const run = await liveTheSameWeeks(kept, control, "2026-11-16", 21);
    expect(run.sent).toBeGreaterThan(100);
    expect(run.keptRead).toBeLessThan(run.controlRead / 2);
  }, 300_000);
});
