import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";

/**
 * The triggers of migration 20261201170000_milestone_nudge_rest, each run after every
 * migration (this file's database is migrated afresh): every change to who would hear of a
 * partnership's milestones counts once more in that partnership's nudge_hearers_version, and
 * in no other's; changes that alter nobody's hearing count nothing. Rests recorded under an
 * older count are not trusted, so a change a trigger missed would leave someone unnudged.
 */
describe.each(kindsUnderTest())("the hearers-version triggers on %s", (kind) => {
  let t: TestDatabase;
  let leeds: number;
  let other: number;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    leeds = await loadDemo(t.db);
    other = await loadDemo(t.db);
  }, 120_000);
  afterAll(async () => t?.close());

  const version = async (partnershipId: number) => {
    const [row] = await t.db.sql.query<{ v: string | number }>(`SELECT coalesce((SELECT version FROM nudge_hearers_version WHERE partnership_id = $1), 0) AS v`, [partnershipId]);
    return Number(row!.v);
  };

  /** Runs `text` (with Leeds's id as $1) and returns how much each partnership's count moved. */
  async function counted(text: string): Promise<{ leeds: number; other: number }> {
    const before = { leeds: await version(leeds), other: await version(other) };
    await t.db.sql.query(text, [leeds]);
    return { leeds: (await version(leeds)) - before.leeds, other: (await version(other)) - before.other };
  }

  const ACTION = `(SELECT a.id FROM action a JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 ORDER BY a.ref LIMIT 1)`;
  const PERSON = (n: number) => `(SELECT id FROM person WHERE partnership_id = $1 ORDER BY name LIMIT 1 OFFSET ${n})`;
  const PRIORITY = `(SELECT pr.id FROM priority pr JOIN plan pl ON pl.id = pr.plan_id WHERE pl.partnership_id = $1 ORDER BY pr.id LIMIT 1)`;
  const TEAM = `(SELECT id FROM team WHERE partnership_id = $1 AND name = 'Trigger test team')`;

  it.each([
    ["an owner added", `INSERT INTO action_owner (action_id, person_id, position) SELECT ${ACTION}, ${PERSON(3)}, 9`],
    ["an owner changed", `UPDATE action_owner SET person_id = ${PERSON(4)} WHERE action_id = ${ACTION} AND position = 9`],
    ["an owner removed", `DELETE FROM action_owner WHERE action_id = ${ACTION} AND position = 9`],
    ["a team made", `INSERT INTO team (partnership_id, name) VALUES ($1, 'Trigger test team')`, 0],
    ["a team member added", `INSERT INTO team_member (team_id, person_id) SELECT ${TEAM}, ${PERSON(5)}`],
    ["a team member changed", `UPDATE team_member SET person_id = ${PERSON(6)} WHERE team_id = ${TEAM}`],
    ["a team member removed", `DELETE FROM team_member WHERE team_id = ${TEAM}`],
    ["a team owner added", `INSERT INTO action_owner (action_id, team_id, position) SELECT ${ACTION}, ${TEAM}, 10`],
    ["a team deleted, with its ownerships", `DELETE FROM team WHERE id = ${TEAM}`],
    [
      "a lead added",
      `WITH p AS (INSERT INTO person (partnership_id, name) VALUES ($1, 'Lead To Be') RETURNING id) INSERT INTO priority_role (priority_id, person_id, role, position) SELECT ${PRIORITY}, p.id, 'lead', 9 FROM p`,
    ],
    ["a lead made a sponsor", `UPDATE priority_role SET role = 'sponsor' WHERE priority_id = ${PRIORITY} AND position = 9`],
    ["a sponsor removed", `DELETE FROM priority_role WHERE priority_id = ${PRIORITY} AND position = 9`],
    ["a coordinator added", `INSERT INTO person (partnership_id, name, roles) VALUES ($1, 'New Coordinator', '{coordinator}')`],
    ["someone made a coordinator", `UPDATE person SET roles = '{coordinator}' WHERE id = ${PERSON(8)}`],
    ["a time zone changed", `UPDATE person SET time_zone = 'Europe/Paris' WHERE id = ${PERSON(9)}`],
    ["a person's region changed", `UPDATE person SET region = 'scotland' WHERE id = ${PERSON(10)}`],
    ["an action moved to another priority", `UPDATE action SET priority_id = (SELECT pr.id FROM priority pr JOIN plan pl ON pl.id = pr.plan_id WHERE pl.partnership_id = $1 ORDER BY pr.id DESC LIMIT 1) WHERE id = ${ACTION}`],
    ["the partnership's region changed", `UPDATE partnership SET region = 'northern-ireland' WHERE id = $1`],
    ["a person deleted, with their ownerships and roles", `DELETE FROM person WHERE id = (SELECT person_id FROM action_owner ao JOIN action a ON a.id = ao.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 AND ao.person_id IS NOT NULL ORDER BY ao.id LIMIT 1)`],
    ["a coordinator who owns nothing deleted", `DELETE FROM person WHERE partnership_id = $1 AND name = 'New Coordinator'`],
    // Nobody's hearing changes: nothing counted.
    ["someone added who coordinates nothing", `INSERT INTO person (partnership_id, name) VALUES ($1, 'Someone New')`, 0],
    ["a person's name and quiet hours changed", `UPDATE person SET name = name || ' (Leeds)', quiet_start_minute = 1140 WHERE id = ${PERSON(11)}`, 0],
    ["a time zone set to what it was", `UPDATE person SET time_zone = time_zone WHERE id = ${PERSON(12)}`, 0],
    ["an action retitled and its state changed", `UPDATE action SET title = title || '.', state = 'at_risk' WHERE id = ${ACTION}`, 0],
    ["a milestone done, snoozed and re-dated (the rest keeps these itself)", `UPDATE milestone SET done_at = now(), snooze_count = 1, due_date = date '2011-10-10' WHERE id = (SELECT min(m.id) FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1)`, 0],
  ] as [string, string, number?][])("%s", async (_what, text, expected = 1) => {
    const moved = await counted(text);
    expect(moved.other).toBe(0);
    if (expected === 0) expect(moved.leeds).toBe(0);
    else expect(moved.leeds).toBeGreaterThanOrEqual(1);
  });

  it("counts a person moved to another partnership in both", async () => {
    const before = { leeds: await version(leeds), other: await version(other) };
    await t.db.sql.query(`UPDATE person SET partnership_id = $2, email = NULL WHERE id = ${PERSON(13)}`, [leeds, other]);
    expect(await version(leeds)).toBeGreaterThan(before.leeds);
    expect(await version(other)).toBeGreaterThan(before.other);
  });

  it("counts a statement that adds many owners once, not once a row", async () => {
    const moved = await counted(
      `INSERT INTO action_owner (action_id, person_id, position) SELECT a.id, ${PERSON(1)}, 20 FROM action a JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1`,
    );
    expect(moved).toEqual({ leeds: 1, other: 0 });
  });

  it("leaves nothing behind when a partnership is deleted", async () => {
    const gone = await loadDemo(t.db);
    const loaded = await version(gone);
    // Loading a plan counts its owners, teams and roles, a statement at a time.
    expect(loaded).toBeGreaterThan(0);
    await t.db.sql.query(`UPDATE partnership SET region = 'scotland' WHERE id = $1`, [gone]);
    expect(await version(gone)).toBe(loaded + 1);
    await t.db.sql.query(`DELETE FROM partnership WHERE id = $1`, [gone]);
    expect(await t.db.sql.query(`SELECT 1 FROM nudge_hearers_version WHERE partnership_id = $1`, [gone])).toEqual([]);
  });
});
