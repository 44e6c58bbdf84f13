import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isCurveError } from "../domain/errors.ts";
import { REPORT_KINDS, type ReportKind } from "../domain/reports/facts.ts";
import { documentMarkdown } from "../domain/reports/sections.ts";
import { buildReport } from "../commands/report-store.ts";
import type { Runtime } from "./runtime.ts";

export const REPORT_CLI_USAGE = `Usage: curve report <monthly|quarterly|obsessions|indicators> --now TIME [--plan P] [--period P] [--format md|xlsx|pdf] [--out FILE]
       curve report board-pack --now TIME [--plan P] [--period P] --xlsx FILE | --pdf FILE`;

/** Parses `--now` the way every `curve` verb does: ISO 8601 with an offset. */
type ParseNow = (value: string | undefined) => Date | null;
type ChoosePartnership = (rt: Runtime, slug: string | undefined) => Promise<{ id: number; slug: string; name: string } | null>;
type WithRuntime = (work: (rt: Runtime) => Promise<number>) => Promise<number>;

/**
 * `curve report <kind>`: a report as Markdown on stdout (or in --out), or as a workbook or PDF
 * file; `curve report board-pack` writes the board pack. Exit 2 for usage errors, with a sentence.
 */
export async function reportCommand(args: string[], tools: { parseNow: ParseNow; choosePartnership: ChoosePartnership; withRuntime: WithRuntime }): Promise<number> {
  const [kind, ...rest] = args;
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        now: { type: "string" },
        plan: { type: "string" },
        period: { type: "string" },
        format: { type: "string" },
        out: { type: "string" },
        xlsx: { type: "string" },
        pdf: { type: "string" },
        partnership: { type: "string" },
      },
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${REPORT_CLI_USAGE}\n`);
    return 2;
  }
  const boardPack = kind === "board-pack";
  if (!kind || (!boardPack && !REPORT_KINDS.includes(kind as ReportKind))) {
    process.stderr.write(`${kind ? `curve report has no "${kind.slice(0, 40)}".\n` : ""}${REPORT_CLI_USAGE}\n`);
    return 2;
  }
  const format = boardPack ? (values.pdf ? "pdf" : values.xlsx ? "xlsx" : null) : (values.format ?? "md");
  if (format !== "md" && format !== "xlsx" && format !== "pdf") {
    process.stderr.write(boardPack ? `curve report board-pack needs --xlsx FILE or --pdf FILE.\n${REPORT_CLI_USAGE}\n` : `--format is md, xlsx or pdf, not "${String(format).slice(0, 20)}".\n`);
    return 2;
  }
  if (kind === "obsessions" && format !== "md") {
    process.stderr.write("The Weekly Obsession Tracker is a message: use --format md.\n");
    return 2;
  }
  const out = boardPack ? (values.pdf ?? values.xlsx)! : values.out;
  if (format !== "md" && !out) {
    process.stderr.write(`A ${format} report is a file: give it a name with --out FILE.\n`);
    return 2;
  }
  const now = tools.parseNow(values.now);
  if (!now) return 2;
  return tools.withRuntime(async (rt) => {
    const partnership = await tools.choosePartnership(rt, values.partnership);
    if (!partnership) return 2;
    try {
      const built = await buildReport(rt.deps.reports!.store, partnership.id, boardPack ? "monthly" : (kind as ReportKind), now, values.plan?.toLowerCase() ?? null, values.period ?? null);
      if (format === "md") {
        const text = documentMarkdown(built.document);
        if (out) writeFileSync(out, text);
        else process.stdout.write(text);
        return 0;
      }
      const { writeReportFile } = await import("../adapters/files/report-files.ts");
      await writeReportFile(built, format, out!, { now });
      process.stderr.write(`Wrote ${out}.\n`);
      return 0;
    } catch (error) {
      if (isCurveError(error)) {
        process.stderr.write(`${error.userMessage}\n`);
        return 2;
      }
      throw error;
    }
  });
}
