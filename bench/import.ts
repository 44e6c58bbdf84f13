// `curve import` of a generated partnership's workbook (10,000 actions, 40,000 milestones, 2,000
// people) into an empty embedded database, then the same file again; peak RSS against PGlite alone
// opening the result. Each run is a process of its own, as a council would run it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readWorkbookFile } from "../src/adapters/files/read-workbook.ts";
import { writeWorkbook } from "../src/adapters/files/write-workbook.ts";
import { DEFAULT_GUARD_POLICY } from "../src/domain/privacy/guard.ts";
import { findHeldCells } from "../src/domain/workbook/held-cells.ts";
import { readPartnershipWorkbook } from "../src/domain/workbook/read-partnership.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PEOPLE = 2_000;
const ACTIONS = Number(process.env.BENCH_IMPORT_ACTIONS ?? 10_000);
const MILESTONES_PER_ACTION = 4;
const PRIORITIES = 10;
const TEAMS = 100;
const PHRASES = ["Project brief by March 2012", "Delivery Summer term 2012", "Review by end of December 2012", "Evaluation by XXX"];

export async function writeGeneratedWorkbook(file: string): Promise<void> {
  function* people() {
    for (let i = 1; i <= PEOPLE; i++) yield { name: `Person ${i}`, email: `person${i}@example.org`, organisation: `Organisation ${(i % 20) + 1}`, roles: i === 1 ? "coordinator" : "", timeZone: "Europe/London", jobTitle: "" };
  }
  function* teams() {
    for (let t = 1; t <= TEAMS; t++) yield { name: `Team ${t}`, kind: "team", members: Array.from({ length: 20 }, (_, j) => `Person ${((t * 20 + j) % PEOPLE) + 1}`).join("; ") };
  }
  function* actions() {
    for (let k = 1; k <= ACTIONS; k++) {
      yield {
        plan: "gen-2026-30", priority: String((k % PRIORITIES) + 1), ref: `GEN-${k}`, section: `Workstream ${(k % 25) + 1}`,
        title: `Generated action ${k}: improve attendance in cluster ${k % 120}`, targeting: "City wide",
        owner: k % 10 === 0 ? `Team ${(k % TEAMS) + 1}` : `Person ${((k - 1) % PEOPLE) + 1}`, contributors: `Team ${((k + 7) % TEAMS) + 1}; Person ${((k + 13) % PEOPLE) + 1}`,
        milestones: PHRASES.slice(0, MILESTONES_PER_ACTION).map((p) => `Step for ${k}: ${p}`).join("\n"),
        whatWeWillDo: "", howWeWillDoIt: "", howWeWillKnow: "", state: "", note: "", linkedOwners: "", linkedContributors: "",
      };
    }
  }
  await writeWorkbook(file, [
    { kind: "partnership", rows: [{ slug: "bench-import", name: "Generated partnership" }] },
    { kind: "plans", rows: [{ key: "gen-2026-30", title: "Generated plan 2026-30", kind: "cypp", periodStart: "2026-04-01", periodEnd: "2030-03-31", source: "" }] },
    {
      kind: "priorities",
      rows: Array.from({ length: PRIORITIES }, (_, i) => ({ plan: "gen-2026-30", kind: "priority", number: i + 1, title: `Priority ${i + 1}`, outcome: "", obsession: "", startingPoint: "", refPrefix: "GEN", sponsors: `Person ${i + 1}`, leads: `Person ${i + 11}`, note: "" })),
    },
    { kind: "people", rows: people() },
    { kind: "teams", rows: teams() },
    { kind: "actions", rows: actions() },
  ]);
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; ms: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const { DATABASE_URL: _unused, ...inherited } = process.env;
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...inherited, LOG_LEVEL: "error", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, ms: Math.round(performance.now() - started), stdout, stderr }));
  });
}

const maxRss = (stderr: string): number => {
  const match = /\{"maxRssBytes":(\d+)\}/.exec(stderr);
  if (!match) throw new Error(`no RSS report in: ${stderr.slice(-500)}`);
  return Number(match[1]);
};
const mb = (n: number) => Math.round(n / 1024 / 1024);

/** What the personal-data guard adds to the import: the detectors over every free-text cell of the file, in this process. */
async function guardCost(file: string) {
  const reading = readPartnershipWorkbook(await readWorkbookFile(file), { fileName: path.basename(file) });
  const known = { names: reading.data.people.map((p) => p.name), emails: new Set(reading.data.people.flatMap((p) => (p.email ? [p.email] : []))) };
  const started = performance.now();
  const held = findHeldCells(reading.freeText, known, DEFAULT_GUARD_POLICY);
  return { freeTextCells: reading.freeText.length, ms: Math.round(performance.now() - started), heldCells: held.length };
}

/** The import section of npm run bench. */
export async function benchImport() {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-bench-import-"));
  try {
    const file = path.join(dir, "generated-plan.xlsx");
    const dataDir = path.join(dir, "data");
    await writeGeneratedWorkbook(file);
    const probe = path.join(ROOT, "bench/probes/report-rss.mjs");
    const first = await run(["--import", probe, "bin/curve.js", "import", file], { DATA_DIR: dataDir });
    if (first.code !== 0) throw new Error(`curve import exited ${first.code}: ${first.stderr.slice(-800)}`);
    const again = await run(["--import", probe, "bin/curve.js", "import", file], { DATA_DIR: dataDir });
    if (again.code !== 0) throw new Error(`curve import (again) exited ${again.code}: ${again.stderr.slice(-800)}`);
    const bare = await run(["--import", probe, "bench/probes/pglite-only.mjs", dataDir], {});
    const guard = await guardCost(file);
    const [importBytes, againBytes, bareBytes] = [maxRss(first.stderr), maxRss(again.stderr), maxRss(bare.stderr)];
    return {
      workbook: { actions: ACTIONS, milestones: ACTIONS * MILESTONES_PER_ACTION, people: PEOPLE, teams: TEAMS, bytes: statSync(file).size },
      import: { ms: first.ms, targetMs: 60_000, summary: first.stdout.split("\n").slice(1, 3).join(" ") },
      personalDataGuard: guard,
      reimport: { ms: again.ms, targetMs: 20_000, changedNothing: again.stdout.includes("Nothing to change") },
      peakRss: { barePgliteMb: mb(bareBytes), importMb: mb(importBytes), reimportMb: mb(againBytes), ratio: Math.round((Math.max(importBytes, againBytes) / bareBytes) * 100) / 100, targetRatio: 1.5 },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
