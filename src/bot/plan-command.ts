import { parseArgs } from "node:util";
import { CurveError } from "../domain/errors.ts";
import type { Config } from "./config.ts";
import { readNowFlag } from "./now-flag.ts";
import { openRuntime } from "./runtime.ts";

const USAGE = 'Usage: curve plan refresh <plan> --to <new-plan-key> --period 2015-19 [--title "…"] [--dry-run] [--now TIME] [--partnership SLUG]';

/**
 * `curve plan refresh <plan> --to <new> --period P`: a coordinator's tool that refreshes a plan
 * into its successor (see adapters/db/plan-refresh.ts). `--now` (ISO 8601) is when the old plan
 * closes; the real clock otherwise. Exit 0 done (or nothing to do on a dry run), 1 refused
 * (unknown plan, target exists, bad period), 2 usage.
 */
export async function planCommand(args: string[], config: Config): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { to: { type: "string" }, period: { type: "string" }, title: { type: "string" }, "dry-run": { type: "boolean" }, now: { type: "string" }, partnership: { type: "string" } },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals[0] !== "refresh" || positionals.length !== 2 || !values.to || !values.period) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const now = values.now === undefined ? new Date() : readNowFlag(values.now);
  if (!now) {
    process.stderr.write("Give the time with --now as ISO 8601 with an offset, e.g. --now 2015-04-01T09:00:00+01:00\n");
    return 2;
  }
  const rt = await openRuntime(config, { migrate: true, holder: "curve plan refresh" });
  try {
    const all = await rt.db.prisma.partnership.findMany({ orderBy: { slug: "asc" } });
    const partnership = values.partnership ? all.find((p) => p.slug === values.partnership) : all.length === 1 ? all[0] : undefined;
    if (!partnership) {
      process.stderr.write(all.length === 0 ? "There is no plan to refresh yet: the database has no partnership.\n" : `Choose a partnership with --partnership: ${all.map((p) => p.slug).join(", ")}\n`);
      return 1;
    }
    const { refreshPlan } = await import("../adapters/db/plan-refresh.ts");
    let report;
    try {
      report = await refreshPlan(rt.db.prisma, {
        partnershipId: partnership.id,
        from: positionals[1]!,
        to: values.to,
        period: values.period,
        title: values.title,
        dryRun: Boolean(values["dry-run"]),
        now,
      });
    } catch (error) {
      if (error instanceof CurveError) {
        process.stderr.write(`${error.userMessage}\n`);
        return error.code === "usage" ? 2 : 1;
      }
      throw error;
    }
    const { to, from, carried, leftBehind } = report;
    const milestones = carried.reduce((n, c) => n + c.openMilestones, 0);
    process.stdout.write(
      `${report.dryRun ? "Would refresh" : "Refreshed"} ${from.key} into ${to.key} (${to.title}, ${to.period.start} to ${to.period.end}):\n` +
        `  ${report.outcomes} outcomes and ${report.priorities} priorities copied, with their CTB sponsors and leads\n` +
        `  ${carried.length} open actions carried over with ${milestones} open milestones: ${carried.map((c) => c.ref).join(", ") || "none"}\n` +
        `  ${leftBehind.length} done or dropped actions stay in ${from.key}${leftBehind.length ? `: ${leftBehind.join(", ")}` : ""}\n` +
        `  ${report.indicators.length} indicators moved to ${to.key} with their ${report.readings} readings${report.indicators.length ? `: ${report.indicators.join(", ")}` : ""}\n` +
        (report.dryRun ? "Nothing was written (dry run).\n" : `${from.key} is now closed to changes; it stays readable.\n`),
    );
    return 0;
  } finally {
    await rt.close();
  }
}
