import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";

const MONDAY_NINE = new Date("2011-09-26T09:00:00+01:00");

/**
 * A table whose rows own nudge records through a column with no foreign key, and the
 * statement-level trigger that deletes the records with their rows; `holder` is the row's own
 * parent, through whose key a row is deleted in bulk (a delivery's person, a milestone's action).
 */
interface Owner {
  table: "delivery" | "milestone";
  column: "delivery_id" | "milestone_id";
  trigger: string;
  holder: { column: "person_id" | "action_id"; table: "person" | "action"; deletion: string };
}

const OWNERS: Owner[] = [
  // Migration 20261203060000_milestone_nudge_delivery_cascade.
  { table: "delivery", column: "delivery_id", trigger: "delivery_removed", holder: { column: "person_id", table: "person", deletion: "a person's deletion" } },
  // Migration 20261203090000_sweep_keys_checked_once.
  { table: "milestone", column: "milestone_id", trigger: "milestone_removed", holder: { column: "action_id", table: "action", deletion: "an action's deletion" } },
];

/**
 * The triggers that stand in for foreign keys a nudge sweep does not check per row, run after
 * every migration (this file's databases are migrated afresh): milestone_nudge has no foreign
 * key to its delivery nor to its milestone, so deleting either, however it is deleted (one row,
 * many in one statement, through its own parent's key, with the partnership), deletes its nudge
 * records and no others'.
 */
describe.each(kindsUnderTest().flatMap((kind) => OWNERS.map((owner) => [kind, owner.table, owner] as const)))("milestone_nudge's records on %s, deleted with their %s", (kind, _table, owner) => {
  let t: TestDatabase;
  let partnershipId: number;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    partnershipId = await loadDemo(t.db);
    const swept = await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    expect(swept.deliveries.length).toBeGreaterThan(8);
  }, 120_000);
  afterAll(async () => t?.close());

  /** Each row of the owning table that has nudge records, with its parent and how many, in id order. */
  const recorded = async () =>
    (
      await t.db.sql.query<{ id: number; parent: number; n: number }>(
        `SELECT o.id, o.${owner.holder.column} AS parent, count(*)::int AS n FROM ${owner.table} o JOIN milestone_nudge mn ON mn.${owner.column} = o.id GROUP BY o.id, o.${owner.holder.column} ORDER BY o.id`,
      )
    ).map((r) => ({ id: Number(r.id), parent: Number(r.parent), n: Number(r.n) }));
  const orphans = async () =>
    Number(
      (await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM milestone_nudge mn WHERE NOT EXISTS (SELECT 1 FROM ${owner.table} o WHERE o.id = mn.${owner.column})`))[0]!.n,
    );
  const keysBetween = async (table: string, referenced: string) =>
    Number(
      (
        await t.db.sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_constraint c WHERE c.conrelid = '${table}'::regclass AND c.contype = 'f' AND c.confrelid = '${referenced}'::regclass`,
        )
      )[0]!.n,
    );

  it("is there, in place of a foreign key", async () => {
    expect(await keysBetween("milestone_nudge", owner.table)).toBe(0);
    const triggers = await t.db.sql.query<{ tgname: string }>(`SELECT tgname FROM pg_trigger WHERE tgrelid = '${owner.table}'::regclass AND NOT tgisinternal`);
    expect(triggers.map((r) => r.tgname)).toContain(owner.trigger);
  });

  it("deletes one row's nudge records when it is deleted, and keeps the others'", async () => {
    const before = await recorded();
    expect(before.length).toBeGreaterThan(3);
    const [gone, ...kept] = before as [(typeof before)[number], ...typeof before];
    await t.db.sql.query(`DELETE FROM ${owner.table} WHERE id = $1`, [gone.id]);
    expect(await recorded()).toEqual(kept);
    expect(await orphans()).toBe(0);
  });

  it("deletes the nudge records of every row one statement deletes", async () => {
    const before = await recorded();
    const gone = before.slice(0, 2).map((r) => r.id);
    await t.db.sql.query(`DELETE FROM ${owner.table} WHERE id = ANY($1::int[])`, [`{${gone.join(",")}}`]);
    expect(await recorded()).toEqual(before.slice(2));
    expect(await orphans()).toBe(0);
  });

  it(`deletes the records of the rows its parent's key deletes (${owner.holder.deletion})`, async () => {
    const before = await recorded();
    const parent = before[0]!.parent;
    await t.db.sql.query(`DELETE FROM ${owner.holder.table} WHERE id = $1`, [parent]);
    expect(await recorded()).toEqual(before.filter((r) => r.parent !== parent));
    expect(await orphans()).toBe(0);
  });

  it("deletes them all with the partnership, and its deliveries through its people (delivery has no key to the partnership)", async () => {
    const deliveries = async () => Number((await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM delivery WHERE partnership_id = $1`, [partnershipId]))[0]!.n);
    expect(await keysBetween("delivery", "partnership")).toBe(0);
    expect(await keysBetween("delivery", "person")).toBe(1);
    expect(await deliveries()).toBeGreaterThan(0);
    expect((await recorded()).length).toBeGreaterThan(0);
    await t.db.sql.query(`DELETE FROM partnership WHERE id = $1`, [partnershipId]);
    expect(await deliveries()).toBe(0);
    expect(await recorded()).toEqual([]);
    expect(await orphans()).toBe(0);
  });
});
