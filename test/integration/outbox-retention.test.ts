import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { readConfig } from "../../src/bot/config.ts";
import { pruneOutbox } from "../../src/jobs/outbox-retention.ts";
import { enqueueReadingReminders } from "../../src/jobs/reading-reminders.ts";
import { enqueueRiskReviews } from "../../src/jobs/risk-reviews.ts";
import { runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";

const MONDAY_NINE = new Date("2011-09-26T09:00:00+01:00");
const NOW = new Date("2013-02-01T09:00:00Z");
const daysBefore = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

describe.each(kindsUnderTest())("the outbox's retention on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  /** The demo's deliveries after a real nudge sweep (each with its nudge records), in id order. */
  async function sweptDemo() {
    const partnershipId = await loadDemo(t.db);
    const swept = await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    expect(swept.deliveries.length).toBeGreaterThan(8);
    const rows = await t.db.sql.query<{ id: number }>(`SELECT id FROM delivery WHERE partnership_id = $1 ORDER BY id`, [partnershipId]);
    return { partnershipId, ids: rows.map((r) => Number(r.id)) };
  }
  const settle = (ids: number[], status: string, dueAt: Date) =>
    t.db.sql.query(`UPDATE delivery SET status = $2::delivery_status, due_at = $3 WHERE id = ANY($1::int[])`, [`{${ids.join(",")}}`, status, dueAt]);
  const remaining = async (partnershipId: number) =>
    (await t.db.sql.query<{ id: number }>(`SELECT id FROM delivery WHERE partnership_id = $1 ORDER BY id`, [partnershipId])).map((r) => Number(r.id));
  const nudgeRecords = async (ids: number[]) =>
    Number((await t.db.sql.query<{ n: string | number }>(`SELECT count(*) AS n FROM milestone_nudge WHERE delivery_id = ANY($1::int[])`, [`{${ids.join(",")}}`]))[0]!.n);
  const tallies = () => t.db.sql.query(`SELECT milestone_id, overdue_nudges, first_nudged_on::text AS first FROM milestone_nudge_tally ORDER BY milestone_id`);

  it("deletes settled deliveries due before the retention, with their nudge records, and keeps unsent and recent ones and the tallies", async () => {
    const { partnershipId, ids } = await sweptDemo();
    const [sentOld, failedOld, cancelledOld, pendingOld, sendingOld, sentLately, ...rest] = ids as [number, number, number, number, number, number, ...number[]];
    await settle([sentOld], "sent", daysBefore(500));
    await settle([failedOld], "failed", daysBefore(401));
    await settle([cancelledOld], "cancelled", daysBefore(700));
    await settle([pendingOld], "pending", daysBefore(900));
    await settle([sendingOld], "sending", daysBefore(900));
    await settle([sentLately, ...rest], "sent", daysBefore(399));
    const pruned = [sentOld, failedOld, cancelledOld];
    const kept = ids.filter((id) => !pruned.includes(id));
    expect(await nudgeRecords(pruned)).toBeGreaterThan(0);
    const keptRecords = await nudgeRecords(kept);
    const talliesBefore = await tallies();

    expect(await pruneOutbox(jobStoreOf(t.db), NOW, 400)).toBe(3);
    expect(await remaining(partnershipId)).toEqual(kept);
    expect(await nudgeRecords(pruned)).toBe(0);
    expect(await nudgeRecords(kept)).toBe(keptRecords);
    expect(await tallies()).toEqual(talliesBefore);
    // A second run finds nothing more to delete.
    expect(await pruneOutbox(jobStoreOf(t.db), NOW, 400)).toBe(0);
    expect(await remaining(partnershipId)).toEqual(kept);
  });

  it("keeps everything when retention is forever, and works through a long history a bounded amount per run", async () => {
    const { partnershipId, ids } = await sweptDemo();
    await settle(ids, "sent", daysBefore(1000));
    expect(await pruneOutbox(jobStoreOf(t.db), NOW, null)).toBe(0);
    expect(await remaining(partnershipId)).toEqual(ids);

    // Two statements of three a run: six deliveries a run, oldest first, until none is left.
    const limits = { perStatement: 3, statements: 2 };
    let left = ids.length;
    while (left > 0) {
      const deleted = await pruneOutbox(jobStoreOf(t.db), NOW, 400, limits);
      expect(deleted).toBe(Math.min(6, left));
      left -= deleted;
      expect((await remaining(partnershipId)).length).toBe(left);
    }
    expect(await pruneOutbox(jobStoreOf(t.db), NOW, 400, limits)).toBe(0);
  });

  it("keeps a risk review's reminder, whose row is what makes it go once per review date, however old", async () => {
    const partnershipId = await loadDemo(t.db);
    const [owner] = await t.db.sql.query<{ id: number }>(`SELECT min(id) AS id FROM person WHERE partnership_id = $1`, [partnershipId]);
    const [plan] = await t.db.sql.query<{ id: number }>(`SELECT min(id) AS id FROM plan WHERE partnership_id = $1`, [partnershipId]);
    await t.db.sql.query(
      `INSERT INTO risk (partnership_id, plan_id, number, description, owner_id, likelihood, impact, review_date) VALUES ($1, $2, 901, 'Police data not shared', $3, 4, 4, '2012-01-02')`,
      [partnershipId, plan!.id, owner!.id],
    );
    const store = jobStoreOf(t.db);
    const first = new Date("2012-01-02T09:00:00Z");
    expect(await enqueueRiskReviews(store, partnershipId, first, "2012-01-02")).toHaveLength(1);
    await t.db.sql.query(`UPDATE delivery SET status = 'sent', sent_at = due_at WHERE key LIKE 'risk-review:%'`);
    // The owner has not reviewed it 401 days on: the reminder sent then is kept, and not sent again.
    const later = new Date(first.getTime() + 401 * 86_400_000);
    await pruneOutbox(store, later, 400);
    expect(await enqueueRiskReviews(store, partnershipId, later, later.toISOString().slice(0, 10))).toEqual([]);
  });

  it("keeps a reading-due reminder at the shortest retention, so an annual indicator's owner is reminded once a period, not once a month", async () => {
    const days = readConfig({ CURVE_DELIVERY_RETENTION_DAYS: "30" }).CURVE_DELIVERY_RETENTION_DAYS;
    const partnershipId = await loadDemo(t.db);
    const [owner] = await t.db.sql.query<{ id: number }>(`SELECT min(id) AS id FROM person WHERE partnership_id = $1`, [partnershipId]);
    const [indicator] = await t.db.sql.query<{ id: number }>(`SELECT min(id) AS id FROM indicator WHERE partnership_id = $1`, [partnershipId]);
    await t.db.sql.query(`UPDATE indicator SET periodicity = NULL WHERE partnership_id = $1 AND id <> $2`, [partnershipId, indicator!.id]);
    await t.db.sql.query(`UPDATE indicator SET periodicity = 'annual', owner_id = $2 WHERE id = $1`, [indicator!.id, owner!.id]);
    await t.db.sql.query(`DELETE FROM indicator_reading WHERE indicator_id = $1 AND period_end > '2012-01-01'`, [indicator!.id]);
    const store = jobStoreOf(t.db);
    const reminded: string[] = [];
    let now = new Date("2013-07-01T09:00:00Z");
    for (let month = 0; month < 6; month++) {
      reminded.push(...(await enqueueReadingReminders(store, partnershipId, now)).map((r) => r.key));
      await t.db.sql.query(`UPDATE delivery SET status = 'sent', sent_at = due_at WHERE status = 'pending' AND partnership_id = $1`, [partnershipId]);
      now = new Date(now.getTime() + 31 * 86_400_000);
      await pruneOutbox(store, now, days);
    }
    expect(reminded).toHaveLength(1);
  });

  it("refuses a retention too long to count back from, and prunes with the longest one it accepts", async () => {
    expect(() => readConfig({ CURVE_DELIVERY_RETENTION_DAYS: "36501" })).toThrow("CURVE_DELIVERY_RETENTION_DAYS must be a number of days from 30 to 36500 (e.g. 400), or forever");
    const days = readConfig({ CURVE_DELIVERY_RETENTION_DAYS: "36500" }).CURVE_DELIVERY_RETENTION_DAYS;
    await expect(pruneOutbox(jobStoreOf(t.db), NOW, days)).resolves.toBe(0);
  });
});
