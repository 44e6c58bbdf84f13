import type { RiskView } from "../commands/report-deps.ts";
import type { IndicatorView } from "../domain/indicators/types.ts";
import type { PersonRole } from "../domain/model.ts";
import type { MilestoneRest, NudgeItem, RaisedEscalation, SweepFacts, SweepInput, SweepMilestone } from "../domain/schedule/plan-nudges.ts";
import type { QuietRules } from "../domain/schedule/quiet-time.ts";
import type { Region } from "../domain/schedule/bank-holidays.ts";

/**
 * What the scheduled jobs read and write, and nothing else: the data layer implements it
 * (src/adapters/db/job-store.ts); the jobs decide with domain functions in between.
 */

/** A row for the outbox; `payload` is stored as JSON and `status` defaults to pending. */
export interface OutboxRow {
  partnershipId: number;
  personId: number;
  /** Deterministic and unique: a row whose key is already there is not added again. */
  key: string;
  kind: string;
  payload: unknown;
  dueAt: Date;
  /** Recorded but not sent: "failed" (could not be worked out) or "cancelled" (nothing to say). */
  status?: "pending" | "failed" | "cancelled";
  lastError?: string | null;
}

/** A person's nudge message for the outbox, with the stages it tells them of. */
export interface NudgeMessage extends OutboxRow {
  nudges: NudgeItem[];
}

/** An outbox row that an enqueue added. */
export interface EnqueuedRow {
  id: number;
  key: string;
  personId: number;
  status: string;
}

export interface Outbox {
  /** Adds the rows whose keys are new, in one statement; returns those it added. */
  enqueue(rows: readonly OutboxRow[]): Promise<EnqueuedRow[]>;
}

/** A nudge sweep's view of a partnership: the domain's input, with refs and names to show it. */
export interface SweepData {
  input: SweepInput;
  /** Milestone id -> ref (ATT-5.1). */
  refs: Map<number, string>;
  /** Person id -> name. */
  names: Map<number, string>;
}

/** A person as a sweep first reads them: when they may hear anything. */
export interface SweepPerson {
  id: number;
  name: string;
  coordinator: boolean;
  rules: QuietRules;
}

/**
 * What a sweep's rests (domain/schedule/plan-nudges.ts, MilestoneRest) are worked out from
 * besides each milestone itself: the count of changes to who would hear of the partnership's
 * milestones (as text, a bigint), and the bank holidays in use (BankHolidayCalendar.fingerprint).
 * A rest recorded under another basis is not trusted.
 */
export interface RestBasis {
  hearersVersion: string;
  calendar: string;
}

/** Inside one nudge sweep's transaction, which holds the partnership's sweep lock. */
export interface NudgeSweepTx extends Outbox {
  /** The count of changes to who would hear of the partnership's milestones (RestBasis.hearersVersion), read as the sweep's lock was taken, before anything else. */
  readonly hearersVersion: string;
  /** Everyone in the partnership, with their quiet rules. One query. */
  sweepPeople(partnershipId: number): Promise<SweepPerson[]>;
  /**
   * The rest of the sweep's input, for these people (read by sweepPeople): what is known
   * before any milestone is handed to `start`, and the function `start` returns is then
   * handed each batch of open milestones as it is read, so a city's milestones are never all
   * held at once. Milestones at rest under `basis` at `now` are not read. Returns each
   * milestone's ref and each person's name, and the milestones read whose rest something besides the passing of time made out of date.
   */
  sweepData(
    partnershipId: number,
    now: Date,
    people: SweepPerson[],
    basis: RestBasis,
    start: (facts: SweepFacts) => (batch: SweepMilestone[]) => void,
  ): Promise<Pick<SweepData, "refs" | "names"> & { outOfDate: number[] }>;
  /**
   * Records the rests of the sweep at `now` under `basis`, replacing those recorded before,
   * and deletes those of `outOfDate` (milestones read because something besides time changed under their rest, as
   * sweepData returned them) that are not renewed.
   */
  recordRests(rests: readonly MilestoneRest[], basis: RestBasis, now: Date, outOfDate: readonly number[]): Promise<void>;
  /**
   * Adds the messages whose keys are new, and records which stages reached whom in them
   * (milestone_nudge), at `now`, together; returns the rows added.
   */
  enqueueNudges(messages: readonly NudgeMessage[], now: Date): Promise<EnqueuedRow[]>;
  /** Escalations raised by the sweep, at `now`; one already raised is kept as it was. */
  recordEscalations(rows: RaisedEscalation[], now: Date): Promise<void>;
}

export interface NudgeSweepStore {
  /** The sweep's input, read outside any transaction (a preview). */
  sweepData(partnershipId: number, now: Date): Promise<SweepData>;
  /** Runs work in one transaction holding the partnership's sweep lock, so sweeps take turns. */
  inNudgeSweep<T>(partnershipId: number, work: (tx: NudgeSweepTx) => Promise<T>): Promise<T>;
}

