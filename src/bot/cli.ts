import { parseArgs } from "node:util";
import { readNowFlag } from "./now-flag.ts";
import type { PlannedItem } from "../jobs/nudge-sweep.ts";
import { explainsItself, readConfig, type Config } from "./config.ts";
import { createLogger } from "./logger.ts";
import { openDatabaseEarly, openRuntime, type Runtime, type RuntimeOptions } from "./runtime.ts";
import { chooseClock, describeClock } from "./clock.ts";
import { collectStatus, redactUrl } from "./status.ts";

const USAGE = `Usage: curve <command>

  start                 first run: migrate, load the demo if the database is empty, open the local chat
  shell [--as NAME] [--now TIME] [--partnership SLUG]
                        chat with Curve in this terminal (pipe commands in to script it);
                        --now sets the clock (it ticks on from there)
  migrate               apply pending database migrations
  seed --demo           load the Leeds demo plans (loading twice changes nothing)
  status [--json]       database, migrations and counts
  import FILE… [--dry-run] [--partnership SLUG] [--plan KEY] [--json]
                        import plans, people, teams and indicators from .xlsx or .csv
                        (all or nothing); --dry-run says what would change
                        --confirm-personal-data "Sheet!E12,…" confirms cells the
                        personal-data guard held (those that ask, named exactly)
  export [PLAN] --xlsx FILE
                        write a plan (or every plan, with people, teams and indicators)
                        in the same columns
  plan refresh PLAN --to NEW --period 2015-19 [--title "…"] [--dry-run] [--now TIME]
                        refresh a plan into its successor: copies outcomes and priorities,
                        carries open actions and indicators over, closes the old plan
  serve                 the HTTP server for Slack and Teams, with /healthz and /readyz
  nudge --now TIME [--dry-run] [--json] [--partnership SLUG]
                        the nudge sweep at TIME (ISO 8601): what goes to whom; without
                        --dry-run it enqueues them (once per time, however often it runs)
  digest --dry-run --as NAME --now TIME [--partnership SLUG]
                        the weekly digest that person would get at TIME
  manifest slack --url https://your.host
                        print the Slack app manifest with your address filled in
  manifest teams --app-id ID --url https://your.host [--zip out.zip]
                        the Teams app manifest, or the package to upload
  report <monthly|quarterly|obsessions|indicators> --now TIME [--plan P] [--period P]
         [--format md|xlsx|pdf] [--out FILE]
                        a report as the board reads it (Markdown on stdout by default)
  report board-pack --now TIME [--plan P] [--period P] --xlsx FILE | --pdf FILE
                        the board pack: exceptions, indicators with charts, actions, risks

Configuration comes from the environment; see README.md.`;


/**
 * The lines of USAGE for one command (an entry starts two spaces in; its continuation lines are
 * indented further), under "Usage:"; the whole of USAGE for a command it does not list.
 */
export function usageOf(command: string): string {
  const entries: string[][] = [];
  for (const line of USAGE.split("\n")) {
    if (/^  \S/.test(line)) entries.push([line]);
    else if (/^   /.test(line) && entries.length > 0) entries.at(-1)!.push(line);
  }
  const mine = entries.filter((e) => e[0]!.trim().split(/\s+/)[0] === command);
  return mine.length === 0 ? USAGE : `Usage: curve ${command} …\n\n${mine.map((e) => e.join("\n")).join("\n")}\n\nConfiguration comes from the environment; see README.md.`;
}

