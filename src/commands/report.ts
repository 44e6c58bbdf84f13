import { CurveError } from "../domain/errors.ts";
import type { ReportKind } from "../domain/reports/facts.ts";
import { documentReply } from "../domain/reports/sections.ts";
import type { Reply } from "../domain/reply.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext, CommandFamily, Subcommand } from "./context.ts";
import type { ReportDeps } from "./report-deps.ts";
import { buildReport } from "./report-store.ts";
import { schedule, SCHEDULE_USAGE } from "./report-schedule.ts";

export const REPORT_USAGE = {
  monthly: "/report monthly [plan] [period]   e.g. /report monthly cypp-2011-15 September 2011",
  quarterly: "/report quarterly [plan] [period]   e.g. /report quarterly Q2 2011/12",
  obsessions: "/report obsessions [plan]",
  indicators: "/report indicators [plan] [period]",
} as const;

export function reportDeps(ctx: CommandContext): ReportDeps {
  if (!ctx.reports) throw new CurveError("usage", "Reports are not available here.");
  return ctx.reports;
}

/** "[plan] [period]": a first word naming a plan is the plan; the rest (or all) is the period. */
export async function planAndPeriod(ctx: CommandContext, args: string, usage: string): Promise<{ planKey: string | null; period: string | null }> {
  const [word, rest] = firstWord(args);
  if (!word) return { planKey: null, period: null };
  const plans = await reportDeps(ctx).store.plans(ctx.partnershipId);
  const plan = plans.find((p) => p.key === word.toLowerCase());
  if (plan) return { planKey: plan.key, period: rest || null };
  if (/^[a-z]+(-[a-z0-9]+)+$/i.test(word) && !/^\d{4}-\d{2}$/.test(word)) {
    throw new CurveError("unknown_ref", `There is no plan "${word.slice(0, 40)}". Plans: ${plans.map((p) => p.key).join(", ") || "none yet"}.`, { hint: usage });
  }
  return { planKey: null, period: args.trim() };
}

function reportSubcommand(kind: ReportKind, summary: string): Subcommand {
  return {
    name: kind,
    usage: REPORT_USAGE[kind],
    summary,
    async run(ctx: CommandContext, args: string): Promise<Reply> {
      const { planKey, period } = await planAndPeriod(ctx, args, REPORT_USAGE[kind]);
      if (kind === "obsessions" && period) throw new CurveError("usage", "The Obsession Tracker is always the last seven days; give a plan or nothing.", { hint: REPORT_USAGE.obsessions });
      const built = await buildReport(reportDeps(ctx).store, ctx.partnershipId, kind, ctx.now, planKey, period);
      return documentReply(built.document);
    },
  };
}

import { linkSubcommand } from "./report-link.ts";

export const reportCommands: CommandFamily = {
  name: "report",
  summary: "What the board reads: exception reports, the indicator summary and the Weekly Obsession Tracker.",
  defaultSubcommand: "monthly",
  subcommands: [
    reportSubcommand("monthly", "The monthly exception report: exceptions first, then risks, changes, completed and nearing completion."),
    reportSubcommand("quarterly", "The quarterly report to scrutiny: the exception report for the last quarter, with every indicator."),
    reportSubcommand("obsessions", "The Weekly Obsession Tracker: how the three obsessions moved this week."),
    reportSubcommand("indicators", "How many indicators improved, on the baseline and on the previous period, each with its RAG."),
    { name: "schedule", changes: true, usage: SCHEDULE_USAGE, summary: "The reporting calendar: which report goes to which channel, when (coordinators).", run: schedule },
    linkSubcommand,
  ],
};