/** The rows every digest of a partnership is made from (open plans only). */
export interface DigestRows {
  priorities: { id: number; number: number | null; title: string; obsession: string | null }[];
  /** Who leads or sponsors which priority. */
  roles: { personId: number; priorityId: number }[];
  /** Open milestones due up to 15 days after `today`, and those done since `since`. */
  milestones: { ref: string; text: string; dueDate: string | null; doneAt: Date | null; doneBy: string | null; evidence: string | null; priorityId: number }[];
  atRisk: { ref: string; title: string; state: "at_risk" | "off_track"; priorityId: number }[];
  /** milestone.dated and action.status events since `since`, oldest first. */
  changes: { event: string; subjectRef: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; at: Date; priorityId: number }[];
  /** Each indicator's latest two readings (rank 1 and 2), each with when it was recorded. */
  readings: { code: string; name: string; polarity: string; priorityId: number; value: number; period: string; recordedAt: Date; rank: number }[];
  /** Failed deliveries since `since`, newest first, at most 200. */
  undelivered: { person: string; kind: string; reason: string; at: Date }[];
}

/** Who may get a digest or the monthly report (coordinators, board members, and everyone who leads or sponsors a priority), with what decides when. */
export interface DigestRecipient {
  id: number;
  name: string;
  timeZone: string;
  digestWeekday: number;
  digestMinute: number;
  roles: PersonRole[];
  lastDigest: Date | null;
  /** Leads or sponsors a priority (so has a weekly digest). */
  oversees: boolean;
  /** Whose bank holidays they keep: their own region, else their partnership's (England and Wales when neither is set). */
  region?: Region;
}

export interface DigestStore extends Outbox {
  /** Coordinators, board members, and everyone who leads or sponsors a priority. One query. */
  digestRecipients(partnershipId: number): Promise<DigestRecipient[]>;
  /** Of these outbox keys, the ones already there, whatever their status. One query. */
  existingKeys(keys: readonly string[]): Promise<Set<string>>;
  /** `today` is the UTC date of `now`; `since` the start of the look-back. */
  digestRows(partnershipId: number, today: string, since: Date): Promise<DigestRows>;
}

/** A pledge signature with a follow-up still to ask (fewer than two stages recorded). */
export interface SignatureAwaitingFollowUp {
  id: number;
  personId: number;
  signedAt: Date;
  commitment: string;
  onBehalfOf: string;
  title: string;
  /** Stages already recorded, asked or skipped. */
  stages: number[];
}

export interface InsightReminderStore extends Outbox {
  /** Signatures (not withdrawn) signed on or before `signedBefore`, with a follow-up to ask. */
  signaturesAwaitingFollowUp(partnershipId: number, signedBefore: Date): Promise<SignatureAwaitingFollowUp[]>;
  /**
   * Records the stages skipped (never asked), the stage asked at `now`, and its question in
   * the outbox, in one transaction: both or neither. False when the stage was already asked.
   */
  askFollowUp(ask: { signatureId: number; stage: number; skipped: number[]; now: Date }, question: OutboxRow): Promise<boolean>;
  /** Indicators with a periodicity (readings expected), with owners and priority leads. */
  indicatorsExpectingReadings(partnershipId: number): Promise<IndicatorView[]>;
}

export interface RiskReviewStore extends Outbox {
  /** Open risks whose review date is on or before `today` (ISO date), by number. */
  risksDueForReview(partnershipId: number, today: string): Promise<RiskView[]>;
}

/** A report on the reporting calendar, as stored. */
export interface ReportScheduleRow {
  id: number;
  kind: string;
  rule: string;
  /** Minute of the day, Europe/London. */
  minute: number;
  planKey: string;
  channel: string;
  createdById: number;
  createdAt: Date;
  /** Whose bank holidays move its day: its partnership's region. */
  region: Region;
}

export interface ReportCalendarStore extends Outbox {
  reportSchedules(partnershipId: number): Promise<ReportScheduleRow[]>;
  /** Whether the schedule's period already has a run (sent or empty). */
  reportRunExists(scheduleId: number, periodKey: string): Promise<boolean>;
  /**
   * Claims the period's run (`report_run` is unique per schedule and period) and, with it,
   * enqueues `delivery` (null for an empty report), in one transaction. False when another
   * sweep claimed it first.
   */
  claimReportRun(run: { scheduleId: number; periodKey: string; sentOn: Date; empty: boolean }, delivery: OutboxRow | null): Promise<boolean>;
}

/** The outbox's retention: what has been settled long enough is deleted. */
export interface OutboxRetentionStore {
  /**
   * Deletes up to `limit` settled deliveries (sent, cancelled or failed) due before `before`,
   * with their nudge records: only of the kinds whose deletion can never let a message be sent
   * twice; never a pending or sending one. Returns how many. One statement.
   */
  pruneSettledDeliveries(before: Date, limit: number): Promise<number>;
}

/** Everything the scheduled jobs need: one implementation per database. */
export type JobStore = NudgeSweepStore & DigestStore & InsightReminderStore & RiskReviewStore & ReportCalendarStore & OutboxRetentionStore;
