// One process, Node's default heap: a partnership of 100,000 actions (400,000 milestones) and
// 20,000 people on PostgreSQL, then its first nudge sweep. Prints JSON: the sweep's time, the
// deliveries it enqueued, the longest event-loop delay while it ran and the process's peak RSS.
import { migrate } from "../../src/adapters/db/migrator.ts";
import { openDatabase } from "../../src/adapters/db/open-database.ts";
import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { watchEventLoop } from "../event-loop.ts";
import { generatePartnership } from "../generate.ts";

const url = new URL(process.argv[2]!);
const schema = url.searchParams.get("schema")!;
const db = await openDatabase({ databaseUrl: url.toString(), dataDir: "unused" });
try {
  await migrate(db.sql);
  const city = await generatePartnership(db.sql, "bench-100k", { people: 20_000, actions: 100_000, perAction: 4 });
  await db.sql.query("ANALYZE");
  const watch = watchEventLoop();
  const started = performance.now();
  const swept = await runNudgeSweep(jobStoreOf(db), city.partnershipId, new Date("2026-11-23T09:00:00Z"));
  const ms = performance.now() - started;
  const held = watch.stop();
  process.stdout.write(
    `${JSON.stringify({
      actions: city.actions,
      milestones: city.milestones,
      people: city.people,
      ms: Math.round(ms),
      deliveries: swept.deliveries.length,
      maxEventLoopDelayMs: held,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      heapLimitMb: Math.round((await import("node:v8")).getHeapStatistics().heap_size_limit / 2 ** 20),
    })}\n`,
  );
} finally {
  await db.sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await db.close();
}
