import type { JobStore, NudgeSweepTx } from "../../jobs/ports.ts";
import { existingDeliveryKeys, insertDeliveries, pruneSettled } from "./deliveries.ts";
import { queryIndicators } from "./indicators.ts";
import { enqueueNudges, loadSweepData, loadSweepPeople, lockSweep, recordEscalations, recordRests, streamSweepData } from "./milestone-nudges.ts";
import type { Database } from "./open-database.ts";
import { askFollowUp, signaturesAwaitingFollowUp } from "./pledge-follow-ups.ts";
import { digestRecipients, loadDigestRows } from "./priority-progress.ts";
import { claimReportRun, reportRunExists, reportSchedules } from "./report-runs.ts";
import { risksDueForReview } from "./risks.ts";
import type { SqlTransaction } from "./sql-runner.ts";

/** A nudge sweep's reads and writes on one transaction's handle. */
function sweepTx(tx: SqlTransaction, hearersVersion: string): NudgeSweepTx {
  return {
    hearersVersion,
    sweepPeople: (partnershipId) => loadSweepPeople(tx, partnershipId),
    sweepData: (partnershipId, now, people, basis, start) => streamSweepData(tx, partnershipId, now, people, start, { rested: basis }),
    recordRests: (rests, basis, now, outOfDate) => recordRests(tx, rests, basis, now, outOfDate),
    enqueue: (rows) => insertDeliveries(tx, rows),
    enqueueNudges: (messages, now) => enqueueNudges(tx, messages, now),
    recordEscalations: (rows, now) => recordEscalations(tx, rows, now),
  };
}

/**
 * The scheduled jobs' port (src/jobs/ports.ts) on a database: raw SQL through `db.sql`
 * (pass a counting wrapper to measure a job), Prisma Client for the reporting calendar
 * and risks. Each method is one transaction at most.
 */
export function jobStoreOf(db: Pick<Database, "sql" | "prisma">): JobStore {
  return {
    sweepData: (partnershipId, now) => db.sql.transaction((tx) => loadSweepData(tx, partnershipId, now)),
    inNudgeSweep: (partnershipId, work) =>
      db.sql.transaction(async (tx) => {
        return work(sweepTx(tx, await lockSweep(tx, partnershipId)));
      }),
    enqueue: (rows) => insertDeliveries(db.sql, rows),
    digestRecipients: (partnershipId) => digestRecipients(db.sql, partnershipId),
    existingKeys: (keys) => existingDeliveryKeys(db.sql, keys),
    digestRows: (partnershipId, today, since) => loadDigestRows(db.sql, partnershipId, today, since),
    signaturesAwaitingFollowUp: (partnershipId, signedBefore) => signaturesAwaitingFollowUp(db.sql, partnershipId, signedBefore),
    askFollowUp: (ask, question) => askFollowUp(db.sql, ask, question),
    indicatorsExpectingReadings: (partnershipId) => queryIndicators(db.sql, { partnershipId, expectingReadings: true }),
    risksDueForReview: (partnershipId, today) => risksDueForReview(db.prisma, partnershipId, today),
    reportSchedules: (partnershipId) => reportSchedules(db.prisma, partnershipId),
    reportRunExists: (scheduleId, periodKey) => reportRunExists(db.prisma, scheduleId, periodKey),
    claimReportRun: (run, delivery) => claimReportRun(db.prisma, run, delivery),
    pruneSettledDeliveries: (before, limit) => pruneSettled(db.sql, before, limit),
  };
}