/** "ATT-2.1 due (team member)", "LAC-2.1 raised (lead: 14 days overdue)": what reaches a person, and why. */
function describeItem(item: PlannedItem): string {
  const why = item.because.replace("_", " ");
  return item.kind === "nudge" ? `${item.ref} ${item.stage.replace("_", " ")} (${why})` : `${item.ref} raised (${why}: ${item.reason})`;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  // "curve import --help": the command's own lines of the usage, not "Unknown option '--help'".
  const beforeOperands = rest.includes("--") ? rest.slice(0, rest.indexOf("--")) : rest;
  if (beforeOperands.includes("--help") || beforeOperands.includes("-h")) {
    process.stdout.write(`${usageOf(command)}\n`);
    return 0;
  }
  if (command === "manifest") return manifest(rest);
  const config = readConfig();
  switch (command) {
    case "serve":
      return serve(config);
    case "nudge": {
      const { values } = parseArgs({ args: rest, options: { now: { type: "string" }, "dry-run": { type: "boolean" }, json: { type: "boolean" }, partnership: { type: "string" } } });
      const now = parseNow(values.now);
      if (!now) return 2;
      return withRuntime(config, { migrate: true }, async (rt) => {
        const partnership = await choosePartnership(rt, values.partnership);
        if (!partnership) return 2;
        const { previewNudgeSweep, runNudgeSweep } = await import("../jobs/nudge-sweep.ts");
        const { jobStoreOf } = await import("../adapters/db/job-store.ts");
        const jobs = jobStoreOf(rt.db);
        const report = values["dry-run"] ? await previewNudgeSweep(jobs, partnership.id, now) : await runNudgeSweep(jobs, partnership.id, now);
        if (values.json) {
          process.stdout.write(`${JSON.stringify({ now: now.toISOString(), dryRun: Boolean(values["dry-run"]), deliveries: report.deliveries }, null, 2)}\n`);
        } else {
          const verb = values["dry-run"] ? "would send" : "enqueued";
          process.stdout.write(
            report.deliveries.length === 0
              ? `Nothing to send at ${now.toISOString()}.\n`
              : `${report.deliveries.length} ${verb}:\n${report.deliveries.map((d) => `  ${d.person}: ${d.items.map(describeItem).join(", ")}  [${d.key}]`).join("\n")}\n`,
          );
        }
        return 0;
      });
    }
    case "report": {
      const { reportCommand } = await import("./report-cli.ts");
      return reportCommand(rest, { parseNow, choosePartnership, withRuntime: (work) => withRuntime(config, { migrate: true }, work) });
    }
    case "import": {
      const { importCommand } = await import("./import-command.ts");
      return importCommand(rest, config);
    }
    case "export": {
      const { exportCommand } = await import("./export-command.ts");
      return exportCommand(rest, config);
    }
    case "plan": {
      const { planCommand } = await import("./plan-command.ts");
      return planCommand(rest, config);
    }
    case "migrate":
      return withRuntime(config, { migrate: true }, async (rt) => {
        const report = rt.migration!;
        process.stdout.write(
          report.applied.length
            ? `Applied ${report.applied.length} migration(s): ${report.applied.join(", ")}\n`
            : `Database is up to date (${report.alreadyApplied.length} migration(s) applied).\n`,
        );
        return 0;
      });
    case "seed": {
      const { values } = parseArgs({ args: rest, options: { demo: { type: "boolean" } } });
      if (!values.demo) {
        process.stderr.write("curve seed loads the Leeds demo plans: run curve seed --demo\n");
        return 2;
      }
      return withRuntime(config, { migrate: true }, async (rt) => {
        const report = await seedDemo(rt);
        process.stdout.write(
          `Demo partnership loaded: ${report.createdPlans.length ? `created ${report.createdPlans.join(", ")}` : "nothing new"}` +
            `${report.skippedPlans.length ? `; already present: ${report.skippedPlans.join(", ")}` : ""}.\n`,
        );
        return 0;
      });
    }
    case "digest": {
      const { values } = parseArgs({ args: rest, options: { now: { type: "string" }, "dry-run": { type: "boolean" }, as: { type: "string" }, partnership: { type: "string" } } });
      if (!values["dry-run"] || !values.as) {
        process.stderr.write('Usage: curve digest --dry-run --as "Simon Whitehead" --now 2011-09-26T08:30:00+01:00\n');
        return 2;
      }
      const now = parseNow(values.now);
      if (!now) return 2;
      return withRuntime(config, { migrate: true }, async (rt) => {
        const partnership = await choosePartnership(rt, values.partnership);
        if (!partnership) return 2;
        // Found as the shell finds who you are: "Simon" that could be two people says which two.
        const { findPerson } = await import("../adapters/shell/shell.ts");
        const person = await findPerson(rt.deps, partnership.id, values.as!.trim(), (line) => process.stderr.write(`${line}\n`));
        if (!person) return 1;
        const { previewDigest } = await import("../jobs/digests.ts");
        const { jobStoreOf } = await import("../adapters/db/job-store.ts");
        const { renderText } = await import("../adapters/shell/render-text.ts");
        const scorecard = await rt.deps.web?.linkTo(partnership.id, { page: "scorecard" }, now);
        const digest = await previewDigest(jobStoreOf(rt.db), partnership.id, person.id, now, scorecard?.url ?? null);
        process.stdout.write(digest ? `${renderText(digest)}\n` : `Nothing to report for ${person.name}: no digest would be sent.\n`);
        return 0;
      });
    }
    case "status": {
      const { values } = parseArgs({ args: rest, options: { json: { type: "boolean" } } });
      return withRuntime(config, { migrate: false }, async (rt) => {
        const status = await collectStatus(rt.db, config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : config.DATA_DIR);
        if (values.json) {
          process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        } else {
          const c = status.counts;
          process.stdout.write(
            `Database: ${status.database.kind} (${status.database.location})\n` +
              `Migrations: ${status.migrations.applied.length} applied, ${status.migrations.pending.length} pending\n` +
              `Plans ${c.plans}, actions ${c.actions}, milestones ${c.milestones}, people ${c.people}, indicators ${c.indicators}, pledges ${c.pledges}\n` +
              status.plans.map((p) => `  ${p.key}: ${p.actions} actions, ${p.milestones} milestones\n`).join(""),
          );
        }
        return 0;
      });
    }
    case "shell":
    case "start": {
      const { values } = parseArgs({ args: rest, options: { as: { type: "string" }, partnership: { type: "string" }, now: { type: "string" } } });
      const setTo = values.now === undefined ? null : parseNow(values.now);
      if (values.now !== undefined && !setTo) return 2;
      // The database starts opening before the shell and the commands load, so PGlite's
      // WebAssembly compiles while they do; the first prompt still waits for it, migrated.
      const log = createLogger(config.LOG_LEVEL);
      const database = openDatabaseEarly(config, { holder: `curve ${command}` }, log);
      const shell = import("../adapters/shell/shell.ts");
      shell.catch(() => undefined);
      return withRuntime(config, { migrate: true, database, log }, async (rt) => {
        let partnerships = await rt.deps.store.partnerships();
        if (command === "start" && partnerships.length === 0) {
          process.stderr.write("First run: loading the Leeds demo plans…\n");
          await seedDemo(rt);
          partnerships = await rt.deps.store.partnerships();
        }
        const partnership = pickPartnership(partnerships, values.partnership);
        if (!partnership) return 2;
        const clock = chooseClock(partnerships.map((p) => p.slug), setTo);
        const { runShell } = await shell;
        return runShell({
          deps: rt.deps,
          partnership,
          as: values.as,
          input: process.stdin,
          output: process.stdout,
          interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
          clock: clock.now,
          clockNote: describeClock(clock, rt.config.TZ_DEFAULT),
          // Nothing before the prompt went through Prisma: its query compiler loads now,
          // while the person types. A failure here is the first command's to report.
          whenWaiting: () => void rt.db.prisma.$connect().catch((error: unknown) => rt.log.debug?.("database client did not connect ahead of the first command", { error })),
        });
      });
    }
    default:
      process.stderr.write(`curve has no "${command.slice(0, 40)}" command.\n${USAGE}\n`);
      return 2;
  }
}

