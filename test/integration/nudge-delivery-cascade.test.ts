import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";

const MONDAY_NINE = new Date("2011-09-26T09:00:00+01:00");

/**
 * The trigger of migration 20261203060000_milestone_nudge_delivery_cascade, run after every
 * migration (this file's database is migrated afresh): milestone_nudge.delivery_id has no
 * foreign key, so deleting a delivery, however it is deleted (one row, many in one statement,
 * a person's deletion through their deliveries, a partnership's), deletes its nudge records
 * and no other delivery's.
 */
describe.each(kindsUnderTest())("the delivery-removed trigger on %s", (kind) => {
  let t: TestDatabase;
  let partnershipId: number;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    partnershipId = await loadDemo(t.db);
    const swept = await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    expect(swept.deliveries.length).toBeGreaterThan(8);
  }, 120_000);
  afterAll(async () => t?.close());

  /** Each delivery of the demo that has nudge records, with how many, in id order. */
  const recorded = async () =>
    (
      await t.db.sql.query<{ id: number; person_id: number; n: number }>(
        `SELECT d.id, d.person_id, count(*)::int AS n FROM delivery d JOIN milestone_nudge mn ON mn.delivery_id = d.id WHERE d.partnership_id = $1 GROUP BY d.id, d.person_id ORDER BY d.id`,
        [partnershipId],
      )
    ).map((r) => ({ id: Number(r.id), personId: Number(r.person_id), n: Number(r.n) }));
  const orphans = async () =>
    Number((await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM milestone_nudge mn WHERE NOT EXISTS (SELECT 1 FROM delivery d WHERE d.id = mn.delivery_id)`))[0]!.n);

  it("is there, and there is no foreign key from milestone_nudge to delivery", async () => {
    const rows = await t.db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_constraint c WHERE c.conrelid = 'milestone_nudge'::regclass AND c.contype = 'f' AND c.confrelid = 'delivery'::regclass`,
    );
    expect(Number(rows[0]!.n)).toBe(0);
    const triggers = await t.db.sql.query<{ tgname: string }>(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'delivery'::regclass AND NOT tgisinternal`);
    expect(triggers.map((r) => r.tgname)).toContain("delivery_removed");
  });

  it("deletes one delivery's nudge records when it is deleted, and keeps the others'", async () => {
    const before = await recorded();
    expect(before.length).toBeGreaterThan(3);
    const [gone, ...kept] = before as [(typeof before)[number], ...typeof before];
    await t.db.sql.query(`DELETE FROM delivery WHERE id = $1`, [gone.id]);
    expect(await recorded()).toEqual(kept);
    expect(await orphans()).toBe(0);
  });

  it("deletes the nudge records of every delivery one statement deletes", async () => {
    const before = await recorded();
    const gone = before.slice(0, 2).map((d) => d.id);
    await t.db.sql.query(`DELETE FROM delivery WHERE id = ANY($1::int[])`, [`{${gone.join(",")}}`]);
    expect(await recorded()).toEqual(before.slice(2));
    expect(await orphans()).toBe(0);
  });

  it("deletes a person's deliveries' nudge records when the person is deleted (the delivery's foreign key's cascade)", async () => {
    const before = await recorded();
    const person = before[0]!.personId;
    await t.db.sql.query(`DELETE FROM person WHERE id = $1`, [person]);
    expect(await recorded()).toEqual(before.filter((d) => d.personId !== person));
    expect(await orphans()).toBe(0);
  });

  it("deletes them all with the partnership", async () => {
    expect((await recorded()).length).toBeGreaterThan(0);
    await t.db.sql.query(`DELETE FROM partnership WHERE id = $1`, [partnershipId]);
    expect(await recorded()).toEqual([]);
    expect(await orphans()).toBe(0);
  });
});
