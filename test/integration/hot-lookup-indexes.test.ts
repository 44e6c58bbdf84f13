import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileOnly } from "../../src/adapters/db/kysely.ts";
import { sentStagesQuery } from "../../src/adapters/db/milestone-nudges.ts";
import { personByIdentityQuery } from "../../src/adapters/db/people.ts";
import { ownedActionIds } from "../../src/adapters/db/view-queries.ts";
import { generatePartnership, type GeneratedPartnership } from "../../bench/generate.ts";
import { kindsUnderTest, openTestDatabase, type TestDatabase } from "../support/databases.ts";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  Plans?: PlanNode[];
}

const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

/**
 * Every hot lookup runs on an index at city scale: 10,000 actions, 40,000 milestones,
 * 2,000 people in 200 teams, nine in ten past milestones done, a tenth of the actions owned by a team, every person with a
 * Slack identity. The plans are PostgreSQL's own (EXPLAIN, after ANALYZE), so a dropped
 * index, or a query rewritten so that its index no longer serves it, fails here.
 */
describe.each(kindsUnderTest())("hot lookups on %s use their indexes at 10,000 actions", (kind) => {
  let t: TestDatabase;
  let city: GeneratedPartnership;
  let somePerson: number;

  async function plan(text: string, values: readonly unknown[]): Promise<PlanNode[]> {
    const [row] = await t.db.sql.query<{ "QUERY PLAN": [{ Plan: PlanNode }] | string }>(`EXPLAIN (FORMAT JSON) ${text}`, [...values]);
    const explained = row!["QUERY PLAN"];
    const parsed = typeof explained === "string" ? (JSON.parse(explained) as [{ Plan: PlanNode }]) : explained;
    return nodes(parsed[0].Plan);
  }

  const scans = (all: PlanNode[], table: string) => all.filter((n) => n["Relation Name"] === table);

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    city = await generatePartnership(t.db.sql, `indexes-${kind}-${Date.now().toString(36)}`);
    const p = city.partnershipId;
    await t.db.sql.query(`INSERT INTO team (partnership_id, name) SELECT $1, 'Team ' || g FROM generate_series(1, 200) g`, [p]);
    await t.db.sql.query(
      `INSERT INTO team_member (team_id, person_id)
       SELECT te.id, pe.id FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM person WHERE partnership_id = $1) pe
       JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM team WHERE partnership_id = $1) te ON te.rn = ((pe.rn - 1) % 200) + 1`,
      [p],
    );
    await t.db.sql.query(
      `INSERT INTO action_owner (action_id, team_id, position)
       SELECT a.id, te.id, 1 FROM (SELECT a.id, row_number() OVER (ORDER BY a.id) AS rn FROM action a JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1) a
       JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM team WHERE partnership_id = $1) te ON te.rn = ((a.rn / 10) % 200) + 1
       WHERE a.rn % 10 = 0`,
      [p],
    );
    await t.db.sql.query(
      `INSERT INTO platform_identity (person_id, platform, tenant, user_id) SELECT id, 'slack', 'T-CITY', 'U' || id FROM person WHERE partnership_id = $1`,
      [p],
    );
    // As in a plan under way: nine in ten milestones due before the sweep's day are done.
    await t.db.sql.query(
      `UPDATE milestone m SET done_at = m.due_date FROM action a JOIN plan pl ON pl.id = a.plan_id
       WHERE a.id = m.action_id AND pl.partnership_id = $1 AND m.due_date < date '2026-11-01' AND m.id % 10 <> 0`,
      [p],
    );
    // A year of weekly overdue nudges: the 10,000 milestones due before the sweep's day, each to
    // one person a week, all but the last week's long past the nine days a sweep reads.
    await t.db.sql.query(
      `INSERT INTO delivery (partnership_id, person_id, key, kind, payload, status, due_at)
       SELECT $1, id, 'bench-nudge:' || id, 'nudge', '{}'::jsonb, 'sent', now() FROM person WHERE partnership_id = $1`,
      [p],
    );
    await t.db.sql.query(
      `INSERT INTO milestone_nudge (milestone_id, person_id, stage, stage_date, delivery_id)
       SELECT m.id, d.person_id, 'overdue', date '2026-11-30' - 7 * w, d.id
       FROM (SELECT m.id, row_number() OVER (ORDER BY m.id) AS rn FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id
             WHERE pl.partnership_id = $1 AND m.due_date < date '2026-11-01' LIMIT 10000) m
       JOIN (SELECT id, person_id, row_number() OVER (ORDER BY id) - 1 AS rn FROM delivery WHERE partnership_id = $1) d ON d.rn = m.rn % 2000
       CROSS JOIN generate_series(0, 51) w`,
      [p],
    );
    const [person] = await t.db.sql.query<{ id: number }>(`SELECT id FROM person WHERE partnership_id = $1 ORDER BY id OFFSET 700 LIMIT 1`, [p]);
    somePerson = person!.id;
    await t.db.sql.query(`ANALYZE`);
  }, 300_000);
  afterAll(async () => t?.close());

  it("finds the person behind a platform identity, with their teams, without scanning a table", async () => {
    const compiled = personByIdentityQuery(t.db.kysely, city.partnershipId, { platform: "slack", tenant: "T-CITY", userId: `U${somePerson}` }).compile();
    const all = await plan(compiled.sql, compiled.parameters);
    expect(scans(all, "platform_identity").map((n) => n["Index Name"])).toEqual(["platform_identity_platform_tenant_user_id_key"]);
    const members = scans(all, "team_member");
    expect(members.length).toBeGreaterThan(0);
    for (const scan of members) expect(scan["Index Name"], JSON.stringify(scan)).toBe("team_member_person_id_idx");
    expect(all.filter((n) => n["Node Type"] === "Seq Scan")).toEqual([]);
  });

  it("finds the actions a person owns, directly and through their teams, on action_owner's and team_member's indexes", async () => {
    const query = compileOnly.selectFrom(ownedActionIds(somePerson).as("o")).select("o.action_id").compile();
    const all = await plan(query.sql, query.parameters);
    const indexes = all.map((n) => n["Index Name"]).filter(Boolean);
    expect(indexes).toEqual(expect.arrayContaining(["action_owner_person_id_idx", "action_owner_team_id_idx", "team_member_person_id_idx"]));
    expect(all.filter((n) => n["Node Type"] === "Seq Scan")).toEqual([]);
  });

  it("lists a team's actions on action_owner's team index", async () => {
    const [team] = await t.db.sql.query<{ id: number }>(`SELECT id FROM team WHERE partnership_id = $1 ORDER BY id LIMIT 1`, [city.partnershipId]);
    const all = await plan(`SELECT ao.action_id FROM action_owner ao WHERE ao.team_id = $1`, [team!.id]);
    // A plain index scan, or a bitmap scan whose index part names the index.
    expect(scans(all, "action_owner").filter((n) => n["Node Type"] === "Seq Scan")).toEqual([]);
    expect(all.map((n) => n["Index Name"]).filter(Boolean)).toEqual(["action_owner_team_id_idx"]);
  });

  it("reads the stages sent about a sweep's batch of milestones in the last nine days on milestone_nudge's key (milestone, stage date, …), not every nudge ever sent", async () => {
    const batch = await t.db.sql.query<{ milestone_id: number }>(`SELECT DISTINCT milestone_id FROM milestone_nudge ORDER BY milestone_id LIMIT 2000`);
    const compiled = sentStagesQuery(batch.map((r) => r.milestone_id), "2026-11-21").compile();
    const all = await plan(compiled.sql, compiled.parameters);
    expect(all.filter((n) => n["Node Type"] === "Seq Scan")).toEqual([]);
    const probes = all.filter((n) => n["Index Name"]);
    expect(probes.map((n) => n["Index Name"])).toEqual(["milestone_nudge_pkey"]);
    // By milestone and stage date, not every stage the milestone ever had, filtered.
    expect(probes[0]!["Index Cond"]).toMatch(/milestone_id = .*stage_date >= /);
    // Two of each milestone's 52 weekly nudges fall in the nine days.
    const [sent] = await t.db.sql.query<{ n: number | string }>(`SELECT count(*) AS n FROM (${compiled.sql}) s`, [...compiled.parameters]);
    expect(Number(sent!.n)).toBe(4_000);
  });

  it("finds a delivery's nudge records on milestone_nudge's delivery index, as deleting the delivery does", async () => {
    const [delivery] = await t.db.sql.query<{ id: number }>(`SELECT id FROM delivery WHERE partnership_id = $1 ORDER BY id LIMIT 1`, [city.partnershipId]);
    const all = await plan(`SELECT 1 FROM milestone_nudge WHERE delivery_id = $1`, [delivery!.id]);
    // A plain index scan, or a bitmap scan whose index part names the index.
    expect(all.filter((n) => n["Node Type"] === "Seq Scan")).toEqual([]);
    expect(all.map((n) => n["Index Name"]).filter(Boolean)).toEqual(["milestone_nudge_delivery_id_idx"]);
  });

  it("finds the open milestones due by a date on the open-milestones index", async () => {
    const all = await plan(`SELECT m.id, m.action_id FROM milestone m WHERE m.done_at IS NULL AND m.due_date <= $1::date`, ["2026-11-30"]);
    // A plain index scan, or a bitmap scan whose index part names the index.
    expect(all.filter((n) => n["Node Type"] === "Seq Scan")).toEqual([]);
    expect(all.map((n) => n["Index Name"]).filter(Boolean)).toEqual(["milestone_done_at_due_date_idx"]);
  });
});
