import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { ChatAdapter } from "../adapters/chat/chat-adapter.ts";
import type { Logger } from "../commands/context.ts";
import { appliedMigrations, readMigrations } from "../adapters/db/migrator.ts";
import type { Config } from "./config.ts";
import type { Database } from "../adapters/db/open-database.ts";
import { openRuntime, type Runtime } from "./runtime.ts";
import { insightRoutes } from "../adapters/charts/chart-route.ts";
import { webRoutes } from "../adapters/web/web-routes.ts";
import { CHANGE_EFFECT_KINDS } from "../adapters/db/deliveries.ts";
import { DeliveryWorker } from "./delivery-worker.ts";
import { startScheduler, type Scheduler } from "./scheduler.ts";
import { AdapterSupervisor, type AdapterStatus } from "./adapter-supervisor.ts";
import { jsonErrors, notFound, requestIds } from "./http/error-handler.ts";
import { legalPages } from "./http/legal-pages.ts";
import { installOutboundProxy } from "../adapters/http/outbound-proxy.ts";
import { chooseClock, describeClock } from "./clock.ts";

// A proxy URL may carry a user and password: log the host only.
const redactProxy = (url: string | undefined) => (url ? new URL(url).host : null);

export interface RunningServer {
  url: string;
  port: number;
  runtime: Runtime;
  adapters: ChatAdapter[];
  scheduler: Scheduler | null;
  /** Each chat adapter's connection to its platform, as /readyz reports it. */
  adapterStatus(): AdapterStatus[];
  /** Said on start-up when the clock is not the real one (the demo's). */
  clockNote: string | null;
  /**
   * Graceful stop: /readyz answers 503 at once, the schedules and the delivery worker stop
   * claiming, in-flight sends finish or give their rows back within `graceMs`, then the
   * HTTP server, the adapters and the database close.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

export interface ServeOptions {
  clock?: () => Date;
  /**
   * The real time, for the database's own upkeep (scheduler.ts), which follows the machine's
   * nights, not a demo plan's clock. Injected by tests; the system clock when absent.
   */
  wallClock?: () => Date;
  schedule?: boolean;
  /** How soon an adapter that could not connect is tried again (doubling, capped). */
  adapterRetry?: { firstRetryMs: number; maxRetryMs: number };
  /** The log to write to (the CLI's); one is made from LOG_LEVEL when absent. */
  log?: Logger;
  /** The database, already opening on a worker (see openDatabaseEarly); opened here when absent. */
  database?: Promise<Database>;
}

/**
 * `curve serve`: one HTTP server for Slack (/slack/events), Teams (/api/messages) and the
 * health checks. Each chat adapter starts only when its credentials are configured.
 */
