import { asRegion, type Region } from "../../../domain/schedule/bank-holidays.ts";
import type { Queryable } from "../sql-runner.ts";

/** The outbox's table operations. Rows move pending -> sending -> sent | failed | cancelled. */
export interface ClaimedDelivery {
  id: number;
  partnershipId: number;
  personId: number;
  key: string;
  kind: string;
  payload: unknown;
  attempts: number;
}

/** A worker that dies mid-send leaves rows "sending"; after this long another worker takes them. */
export const LEASE_MS = 2 * 60_000;

/**
 * Claims due rows for one worker. SKIP LOCKED lets several workers (on several instances)
 * claim at once without waiting on, or taking, each other's rows.
 */
export async function claimDue(db: Queryable, worker: string, now: Date, limit: number): Promise<ClaimedDelivery[]> {
  const rows = await db.query<{ id: number; partnership_id: number; person_id: number; key: string; kind: string; payload: unknown; attempts: number }>(
    `UPDATE delivery d SET status = 'sending', claimed_by = $1, claimed_at = $2, attempts = d.attempts + 1
     FROM (SELECT id FROM delivery
           WHERE (status = 'pending' AND due_at <= $2) OR (status = 'sending' AND claimed_at < $3)
           ORDER BY due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) c
     WHERE d.id = c.id
     RETURNING d.id, d.partnership_id, d.person_id, d.key, d.kind, d.payload, d.attempts`,
    [worker, now, new Date(now.getTime() - LEASE_MS), limit],
  );
  return rows.map((r) => ({ id: r.id, partnershipId: r.partnership_id, personId: r.person_id, key: r.key, kind: r.kind, payload: r.payload, attempts: r.attempts }));
}

/**
 * Gives rows this worker claimed but has not finished back to the outbox, as they were
 * (pending, same due time, the attempt not counted), so another worker or instance sends
 * them. Used when curve serve stops. Returns how many it released.
 */
export async function releaseClaims(db: Queryable, worker: string, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db.query<{ id: number }>(
    `UPDATE delivery SET status = 'pending', claimed_by = NULL, claimed_at = NULL, attempts = greatest(attempts - 1, 0)
     WHERE id = ANY($1::int[]) AND status = 'sending' AND claimed_by = $2 RETURNING id`,
    [ids, worker],
  );
  return rows.length;
}

export async function markSent(db: Queryable, id: number, platform: string, messageRef: string, at: Date): Promise<void> {
  await db.query(`UPDATE delivery SET status = 'sent', platform = $2::platform, message_ref = $3, sent_at = $4, last_error = NULL WHERE id = $1`, [id, platform, messageRef, at]);
}

/** Back to pending, to be tried again at `dueAt` (quiet time, a transient failure, Retry-After). */
export async function postpone(db: Queryable, id: number, dueAt: Date, reason: string | null): Promise<void> {
  await db.query(`UPDATE delivery SET status = 'pending', due_at = $2, last_error = $3, claimed_by = NULL, claimed_at = NULL WHERE id = $1`, [id, dueAt, reason]);
}

export async function markFailed(db: Queryable, id: number, reason: string): Promise<void> {
  await db.query(`UPDATE delivery SET status = 'failed', last_error = $2 WHERE id = $1`, [id, reason]);
}

export async function markCancelled(db: Queryable, id: number, reason: string): Promise<void> {
  await db.query(`UPDATE delivery SET status = 'cancelled', last_error = $2 WHERE id = $1`, [id, reason]);
}

/** The person's last nudge on a platform, which a new nudge replaces in place. */
export async function previousNudgeRef(db: Queryable, personId: number, platform: string): Promise<string | null> {
  const [row] = await db.query<{ message_ref: string }>(
    `SELECT message_ref FROM delivery WHERE person_id = $1 AND kind = 'nudge' AND status = 'sent' AND platform = $2::platform AND message_ref IS NOT NULL
     ORDER BY sent_at DESC LIMIT 1`,
    [personId, platform],
  );
  return row?.message_ref ?? null;
}

export interface Recipient {
  timeZone: string;
  quietStartMinute: number;
  quietEndMinute: number;
  preferredPlatform: string | null;
  platforms: string[];
  /** Their bank holidays: their own region, else their partnership's. */
  region?: Region;
}

export async function recipient(db: Queryable, personId: number): Promise<Recipient | null> {
  const [row] = await db.query<{ time_zone: string; quiet_start_minute: number; quiet_end_minute: number; preferred_platform: string | null; platforms: string[]; region: string | null }>(
    `SELECT p.time_zone, p.quiet_start_minute, p.quiet_end_minute, p.preferred_platform::text AS preferred_platform,
       coalesce(p.region, (SELECT pa.region FROM partnership pa WHERE pa.id = p.partnership_id)) AS region,
       coalesce((SELECT array_agg(DISTINCT pi.platform::text) FROM platform_identity pi WHERE pi.person_id = p.id), '{}') AS platforms
     FROM person p WHERE p.id = $1`,
    [personId],
  );
  return row
    ? {
        timeZone: row.time_zone,
        quietStartMinute: row.quiet_start_minute,
        quietEndMinute: row.quiet_end_minute,
        preferredPlatform: row.preferred_platform,
        platforms: row.platforms,
        ...(asRegion(row.region) ? { region: asRegion(row.region)! } : {}),
      }
    : null;
}
