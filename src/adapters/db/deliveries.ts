import type { KyselyDb } from "./kysely.ts";

export interface FailedDeliveryRow {
  id: number;
  person: string;
  kind: string;
  platform: string | null;
  lastError: string | null;
  at: Date;
}

/**
 * Every failed delivery of a partnership, newest first, with the person's name. For
 * `/curve deliveries failed`; the command orders and pages them. Capped at `limit` rows.
 */
export async function failedDeliveries(db: KyselyDb, partnershipId: number, limit = 1000): Promise<FailedDeliveryRow[]> {
  const rows = await db
    .selectFrom("delivery as d")
    .innerJoin("person as p", "p.id", "d.person_id")
    .select(["d.id", "p.name", "d.kind", "d.platform", "d.last_error", "d.created_at", "d.due_at"])
    .where("d.partnership_id", "=", partnershipId)
    .where("d.status", "=", "failed")
    .orderBy("d.due_at", "desc")
    .orderBy("d.id", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, person: r.name, kind: r.kind, platform: r.platform ? String(r.platform) : null, lastError: r.last_error, at: new Date(r.due_at) }));
}
