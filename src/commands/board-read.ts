import type { BoardAsRead, BoardStore, ReportDeps } from "./report-deps.ts";
import type { ReportStore } from "./report-store.ts";
import type { RiskHomeRead, RiskRead, SubjectRead } from "./store.ts";

/**
 * The risk register bound to one invocation, as bindInsights binds the insights. With `found`
 * (what the invocation read ahead with the person for its RiskRead or RiskHomeRead `read`), the
 * risk, or where a new one goes, is answered from that read, and a change is planned from it
 * (BoardStore.once). For a ReportCalendarRead, the plans (`ReportStore.plans`) and the calendar
 * (`BoardStore.schedules`) are answered from that read likewise. A retry of a change never gets
 * here: dispatch.ts gives it its stored reply first.
 */
export function bindBoard(reports: ReportDeps, partnershipId: number, read: SubjectRead | null, found: BoardAsRead | undefined): ReportDeps {
  const inner = reports.board;
  if (!inner || !found) return reports;
  const byNumber = read && "risk" in read && found && "risk" in found ? { read: read as RiskRead, risk: found.risk } : null;
  const byHome = read && "riskHome" in read && found && "home" in found ? { read: read as RiskHomeRead, home: found.home } : null;
  const calendar = read && "reportCalendar" in read && found && "schedules" in found ? found : null;
  const board: BoardStore = Object.create(inner, {
    findRisk: {
      value: (asked: number, number: number) => (byNumber && asked === partnershipId && number === byNumber.read.risk ? Promise.resolve(byNumber.risk) : inner.findRisk(asked, number)),
    },
    findRiskHome: {
      value: (asked: number, typed: string) => (byHome && asked === partnershipId && typed === byHome.read.riskHome ? Promise.resolve(byHome.home) : inner.findRiskHome(asked, typed)),
    },
    soleRiskHome: {
      value: (asked: number) => (byHome && asked === partnershipId && byHome.read.riskHome === null ? Promise.resolve(byHome.home) : inner.soleRiskHome(asked)),
    },
    schedules: {
      value: (asked: number) => (calendar && asked === partnershipId ? Promise.resolve(calendar.schedules) : inner.schedules(asked)),
    },
    once: {
      value: ((ctx, work) => inner.once(ctx, work, found)) satisfies BoardStore["once"],
    },
  }) as BoardStore;
  if (!calendar) return { ...reports, board };
  const store: ReportStore = Object.create(reports.store, {
    plans: { value: (asked: number) => (asked === partnershipId ? Promise.resolve(calendar.plans) : reports.store.plans(asked)) },
  }) as ReportStore;
  return { ...reports, store, board };
}
