import { may } from "../../../domain/access.ts";
import { addDays, localDate } from "../../../domain/dates/calendar.ts";
import { describeAuditEvent } from "../../../domain/audit-sentence.ts";
import { composeDigest, type DigestPriority } from "../../../domain/digest.ts";
import { DUE_SOON_DAYS } from "../../../domain/milestone-status.ts";
import type { PersonRole } from "../../../domain/model.ts";
import type { Reply } from "../../../domain/reply.ts";
import { isWorkingDay } from "../../../domain/schedule/bank-holidays.ts";
import { localMoment, weekStart } from "../../../domain/schedule/zoned-time.ts";
import { insertDeliveries } from "../deliveries.ts";
import type { Queryable, SqlRunner } from "../sql-runner.ts";

interface DigestPerson {
  id: number;
  name: string;
  timeZone: string;
  digestWeekday: number;
  digestMinute: number;
  roles: PersonRole[];
}

interface DigestData {
  undelivered: { person: string; kind: string; reason: string; at: Date }[];
  priorities: Map<number, DigestPriority>;
  oversees: Map<number, number[]>;
  people: Map<number, DigestPerson>;
  lastDigest: Map<number, Date>;
}

const DAY = 86_400_000;
// The monthly report looks back a month; weekly digests filter this down per person.
const LOOKBACK_DAYS = 35;

/** Everything every digest of a partnership needs, in eight queries however many people there are. */
async function loadDigestData(db: Queryable, partnershipId: number, now: Date): Promise<DigestData> {
  const today = now.toISOString().slice(0, 10);
  const since = new Date(now.getTime() - LOOKBACK_DAYS * DAY);
  // A refreshed (closed) plan's items are left out: its open work moved to the new plan.
  const [priorities, roles, milestones, atRisk, changes, readings, people, undelivered] = await Promise.all([
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
    db.query<{ id: number; name: string; time_zone: string; digest_weekday: number; digest_minute: number; roles: PersonRole[]; last_digest: Date | null }>(
      `SELECT p.id, p.name, p.time_zone, p.digest_weekday, p.digest_minute, coalesce(p.roles::text[], '{}') AS roles,
         (SELECT max(d.sent_at) FROM delivery d WHERE d.person_id = p.id AND d.kind = 'digest' AND d.status = 'sent') AS last_digest
       FROM person p WHERE p.partnership_id = $1
         AND (coalesce(p.roles, '{}') && ARRAY['coordinator', 'board_member']::person_role[] OR EXISTS (SELECT 1 FROM priority_role r WHERE r.person_id = p.id))`,
      [partnershipId],
    ),
    db.query<{ person: string; kind: string; reason: string; at: Date }>(
      `SELECT p.name AS person, d.kind, coalesce(d.last_error, 'unknown') AS reason, d.created_at AS at FROM delivery d JOIN person p ON p.id = d.person_id
       WHERE d.partnership_id = $1 AND d.status = 'failed' AND d.created_at >= $2 ORDER BY d.created_at DESC LIMIT 200`,
      [partnershipId, since],
    ),
  ]);
  const data: DigestData = {
    undelivered: undelivered.map((u) => ({ ...u, at: new Date(u.at) })),
    priorities: new Map(),
    oversees: new Map(),
    people: new Map(),
    lastDigest: new Map(),
  };
  for (const p of priorities) {
    const label = `${p.number ? `${p.number}. ` : ""}${p.title}${p.obsession ? ` (obsession: ${p.obsession})` : ""}`;
    data.priorities.set(p.id, { id: p.id, label, overdue: [], atRisk: [], dueSoon: [], done: [], changes: [], indicators: [] });
  }
  for (const r of roles) data.oversees.set(r.person_id, [...(data.oversees.get(r.person_id) ?? []), r.priority_id]);
  for (const m of milestones) {
    const p = data.priorities.get(m.priority_id);
    if (!p) continue;
    if (m.done_at) p.done.push({ ref: m.ref, text: m.text, doneAt: new Date(m.done_at), doneBy: m.done_by, evidence: m.evidence });
    else if (m.due_date && m.due_date < today) p.overdue.push({ ref: m.ref, text: m.text, dueDate: m.due_date });
    else if (m.due_date) p.dueSoon.push({ ref: m.ref, text: m.text, dueDate: m.due_date });
  }
  for (const a of atRisk) data.priorities.get(a.priority_id)?.atRisk.push(a);
  for (const c of changes) {
    // The same sentence as /action history: the dates understood, never the phrase typed.
    const what = describeAuditEvent({ event: c.event, subjectRef: c.subject_ref, before: c.before, after: c.after, at: new Date(c.at) }, "Europe/London");
    data.priorities.get(c.priority_id)?.changes.push({ ref: c.subject_ref, what, at: new Date(c.at) });
  }
  const byIndicator = new Map<string, typeof readings>();
  for (const r of readings) byIndicator.set(r.code, [...(byIndicator.get(r.code) ?? []), r]);
  for (const rows of byIndicator.values()) {
    const [latest, previous] = [...rows].sort((a, b) => Number(a.rank) - Number(b.rank));
    data.priorities.get(latest!.priority_id)?.indicators.push({ code: latest!.code, name: latest!.name, polarity: latest!.polarity, latest: latest!.value, previous: previous?.value ?? null, period: latest!.period });
  }
  for (const p of people) {
    data.people.set(p.id, { id: p.id, name: p.name, timeZone: p.time_zone, digestWeekday: p.digest_weekday, digestMinute: p.digest_minute, roles: p.roles });
    if (p.last_digest) data.lastDigest.set(p.id, new Date(p.last_digest));
  }
  return data;
}

