// npm run bench: Curve's speed and memory on a generated city-scale partnership, as JSON on stdout.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, cpus, totalmem } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { splitSchema } from "../src/adapters/db/open-database.ts";
import { handleInvocation } from "../src/commands/dispatch.ts";
import { readConfig } from "../src/bot/config.ts";
import { openRuntime, type Runtime } from "../src/bot/runtime.ts";
import { generatePartnership } from "./generate.ts";
import { benchImport } from "./import.ts";
import { benchGuard } from "./guard.ts";
import { benchInsights } from "./insights.ts";
import { benchOutbox } from "./outbox.ts";
import { benchReports } from "./reports.ts";
import { benchChangeTrips } from "./change-trips.ts";
import { benchSlack, spawnServer } from "./slack.ts";
import { benchTeams } from "./teams.ts";
import { benchWeb } from "./web.ts";
import { percentiles } from "./percentiles.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1000);
const WARMUP = 50;
const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function commandLatencies(rt: Runtime) {
  const generated = await generatePartnership(rt.db.sql, `bench-${Date.now().toString(36)}`);
  const people = await rt.db.prisma.person.findMany({ where: { partnershipId: generated.partnershipId }, select: { id: true, name: true } });
  const idByName = new Map(people.map((p) => [p.name, p.id]));
  const invoke = (personNumber: number, command: string, text: string, idempotencyKey: string = randomUUID()) =>
    handleInvocation(rt.deps, {
      partnershipId: generated.partnershipId,
      actor: { personId: idByName.get(`Person ${personNumber}`)! },
      place: { platform: "shell", tenant: generated.slug, channel: "bench" },
      command,
      text,
      idempotencyKey,
      now: new Date("2026-11-23T10:00:00Z"),
    });
  // Action GEN-k is owned by Person ((k - 1) % people) + 1.
  const owner = (k: number) => ((k - 1) % generated.people) + 1;
  const time = async (runs: number, once: (i: number) => Promise<{ tone: string }>) => {
    const samples: number[] = [];
    for (let i = 0; i < runs + WARMUP; i++) {
      const started = performance.now();
      const reply = await once(i);
      const elapsed = performance.now() - started;
      if (reply.tone === "error") throw new Error(`bench command failed: ${JSON.stringify(reply)}`);
      if (i >= WARMUP) samples.push(elapsed);
    }
    return percentiles(samples);
  };
  const done = await time(SAMPLES, (i) => invoke(owner(i + 1), "milestone", `done GEN-${i + 1}.1 evidence for step one`));
  const listMine = await time(SAMPLES, (i) => invoke(((i * 37) % generated.people) + 1, "milestone", "list mine"));
  return {
    data: { people: generated.people, actions: generated.actions, milestones: generated.milestones },
    milestoneDone: done,
    milestoneListMine: listMine,
    roundTrips: await roundTrips(rt, generated.actions, (line, key) => invoke(owner(generated.actions), line.split(" ")[0]!.slice(1), line.split(" ").slice(1).join(" "), key)),
  };
}

/**
 * Round trips to the database per command, counted at the driver (Database.roundTrips), from
 * identifying the sender (by person id, as the shell does; Slack and Teams add nothing once
 * the workspace's partnership is cached) to the reply, dedupe included. Run by the owner of
 * the last generated action, whose milestones the latency runs above leave alone.
 */
async function roundTrips(rt: Runtime, lastAction: number, run: (line: string, key: string) => Promise<{ tone: string; heading?: string }>) {
  const ref = `GEN-${lastAction}`;
  const lines: [name: string, line: string, key?: string][] = [
    ["milestoneDone", `/milestone done ${ref}.1 evidence for step one`, "trips-done"],
    ["retrySameKey", `/milestone done ${ref}.1 evidence for step one`, "trips-done"],
    ["sameCommandNewKey", `/milestone done ${ref}.1 evidence for step one`],
    ["milestoneEvidence", `/milestone evidence ${ref}.1 minutes of the meeting`],
    ["milestoneUndo", `/milestone undo ${ref}.1`],
    ["milestoneDate", `/milestone date ${ref}.2 end of March 2027`],
    ["actionStatus", `/action status ${ref} at-risk`],
    ["actionStatusWithNote", `/action status ${ref} on track the data came in`],
    ["actionNote", `/action note ${ref} reviewed at the cluster meeting`],
    ["milestoneSnooze", `/milestone snooze ${ref}.3 2w waiting for the data`],
    ["actionShow", `/action show ${ref}`],
    ["milestoneListMine", "/milestone list mine"],
  ];
  const trips: Record<string, number> = {};
  for (const [name, line, key] of lines) {
    const before = rt.db.roundTrips.count;
    const reply = await run(line, key ?? randomUUID());
    trips[name] = rt.db.roundTrips.count - before;
    if (reply.tone === "error" || reply.tone === "warning") throw new Error(`bench command ${line} failed: ${JSON.stringify(reply)}`);
  }
  return { ...trips, target: 2 };
}

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  firstPromptMs: number | null;
}

