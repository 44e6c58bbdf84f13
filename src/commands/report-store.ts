import { CurveError } from "../domain/errors.ts";
import { composeExceptionReport, type ExceptionReport } from "../domain/reports/exception-report.ts";
import type { ReportFacts, ReportKind } from "../domain/reports/facts.ts";
import { composeObsessionTracker, type ObsessionTracker } from "../domain/reports/obsession-tracker.ts";
import { exceptionReportDocument, obsessionTrackerDocument, type ReportDocument } from "../domain/reports/sections.ts";
import { REPORT_TIME_ZONE, reportDay, reportWindow } from "../domain/reports/window.ts";

export { REPORT_TIME_ZONE };

/** What reports read from storage (src/adapters/db/reports.ts). */
export interface ReportStore {
  plans(partnershipId: number): Promise<{ key: string; title: string }[]>;
  /** Null when the plan key is unknown. */
  facts(partnershipId: number, planKey: string | null, since: Date, until: Date): Promise<ReportFacts | null>;
  /** When this report last went out on the calendar, before `now`. */
  lastSent(partnershipId: number, planKey: string | null, kind: ReportKind, now: Date): Promise<Date | null>;
}

export interface BuiltReport {
  document: ReportDocument;
  /** The exception report behind it (absent for the Obsession Tracker). */
  report: ExceptionReport | null;
  tracker: ObsessionTracker | null;
  /** What it was built from (the board pack draws the indicators' charts from it). */
  facts: ReportFacts;
}

/**
 * Builds a report of `kind` at `now`, for one plan or all, optionally for a period as typed.
 * `sentFor` (ISO, the first day of a calendar period) is for scheduled reports: the report is
 * the one due in that period (the month or quarter before it, the week it begins), even when
 * it goes out in the next. Errors (unknown plan, bad period) are CurveErrors with a sentence
 * for the person.
 */
export async function buildReport(store: ReportStore, partnershipId: number, kind: ReportKind, now: Date, planKey: string | null, period: string | null, sentFor?: string): Promise<BuiltReport> {
  const today = reportDay(now);
  const last = period ? null : await store.lastSent(partnershipId, planKey, kind, now);
  const window = reportWindow(kind, now, today, period, last, sentFor);
  if (!window.ok) throw new CurveError("bad_date", window.error.message, { hint: "/report monthly [plan] [period], e.g. /report monthly cypp-2011-15 September 2011" });
  const facts = await store.facts(partnershipId, planKey, window.value.since, window.value.until);
  if (!facts) {
    const plans = await store.plans(partnershipId);
    throw new CurveError("unknown_ref", `There is no plan "${planKey}". Plans: ${plans.map((p) => p.key).join(", ") || "none yet"}.`, { hint: "/report monthly [plan] [period]" });
  }
  if (kind === "obsessions") {
    const tracker = composeObsessionTracker(facts, window.value);
    return { document: obsessionTrackerDocument(tracker), report: null, tracker, facts };
  }
  const report = composeExceptionReport(facts, window.value);
  return { document: exceptionReportDocument(report), report, tracker: null, facts };
}