export async function startServer(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  // The embedded database runs on a thread of its own, so no query holds the thread that answers HTTP.
  const runtime = await openRuntime(config, { pglite: "worker", holder: "curve serve", ...(options.log ? { log: options.log } : {}), ...(options.database ? { database: options.database } : {}) });
  const { log } = runtime;
  // Before any adapter makes its first call: every outbound request honours the proxy.
  const proxy = installOutboundProxy({ httpProxy: config.HTTP_PROXY, httpsProxy: config.HTTPS_PROXY, noProxy: config.NO_PROXY });
  if (proxy.proxied) log.info("outbound proxy on", { https: redactProxy(config.HTTPS_PROXY), http: redactProxy(config.HTTP_PROXY), noProxy: config.NO_PROXY ?? "" });
  // The demo runs on its own clock, so every surface (replies, schedules, pages) agrees on the date.
  const chosen = options.clock ? null : chooseClock((await runtime.deps.store.partnerships()).map((p) => p.slug), null);
  const clock = options.clock ?? chosen!.now;
  let stopping = false;
  let supervisor: AdapterSupervisor | undefined;
  const app = express();
  app.disable("x-powered-by");
  app.use(requestIds());
  app.get("/healthz", (_req, res) => void res.json({ ok: true }));
  // Ready means: not shutting down, the database answers and is migrated. An adapter that is
  // still connecting is reported but does not take the instance out of the load balancer,
  // since the other adapters, the pages and the schedules still work.
  app.get("/readyz", async (_req, res) => {
    const adapters = supervisor?.status() ?? [];
    if (stopping) return void res.status(503).json({ ready: false, reason: "shutting down", adapters });
    try {
      const applied = new Set((await appliedMigrations(runtime.db.sql)).map((m) => m.migration_name));
      const pending = readMigrations().filter((m) => !applied.has(m.name)).map((m) => m.name);
      if (pending.length) return void res.status(503).json({ ready: false, reason: "migrations pending", pending, adapters });
      res.json({ ready: true, database: runtime.db.kind, adapters });
    } catch (error) {
      log.error("readiness check failed", { error });
      res.status(503).json({ ready: false, reason: "database unreachable", adapters });
    }
  });

  // The outbox's worker: with the schedules on it sends everything; with them off, only what
  // changes put there (announcements), so a test or the bench that drives sweeps itself sends those.
  let worker: DeliveryWorker | undefined;
  const env = { deps: runtime.deps, log, clock };
  // What a change puts in the outbox (announcements, a channel's card, App Home) is sent now,
  // not at the worker's next round; a change that put nothing there wakes nobody.
  runtime.db.outbox.onWritten(
    () => worker?.kick(),
    (error) => log.error("delivery worker could not be woken; it sends at its next round", { error }),
  );
  const adapters: ChatAdapter[] = [];
  if (config.SLACK_SIGNING_SECRET && config.SLACK_BOT_TOKEN) {
    const { createSlackAdapter } = await import("../adapters/slack/slack-adapter.ts");
    adapters.push(
      await createSlackAdapter(env, {
        signingSecret: config.SLACK_SIGNING_SECRET,
        botToken: config.SLACK_BOT_TOKEN,
        apiUrl: config.SLACK_API_URL,
        appToken: config.SLACK_APP_TOKEN,
      }),
    );
  } else {
    log.info("slack adapter off", { reason: "set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to turn it on" });
  }
  const teamsAuthenticated = Boolean(config.MICROSOFT_APP_ID && config.MICROSOFT_APP_PASSWORD);
  if (teamsAuthenticated || config.CURVE_TEAMS_ALLOW_UNAUTHENTICATED) {
    const { createTeamsAdapter } = await import("../adapters/teams/teams-adapter.ts");
    adapters.push(
      await createTeamsAdapter(env, {
        appId: config.MICROSOFT_APP_ID,
        appPassword: config.MICROSOFT_APP_PASSWORD,
        appTenantId: config.MICROSOFT_APP_TENANT_ID,
        allowedTenants: config.CURVE_TEAMS_TENANTS,
        allowUnauthenticated: !teamsAuthenticated && config.CURVE_TEAMS_ALLOW_UNAUTHENTICATED,
      }),
    );
  } else {
    log.info("teams adapter off", { reason: "set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD (or CURVE_TEAMS_ALLOW_UNAUTHENTICATED=1 for the emulator)" });
  }
  for (const adapter of adapters) adapter.mount(app);
  app.use(insightRoutes(runtime.deps.insights, { log, clock }));
  app.use(webRoutes(runtime.db, runtime.deps, { log, clock }));
  app.use(legalPages());
  app.use(notFound());
  app.use(jsonErrors(log));

  supervisor = new AdapterSupervisor(adapters, log, options.adapterRetry);
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.PORT, config.HOST, resolve);
  });
  // Longer than a load balancer's idle timeout (AWS ALB and nginx: 60 s), so an idle keep-alive
  // connection is always closed by the balancer first, never by Curve while a request is on its way
  // (Node's default of 5 s makes that race answer ECONNRESET or a 502).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = (server.address() as AddressInfo).port;
  await supervisor.start();
  // `curve serve` runs the sweeps and the worker on schedule; tests drive them themselves.
  worker = new DeliveryWorker({ sql: runtime.db.sql, deps: runtime.deps, adapters, clock, ...(options.schedule ? {} : { kinds: CHANGE_EFFECT_KINDS }) });
  const scheduler = options.schedule ? startScheduler(runtime, adapters, clock, worker, options.wallClock) : null;
  if (!scheduler) worker.start(5000);
  log.info("curve serve listening", { host: config.HOST, port, database: runtime.db.kind, adapters: adapters.map((a) => a.platform), schedules: scheduler ? "on" : "off" });
  let closing: Promise<void> | undefined;
  return {
    url: `http://${config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`,
    port,
    runtime,
    adapters,
    scheduler,
    adapterStatus: () => supervisor.status(),
    clockNote: chosen ? describeClock(chosen, config.TZ_DEFAULT) : null,
    close(closeOptions = {}) {
      closing ??= (async () => {
        stopping = true;
        const graceMs = closeOptions.graceMs ?? 10_000;
        const started = Date.now();
        // Announcements not yet posted stay in the outbox for the next start, or another instance.
        await (scheduler ? scheduler.stop({ graceMs }) : worker?.stop({ graceMs }));
        supervisor.stop();
        // Requests already being answered get what is left of the grace period.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections?.();
        const withinGrace = (work: Promise<unknown>) =>
          Promise.race([work, new Promise((resolve) => setTimeout(resolve, Math.max(0, graceMs - (Date.now() - started))).unref())]);
        await withinGrace(closed);
        server.closeAllConnections?.();
        // Adapters finish queued sends (channel posts, App Home views) in what is left of the grace.
        await withinGrace(Promise.all(adapters.map((adapter) => adapter.close().catch((error: unknown) => log.error("adapter did not close cleanly", { platform: adapter.platform, error })))));
        await runtime.close();
      })();
      return closing;
    },
  };
}
