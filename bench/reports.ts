// What the board reads, at city scale: the monthly exception report, and the board pack as a
// workbook with charts and as a PDF, on 10,000 actions (40,000 milestones) and 15 indicators
// on PGlite. Beside each, in the same run, the bare cost of loading the same facts.
// Prints JSON when run directly:  node --import tsx bench/reports.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrate } from "../src/adapters/db/migrator.ts";
import { openDatabase } from "../src/adapters/db/open-database.ts";
import { createReportStore } from "../src/adapters/db/report-store.ts";
import { reportFileBytes } from "../src/adapters/files/report-files.ts";
import { buildReport } from "../src/commands/report-store.ts";
import { documentMarkdown } from "../src/domain/reports/sections.ts";
import { generatePartnership } from "./generate.ts";
import { percentiles } from "./percentiles.ts";

const RUNS = Number(process.env.BENCH_REPORT_SAMPLES ?? 5);
const NOW = new Date("2026-11-02T09:00:00Z");
const TARGETS_MS = { monthlyReport: 1000, boardPackXlsx: 5000, boardPackPdf: 10_000 };

async function time(runs: number, once: () => Promise<unknown>) {
  await once(); // warm-up: module loading, JIT, font files
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await once();
    samples.push(performance.now() - started);
  }
  return percentiles(samples);
}

export async function benchReports() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "curve-bench-reports-"));
  const db = await openDatabase({ dataDir });
  try {
    await migrate(db.sql);
    const generated = await generatePartnership(db.sql, "bench-reports");
    const partnershipId = generated.partnershipId;
    const priorities = await db.prisma.priority.findMany({ where: { plan: { partnershipId } }, orderBy: { number: "asc" }, select: { id: true } });
    // 15 indicators with three years of monthly readings and a target each; 20 open risks.
    for (let i = 1; i <= 15; i++) {
      const indicator = await db.prisma.indicator.create({
        data: { partnershipId, priorityId: priorities[i % priorities.length]!.id, number: i, code: `IND-${i}`, name: `Indicator ${i}`, unit: i % 2 ? "percent" : "count", polarity: i % 3 ? "higher_is_better" : "lower_is_better", obsession: i <= 3, baselineValue: 50 + i, baselineDate: new Date("2023-01-31T00:00:00Z") },
      });
      await db.prisma.indicatorTarget.create({ data: { indicatorId: indicator.id, value: 60 + i, dueDate: new Date("2027-03-31T00:00:00Z") } });
      await db.prisma.indicatorReading.createMany({
        data: Array.from({ length: 36 }, (_, m) => ({ indicatorId: indicator.id, period: `m${m}`, periodEnd: new Date(Date.UTC(2023, 1 + m + 1, 0)), value: 50 + i + Math.sin(m / 3 + i) * 3 + m / 12 })),
      });
    }
    const owner = await db.prisma.person.findFirstOrThrow({ where: { partnershipId }, select: { id: true } });
    const plan = await db.prisma.plan.findFirstOrThrow({ where: { partnershipId }, select: { id: true } });
    await db.prisma.risk.createMany({
      data: Array.from({ length: 20 }, (_, i) => ({ partnershipId, planId: plan.id, number: i + 1, description: `Risk ${i + 1}`, ownerId: owner.id, likelihood: (i % 5) + 1, impact: ((i * 3) % 5) + 1, reviewDate: new Date("2026-12-01T00:00:00Z") })),
    });
    const store = createReportStore(db.prisma);
    const monthly = () => buildReport(store, partnershipId, "monthly", NOW, null, null);
    const bareLoad = await time(RUNS, () => store.facts(partnershipId, null, new Date("2026-10-01T00:00:00Z"), NOW));
    const report = await time(RUNS, async () => documentMarkdown((await monthly()).document));
    const built = await monthly();
    const xlsx = await time(Math.max(2, Math.ceil(RUNS / 2)), async () => reportFileBytes(await monthly(), "xlsx", { now: NOW }));
    const pdf = await time(Math.max(2, Math.ceil(RUNS / 2)), async () => reportFileBytes(await monthly(), "pdf", { now: NOW }));
    const sizes = { xlsxBytes: (await reportFileBytes(built, "xlsx", { now: NOW })).length, pdfBytes: (await reportFileBytes(built, "pdf", { now: NOW })).length };
    return {
      data: { actions: generated.actions, milestones: generated.milestones, indicators: 15, readingsEach: 36, risks: 20, exceptions: built.report!.exceptions.actions.length + built.report!.exceptions.milestones.length, database: db.kind },
      bareFactsLoadMs: bareLoad,
      monthlyReportMs: { ...report, targetMs: TARGETS_MS.monthlyReport, met: report.p50Ms <= TARGETS_MS.monthlyReport, timesBareLoad: +(report.p50Ms / bareLoad.p50Ms).toFixed(2) },
      boardPackXlsxMs: { ...xlsx, targetMs: TARGETS_MS.boardPackXlsx, met: xlsx.p50Ms <= TARGETS_MS.boardPackXlsx, timesBareLoad: +(xlsx.p50Ms / bareLoad.p50Ms).toFixed(2) },
      boardPackPdfMs: { ...pdf, targetMs: TARGETS_MS.boardPackPdf, met: pdf.p50Ms <= TARGETS_MS.boardPackPdf, timesBareLoad: +(pdf.p50Ms / bareLoad.p50Ms).toFixed(2) },
      files: sizes,
    };
  } finally {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  benchReports().then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