/** --now takes an ISO 8601 time with its offset, e.g. 2011-09-26T09:00:00+01:00. */
function parseNow(value: string | undefined): Date | null {
  const now = readNowFlag(value);
  if (!now) {
    process.stderr.write("Give the time with --now as ISO 8601 with an offset, e.g. --now 2011-09-26T09:00:00+01:00\n");
    return null;
  }
  return now;
}

async function manifest(args: string[]): Promise<number> {
  const [platform, ...rest] = args;
  if (platform === "slack") {
    const { values } = parseArgs({ args: rest, options: { url: { type: "string" } } });
    if (!values.url) {
      process.stderr.write("Usage: curve manifest slack --url https://your.host\n");
      return 2;
    }
    const { slackManifest } = await import("../adapters/slack/manifest.ts");
    process.stdout.write(slackManifest(values.url));
    return 0;
  }
  if (platform === "teams") {
    const { teamsManifestCommand } = await import("../adapters/teams/app-package.ts");
    return teamsManifestCommand(rest);
  }
  process.stderr.write("Usage: curve manifest slack --url https://your.host | curve manifest teams --app-id ID --url https://your.host [--zip out.zip]\n");
  return 2;
}

/**
 * Runs until SIGINT or SIGTERM, then stops gracefully (see RunningServer.close): /readyz
 * answers 503 at once, nothing new is claimed, in-flight work finishes or is given back
 * within 10 s, and the process exits 0. A second signal does not cut that short; the
 * process manager's own kill timeout is the backstop.
 */
