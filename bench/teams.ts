// Teams: time from an activity POSTed to /api/messages to Curve's reply arriving at the
// Bot Connector, for "milestone done", at concurrency 1 and 10, on PGlite, beside a bare
// teams-ai app that only echoes (bench/probes/bare-teams-echo.ts) measured the same way in the same run.
//
// Curve runs in this thread. The Teams side (the fake Bot Connector and the client
// posting activities) runs in a worker thread, as it runs elsewhere in real use, so that
// it neither takes the server's event loop nor is timed as part of Curve.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { readConfig } from "../src/bot/config.ts";
import { startServer } from "../src/bot/serve.ts";
import { FakeConnector } from "../test/support/teams-fake-connector.ts";
import { fixture } from "../test/support/teams-server.ts";
import { generatePartnership } from "./generate.ts";
import { percentiles } from "./percentiles.ts";
import { startBareTeamsEcho } from "./probes/bare-teams-echo.ts";

const HARNESS = "curve-teams-bench-harness";
const PEOPLE = 100;
// Person n owns GEN-n, GEN-(n + people), … (bench/generate.ts): 5 actions of 4 milestones each.
const MILESTONES_EACH = 20;

interface Job {
  role: typeof HARNESS;
  serverUrl: string;
  generatedPeople: number;
  samples: { concurrency1: number; concurrency10: number };
  /** curve: each "milestone done" must come back as a done card; echo: the bare app's echo. */
  expect: "curve" | "echo";
}

/** Runs the Teams side in a worker thread against serverUrl and returns its timings. */
function runHarness(job: Job): Promise<Record<string, unknown>> {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    // The worker runs this same TypeScript file; Node 20 gives workers no loader hooks, so it registers tsx itself.
    const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: job });
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the Teams bench harness exited (${code}) before reporting`)));
  });
}

export async function benchTeams(options: { samples?: Job["samples"] } = {}): Promise<object> {
  const samples = options.samples ?? { concurrency1: 500, concurrency10: 1000 };
  if (samples.concurrency1 + samples.concurrency10 > PEOPLE * MILESTONES_EACH) throw new Error("not enough open milestones for that many samples");
  const echo = await startBareTeamsEcho();
  let bareEcho: Record<string, unknown>;
  try {
    bareEcho = await runHarness({ role: HARNESS, serverUrl: echo.url, generatedPeople: PEOPLE, samples, expect: "echo" });
  } finally {
    await echo.close();
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), "curve-bench-teams-"));
  try {
    const server = await startServer(readConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "error", CURVE_TEAMS_ALLOW_UNAUTHENTICATED: "1" }), {
      clock: () => new Date("2026-11-23T10:00:00Z"),
    });
    try {
      const generated = await generatePartnership(server.runtime.db.sql, `bench-teams-${Date.now().toString(36)}`);
      const timings = await runHarness({ role: HARNESS, serverUrl: server.url, generatedPeople: generated.people, samples, expect: "curve" });
      const p99 = (t: Record<string, unknown>) => (t.concurrency10 as { p99Ms: number }).p99Ms;
      return {
        benchmark: "teams: POST /api/messages to the reply reaching the Bot Connector, milestone done",
        database: server.runtime.db.kind,
        data: { people: generated.people, actions: generated.actions, milestones: generated.milestones, teamsUsers: PEOPLE },
        ...timings,
        bareTeamsEcho: bareEcho,
        p99RatioAtConcurrency10: Math.round((p99(timings) / p99(bareEcho)) * 100) / 100,
        targets: { p99RatioAtConcurrency10: 3 },
      };
    } finally {
      // Closed (database included) before its directory is removed.
      await server.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The Teams side: a fake Bot Connector, and people sending messages to Curve. */
async function harness(job: Job): Promise<Record<string, unknown>> {
  const fake = await FakeConnector.start();
  try {
    for (let n = 1; n <= PEOPLE; n++) fake.addMember({ id: `29:person-${n}`, name: `Person ${n}`, aadObjectId: `aad-person-${n}`, email: `person${n}@example.org` });
    const template = fixture("message.personal");
    let sequence = 0;
    /** One message from person n, timed from the POST to its reply reaching the connector. */
    const send = async (n: number, text: string): Promise<number> => {
      const id = `bench-${++sequence}`;
      const activity = {
        ...template,
        id,
        text,
        serviceUrl: fake.url,
        from: { id: `29:person-${n}`, name: `Person ${n}`, aadObjectId: `aad-person-${n}` },
        conversation: { ...(template.conversation as object), id: `a:person-${n}` },
      };
      const started = performance.now();
      const arrived = fake.next((c) => c.replyToId === id, 30_000);
      const response = await fetch(`${job.serverUrl}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
      if (response.status !== 200) throw new Error(`bench: /api/messages answered ${response.status}`);
      const reply = await arrived;
      if (job.expect === "echo" && !JSON.stringify(reply.body).includes(`echo: ${text}`)) {
        throw new Error(`bench: the echo app answered ${JSON.stringify(reply.body).slice(0, 400)}`);
      }
      if (job.expect === "curve" && text.startsWith("milestone done") && !JSON.stringify(reply.body).includes('"color":"Good"')) {
        throw new Error(`bench: milestone done failed: ${JSON.stringify(reply.body).slice(0, 400)}`);
      }
      return reply.at - started;
    };
    // Warm-up: each person's first message links their account (a member lookup), as in real use.
    for (let n = 1; n <= PEOPLE; n++) await send(n, "milestone list mine");

    let slot = 0;
    const next = () => {
      const i = slot++;
      const n = (i % PEOPLE) + 1;
      const k = Math.floor(i / PEOPLE);
      return { n, text: `milestone done GEN-${n + job.generatedPeople * Math.floor(k / 4)}.${(k % 4) + 1} evidence for the benchmark` };
    };
    const run = async (count: number, concurrency: number) => {
      const times: number[] = [];
      let left = count;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (left-- > 0) {
            const { n, text } = next();
            times.push(await send(n, text));
          }
        }),
      );
      return percentiles(times);
    };
    return { concurrency1: await run(job.samples.concurrency1, 1), concurrency10: await run(job.samples.concurrency10, 10) };
  } finally {
    await fake.close();
  }
}

if (!isMainThread && (workerData as Job | undefined)?.role === HARNESS) {
  parentPort!.postMessage(await harness(workerData as Job));
} else if (isMainThread && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await benchTeams(), null, 2)}\n`);
}