/** One person's digest from loaded data: their priorities (or, for the monthly report, all). */
function digestOf(data: DigestData, personId: number, now: Date, kind: "digest" | "report", scorecardUrl: string | null = null): Reply | null {
  const person = data.people.get(personId);
  if (!person) return null;
  const since = kind === "report" ? new Date(now.getTime() - 31 * DAY) : (data.lastDigest.get(personId) ?? new Date(now.getTime() - 7 * DAY));
  const ids = kind === "report" ? [...data.priorities.keys()] : (data.oversees.get(personId) ?? []);
  const today = localDate(now, person.timeZone);
  const priorities = ids
    .map((id) => data.priorities.get(id)!)
    .filter(Boolean)
    .map((p) => ({
      ...p,
      done: p.done.filter((m) => m.doneAt >= since),
      changes: p.changes.filter((c) => c.at >= since),
      // Split by the person's own local date, not the UTC date the data was loaded on.
      overdue: [...p.overdue, ...p.dueSoon].filter((m) => m.dueDate < today),
      dueSoon: [...p.overdue, ...p.dueSoon].filter((m) => m.dueDate >= today && m.dueDate <= addDays(today, DUE_SOON_DAYS)),
    }));
  const title = kind === "report" ? `Monthly monitoring report, ${today.slice(0, 7)}` : `Your weekly digest, ${person.name}`;
  const undelivered = may(person, "digest.undelivered").allowed ? data.undelivered.filter((u) => u.at >= since) : [];
  return composeDigest(priorities, { today, timeZone: person.timeZone, since, title, undelivered, scorecardUrl });
}

/** `curve digest --dry-run`: one person's digest as it would be sent at `now`. */
export async function previewDigest(sql: SqlRunner, partnershipId: number, personId: number, now: Date, scorecardUrl: string | null = null): Promise<Reply | null> {
  return digestOf(await loadDigestData(sql, partnershipId, now), personId, now, "digest", scorecardUrl);
}

/**
 * Enqueues each weekly digest whose local time has come this week, and the monthly report
 * on the first working day of the month; an empty one is recorded as not sent, so it is
 * decided once. Keys make a second run, or another instance, add nothing.
 */
export async function runDigestSweep(sql: SqlRunner, partnershipId: number, now: Date, scorecardUrl: string | null = null): Promise<{ enqueued: number; empty: number; queries: number }> {
  const data = await loadDigestData(sql, partnershipId, now);
  const rows: { personId: number; key: string; kind: string; payload: unknown; status: "pending" | "cancelled" }[] = [];
  for (const person of data.people.values()) {
    const local = localMoment(now, person.timeZone);
    if (data.oversees.has(person.id) && local.weekday === person.digestWeekday && local.minute >= person.digestMinute) {
      const key = `digest:person:${person.id}:${weekStart(local.date)}`;
      const digest = digestOf(data, person.id, now, "digest", scorecardUrl);
      rows.push({ personId: person.id, key, kind: "digest", payload: digest ?? {}, status: digest ? "pending" : "cancelled" });
    }
    const firstWorkingDay = (() => {
      let day = `${local.date.slice(0, 7)}-01`;
      while (!isWorkingDay(day)) day = addDays(day, 1);
      return day;
    })();
    if (may(person, "digest.monthly").allowed && local.date === firstWorkingDay && local.minute >= 9 * 60) {
      const report = digestOf(data, person.id, now, "report", scorecardUrl);
      rows.push({ personId: person.id, key: `report:person:${person.id}:${local.date.slice(0, 7)}`, kind: "report", payload: report ?? {}, status: report ? "pending" : "cancelled" });
    }
  }
  if (rows.length === 0) return { enqueued: 0, empty: 0, queries: 7 };
  const inserted = await insertDeliveries(
    sql,
    rows.map((r) => ({ partnershipId, ...r, dueAt: now, lastError: r.status === "cancelled" ? "nothing to report: not sent" : null })),
  );
  return { enqueued: inserted.filter((r) => r.status === "pending").length, empty: inserted.filter((r) => r.status === "cancelled").length, queries: 8 };
}
