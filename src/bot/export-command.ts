import { parseArgs } from "node:util";
import type { Config } from "./config.ts";
import { openRuntime } from "./runtime.ts";

const USAGE = "Usage: curve export [PLAN] --xlsx FILE [--partnership SLUG]";

/**
 * `curve export [plan] --xlsx FILE`: the plans in the columns `curve import` reads. With no plan,
 * every plan with people, teams, indicators and their readings. Exit 0 written, 1 unknown plan or partnership, 2 usage.
 */
export async function exportCommand(args: string[], config: Config): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { xlsx: { type: "string" }, partnership: { type: "string" } } });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (!values.xlsx || positionals.length > 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (!values.xlsx.toLowerCase().endsWith(".xlsx")) {
    process.stderr.write(`--xlsx takes a file name ending in .xlsx, e.g. --xlsx our-plan.xlsx\n`);
    return 2;
  }
  const planKey = positionals[0]?.toLowerCase() ?? null;
  const rt = await openRuntime(config, { migrate: true });
  try {
    const all = await rt.db.prisma.partnership.findMany({ orderBy: { slug: "asc" } });
    const partnership = values.partnership ? all.find((p) => p.slug === values.partnership) : all.length === 1 ? all[0] : undefined;
    if (!partnership) {
      process.stderr.write(all.length === 0 ? "There is nothing to export yet: the database has no partnership.\n" : `Choose a partnership with --partnership: ${all.map((p) => p.slug).join(", ")}\n`);
      return 1;
    }
    if (planKey) {
      const plans = await rt.db.prisma.plan.findMany({ where: { partnershipId: partnership.id }, select: { key: true } });
      if (!plans.some((p) => p.key === planKey)) {
        process.stderr.write(`${partnership.name} has no plan "${planKey}"; its plans are ${plans.map((p) => p.key).join(", ") || "none yet"}.\n`);
        return 1;
      }
    }
    const { exportSheets } = await import("../adapters/db/workbook-export.ts");
    const { writeWorkbook } = await import("../adapters/files/write-workbook.ts");
    const sheets = await exportSheets(rt.db.prisma, partnership.id, planKey);
    await writeWorkbook(values.xlsx, sheets);
    const count = (kind: string) => {
      const s = sheets.find((x) => x.kind === kind);
      return s ? [...s.rows].length : 0;
    };
    process.stdout.write(
      `Wrote ${values.xlsx}: ${count("plans")} plan(s), ${count("actions")} actions, ${count("milestones")} milestones` +
        (planKey ? "" : `, ${count("people")} people, ${count("teams")} teams, ${count("indicators")} indicators, ${count("readings")} readings`) +
        ".\n",
    );
    return 0;
  } finally {
    await rt.close();
  }
}
