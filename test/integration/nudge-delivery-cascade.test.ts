import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";

const MONDAY_NINE = new Date("2011-09-26T09:00:00+01:00");

/**
 * The triggers that stand in for foreign keys a nudge sweep no longer checks per row, run after every
 * migration (this file's databases are migrated afresh).
 *
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

/**
 * The trigger of migration 20261203090000_sweep_keys_checked_once: milestone_nudge.milestone_id
 * has no foreign key, so deleting milestones, however they are deleted (one, many in one
 * statement, an action's through its key), deletes their nudge records and no others'; and
 * delivery.partnership_id has none, its person's key deleting a partnership's deliveries.
 */
describe.each(kindsUnderTest())("the milestone-removed trigger on %s", (kind) => {
  let t: TestDatabase;
  let partnershipId: number;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    partnershipId = await loadDemo(t.db);
    const swept = await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    expect(swept.deliveries.length).toBeGreaterThan(8);
  }, 120_000);
  afterAll(async () => t?.close());

  /** Each milestone of the demo that has nudge records, with its action and how many, in id order. */
  const recorded = async () =>
    (
      await t.db.sql.query<{ id: number; action_id: number; n: number }>(
        `SELECT m.id, m.action_id, count(*)::int AS n FROM milestone m JOIN milestone_nudge mn ON mn.milestone_id = m.id GROUP BY m.id, m.action_id ORDER BY m.id`,
      )
    ).map((r) => ({ id: Number(r.id), actionId: Number(r.action_id), n: Number(r.n) }));
  const orphans = async () =>
    Number((await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM milestone_nudge mn WHERE NOT EXISTS (SELECT 1 FROM milestone m WHERE m.id = mn.milestone_id)`))[0]!.n);
  const keysBetween = async (table: string, referenced: string) =>
    Number(
      (
        await t.db.sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_constraint c WHERE c.conrelid = '${table}'::regclass AND c.contype = 'f' AND c.confrelid = '${referenced}'::regclass`,
        )
      )[0]!.n,
    );

  it("is there, with no foreign key from milestone_nudge to milestone nor from delivery to partnership, and delivery's key to its person kept", async () => {
    expect(await keysBetween("milestone_nudge", "milestone")).toBe(0);
    expect(await keysBetween("delivery", "partnership")).toBe(0);
    expect(await keysBetween("delivery", "person")).toBe(1);
    const triggers = await t.db.sql.query<{ tgname: string }>(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'milestone'::regclass AND NOT tgisinternal`);
    expect(triggers.map((r) => r.tgname)).toContain("milestone_removed");
  });

  it("deletes one milestone's nudge records when it is deleted, and keeps the others'", async () => {
    const before = await recorded();
    expect(before.length).toBeGreaterThan(3);
    const [gone, ...kept] = before as [(typeof before)[number], ...typeof before];
    await t.db.sql.query(`DELETE FROM milestone WHERE id = $1`, [gone.id]);
    expect(await recorded()).toEqual(kept);
    expect(await orphans()).toBe(0);
  });

  it("deletes the nudge records of every milestone one statement deletes", async () => {
    const before = await recorded();
    const gone = before.slice(0, 2).map((m) => m.id);
    await t.db.sql.query(`DELETE FROM milestone WHERE id = ANY($1::int[])`, [`{${gone.join(",")}}`]);
    expect(await recorded()).toEqual(before.slice(2));
    expect(await orphans()).toBe(0);
  });

  it("deletes an action's milestones' nudge records when the action is deleted (the milestone's foreign key's cascade)", async () => {
    const before = await recorded();
    const action = before[0]!.actionId;
    await t.db.sql.query(`DELETE FROM action WHERE id = $1`, [action]);
    expect(await recorded()).toEqual(before.filter((m) => m.actionId !== action));
    expect(await orphans()).toBe(0);
  });

  it("deletes the partnership's deliveries and nudge records with it, through its people", async () => {
    const deliveries = async () => Number((await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM delivery WHERE partnership_id = $1`, [partnershipId]))[0]!.n);
    expect(await deliveries()).toBeGreaterThan(0);
    await t.db.sql.query(`DELETE FROM partnership WHERE id = $1`, [partnershipId]);
    expect(await deliveries()).toBe(0);
    expect(await recorded()).toEqual([]);
    expect(await orphans()).toBe(0);
  });
});
