import { CurveError } from "../domain/errors.ts";
import type { ReportKind } from "../domain/reports/facts.ts";
import { documentReply } from "../domain/reports/sections.ts";
import { context, reply, type Reply } from "../domain/reply.ts";
import { requirePermission } from "../domain/access.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext, CommandFamily, Subcommand } from "./context.ts";
import type { ReportDeps } from "./report-deps.ts";
import { buildReport } from "./report-store.ts";
import { schedule, SCHEDULE_USAGE } from "./report-schedule.ts";
import { linkSubcommand } from "./report-link.ts";

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


export const BOARD_PACK_USAGE = "/report board-pack [plan] [period] [xlsx|pdf]   e.g. /report board-pack cypp-2011-15 September 2011 pdf";

/**
 * `/report board-pack`: the board pack as a file for the person who asked (coordinators, admins
 * and board members). It holds private data, so the reply is private: Slack uploads the file
 * into the asker's direct messages (Teams and the shell point to the command line for now).
 */
export async function boardPack(ctx: CommandContext, args: string): Promise<Reply> {
  requirePermission(ctx.actor, "report.board_pack");
  const words = args.trim().split(/\s+/).filter(Boolean);
  const last = words[words.length - 1]?.toLowerCase();
  const format = last === "pdf" || last === "xlsx" ? last : "xlsx";
  if (last === "pdf" || last === "xlsx") words.pop();
  const { planKey, period } = await planAndPeriod(ctx, words.join(" "), BOARD_PACK_USAGE);
  // Built now so that a bad period is refused here, not when the file is fetched.
  const built = await buildReport(reportDeps(ctx).store, ctx.partnershipId, "monthly", ctx.now, planKey, period);
  const filename = `board-pack-${planKey ?? "all-plans"}-${built.report!.window.periodLabel.toLowerCase().replace(/[^a-z0-9]+/g, "-")}.${format}`;
  return {
    ...reply("info", `Board pack: ${built.document.title}`, [context(`${built.document.headline} The file holds every exception, indicator, action and risk, and is for you alone: in Slack it arrives in your direct messages, in Teams as a download link that works for a week, and on the command line with curve report board-pack.`)]),
    private: true,
    file: { key: boardPackKey({ planKey, period, format, at: ctx.now }), filename, title: built.document.title },
  };
}

/** What a board pack file is, so an adapter can build it when it sends it: "board-pack|<plan>|<period>|<format>|<ISO time>". */
export function boardPackKey(pack: { planKey: string | null; period: string | null; format: "xlsx" | "pdf"; at: Date }): string {
  return ["board-pack", pack.planKey ?? "", pack.period ?? "", pack.format, pack.at.toISOString()].join("|");
}

// A key holds only what boardPackKey writes: a plan key, a period as typed, a format and an instant.
const KEY_PLAN = /^[a-z0-9][a-z0-9-]{0,79}$/;
const KEY_PERIOD = /^[^\p{Cc}\p{Cs}]{1,60}$/u;
const KEY_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * What a board pack key says, or null when any part of it is not what boardPackKey writes
 * (a key arrives in an address, so anything may be in it): five parts, a plan key or
 * nothing, a period of at most 60 characters or nothing, xlsx or pdf, and an instant written
 * as toISOString writes one, from 1970 to 9999.
 */
export function readBoardPackKey(key: string): { planKey: string | null; period: string | null; format: "xlsx" | "pdf"; at: Date } | null {
  const parts = key.split("|");
  if (parts.length !== 5) return null;
  const [kind, planKey, period, format, at] = parts as [string, string, string, string, string];
  if (kind !== "board-pack" || (format !== "xlsx" && format !== "pdf")) return null;
  if ((planKey && !KEY_PLAN.test(planKey)) || (period && !KEY_PERIOD.test(period))) return null;
  if (!KEY_INSTANT.test(at)) return null;
  const instant = new Date(at);
  // 2011-02-30T… parses as 2 March: only an instant that reads back the same is one.
  if (Number.isNaN(instant.getTime()) || instant.toISOString() !== at || instant.getUTCFullYear() < 1970) return null;
  return { planKey: planKey || null, period: period || null, format, at: instant };
}

export const reportCommands: CommandFamily = {
  name: "report",
  summary: "What the board reads: exception reports, the indicator summary and the Weekly Obsession Tracker.",
  defaultSubcommand: "monthly",
  subcommands: [
    reportSubcommand("monthly", "The monthly exception report: exceptions first, then risks, changes, completed and nearing completion."),
    reportSubcommand("quarterly", "The quarterly report to scrutiny: the exception report for the last quarter, with every indicator."),
    reportSubcommand("obsessions", "The Weekly Obsession Tracker: how the three obsessions moved this week."),
    reportSubcommand("indicators", "How many indicators improved, on the baseline and on the previous period, each with its RAG."),
    { name: "board-pack", usage: BOARD_PACK_USAGE, summary: "The board pack as a file, sent to you alone (coordinators, admins, board members).", run: (ctx, args) => boardPack(ctx, args) },
    { name: "schedule", changes: true, reads: () => ({ reportCalendar: true }), usage: SCHEDULE_USAGE, summary: "The reporting calendar: which report goes to which channel, when (coordinators).", run: schedule },
    linkSubcommand,
  ],
};
