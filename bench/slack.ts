// Signed HTTP -> ack for /milestone done through `curve serve`, against a bare Bolt app that
// only acks. Both servers run in processes of their own; this process only sends requests.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { migrate } from "../src/adapters/db/migrator.ts";
import { openDatabase, splitSchema } from "../src/adapters/db/open-database.ts";
import { FakeSlack, commandBody, postToSlackEndpoint } from "../test/support/fake-slack.ts";
import { generatePartnership } from "./generate.ts";
import { percentiles } from "./percentiles.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SECRET = "bench-signing-secret-0123456789";
const REQUESTS = Number(process.env.BENCH_SAMPLES ?? 1000);
// Bare Bolt and Curve on each database take turns, round by round, so that each is measured
// beside the others on a shared machine whose speed drifts: measured once each, minutes apart,
// bare Bolt's p99 at concurrency 20 was 37 ms in one run and 67 in the next.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** One load at one concurrency: its acks' latencies (ms), and the acks over 3 s and failures counted. */
interface Driven {
  samples: number[];
  acksOver3s: number;
  failed: Record<string, number>;
}

/**
 * Sends `total` requests from `concurrency` clients at once; each waits for its ack. Latencies
 * (ms) of acks that came back 200 with a reply; acks over Slack's 3 s, and requests that failed
 * (by kind: status, a "went wrong" reply, or the client's error code), are counted, not fatal.
 */
async function drive(url: string, concurrency: number, total: number, body: (i: number) => string): Promise<Driven> {
  const samples: number[] = [];
  const failed: Record<string, number> = {};
  let over3s = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const started = performance.now();
        let failure: string | null = null;
        try {
          const response = await postToSlackEndpoint(url, body(i), { secret: SECRET });
          if (response.status !== 200) failure = `status ${response.status}`;
          else if (response.body.includes("went wrong")) failure = "went wrong";
        } catch (error) {
          failure = String((error as { cause?: { code?: unknown } }).cause?.code ?? (error as Error).message);
        }
        const elapsed = performance.now() - started;
        if (elapsed > 3000) over3s++;
        if (failure) failed[failure] = (failed[failure] ?? 0) + 1;
        else samples.push(elapsed);
      }
    }),
  );
  return { samples, acksOver3s: over3s, failed };
}

/** Several loads' latencies as one: p50, p99 and max over every sample, with the acks over 3 s and failures added up. */
function pooled(loads: readonly Driven[]) {
  const failed: Record<string, number> = {};
  for (const load of loads) for (const [kind, n] of Object.entries(load.failed)) failed[kind] = (failed[kind] ?? 0) + n;
  return { ...percentiles(loads.flatMap((l) => l.samples)), acksOver3s: loads.reduce((n, l) => n + l.acksOver3s, 0), failed };
}

