import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { ChatAdapter } from "../adapters/chat/chat-adapter.ts";
import { appliedMigrations, readMigrations } from "../adapters/db/migrator.ts";
import type { Config } from "./config.ts";
import { openRuntime, type Runtime } from "./runtime.ts";
import { insightRoutes } from "../adapters/charts/chart-route.ts";
import { webRoutes } from "../adapters/web/web-routes.ts";
import { startScheduler, type Scheduler } from "./scheduler.ts";

export interface RunningServer {
  url: string;
  port: number;
  runtime: Runtime;
  adapters: ChatAdapter[];
  scheduler: Scheduler | null;
  close(): Promise<void>;
}

/**
 * `curve serve`: one HTTP server for Slack (/slack/events), Teams (/api/messages) and the
 * health checks. Each chat adapter starts only when its credentials are configured.
 */
export async function startServer(config: Config, options: { clock?: () => Date; schedule?: boolean } = {}): Promise<RunningServer> {
  // The embedded database runs on a thread of its own, so no query holds the thread that answers HTTP.
  const runtime = await openRuntime(config, { pglite: "worker", holder: "curve serve" });
  const { log } = runtime;
  const clock = options.clock ?? (() => new Date());
  const app = express();
  app.disable("x-powered-by");
  app.get("/healthz", (_req, res) => void res.json({ ok: true }));
  app.get("/readyz", async (_req, res) => {
    try {
      const applied = new Set((await appliedMigrations(runtime.db.sql)).map((m) => m.migration_name));
      const pending = readMigrations().filter((m) => !applied.has(m.name)).map((m) => m.name);
      if (pending.length) return void res.status(503).json({ ready: false, reason: "migrations pending", pending });
      res.json({ ready: true, database: runtime.db.kind });
    } catch (error) {
      log.error("readiness check failed", { error: error instanceof Error ? error.message : String(error) });
      res.status(503).json({ ready: false, reason: "database unreachable" });
    }
  });

  const env = { deps: runtime.deps, log, clock };
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
  app.use((_req, res) => void res.status(404).json({ error: "not found" }));

  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.PORT, "0.0.0.0", resolve);
  });
  // Longer than a load balancer's idle timeout (AWS ALB and nginx: 60 s), so an idle keep-alive
  // connection is always closed by the balancer first, never by Curve while a request is on its way
  // (Node's default of 5 s makes that race answer ECONNRESET or a 502).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = (server.address() as AddressInfo).port;
  // `curve serve` runs the sweeps and the worker on schedule; tests drive them themselves.
  const scheduler = options.schedule ? startScheduler(runtime, adapters, clock) : null;
  log.info("curve serve listening", { port, database: runtime.db.kind, adapters: adapters.map((a) => a.platform), schedules: scheduler ? "on" : "off" });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    runtime,
    adapters,
    scheduler,
    async close() {
      await scheduler?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      for (const adapter of adapters) await adapter.close();
      await runtime.close();
    },
  };
}
