import type { PersonRole } from "../../domain/model.ts";
import type { DigestRecipient, DigestRows } from "../../jobs/ports.ts";
import type { Queryable } from "./sql-runner.ts";

/**
 * What every digest of a partnership is made from, in seven queries however many people
 * there are (see DigestRows). `today` is an ISO date; refreshed (closed) plans are left out,
 * their open work having moved to the new plan.
 */
export async function loadDigestRows(db: Queryable, partnershipId: number, today: string, since: Date): Promise<DigestRows> {
  const [priorities, roles, milestones, atRisk, changes, readings, undelivered] = await Promise.all([
    db.query<{ id: number; number: number | null; title: string; obsession: string | null; plan: string }>(
      `SELECT pr.id, pr.number, pr.title, pr.obsession, pl.title AS plan FROM priority pr JOIN plan pl ON pl.id = pr.plan_id WHERE pl.partnership_id = $1 AND pl.closed_at IS NULL ORDER BY pl.id, pr.kind, pr.number`,
      [partnershipId],
    ),
    db.query<{ person_id: number; priority_id: number }>(
      `SELECT DISTINCT r.person_id, r.priority_id FROM priority_role r JOIN person p ON p.id = r.person_id WHERE p.partnership_id = $1`,
      [partnershipId],
    ),
    db.query<{ ref: string; text: string; due_date: string | null; done_at: Date | null; done_by: string | null; evidence: string | null; priority_id: number }>(
      `SELECT m.ref, m.text, m.due_date::text AS due_date, m.done_at, pe.name AS done_by, m.evidence, a.priority_id
       FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id LEFT JOIN person pe ON pe.id = m.done_by_id
       WHERE pl.partnership_id = $1 AND pl.closed_at IS NULL AND a.priority_id IS NOT NULL AND a.state NOT IN ('done', 'dropped')
         -- A person's local date can be a day ahead of UTC's (Pacific/Auckland): load one day more.
         AND ((m.done_at IS NULL AND m.due_date <= $2::date + 15) OR m.done_at >= $3)
       ORDER BY m.due_date NULLS LAST, m.id`,
      [partnershipId, today, since],
    ),
    db.query<{ ref: string; title: string; state: "at_risk" | "off_track"; priority_id: number }>(
      `SELECT a.ref, a.title, a.state::text AS state, a.priority_id FROM action a JOIN plan pl ON pl.id = a.plan_id
       WHERE pl.partnership_id = $1 AND pl.closed_at IS NULL AND a.state IN ('at_risk', 'off_track') AND a.priority_id IS NOT NULL ORDER BY a.id`,
      [partnershipId],
    ),
    db.query<{ event: string; subject_ref: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; at: Date; priority_id: number }>(
      `SELECT e.event, e.subject_ref, e.before, e.after, e.at, a.priority_id FROM audit_event e JOIN action a ON a.id = e.action_id JOIN plan pl ON pl.id = a.plan_id
       WHERE e.partnership_id = $1 AND pl.closed_at IS NULL AND e.at >= $2 AND e.event IN ('milestone.dated', 'action.status') AND a.priority_id IS NOT NULL ORDER BY e.at`,
      [partnershipId, since],
    ),
    db.query<{ code: string; name: string; polarity: string; priority_id: number; value: number; period: string; rank: number | string }>(
      `SELECT * FROM (SELECT i.code, i.name, i.polarity::text AS polarity, i.priority_id, r.value, r.period,
         row_number() OVER (PARTITION BY i.id ORDER BY r.period_end DESC) AS rank
         FROM indicator i JOIN indicator_reading r ON r.indicator_id = i.id WHERE i.partnership_id = $1 AND i.priority_id IS NOT NULL AND r.value IS NOT NULL) x WHERE rank <= 2`,
      [partnershipId],
    ),
    db.query<{ person: string; kind: string; reason: string; at: Date }>(
      `SELECT p.name AS person, d.kind, coalesce(d.last_error, 'unknown') AS reason, d.created_at AS at FROM delivery d JOIN person p ON p.id = d.person_id
       WHERE d.partnership_id = $1 AND d.status = 'failed' AND d.created_at >= $2 ORDER BY d.created_at DESC LIMIT 200`,
      [partnershipId, since],
    ),
  ]);
  return {
    priorities,
    roles: roles.map((r) => ({ personId: r.person_id, priorityId: r.priority_id })),
    milestones: milestones.map((m) => ({ ref: m.ref, text: m.text, dueDate: m.due_date, doneAt: m.done_at ? new Date(m.done_at) : null, doneBy: m.done_by, evidence: m.evidence, priorityId: m.priority_id })),
    atRisk: atRisk.map((a) => ({ ref: a.ref, title: a.title, state: a.state, priorityId: a.priority_id })),
    changes: changes.map((c) => ({ event: c.event, subjectRef: c.subject_ref, before: c.before, after: c.after, at: new Date(c.at), priorityId: c.priority_id })),
    readings: readings.map((r) => ({ code: r.code, name: r.name, polarity: r.polarity, priorityId: r.priority_id, value: r.value, period: r.period, rank: Number(r.rank) })),
    undelivered: undelivered.map((u) => ({ ...u, at: new Date(u.at) })),
  };
}

/**
 * Who may get a digest or the monthly report: coordinators, board members, and everyone who
 * leads or sponsors a priority, with their digest day and minute and their last digest sent.
 * One query; a sweep reads this first and the rest only when someone is due.
 */
export async function digestRecipients(db: Queryable, partnershipId: number): Promise<DigestRecipient[]> {
  const rows = await db.query<{ id: number; name: string; time_zone: string; digest_weekday: number; digest_minute: number; roles: PersonRole[]; last_digest: Date | null; oversees: boolean }>(
    `SELECT p.id, p.name, p.time_zone, p.digest_weekday, p.digest_minute, coalesce(p.roles::text[], '{}') AS roles,
       (SELECT max(d.sent_at) FROM delivery d WHERE d.person_id = p.id AND d.kind = 'digest' AND d.status = 'sent') AS last_digest,
       EXISTS (SELECT 1 FROM priority_role r WHERE r.person_id = p.id) AS oversees
     FROM person p WHERE p.partnership_id = $1
       AND (coalesce(p.roles, '{}') && ARRAY['coordinator', 'board_member']::person_role[] OR EXISTS (SELECT 1 FROM priority_role r WHERE r.person_id = p.id))`,
    [partnershipId],
  );
  return rows.map((p) => ({
    id: p.id,
    name: p.name,
    timeZone: p.time_zone,
    digestWeekday: p.digest_weekday,
    digestMinute: p.digest_minute,
    roles: p.roles,
    lastDigest: p.last_digest ? new Date(p.last_digest) : null,
    oversees: p.oversees,
  }));
}
