import type { PrismaClient } from "../../../generated/prisma/client.ts";
import type { FollowUpTally, InsightChanges, InsightStore, WorkshopView } from "../../commands/insight-store.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { IndicatorView } from "../../domain/indicators/types.ts";
import { displayName, type FollowUpAnswer, type PledgeView, type SignatureView } from "../../domain/pledges/pledge.ts";
import type { PledgeStats } from "../../domain/pledges/card.ts";
import type { Reply } from "../../domain/reply.ts";
import { SqlInsightChanges } from "./insight-changes.ts";
import { PLEDGE_COLUMNS, SIGNATURE_SELECT, pledgeFromRow, queryIndicators, queryWorkshops, signatureFromRow, type PledgeRow, type SignatureRow } from "./insight-queries.ts";
import type { SqlRunner } from "./sql-runner.ts";
import { changeOnce } from "./receipts.ts";

const LATEST_SIGNERS = 5;

/** Card keys name what a channel card shows: "pledge:12". */
const pledgeIdOfCard = (key: string): number | null => {
  const m = /^pledge:(\d{1,9})$/.exec(key);
  return m ? Number(m[1]) : null;
};

/**
 * Indicators, OBA workshops and pledges in the database. Reads are raw SQL through the
 * driver; changes run in one transaction with their audit events and the invocation's
 * receipt, exactly as PrismaStore.once does, so retries are answered once.
 */
export class SqlInsightStore implements InsightStore {
  constructor(
    // Kept for parity with PrismaStore; every query here goes through the driver.
    readonly prisma: PrismaClient,
    private readonly sql: SqlRunner,
  ) {}

  async findIndicator(partnershipId: number, code: string): Promise<IndicatorView | null> {
    const [found] = await queryIndicators(this.sql, `i.partnership_id = $1 AND upper(i.code) = upper($2)`, [partnershipId, code]);
    return found ?? null;
  }

  async indicatorById(partnershipId: number, id: number): Promise<IndicatorView | null> {
    const [found] = await queryIndicators(this.sql, `i.partnership_id = $1 AND i.id = $2`, [partnershipId, id]);
    return found ?? null;
  }

  listIndicators(partnershipId: number): Promise<IndicatorView[]> {
    return queryIndicators(this.sql, `i.partnership_id = $1`, [partnershipId]);
  }

  async findWorkshop(partnershipId: number, id: number): Promise<WorkshopView | null> {
    const { items } = await queryWorkshops(this.sql, `w.partnership_id = $1 AND w.id = $2`, [partnershipId, id], 1);
    return items[0] ?? null;
  }

  listWorkshops(partnershipId: number, indicatorId: number | null, limit: number) {
    return indicatorId === null
      ? queryWorkshops(this.sql, `w.partnership_id = $1`, [partnershipId], limit)
      : queryWorkshops(this.sql, `w.partnership_id = $1 AND w.indicator_id = $2`, [partnershipId, indicatorId], limit);
  }

  async findPledge(partnershipId: number, id: number): Promise<PledgeView | null> {
    const [row] = await this.sql.query<PledgeRow>(`SELECT ${PLEDGE_COLUMNS} FROM pledge p WHERE p.partnership_id = $1 AND p.id = $2`, [partnershipId, id]);
    return row ? pledgeFromRow(row) : null;
  }

  async listPledges(partnershipId: number) {
    const rows = await this.sql.query<PledgeRow & { count: number | string }>(
      `SELECT ${PLEDGE_COLUMNS}, (SELECT count(*) FROM pledge_signature s WHERE s.pledge_id = p.id AND s.withdrawn_at IS NULL) AS count
       FROM pledge p WHERE p.partnership_id = $1 ORDER BY p.id DESC LIMIT 100`,
      [partnershipId],
    );
    return rows.map((r) => ({ ...pledgeFromRow(r), count: Number(r.count) }));
  }

  async pledgeStats(pledgeId: number): Promise<PledgeStats> {
    const rows = await this.sql.query<SignatureRow & { total: number | string }>(
      `${SIGNATURE_SELECT.replace("SELECT", "SELECT count(*) OVER () AS total,")} WHERE s.pledge_id = $1 AND s.withdrawn_at IS NULL
       ORDER BY s.signed_at DESC, s.id DESC`,
      [pledgeId],
    );
    const latest = rows.slice(0, LATEST_SIGNERS).map(signatureFromRow);
    return {
      count: Number(rows[0]?.total ?? 0),
      latestNamed: latest.filter((s) => s.isPublic).map(displayName),
      latestUnnamed: latest.filter((s) => !s.isPublic).length,
    };
  }

  async signatures(pledgeId: number): Promise<SignatureView[]> {
    const rows = await this.sql.query<SignatureRow>(`${SIGNATURE_SELECT} WHERE s.pledge_id = $1 AND s.withdrawn_at IS NULL ORDER BY s.signed_at, s.id`, [pledgeId]);
    return rows.map(signatureFromRow);
  }

  async followUpTally(pledgeId: number): Promise<FollowUpTally[]> {
    const rows = await this.sql.query<{ stage: number; answer: FollowUpAnswer | null; count: number | string }>(
      `SELECT f.stage, f.answer, count(*) AS count FROM pledge_follow_up f JOIN pledge_signature s ON s.id = f.signature_id
       WHERE s.pledge_id = $1 AND f.asked_at IS NOT NULL GROUP BY f.stage, f.answer ORDER BY f.stage, f.answer NULLS LAST`,
      [pledgeId],
    );
    return rows.map((r) => ({ stage: r.stage, answer: r.answer, count: Number(r.count) }));
  }

  async channelCardRef(partnershipId: number, key: string): Promise<string | null> {
    const id = pledgeIdOfCard(key);
    if (id === null) return null;
    const [row] = await this.sql.query<{ message_ref: string | null }>(`SELECT message_ref FROM pledge WHERE id = $1 AND partnership_id = $2`, [id, partnershipId]);
    return row?.message_ref ?? null;
  }

  async saveChannelCardRef(partnershipId: number, key: string, ref: string): Promise<boolean> {
    const id = pledgeIdOfCard(key);
    if (id === null) return false;
    const rows = await this.sql.query(`UPDATE pledge SET message_ref = $3 WHERE id = $1 AND partnership_id = $2 AND message_ref IS NULL RETURNING 1`, [id, partnershipId, ref]);
    return rows.length === 1;
  }

  once(ctx: ChangeContext, work: (tx: InsightChanges) => Promise<Reply>): Promise<Reply> {
    return changeOnce(this.sql, ctx, (tx) => new SqlInsightChanges(tx, ctx), work);
  }
}