function runChild(command: string, args: string[], env: Record<string, string>, input: string, prompt?: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const { DATABASE_URL: _unused, ...inherited } = process.env;
    const child = spawn(command, args, { cwd: ROOT, env: { ...inherited, LOG_LEVEL: "error", ...env }, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    let firstPromptMs: number | null = null;
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (prompt && firstPromptMs === null && stdout.includes(prompt)) {
        firstPromptMs = performance.now() - started;
        child.stdin.end(input);
      }
    });
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, firstPromptMs }));
    if (!prompt) child.stdin.end(input);
  });
}

const maxRss = (stderr: string): number => {
  const match = /\{"maxRssBytes":(\d+)\}/.exec(stderr);
  if (!match) throw new Error(`no RSS report in: ${stderr.slice(-500)}`);
  return Number(match[1]);
};

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;

/**
 * Cold start, each measured from spawning the process, alternating so that a busy machine
 * weighs on all alike: `curve shell` on a terminal (a real pseudo-terminal, via script(1)) to its
 * first prompt; a bare PGlite open of the same directory to its prompt (bench/probes/pglite-open.mjs);
 * and `curve serve` (schedules off, no chat adapters) to its first 200 from /readyz.
 */
async function coldStart(dataDir: string, runs = 5) {
  const shell: number[] = [];
  const bare: number[] = [];
  const serve: number[] = [];
  for (let i = 0; i < runs; i++) {
    const bareRun = await runChild("script", ["-qfec", `${process.execPath} bench/probes/pglite-open.mjs ${dataDir}`, "/dev/null"], {}, "", "pglite> ");
    if (bareRun.firstPromptMs === null) throw new Error(`no prompt from the PGlite probe: ${bareRun.stdout.slice(-500)} ${bareRun.stderr.slice(-500)}`);
    bare.push(bareRun.firstPromptMs);
    const shellCommand = `${process.execPath} bin/curve.js shell --as 'Person 1'`;
    const result = await runChild("script", ["-qfec", shellCommand, "/dev/null"], { DATA_DIR: dataDir }, "/exit\n", "curve> ");
    if (result.firstPromptMs === null) throw new Error(`no prompt from curve shell: ${result.stdout.slice(-500)} ${result.stderr.slice(-500)}`);
    shell.push(result.firstPromptMs);
    serve.push(await serveToReady(dataDir));
  }
  const round = (n: number) => Math.round(n);
  return {
    runs,
    barePgliteOpenMedianMs: round(median(bare)),
    shellFirstPromptMedianMs: round(median(shell)),
    shellFirstPromptMaxMs: round(Math.max(...shell)),
    shellRatioToBarePglite: Math.round((median(shell) / median(bare)) * 100) / 100,
    serveToReadyzMedianMs: round(median(serve)),
    targets: { shellRatioToBarePglite: 1.3 },
  };
}

/** Spawning `curve serve` to its first 200 from /readyz, in ms; the server is stopped (and gone) after. */
async function serveToReady(dataDir: string): Promise<number> {
  const started = performance.now();
  const server = await spawnServer(["bin/curve.js", "serve"], { DATA_DIR: dataDir, LOG_LEVEL: "error" }, async (port) => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 10);
  const elapsed = performance.now() - started;
  await server.stop();
  return elapsed;
}

async function memory(dataDir: string) {
  const probe = path.join(ROOT, "bench/probes/report-rss.mjs");
  const bare = await runChild(process.execPath, ["--import", probe, "bench/probes/pglite-only.mjs", dataDir], {}, "");
  const session = "/milestone list mine\n/milestone done GEN-1.2 rss check\n/action show GEN-1\n/plan show\n";
  const curve = await runChild(process.execPath, ["--import", probe, "bin/curve.js", "shell", "--as", "Person 1"], { DATA_DIR: dataDir }, session);
  if (curve.code !== 0) throw new Error(`curve shell exited ${curve.code}: ${curve.stderr.slice(-500)}`);
  const bareBytes = maxRss(bare.stderr);
  const curveBytes = maxRss(curve.stderr);
  const mb = (n: number) => Math.round(n / 1024 / 1024);
  return { barePgliteMb: mb(bareBytes), curveShellMb: mb(curveBytes), ratio: Math.round((curveBytes / bareBytes) * 100) / 100, targetRatio: 1.25 };
}

async function pglite() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "curve-bench-"));
  try {
    progress(`PGlite in ${dataDir}: generating 10,000 actions, 40,000 milestones, 2,000 people`);
    const rt = await openRuntime(readConfig({ DATA_DIR: dataDir, LOG_LEVEL: "error" }));
    const latencies = await commandLatencies(rt).finally(() => rt.close());
    progress("PGlite: cold start (curve shell, bare PGlite, curve serve) and memory");
    return { ...latencies, targetsMs: { milestoneDoneP99: 10, milestoneListMineP99: 20 }, coldStart: await coldStart(dataDir), peakRss: await memory(dataDir) };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function postgresql() {
  const base = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
  const schema = `curve_bench_${Date.now().toString(36)}`;
  const url = new URL(splitSchema(base).url);
  url.searchParams.set("schema", schema);
  let rt: Runtime;
  try {
    rt = await openRuntime(readConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: "error" }));
  } catch (error) {
    return { skipped: `PostgreSQL not reachable at ${splitSchema(base).url.replace(/:[^:@/]*@/, ":****@")}: ${(error as Error).message}` };
  }
  try {
    progress(`PostgreSQL schema ${schema}: generating`);
    return await commandLatencies(rt);
  } finally {
    await rt.db.sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await rt.close();
  }
}

