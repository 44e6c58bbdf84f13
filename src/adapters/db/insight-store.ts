import type { FollowUpTally, InsightChanges, InsightReadAhead, InsightStore, WorkshopView } from "../../commands/insight-store.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { IndicatorView } from "../../domain/indicators/types.ts";
import type { PledgeView, SignatureView } from "../../domain/pledges/pledge.ts";
import type { PledgeStats } from "../../domain/pledges/card.ts";
import type { Reply } from "../../domain/reply.ts";
import { SqlInsightChanges } from "./insight-changes.ts";
import { queryIndicators } from "./indicators.ts";
import { findPledge, followUpTally, listPledges, pledgeMessageRef, pledgeStats, savePledgeMessageRef, signatures, signaturesBy } from "./pledges.ts";
import { PlannedIndicatorChanges } from "./indicator-changes.ts";
import { PlannedPledgeChanges } from "./pledge-changes.ts";
import { changedOnce } from "./receipts.ts";
import type { Database } from "./open-database.ts";
import type { OutboxSignal } from "./outbox-signal.ts";
import type { SqlRunner, SqlTransaction } from "./sql-runner.ts";
import { queryWorkshops } from "./workshops.ts";
import { PlannedWorkshopChanges } from "./workshop-changes.ts";
import { PlannedWorkshopLog } from "./workshop-log-changes.ts";
import type { ChangePlanner } from "./change-planner.ts";

/** Card keys name what a channel card shows: "pledge:12". */
const pledgeIdOfCard = (key: string): number | null => {
  const m = /^pledge:(\d{1,9})$/.exec(key);
  return m ? Number(m[1]) : null;
};

/**
 * Indicators, OBA workshops and pledges in the database. Reads are typed Kysely queries in
 * the modules named after their data (indicators.ts, workshops.ts, pledges.ts), run through
 * the driver, one statement each; changes are made once per idempotency key with their audit
 * events and the invocation's receipt, as PrismaStore.once makes them, so retries are answered once.
 */
export class SqlInsightStore implements InsightStore {
  private readonly sql: SqlRunner;
  private readonly outbox: OutboxSignal | undefined;

  /** `database.outbox`, when given, hears of each change that put rows in the outbox (a workshop's new owners told). */
  constructor(database: Pick<Database, "sql"> & Partial<Pick<Database, "outbox">>) {
    this.sql = database.sql;
    this.outbox = database.outbox;
  }

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

  findPledge(partnershipId: number, id: number): Promise<PledgeView | null> {
    return findPledge(this.sql, partnershipId, id);
  }

  listPledges(partnershipId: number) {
    return listPledges(this.sql, partnershipId);
  }

  pledgeStats(pledgeId: number): Promise<PledgeStats> {
    return pledgeStats(this.sql, pledgeId);
  }

  signatures(pledgeId: number): Promise<SignatureView[]> {
    return signatures(this.sql, pledgeId);
  }

  signaturesBy(pledgeId: number, personId: number): Promise<SignatureView[]> {
    return signaturesBy(this.sql, pledgeId, personId);
  }

  followUpTally(pledgeId: number): Promise<FollowUpTally[]> {
    return followUpTally(this.sql, pledgeId);
  }

  async channelCardRef(partnershipId: number, key: string): Promise<string | null> {
    const id = pledgeIdOfCard(key);
    return id === null ? null : pledgeMessageRef(this.sql, partnershipId, id);
  }

  async saveChannelCardRef(partnershipId: number, key: string, ref: string): Promise<boolean> {
    const id = pledgeIdOfCard(key);
    return id === null ? false : savePledgeMessageRef(this.sql, partnershipId, id, ref);
  }

  /**
   * A change as ONE statement with its audit event and receipt when it can be: a signature, its
   * withdrawal or a follow-up's answer planned from the pledge or question read ahead
   * (`read`, pledge-changes.ts); a new pledge planned from the pledges of its title and the id
   * drawn for it (`read.newPledge`, likewise); an indicator's reading or setting planned from the indicator as
   * the command read it (indicator-changes.ts); a workshop's notes planned from the workshop read
   * ahead (`read.workshop`, workshop-changes.ts). Any other change, or one whose subject moved on
   * since it was read, is made in a transaction (receipts.ts, `changedOnce`). `work` may run twice.
   */
  once(ctx: ChangeContext, work: (tx: InsightChanges) => Promise<Reply>, read?: InsightReadAhead): Promise<Reply> {
    const bind = (tx: SqlTransaction, enqueued: (rows: number) => void) => new SqlInsightChanges(tx, ctx, enqueued);
    return changedOnce<InsightChanges>(this.sql, ctx, plannerFor(ctx, read), bind, work, this.outbox);
  }
}

/**
 * The planner for a change, by what its invocation read ahead (`InsightReadAhead`): a
 * workshop's changes from the workshop (workshop-changes.ts), a workshop logged from the
 * asker's workshops on the indicator (workshop-log-changes.ts), a new pledge, a signature, its
 * withdrawal or an answer from the pledges, pledge or question read (pledge-changes.ts), and an indicator's changes from the
 * indicator as the command reads it (indicator-changes.ts) when nothing was read ahead.
 */
function plannerFor(ctx: ChangeContext, read: InsightReadAhead | undefined): InsightChanges & ChangePlanner {
  if (read?.workshop) return new PlannedWorkshopChanges(ctx, read.workshop);
  if (read?.logged) return new PlannedWorkshopLog(ctx, read.logged);
  if (read?.pledge || read?.followUp || read?.newPledge) return new PlannedPledgeChanges(ctx, read);
  return new PlannedIndicatorChanges(ctx);
}
