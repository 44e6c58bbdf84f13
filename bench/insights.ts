// Indicators, charts and pledges: chart rendering, the report card for all 15 CYPP indicators,
// and 20 people signing one pledge at once. Prints JSON when run directly:
//   node --import tsx bench/insights.ts
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { SqlInsightStore } from "../src/adapters/db/insight-store.ts";
import { importPartnership } from "../src/adapters/db/import-plans.ts";
import { migrate } from "../src/adapters/db/migrator.ts";
import { openDatabase } from "../src/adapters/db/open-database.ts";
import { PrismaStore } from "../src/adapters/db/prisma-store.ts";
import { renderChartPng } from "../src/adapters/charts/render-chart.ts";
import { readDemo } from "../src/bot/demo.ts";
import type { CommandDeps } from "../src/commands/context.ts";
import { handleInvocation } from "../src/commands/dispatch.ts";
import { chartModel } from "../src/domain/indicators/chart-model.ts";
import { buildReportCard } from "../src/domain/indicators/report-card.ts";
import type { IndicatorFacts } from "../src/domain/indicators/types.ts";
import { percentiles } from "./percentiles.ts";

const CHARTS = Number(process.env.BENCH_CHART_SAMPLES ?? 40);
const CARDS = Number(process.env.BENCH_CARD_SAMPLES ?? 100);
const WARMUP = 5;
const SIGNERS = 20;
const NOW = new Date("2013-10-15T09:00:00Z");

async function time(runs: number, once: (i: number) => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < runs + WARMUP; i++) {
    const started = performance.now();
    await once(i);
    if (i >= WARMUP) samples.push(performance.now() - started);
  }
  return percentiles(samples);
}

/** Monthly LAC readings over four years: the busiest chart a CYPP indicator gets. */
function lacWithMonthlyReadings(shift: number): IndicatorFacts {
  const readings = Array.from({ length: 48 }, (_, m) => {
    const year = 2011 + Math.floor((m + 1) / 12);
    const month = ((m + 1) % 12) + 1;
    const end = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
    return { period: end.slice(0, 7), periodEnd: end, value: 1434 - m * 2 + ((m * 7 + shift) % 11), source: null, recordedBy: null };
  });
  return {
    id: 1, code: "LAC", name: "Number of looked after children", unit: "count", polarity: "lower_is_better",
    baseline: { value: 1434, date: "2011-01-31", text: "1,434 January 2011" }, periodicity: "monthly",
    forecast: [], targets: [{ value: 1300, dueDate: "2015-03-31", text: null }], tolerance: null, note: null, readings,
  };
}

export async function benchInsights(): Promise<object> {
  // Charts: each sample has different data, so nothing is served from a cache.
  const chartFirst = performance.now();
  await renderChartPng(chartModel(lacWithMonthlyReadings(0), buildReportCard(lacWithMonthlyReadings(0), "2015-01-01")));
  const coldChartMs = Math.round((performance.now() - chartFirst) * 100) / 100;
  const chart = await time(CHARTS, (i) => {
    const facts = lacWithMonthlyReadings(i + 1);
    return renderChartPng(chartModel(facts, buildReportCard(facts, "2015-01-01")));
  });

  const db = await openDatabase({ dataDir: "memory://" });
  try {
    await migrate(db.sql);
    const { partnership, plans } = readDemo();
    const { partnershipId } = await importPartnership(db.prisma, { ...partnership, slug: `bench-${Date.now().toString(36)}` }, plans);
    const deps: CommandDeps = {
      store: new PrismaStore(db),
      log: { info: () => undefined, error: (message, fields) => process.stderr.write(`bench: ${message} ${JSON.stringify(fields)}\n`) },
      insights: { store: new SqlInsightStore(db), links: null },
    };
    const people = await db.prisma.person.findMany({ where: { partnershipId }, orderBy: { id: "asc" }, select: { id: true, name: true } });
    const nigel = people.find((p) => p.name === "Nigel Richardson")!.id;
    const invoke = (personId: number, command: string, text: string) =>
      handleInvocation(deps, { partnershipId, actor: { personId }, place: { platform: "shell", tenant: "bench", channel: "bench" }, command, text, idempotencyKey: randomUUID(), now: NOW });

    // Every indicator gets a few readings, so each card has a trend and a verdict to work out.
    const indicators = await deps.insights!.store.listIndicators(partnershipId);
    for (const indicator of indicators) {
      for (const [period, factor] of [["2011/12", 0.98], ["2012/13", 0.96]] as const) {
        // A count's figures are whole numbers (report-card.ts, figureProblem); a rate's have a decimal place.
        const scaled = (indicator.baseline?.value ?? 50) * factor;
        const value = indicator.unit === "count" ? Math.round(scaled) : Math.round(scaled * 10) / 10;
        const reply = await invoke(nigel, "indicator", `record ${indicator.code} ${value} ${period}`);
        if (reply.tone === "error") throw new Error(`bench setup failed: ${reply.heading}`);
      }
    }
    const reportCards = await time(CARDS, async () => {
      const reply = await invoke(nigel, "indicator", "list");
      if (reply.tone === "error") throw new Error(`report cards failed: ${reply.heading}`);
    });
    const pureCards = await time(CARDS, async () => indicators.map((i) => buildReportCard(i, "2013-10-15")));

    const created = await invoke(nigel, "pledge", "new attendance Every day counts | We will help every child attend school every day");
    const pledgeId = Number(/P(\d+)/.exec(created.heading ?? "")?.[1]);
    const signers = people.slice(0, SIGNERS);
    const started = performance.now();
    const replies = await Promise.all(signers.map((p) => invoke(p.id, "pledge", `sign P${pledgeId} public | I will help, ${p.name}`)));
    const wallMs = Math.round((performance.now() - started) * 100) / 100;
    const stored = await db.prisma.pledgeSignature.count({ where: { pledgeId, withdrawnAt: null } });
    const told = replies.map((r) => Number(/"Signatures","value":"(\d+)"/.exec(JSON.stringify(r.blocks))?.[1])).sort((a, b) => a - b);
    return {
      chartPng: { ...chart, coldMs: coldChartMs, readings: 48, targetP50Ms: 150 },
      reportCardAll15: { endToEnd: reportCards, domainOnly: pureCards, indicators: indicators.length, targetMs: 50 },
      pledgeConcurrentSigners: {
        signers: SIGNERS,
        signed: replies.filter((r) => r.tone === "success").length,
        stored,
        lost: SIGNERS - stored,
        countsTold: told.join(",") === Array.from({ length: SIGNERS }, (_, i) => i + 1).join(",") ? "1..20, each once" : told.join(","),
        wallMs,
        database: db.kind,
      },
    };
  } finally {
    await db.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  benchInsights().then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
