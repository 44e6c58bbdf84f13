import type { PrismaClient } from "../../../generated/prisma/client.ts";
import type { ReportStore } from "../../commands/report-store.ts";
import { lastReportSent, loadReportFacts, reportPlans } from "./reports.ts";

/** Reports' reads through Prisma Client's typed API. */
export function createReportStore(prisma: PrismaClient): ReportStore {
  return {
    plans: async (partnershipId) => (await reportPlans(prisma, partnershipId, null)) ?? [],
    facts: (partnershipId, planKey, since, until) => loadReportFacts(prisma, partnershipId, planKey, since, until),
    lastSent: (partnershipId, planKey, kind, now) => lastReportSent(prisma, partnershipId, planKey, kind, now),
  };
}