const commandFor = (k: number, owner: number, tag: string) =>
  commandBody({
    team_id: "T1", team_domain: "bench", channel_id: "C1", channel_name: "bench", user_id: `U${owner}`, user_name: `person${owner}`,
    command: "/milestone", text: `done GEN-${k}.1 evidence ${tag}`, api_app_id: "A1", response_url: "http://127.0.0.1:9/unused",
    trigger_id: `${tag}.${k}.${Date.now()}`,
  });

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** A server in a process of its own; stop() resolves only once that process has exited. */
export async function spawnServer(args: string[], env: Record<string, string>, ready: (port: number) => Promise<boolean>, pollMs = 100) {
  const port = await freePort();
  const { DATABASE_URL: _unused, ...inherited } = process.env;
  // BENCH_PROFILE=<dir>: each server writes a CPU profile of its threads there when it stops.
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, ...args].map((a) => a.replace("$PORT", String(port))), {
    cwd: ROOT,
    // Benchmarks time requests, not sweeps: the schedules stay off (README, "Configuration").
    env: { ...inherited, CURVE_SCHEDULES: "off", ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async () => {
    if (gone) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
  for (const deadline = Date.now() + 300_000; Date.now() < deadline && !gone; ) {
    if (await ready(port).catch(() => false)) return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  await stop();
  throw new Error(`server ${args.join(" ")} did not start`);
}

const readyz = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
const listening = async (port: number) => (await fetch(`http://127.0.0.1:${port}/`, { method: "HEAD" })).status > 0;

/** One database with the generated partnership, its people already linked to Slack users. */
async function prepare(target: { dataDir: string } | { url: string }) {
  const db = await openDatabase("url" in target ? { databaseUrl: target.url, dataDir: "unused" } : { dataDir: target.dataDir });
  try {
    await migrate(db.sql);
    const generated = await generatePartnership(db.sql, "bench-slack");
    await db.sql.query(
      `INSERT INTO platform_identity (person_id, platform, tenant, user_id)
       SELECT id, 'slack', 'T1', 'U' || substr(name, 8) FROM person WHERE partnership_id = $1`,
      [generated.partnershipId],
    );
    return { people: generated.people, drop: async () => ("url" in target ? void (await db.sql.query(`DROP SCHEMA IF EXISTS "${new URL(target.url).searchParams.get("schema")}" CASCADE`)) : undefined) };
  } finally {
    if (!("url" in target)) await db.close();
  }
}

/** A running `curve serve` on a database, and the owner of each generated action (GEN-k's owner). */
async function startCurve(env: Record<string, string>, people: number) {
  const owner = (k: number) => ((k - 1) % people) + 1;
  const server = await spawnServer(["bin/curve.js", "serve"], { ...env, LOG_LEVEL: "error", SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: "xoxb-bench" }, readyz);
  try {
    await drive(server.url, 1, 50, (i) => commandFor(9000 + i, owner(9000 + i), "warm"));
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { ...server, owner };
}

type Target = { url: string; owner: (k: number) => number };

/**
 * `rounds` rounds in which every target takes its turn: `REQUESTS` requests one at a time,
 * then `REQUESTS` from 20 clients at once. Each request marks a milestone of its own done
 * (GEN-k.1, k new in every request), so every one is a change.
 */
async function inRounds(targets: Record<string, Target>, rounds: number) {
  const loads: Record<string, { concurrency1: Driven[]; concurrency20: Driven[] }> = {};
  for (const name of Object.keys(targets)) loads[name] = { concurrency1: [], concurrency20: [] };
  for (let round = 0; round < rounds; round++) {
    const first = round * 2 * REQUESTS;
    for (const [name, { url, owner }] of Object.entries(targets)) {
      loads[name]!.concurrency1.push(await drive(url, 1, REQUESTS, (i) => commandFor(first + i + 1, owner(first + i + 1), `c1r${round}`)));
      loads[name]!.concurrency20.push(await drive(url, 20, REQUESTS, (i) => commandFor(first + REQUESTS + i + 1, owner(first + REQUESTS + i + 1), `c20r${round}`)));
    }
  }
  return loads;
}

export async function benchSlack() {
  const fake = await new FakeSlack("T1").start();
  const dataDir = mkdtempSync(path.join(tmpdir(), "curve-bench-slack-"));
  const servers: { stop: () => Promise<void> }[] = [];
  let dropPostgres: (() => Promise<void>) | undefined;
  try {
    const bare = await spawnServer(["--import", "tsx", "bench/probes/bare-bolt.ts", "$PORT", SECRET], {}, listening);
    servers.push(bare);
    await drive(bare.url, 1, 50, (i) => commandFor(i + 1, 1, "warm"));
    const targets: Record<string, Target> = { bareBolt: { url: bare.url, owner: () => 1 } };
    const pglite = await prepare({ dataDir });
    const onPglite = await startCurve({ DATA_DIR: dataDir, SLACK_API_URL: `${fake.url}/api/` }, pglite.people);
    servers.push(onPglite);
    targets.curveOnPglite = onPglite;

    let postgresSkipped: { skipped: string } | undefined;
    const base = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
    const url = new URL(splitSchema(base).url);
    url.searchParams.set("schema", `curve_bench_slack_${Date.now().toString(36)}`);
    try {
      const pg = await prepare({ url: url.toString() });
      dropPostgres = pg.drop;
      const onPostgres = await startCurve({ DATABASE_URL: url.toString(), SLACK_API_URL: `${fake.url}/api/` }, pg.people);
      servers.push(onPostgres);
      targets.curveOnPostgresql = onPostgres;
    } catch (error) {
      postgresSkipped = { skipped: `PostgreSQL not reachable: ${(error as Error).message}` };
    }

    const loads = await inRounds(targets, ROUNDS);
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const summary = (name: string) => ({ concurrency1: pooled(loads[name]!.concurrency1), concurrency20: pooled(loads[name]!.concurrency20) });
    const bareBolt = summary("bareBolt");
    const p99 = (load: Driven) => percentiles(load.samples).p99Ms;
    // Over every round's samples, and round by round (the range a reader should expect).
    const against = (name: string) => {
      const curve = summary(name);
      const byRound = (level: "concurrency1" | "concurrency20") => loads[name]![level].map((load, round) => ratio(p99(load), p99(loads.bareBolt![level][round]!)));
      return {
        p99RatioAtConcurrency1: ratio(curve.concurrency1.p99Ms, bareBolt.concurrency1.p99Ms),
        p99RatioAtConcurrency20: ratio(curve.concurrency20.p99Ms, bareBolt.concurrency20.p99Ms),
        acksOver3sAtConcurrency20: curve.concurrency20.acksOver3s,
        roundByRound: { p99RatioAtConcurrency1: byRound("concurrency1"), p99RatioAtConcurrency20: byRound("concurrency20") },
      };
    };
    const onPglite_ = summary("curveOnPglite");
    return {
      rounds: ROUNDS,
      requestsPerLoad: REQUESTS,
      bareBolt,
      curveOnPglite: onPglite_,
      curveOnPostgresql: postgresSkipped ?? summary("curveOnPostgresql"),
      p99RatioAtConcurrency1OnPglite: ratio(onPglite_.concurrency1.p99Ms, bareBolt.concurrency1.p99Ms),
      ratios: { pglite: against("curveOnPglite"), postgresql: postgresSkipped ?? against("curveOnPostgresql") },
      targets: { p99RatioAtConcurrency1: 2, p99RatioAtConcurrency20: 3, acksOver3sAtConcurrency20: 0 },
    };
  } finally {
    // Every server stops before its data directory goes.
    for (const server of servers.reverse()) await server.stop();
    await dropPostgres?.().catch(() => undefined);
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${JSON.stringify(await benchSlack(), null, 2)}\n`);
}
