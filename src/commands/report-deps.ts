import type { ReportStore } from "./report-store.ts";

/** Reports, risks and the reporting calendar, as the commands see them. */
export interface ReportDeps {
  store: ReportStore;
}
