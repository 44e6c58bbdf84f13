import type { DeleteQueryBuilder, InsertQueryBuilder, RawBuilder, SelectQueryBuilder, UpdateQueryBuilder } from "kysely";
import type { ChangeContext } from "../../commands/store.ts";
import type { AuditChange, ChangedRow, WithChanged } from "./audit.ts";
import type { NewDelivery } from "./deliveries.ts";
import type { DB } from "./kysely.ts";

// What every planner of a one-statement change shares (receipts.ts `changedOnce` sends what they
// plan): the planned change, the row an unchanged answer stands on, and the refusal that sends
// a change to a transaction. Planners are named after their data: milestone-changes.ts,
// team-changes.ts, risk-changes.ts and the others.

/**
 * A change ready to be one statement: an update that returns the id of the row it changed
 * (none when its guard fails), the audit event it writes, and any row that goes with it (an
 * action's note), inserted from `changed` so that it is written only when the change is.
 */
export interface PlannedChange {
  changed: ChangedRow | InsertedRow;
  audit: AuditChange;
  /** A row written with the change (an insert from `changed`, or an update guarded by it). */
  alongside?: (db: WithChanged) => InsertQueryBuilder<DB, any, any> | UpdateQueryBuilder<DB, any, any, any>;
  /**
   * When set, the audit event is written for the row inserted alongside (which must return its id), with that id in `after` under this name;
   * with no row alongside and `auditSubjectIsChanged`, the id `changed` returns is in `after` under this name (a schedule added).
   */
  auditIdAs?: string;
  /** When set, the audit event's subject is the row `changed` returns, by its id (a new row, whose id the plan cannot know: a risk or a person added). */
  auditSubjectIsChanged?: boolean;
  /** More rows the change writes, each only when `changed` returned its row (a signature's follow-ups cleared). */
  followedBy?: ((db: WithChanged) => UpdateQueryBuilder<DB & { changed: { id: number } }, any, any, any> | DeleteQueryBuilder<DB & { changed: { id: number } }, any, any> | InsertQueryBuilder<DB & { changed: { id: number } }, any, any>)[];
  /**
   * Every `followedBy` returns a row for each row `changed` returns (a new team's first member,
   * a new person's organisation): when one does not (a twin made that organisation at the same
   * moment), the whole statement is undone and the change decided again in a transaction (receipts.ts).
   */
  inFull?: true;
  /** Outbox rows the change writes beside its effects, only when `changed` returned its row (a new action's owner told). */
  deliveries?: NewDelivery[];
}

/**
 * A change that inserts its row (a reading for a period that had none): an insert that returns
 * the id of the row the change is about, none when its guard fails, given the condition its
 * SELECT must also hold (receipts.ts: the idempotency key still free).
 */
export type InsertedRow = (alsoWhere: RawBuilder<boolean>) => InsertQueryBuilder<DB, any, { id: number }>;

/** A planned change's statement, with `alsoWhere` added to its guard: for a WITH's `changed` (audit.ts, receipts.ts). */
export function guardedChange(change: ChangedRow | InsertedRow, alsoWhere: RawBuilder<boolean>): ChangedRow {
  // An insert's guard is its SELECT's WHERE; both return the id of the row the change is about.
  return (typeof change === "function" ? change(alsoWhere) : change.where(alsoWhere)) as unknown as ChangedRow;
}

/** A query that finds a row (its id) only while it is still as an answer read it. */
export type RowAsRead = SelectQueryBuilder<DB, any, { id: number }>;

/**
 * What a planner (`PlannedChanges`, indicator-changes.ts's `PlannedIndicatorChanges`,
 * pledge-changes.ts's `PlannedPledgeChanges`) leaves
 * for receipts.ts's `changedOnce` once the work has run against it: the one change it planned,
 * or, for an answer that changes nothing, the row that answer stands on.
 */
export interface ChangePlanner {
  planned: PlannedChange | null;
  unchangedAsRead: RowAsRead | null;
}

/** Thrown by `PlannedChanges` when the work asks for something only a transaction can decide or do. */
export class NeedsTransaction extends Error {
  constructor(what: string) {
    super(`${what} needs a transaction`);
    this.name = "NeedsTransaction";
  }
}

/**
 * What every planner keeps (`PlannedChanges`, indicator-changes.ts's `PlannedIndicatorChanges`):
 * the one change its work asked for, or the row an answer that changes nothing stands on. It
 * answers once: a work that asks twice needs a transaction.
 */
export abstract class OnePlannedChange implements ChangePlanner {
  /** The change to make; null when the work asked for none, or for one that changes nothing. */
  planned: PlannedChange | null = null;
  /**
   * For an answer that changes nothing ("already done"), the row as the answer read it: a
   * query that finds it only while it is still so. The answer is stored only if it does
   * (receipts.ts, `receiptOf`); otherwise the change is decided again on the locked row.
   */
  unchangedAsRead: RowAsRead | null = null;
  private answered = false;

  constructor(protected readonly ctx: ChangeContext) {}

  /** Answers once: a work that asks twice needs a transaction. */
  protected once(): void {
    if (this.answered) throw new NeedsTransaction("a second change");
    this.answered = true;
  }

  /** A change `planner` plans (one named after its data, e.g. person-settings.ts), taken as this one's answer. */
  protected async planBy<P extends OnePlannedChange, T>(planner: P, decide: (planner: P) => Promise<T>): Promise<T> {
    this.once();
    const outcome = await decide(planner);
    this.planned = planner.planned;
    this.unchangedAsRead = planner.unchangedAsRead;
    return outcome;
  }
}

/** A planner's method for a change only a transaction can make: it throws `NeedsTransaction`. */
export function transactionOnly(what: string): () => Promise<never> {
  return async () => {
    throw new NeedsTransaction(what);
  };
}
