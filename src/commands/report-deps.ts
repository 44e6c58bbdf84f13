import type { ClosedPlan } from "../domain/plan-refresh.ts";
import type { ReportStore } from "./report-store.ts";
import type { ChangeContext } from "./store.ts";
import type { Person } from "../domain/model.ts";
import type { Reply } from "../domain/reply.ts";
import type { Region } from "../domain/schedule/bank-holidays.ts";

/** A risk as the commands see it. */
export interface RiskView {
  id: number;
  number: number;
  planKey: string;
  priority: { id: number; label: string; sponsors: { id: number; name: string }[]; leads: { id: number; name: string }[] } | null;
  description: string;
  owner: { id: number; name: string };
  likelihood: number;
  impact: number;
  mitigation: string | null;
  /** ISO date. */
  reviewDate: string;
  closedAt: Date | null;
  closedReason: string | null;
}

export interface NewRisk {
  planId: number;
  priorityId: number | null;
  description: string;
  ownerId: number;
  likelihood: number;
  impact: number;
  mitigation: string | null;
  reviewDate: string;
}

export interface RiskReview {
  likelihood: number;
  impact: number;
  mitigation: string | null;
  reviewDate: string;
  note: string | null;
}

export interface ScheduleView {
  id: number;
  planKey: string;
  kind: string;
  rule: string;
  minute: number;
  channel: string;
  channelName: string;
  createdById: number;
}

/** Where a risk can belong: a plan, and optionally one of its priorities. */
export interface RiskHome {
  planId: number;
  planKey: string;
  priority: RiskView["priority"];
  /** Set when the plan was refreshed: closed to changes, risks included. */
  closedPlan?: ClosedPlan | null;
}

/**
 * A risk change's read, made with the person asking (store.ts, `RiskRead`, `RiskHomeRead`): for a
 * review or a closing, the risk of that number (null when there is none); for an add, where the
 * risk goes (null when the line names nowhere), the risks open there (by number), the
 * partnership's highest risk number (0 for none) and the people the owner's name finds.
 */
export type RiskAsRead = { risk: RiskView | null } | { home: RiskHome | null; open: RiskView[]; last: number; people: Person[] };

/**
 * The reporting calendar's read, made with the person asking (store.ts, `ReportCalendarRead`):
 * the partnership's plans as `ReportStore.plans` gives them and its schedules as
 * `BoardStore.schedules` gives them, for /report schedule to answer and change from.
 */
export interface CalendarAsRead {
  plans: { key: string; title: string }[];
  schedules: (ScheduleView & { region: Region })[];
}

/** What a change to the board read ahead with the person asking: a risk's, or the calendar's. */
export type BoardAsRead = RiskAsRead | CalendarAsRead;

/** Reads and writes for risks, tolerances and the calendar. */
export interface BoardStore {
  findRisk(partnershipId: number, number: number): Promise<RiskView | null>;
  listRisks(partnershipId: number, filter: { planKey?: string; priorityId?: number; open: boolean }): Promise<RiskView[]>;
  /** A plan key, a priority's ref prefix (ATT) or an action ref (ATT-4): where a risk belongs. */
  findRiskHome(partnershipId: number, typed: string): Promise<RiskHome | null>;
  /** The only plan, when the partnership has one. */
  soleRiskHome(partnershipId: number): Promise<RiskHome | null>;
  /** The reporting calendar, oldest first, each with the partnership's region (whose bank holidays move its days). */
  schedules(partnershipId: number): Promise<(ScheduleView & { region: Region })[]>;
  indicatorLeads(indicatorId: number): Promise<{ id: number; name: string }[]>;
  /**
   * The change once per idempotency key, with the invocation's receipt and the audit events: a
   * retry gets the first reply. With `read` (what the invocation read ahead), a risk's or the
   * calendar's change is one statement planned from it, and decided again in a transaction when
   * the risk or schedule moved on; without, one transaction. `work` may run twice.
   */
  once(ctx: ChangeContext, work: (tx: BoardChanges) => Promise<Reply>, read?: BoardAsRead): Promise<Reply>;
}

export interface BoardChanges {
  /**
   * A new risk, numbered next in the partnership; or, when an open risk of the same plan and
   * priority already says the same (sameRiskWords, domain/typed-text.ts), that one, unchanged (`created` false).
   */
  addRisk(risk: NewRisk): Promise<{ risk: RiskView; created: boolean }>;
  reviewRisk(risk: RiskView, review: RiskReview): Promise<RiskView>;
  closeRisk(risk: RiskView, reason: string): Promise<boolean>;
  saveSchedule(schedule: Omit<ScheduleView, "id" | "createdById">): Promise<{ created: boolean; before: ScheduleView | null }>;
  removeSchedule(schedule: ScheduleView): Promise<void>;
}

/** Reports, risks and the reporting calendar, as the commands see them. */
export interface ReportDeps {
  store: ReportStore;
  board?: BoardStore;
}