/**
 * BENCH_ONLY=slack,teams (or `npm run bench -- slack teams`) runs only those sections (names
 * below); the others stay in the JSON as { skipped: "BENCH_ONLY" }, so the shape of the output never changes.
 */
const SECTIONS = {
  pglite: () => pglite(),
  postgresql: () => postgresql(),
  slack: () => (progress("Slack: signed HTTP to ack, against a bare Bolt app"), benchSlack()),
  teams: () => (progress("Teams: HTTP in to the reply at the fake connector, against a bare teams-ai echo app"), benchTeams()),
  changeRoundTrips: () => (progress("Round trips for every kind of change on the Leeds demo"), benchChangeTrips()),
  indicatorsChartsAndPledges: () => (progress("Charts, report cards and concurrent pledge signers"), benchInsights()),
  nudgesAndDigests: () => (progress("Nudge sweeps, digests and a 10,000-delivery fan-out"), benchOutbox()),
  webPages: () => (progress("Web pages at 10,000 actions: scorecard, indicator with chart, plan and pledge pages, with writes between, and twenty readers at once"), benchWeb()),
  import: () => (progress("curve import of a 10,000-action workbook, then the same file again"), benchImport()),
  personalDataGuard: () => (progress("The personal-data guard: detectors on 3,000 characters, and what it adds to /milestone done"), benchGuard()),
  reports: () => (progress("Monthly report and board pack on 10,000 actions and 15 indicators"), benchReports()),
} satisfies Record<string, () => Promise<unknown>>;

/**
 * Runs one section in a Node process of its own (this file, with BENCH_SECTION set) and returns
 * its figures, which the child writes to a file: so that no section is measured in a heap, or
 * beside handles and garbage, that another left behind. In one process, the 09:00 tick's median
 * on PostgreSQL read 169 and 204 ms after the sections before it, against 158 ms alone.
 */
function inProcessOfItsOwn(name: string): Promise<unknown> {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-bench-section-"));
  const file = path.join(dir, "result.json");
  return new Promise<unknown>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
      cwd: ROOT,
      env: { ...process.env, BENCH_SECTION: name, BENCH_RESULT_FILE: file },
      // Its stdout to this one's stderr: this stdout carries the JSON alone.
      stdio: ["ignore", 2, "inherit"],
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      try {
        const { value, failed } = JSON.parse(readFileSync(file, "utf8")) as { value?: unknown; failed?: string };
        if (failed !== undefined) reject(new Error(failed));
        else resolve(value);
      } catch {
        reject(new Error(`the section's process ended (${code ?? signal}) without its figures`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

const section = process.env.BENCH_SECTION as keyof typeof SECTIONS | undefined;
if (section) {
  // A section's own process (see inProcessOfItsOwn): its figures, or why it failed, to the file given.
  let outcome: { value?: unknown; failed?: string };
  try {
    outcome = { value: await SECTIONS[section]() };
  } catch (error) {
    process.stderr.write(`bench: ${section} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    outcome = { failed: error instanceof Error ? error.message : String(error) };
  }
  writeFileSync(process.env.BENCH_RESULT_FILE!, JSON.stringify(outcome));
  // A section may leave a pool or a timer open; its figures are written, so its process ends.
  process.exit(0);
}

const only = [...(process.env.BENCH_ONLY ?? "").split(","), ...process.argv.slice(2)].map((s) => s.trim()).filter(Boolean);
const unknown = only.filter((name) => !(name in SECTIONS));
if (unknown.length) {
  process.stderr.write(`bench: no section ${unknown.join(", ")}; the sections are ${Object.keys(SECTIONS).join(", ")}\n`);
  process.exit(2);
}
const result: Record<string, unknown> = {
  benchmark: "curve core",
  machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
};
const failed: string[] = [];
for (const name of Object.keys(SECTIONS)) {
  if (only.length > 0 && !only.includes(name)) {
    result[name] = { skipped: "BENCH_ONLY" };
    continue;
  }
  try {
    result[name] = await inProcessOfItsOwn(name);
  } catch (error) {
    // A section that fails is reported as failed, with why, and the others still run: one
    // broken section does not take every other figure with it. The run then exits with 1.
    failed.push(name);
    result[name] = { failed: error instanceof Error ? error.message : String(error) };
  }
  // Each section's figures as soon as it finishes, so a run cut short still leaves them (stderr).
  progress(`${name}: ${JSON.stringify(result[name])}`);
}
if (failed.length) process.stderr.write(`bench: failed: ${failed.join(", ")}\n`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`, () => {
  if (failed.length) process.exit(1);
});
