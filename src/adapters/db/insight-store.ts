import type { PrismaClient } from "../../../generated/prisma/client.ts";
import type { FollowUpTally, InsightChanges, InsightStore, WorkshopView } from "../../commands/insight-store.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { IndicatorView } from "../../domain/indicators/types.ts";
import { displayName, type FollowUpAnswer, type PledgeView, type SignatureView } from "../../domain/pledges/pledge.ts";
import type { PledgeStats } from "../../domain/pledges/card.ts";
import type { Reply } from "../../domain/reply.ts";
import { SqlInsightChanges } from "./insight-changes.ts";
import { pledgeColumns, pledgeFromRow, queryIndicators, queryWorkshops, signatureFromRow, signatureQuery } from "./insight-queries.ts";
import { compileOnly as db, runCompiled } from "./kysely.ts";
import type { SqlRunner } from "./sql-runner.ts";
import { changeOnce } from "./receipts.ts";

const LATEST_SIGNERS = 5;

/** Card keys name what a channel card shows: "pledge:12". */
const pledgeIdOfCard = (key: string): number | null => {
  const m = /^pledge:(\d{1,9})$/.exec(key);
  return m ? Number(m[1]) : null;
};

/**
 * Indicators, OBA workshops and pledges in the database. Reads are typed Kysely queries
 * (insight-queries.ts), compiled and run through the driver, one statement each; changes run in one transaction with their audit events and the invocation's
 * receipt, exactly as PrismaStore.once does, so retries are answered once.
 */
export class SqlInsightStore implements InsightStore {
  constructor(
    // Kept for parity with PrismaStore; every query here goes through the driver.
    readonly prisma: PrismaClient,
    private readonly sql: SqlRunner,
  ) {}

  async findIndicator(partnershipId: number, code: string): Promise<IndicatorView | null> {
    const [found] = await queryIndicators(this.sql, { partnershipId, code });
    return found ?? null;
  }

  async indicatorById(partnershipId: number, id: number): Promise<IndicatorView | null> {
    const [found] = await queryIndicators(this.sql, { partnershipId, id });
    return found ?? null;
  }

  listIndicators(partnershipId: number): Promise<IndicatorView[]> {
    return queryIndicators(this.sql, { partnershipId });
  }

  async findWorkshop(partnershipId: number, id: number): Promise<WorkshopView | null> {
    const { items } = await queryWorkshops(this.sql, { partnershipId, id }, 1);
    return items[0] ?? null;
  }

  listWorkshops(partnershipId: number, indicatorId: number | null, limit: number) {
    return queryWorkshops(this.sql, indicatorId === null ? { partnershipId } : { partnershipId, indicatorId }, limit);
  }

  async findPledge(partnershipId: number, id: number): Promise<PledgeView | null> {
    const [row] = await runCompiled(this.sql, db.selectFrom("pledge").select(pledgeColumns).where("pledge.partnership_id", "=", partnershipId).where("pledge.id", "=", id));
    return row ? pledgeFromRow(row) : null;
  }

  async listPledges(partnershipId: number) {
    const rows = await runCompiled(
      this.sql,
      db
        .selectFrom("pledge")
        .select((eb) => [
          ...pledgeColumns(eb),
          eb
            .selectFrom("pledge_signature as s")
            .select((e) => e.fn.countAll().as("count"))
            .whereRef("s.pledge_id", "=", "pledge.id")
            .where("s.withdrawn_at", "is", null)
            .as("count"),
        ])
        .where("pledge.partnership_id", "=", partnershipId)
        .orderBy("pledge.id", "desc")
        .limit(100),
    );
    return rows.map((r) => ({ ...pledgeFromRow(r), count: Number(r.count) }));
  }

  async pledgeStats(pledgeId: number): Promise<PledgeStats> {
    const rows = await runCompiled(
      this.sql,
      signatureQuery()
        .select((eb) => eb.fn.countAll().over().as("total"))
        .where("s.pledge_id", "=", pledgeId)
        .where("s.withdrawn_at", "is", null)
        .orderBy("s.signed_at", "desc")
        .orderBy("s.id", "desc"),
    );
    const latest = rows.slice(0, LATEST_SIGNERS).map(signatureFromRow);
    return {
      count: Number(rows[0]?.total ?? 0),
      latestNamed: latest.filter((s) => s.isPublic).map(displayName),
      latestUnnamed: latest.filter((s) => !s.isPublic).length,
    };
  }

  async signatures(pledgeId: number): Promise<SignatureView[]> {
    const rows = await runCompiled(this.sql, signatureQuery().where("s.pledge_id", "=", pledgeId).where("s.withdrawn_at", "is", null).orderBy("s.signed_at").orderBy("s.id"));
    return rows.map(signatureFromRow);
  }

  async followUpTally(pledgeId: number): Promise<FollowUpTally[]> {
    const rows = await runCompiled(
      this.sql,
      db
        .selectFrom("pledge_follow_up as f")
        .innerJoin("pledge_signature as s", "s.id", "f.signature_id")
        .select((eb) => ["f.stage", "f.answer", eb.fn.countAll().as("count")])
        .where("s.pledge_id", "=", pledgeId)
        .where("f.asked_at", "is not", null)
        .groupBy(["f.stage", "f.answer"])
        .orderBy("f.stage")
        .orderBy("f.answer", (ob) => ob.nullsLast()),
    );
    return rows.map((r) => ({ stage: r.stage, answer: r.answer as FollowUpAnswer | null, count: Number(r.count) }));
  }

  async channelCardRef(partnershipId: number, key: string): Promise<string | null> {
    const id = pledgeIdOfCard(key);
    if (id === null) return null;
    const [row] = await runCompiled(this.sql, db.selectFrom("pledge").select("message_ref").where("id", "=", id).where("partnership_id", "=", partnershipId));
    return row?.message_ref ?? null;
  }

  async saveChannelCardRef(partnershipId: number, key: string, ref: string): Promise<boolean> {
    const id = pledgeIdOfCard(key);
    if (id === null) return false;
    const rows = await runCompiled(
      this.sql,
      db
        .updateTable("pledge")
        .set({ message_ref: ref })
        .where("id", "=", id)
        .where("partnership_id", "=", partnershipId)
        .where("message_ref", "is", null)
        .returning((eb) => eb.lit(1).as("saved")),
    );
    return rows.length === 1;
  }

  once(ctx: ChangeContext, work: (tx: InsightChanges) => Promise<Reply>): Promise<Reply> {
    return changeOnce(this.sql, ctx, (tx) => new SqlInsightChanges(tx, ctx), work);
  }
}
