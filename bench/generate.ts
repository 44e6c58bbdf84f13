import { refreshPlannerStatistics } from "../src/adapters/db/maintenance.ts";
import type { SqlRunner } from "../src/adapters/db/sql-runner.ts";

export interface GeneratedPartnership {
  partnershipId: number;
  slug: string;
  people: number;
  actions: number;
  milestones: number;
}

/**
 * A partnership at city scale: 2,000 people, 10,000 actions each with an owner and
 * 4 milestones (40,000), due dates spread over two years around the benchmark's "now";
 * then its planner statistics are refreshed, as `curve import` does after loading a plan.
 */
export async function generatePartnership(sql: SqlRunner, slug: string, size = { people: 2000, actions: 10_000, perAction: 4 }): Promise<GeneratedPartnership> {
  const [partnership] = await sql.query<{ id: number }>(`INSERT INTO partnership (slug, name) VALUES ($1, $2) RETURNING id`, [slug, `Generated ${slug}`]);
  const p = partnership!.id;
  const [plan] = await sql.query<{ id: number }>(
    `INSERT INTO plan (partnership_id, key, title, kind) VALUES ($1, 'generated', 'Generated plan', 'children_and_young_peoples_plan') RETURNING id`,
    [p],
  );
  const planId = plan!.id;
  await sql.query(
    `INSERT INTO person (partnership_id, name, email) SELECT $1, 'Person ' || g, 'person' || g || '@example.org' FROM generate_series(1, $2::int) g`,
    [p, size.people],
  );
  await sql.query(`INSERT INTO priority (plan_id, number, title, ref_prefix) SELECT $1, g, 'Priority ' || g, 'GEN' FROM generate_series(1, 20) g`, [planId]);
  await sql.query(
    `INSERT INTO priority_role (priority_id, person_id, role)
     SELECT pr.id, pe.id, CASE WHEN pe.rn <= 20 THEN 'sponsor'::priority_role_kind ELSE 'lead'::priority_role_kind END
     FROM (SELECT id, number FROM priority WHERE plan_id = $1) pr
     JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM person WHERE partnership_id = $2) pe
       ON pe.rn = pr.number OR pe.rn = pr.number + 20`,
    [planId, p],
  );
  await sql.query(
    `INSERT INTO action (plan_id, priority_id, ref, title, targeting)
     SELECT $1, pr.id, 'GEN-' || g, 'Generated action ' || g, 'City wide'
     FROM generate_series(1, $2::int) g JOIN priority pr ON pr.plan_id = $1 AND pr.number = (g % 20) + 1`,
    [planId, size.actions],
  );
  await sql.query(
    `INSERT INTO action_owner (action_id, person_id)
     SELECT a.id, pe.id
     FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM action WHERE plan_id = $1) a
     JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM person WHERE partnership_id = $2) pe
       ON pe.rn = ((a.rn - 1) % $3) + 1`,
    [planId, p, size.people],
  );
  await sql.query(
    `INSERT INTO milestone (action_id, ref, position, text, due_precision, due_date, updated_at)
     SELECT a.id, a.ref || '.' || s, s, 'Step ' || s || ' of ' || a.ref, 'month'::due_precision,
            date '2026-01-01' + ((a.id * 7 + s * 31) % 730), now()
     FROM action a, generate_series(1, $2::int) s WHERE a.plan_id = $1`,
    [planId, size.perAction],
  );
  // As `curve import` leaves a plan it loaded: with the planner's statistics up to date.
  await refreshPlannerStatistics(sql);
  return { partnershipId: p, slug, people: size.people, actions: size.actions, milestones: size.actions * size.perAction };
}
