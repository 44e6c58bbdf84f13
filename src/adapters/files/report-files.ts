import { writeFileSync } from "node:fs";
import type { BuiltReport } from "../../commands/report-store.ts";
import { boardPackCharts, boardPackPdf, boardPackXlsx, type BoardPackInput } from "./board-pack.ts";

/**
 * A report as a file: the board pack's workbook or PDF. The Obsession Tracker has no
 * exception report behind it, so it is written from the monthly one's parts it shares.
 */
export async function reportFileBytes(built: BuiltReport, format: "xlsx" | "pdf", options: { now: Date }): Promise<Buffer> {
  if (!built.report) throw new Error("only exception reports and the indicator summary are written as files");
  const input: BoardPackInput = { document: built.document, report: built.report, indicators: built.facts.indicators, now: options.now };
  const charts = await boardPackCharts(input);
  return format === "xlsx" ? boardPackXlsx(input, charts) : boardPackPdf(input, charts);
}

export async function writeReportFile(built: BuiltReport, format: "xlsx" | "pdf", out: string, options: { now: Date }): Promise<void> {
  writeFileSync(out, await reportFileBytes(built, format, options));
}
