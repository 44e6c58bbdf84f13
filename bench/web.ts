// The web scorecard at city scale: 10,000 actions, 15 indicators with monthly readings, a
// pledge with 2,000 signers, served by curve serve over real HTTP. Requests mix the
// scorecard, indicator pages with their charts, plan pages and the pledge register, with
// writes in between (readings, milestones done, signatures), so pages and charts are
// rebuilt from changed data and a page cache alone could not meet the targets.
// Prints JSON when run directly (node --import tsx bench/web.ts), or as the webPages section of
// npm run bench (BENCH_ONLY=webPages npm run bench for it alone).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrate } from "../src/adapters/db/migrator.ts";
import { openDatabase } from "../src/adapters/db/open-database.ts";
import { readConfig } from "../src/bot/config.ts";
import { startServer, type RunningServer } from "../src/bot/serve.ts";
import { handleInvocation } from "../src/commands/dispatch.ts";
import { generatePartnership } from "./generate.ts";
import { percentiles } from "./percentiles.ts";

const SAMPLES = Number(process.env.BENCH_WEB_SAMPLES ?? 200);
const CONCURRENT_CLIENTS = 20;
const CONCURRENT_REQUESTS = Number(process.env.BENCH_WEB_CONCURRENT_REQUESTS ?? 600);
const WRITE_EVERY = 4;
const INDICATORS = 15;
const NOW = new Date("2026-11-23T10:00:00Z");

/** 15 indicators under the generated priorities, with 36 monthly readings each, and a pledge with 2,000 signers (half public). */
async function addIndicatorsAndPledge(sql: Awaited<ReturnType<typeof openDatabase>>["sql"], partnershipId: number): Promise<{ pledgeId: number }> {
  await sql.query(
    `INSERT INTO indicator (partnership_id, priority_id, number, code, name, unit, polarity, baseline_value, baseline_date, baseline_text, periodicity)
     SELECT $1, pr.id, g, 'IND' || g, 'Generated indicator ' || g, CASE WHEN g % 3 = 0 THEN 'percent' ELSE 'count' END,
            CASE WHEN g % 2 = 0 THEN 'higher_is_better'::polarity ELSE 'lower_is_better'::polarity END, 50, date '2023-09-30', '50 at September 2023', 'monthly'
     FROM generate_series(1, $2::int) g JOIN priority pr ON pr.number = g AND pr.plan_id = (SELECT id FROM plan WHERE partnership_id = $1)`,
    [partnershipId, INDICATORS],
  );
  await sql.query(
    `INSERT INTO indicator_reading (indicator_id, period, period_end, value, source)
     SELECT i.id, to_char(d, 'YYYY-MM'), (d + interval '1 month' - interval '1 day')::date, 50 + ((i.id * 7 + m) % 13) - m * 0.3, 'generated'
     FROM indicator i, generate_series(1, 36) m, LATERAL (SELECT (date '2023-10-01' + (m - 1) * interval '1 month')::date AS d) dd
     WHERE i.partnership_id = $1`,
    [partnershipId],
  );
  const [pledge] = await sql.query<{ id: number }>(
    `INSERT INTO pledge (partnership_id, kind, title, text) VALUES ($1, 'attendance', 'Every day counts', 'We will help every child attend school every day') RETURNING id`,
    [partnershipId],
  );
  await sql.query(
    `INSERT INTO pledge_signature (pledge_id, person_id, commitment, is_public)
     SELECT $1, p.id, 'Commitment of ' || p.name, p.id % 2 = 0 FROM person p WHERE p.partnership_id = $2`,
    [pledge!.id, partnershipId],
  );
  await sql.query(`UPDATE person SET roles = ARRAY['coordinator']::person_role[] WHERE partnership_id = $1 AND name = 'Person 1'`, [partnershipId]);
  return { pledgeId: pledge!.id };
}

/**
 * One GET on a connection of its own, read to the end; its time in ms. (A pooled connection
 * left idle past the server's keep-alive timeout can be reset as it is reused; a new one
 * per request measures the page, not that race.)
 */
function timed(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    get(url, { agent: false }, (response) => {
      response.on("data", () => undefined);
      response.on("end", () => (response.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`${url}: HTTP ${response.statusCode}`))));
      response.on("error", reject);
    }).on("error", (error) => reject(new Error(`${url}: ${error.message}`)));
  });
}

