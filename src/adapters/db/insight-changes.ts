import type { InsightChanges, NewAction, NewPledgeRow, RecordedAction, WorkshopView } from "../../commands/insight-store.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { IndicatorView } from "../../domain/indicators/types.ts";
import type { FollowUpAnswer, PledgeView, Signing } from "../../domain/pledges/pledge.ts";
import type { Reply } from "../../domain/reply.ts";
import { insertDeliveries } from "./deliveries.ts";
import { decidedOnLocked } from "./indicator-changes.ts";
import type { NewReading } from "./indicators.ts";
import { answerFollowUp, createPledge, sign, withdraw } from "./pledges.ts";
import type { SqlTransaction } from "./sql-runner.ts";
import { addWorkshopNotes, createAction, createWorkshop, readWorkshop, sameDayWorkshops, type WorkshopNotes } from "./workshops.ts";

/**
 * The writes for indicators, workshops and pledges inside the invocation's transaction, each
 * with its audit event: the statements are typed Kysely queries in the modules named after the
 * data they touch (indicators.ts, workshops.ts, pledges.ts), and outbox rows go through
 * deliveries.ts's writer. The row a change depends on is locked first (the indicator, the plan
 * whose refs are numbered, the pledge whose count is reported), so concurrent changes queue.
 */
export class SqlInsightChanges implements InsightChanges {
  /** `enqueued` hears how many outbox rows each change here added (receipts.ts, `changeOnce`). */
  constructor(
    private readonly tx: SqlTransaction,
    private readonly ctx: ChangeContext,
    private readonly enqueued: (rows: number) => void = () => undefined,
  ) {}

  // An indicator's changes are decided on the indicator locked and read again, by the planner
  // that plans them as one statement (indicator-changes.ts), so both ways follow the same rules.
  recordReading(indicator: IndicatorView, reading: NewReading) {
    return decidedOnLocked(this.tx, this.ctx, indicator, (planner, current) => planner.recordReading(current, reading));
  }

  setTolerance(indicator: IndicatorView, tolerance: number | null) {
    return decidedOnLocked(this.tx, this.ctx, indicator, (planner, current) => planner.setTolerance(current, tolerance));
  }

  setTarget(indicator: IndicatorView, target: { value: number; dueDate: string; text: string | null }) {
    return decidedOnLocked(this.tx, this.ctx, indicator, (planner, current) => planner.setTarget(current, target));
  }

  setForecast(indicator: IndicatorView, forecast: { periodEnd: string; value: number }[]) {
    return decidedOnLocked(this.tx, this.ctx, indicator, (planner, current) => planner.setForecast(current, forecast));
  }

  setPeriodicity(indicator: IndicatorView, periodicity: string) {
    return decidedOnLocked(this.tx, this.ctx, indicator, (planner, current) => planner.setPeriodicity(current, periodicity));
  }

  setOwner(indicator: IndicatorView, owner: { id: number; name: string }) {
    return decidedOnLocked(this.tx, this.ctx, indicator, (planner, current) => planner.setOwner(current, owner));
  }

  sameDayWorkshops(indicator: IndicatorView, heldOn: string): Promise<WorkshopView[]> {
    return sameDayWorkshops(this.tx, this.ctx, indicator, heldOn);
  }

  createWorkshop(indicator: IndicatorView, heldOn: string, notes: WorkshopNotes): Promise<number> {
    return createWorkshop(this.tx, this.ctx, indicator, heldOn, notes);
  }

  /** The workshop as this transaction sees it, locked until it ends when `lock`. Throws when it is not the partnership's. */
  readWorkshop(workshopId: number, lock = false): Promise<WorkshopView> {
    return readWorkshop(this.tx, this.ctx.partnershipId, workshopId, lock);
  }

  addWorkshopNotes(workshopId: number, notes: WorkshopNotes): Promise<WorkshopView> {
    return addWorkshopNotes(this.tx, this.ctx, workshopId, notes);
  }

  createAction(workshopId: number, action: NewAction): Promise<RecordedAction> {
    return createAction(this.tx, this.ctx, workshopId, action);
  }

  createPledge(pledge: NewPledgeRow): Promise<{ created: boolean; pledge: PledgeView }> {
    return createPledge(this.tx, this.ctx, pledge);
  }

  sign(pledge: PledgeView, signing: Signing) {
    return sign(this.tx, this.ctx, pledge, signing);
  }

  withdraw(pledge: PledgeView, onBehalfOf: string) {
    return withdraw(this.tx, this.ctx, pledge, onBehalfOf);
  }

  answerFollowUp(signatureId: number, stage: number, answer: FollowUpAnswer) {
    return answerFollowUp(this.tx, this.ctx, signatureId, stage, answer);
  }

  async enqueueDelivery(delivery: { personId: number; key: string; kind: string; payload: Reply; dueAt: Date }): Promise<boolean> {
    const added = (await insertDeliveries(this.tx, [{ partnershipId: this.ctx.partnershipId, ...delivery }])).length;
    this.enqueued(added);
    return added === 1;
  }
}