async function serve(config: Config): Promise<number> {
  const log = createLogger(config.LOG_LEVEL);
  // Whatever escapes a handler (a driver's error event, a rejected promise no one awaited)
  // is one JSON line in the log, not a crash with a coloured stack on stderr.
  // An uncaught exception leaves the process in an unknown state: stop as for a signal, exit 1.
  let failed = false;
  let stop: (reason: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => (stop = resolve));
  // Whatever happens after a stop is asked for (a start-up still under way, a close that
  // hangs), the process is gone within the grace period and a margin.
  void stopRequested.then(() => setTimeout(() => process.exit(failed ? 1 : 0), 25_000).unref());
  process.on("unhandledRejection", (error) => log.error("unhandled rejection", { error }));
  process.on("uncaughtException", (error) => {
    log.error("uncaught exception: curve serve stops", { error });
    failed = true;
    stop("uncaughtException");
  });
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  // The embedded database opens on a thread of its own while this one loads the server.
  const database = openDatabaseEarly(config, { pglite: "worker", holder: "curve serve" }, log);
  let server: Awaited<ReturnType<typeof import("./serve.ts").startServer>>;
  try {
    const { startServer } = await import("./serve.ts");
    server = await startServer(config, { schedule: config.CURVE_SCHEDULES, log, database });
  } catch (error) {
    // Nothing half-started may keep the process alive: say why in one line and leave. An error
    // that explains itself is printed once, as a sentence, by the process edge.
    if (!explainsItself(error)) log.error(`curve serve could not start: ${error instanceof Error ? error.message : String(error)}`, { error });
    setTimeout(() => process.exit(1), 500).unref();
    throw error;
  }
  if (server.clockNote) log.info(server.clockNote);
  // Without its database Curve cannot answer anything: stop, so a supervisor starts it again.
  void server.runtime.db.lost?.then((reason) => {
    log.error(`curve serve stops: ${reason}`);
    failed = true;
    stop("database lost");
  });
  const signal = await stopRequested;
  log.info("curve serve stopping", { signal });
  const ignore = () => log.info("curve serve is already stopping", {});
  process.on("SIGINT", ignore).on("SIGTERM", ignore);
  const started = Date.now();
  await server.close({ graceMs: 10_000 }).catch((error: unknown) => log.error("curve serve did not stop cleanly", { error }));
  log.info("curve serve stopped", { signal, tookMs: Date.now() - started });
  // Nothing should keep the process up now; if a library left a handle open, do not hang.
  setTimeout(() => process.exit(failed ? 1 : 0), 2000).unref();
  return failed ? 1 : 0;
}

async function seedDemo(rt: Runtime) {
  const [{ readDemo }, { importPartnership }] = await Promise.all([import("./demo.ts"), import("../adapters/db/import-plans.ts")]);
  const { partnership, plans } = readDemo();
  return importPartnership(rt.db.prisma, partnership, plans, { timeZone: rt.config.TZ_DEFAULT });
}

async function choosePartnership(rt: Runtime, slug: string | undefined) {
  return pickPartnership(await rt.deps.store.partnerships(), slug);
}

/** The partnership named by slug, or the only one; else null, having said how to choose. */
function pickPartnership<P extends { slug: string }>(partnerships: P[], slug: string | undefined): P | null {
  const all = [...partnerships].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  const chosen = slug ? all.find((p) => p.slug === slug) : all.length === 1 ? all[0] : undefined;
  if (chosen) return chosen;
  process.stderr.write(
    all.length === 0
      ? "There are no partnerships yet. Load the demo with: curve seed --demo\n"
      : `Choose a partnership with --partnership: ${all.map((p) => p.slug).join(", ")}\n`,
  );
  return null;
}

async function withRuntime(config: Config, options: { migrate: boolean; command?: string } & Pick<RuntimeOptions, "database" | "log">, work: (rt: Runtime) => Promise<number>): Promise<number> {
  const { command, ...rest } = options;
  const rt = await openRuntime(config, { ...rest, holder: `curve ${command ?? process.argv[2] ?? ""}`.trim() });
  try {
    return await work(rt);
  } finally {
    await rt.close();
  }
}