export async function benchWeb(): Promise<object> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "curve-bench-web-"));
  let server: RunningServer | undefined;
  try {
    const db = await openDatabase({ dataDir });
    await migrate(db.sql);
    const generated = await generatePartnership(db.sql, "bench-web");
    const { pledgeId } = await addIndicatorsAndPledge(db.sql, generated.partnershipId);
    await db.close();
    server = await startServer(readConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "silent", CURVE_PUBLIC_URL: "https://bench.test" }), { clock: () => NOW });
    const { runtime, url } = server;
    const people = new Map((await runtime.db.prisma.person.findMany({ where: { partnershipId: generated.partnershipId }, select: { id: true, name: true } })).map((p) => [p.name, p.id]));
    const invoke = async (person: number, command: string, text: string) => {
      const reply = await handleInvocation(runtime.deps, {
        partnershipId: generated.partnershipId,
        actor: { personId: people.get(`Person ${person}`)! },
        place: { platform: "shell", tenant: "bench", channel: "bench" },
        command,
        text,
        idempotencyKey: randomUUID(),
        now: NOW,
      });
      // A failed write is counted and reported, not fatal: the reads are what this section measures.
      if (reply.tone === "error") failedWrites.push(`/${command} ${text}: ${reply.heading ?? reply.code}`);
    };
    const failedWrites: string[] = [];
    for (const section of ["indicators", "plans", "pledges"]) await invoke(1, "curve", `publish ${section} on`);

    // Writes between requests: a new reading (its chart changes), a milestone done, a signature.
    let writes = 0;
    const write = async () => {
      const n = writes++;
      const kind = n % 3;
      if (kind === 0) await invoke(1, "indicator", `record IND${(n % INDICATORS) + 1} ${40 + (n % 17)} 2026-${String((n % 10) + 1).padStart(2, "0")}`);
      else if (kind === 1) await invoke(((n * 13) % generated.people) + 1, "milestone", `done GEN-${((n * 13) % generated.people) + 1}.${(n % 4) + 1} bench`);
      else await invoke(((n * 29) % generated.people) + 1, "pledge", `sign P${pledgeId} public | Bench commitment ${n}`);
    };
    const indicatorPage = async (i: number) => {
      const code = `IND${(i % INDICATORS) + 1}`;
      return (await timed(`${url}/indicators/${code}`)) + (await timed(`${url}/indicators/${code}/chart.svg`));
    };
    const planPage = (i: number) => timed(`${url}/plans/generated?page=${((i * 37) % 200) + 1}`);

    const sample = async (once: (i: number) => Promise<number>) => {
      const samples: number[] = [];
      for (let i = 0; i < SAMPLES + 10; i++) {
        if (i % WRITE_EVERY === 0) await write();
        const ms = await once(i);
        if (i >= 10) samples.push(ms);
      }
      return percentiles(samples);
    };
    const bare = await sample(() => timed(`${url}/healthz`));
    const scorecard = await sample(() => timed(`${url}/`));
    const indicator = await sample(indicatorPage);
    const plan = await sample(planPage);
    const register = await sample(() => timed(`${url}/pledges/${pledgeId}`));

    // Twenty readers at once over a mix of pages, a write in every few requests.
    let next = 0;
    const all: number[] = [];
    const mix = [() => timed(`${url}/`), indicatorPage, planPage, () => timed(`${url}/pledges/${pledgeId}`)];
    await Promise.all(
      Array.from({ length: CONCURRENT_CLIENTS }, async () => {
        while (next < CONCURRENT_REQUESTS) {
          const i = next++;
          if (i % WRITE_EVERY === 0) await write();
          all.push(await mix[i % mix.length]!(i));
        }
      }),
    );
    return {
      data: { actions: generated.actions, milestones: generated.milestones, people: generated.people, indicators: INDICATORS, readingsEach: 36, pledgeSigners: generated.people },
      writesBetweenRequests: `one in every ${WRITE_EVERY} requests (reading, milestone done or signature); ${writes} in all`,
      failedWrites: { count: failedWrites.length, first: failedWrites.slice(0, 3) },
      bareHealthz: bare,
      scorecardPage: scorecard,
      indicatorPageWithChart: indicator,
      planPage: plan,
      pledgeRegister: register,
      concurrent: { clients: CONCURRENT_CLIENTS, ...percentiles(all) },
      targetsMs: { scorecardP99: 200, indicatorWithChartP99: 300, concurrentMax: 1000 },
      met: { scorecardP99: scorecard.p99Ms <= 200, indicatorWithChartP99: indicator.p99Ms <= 300, concurrentMax: percentiles(all).maxMs <= 1000 },
    };
  } finally {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  benchWeb().then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
