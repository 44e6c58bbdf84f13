import { App, ExpressReceiver, LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import express, { type Express } from "express";
import type { Logger } from "../../commands/context.ts";
import type { AdapterEnvironment, ChatAdapter } from "../chat/chat-adapter.ts";
import { OutboundLimiter } from "./outbound-limiter.ts";
import { futureTimestampGuard } from "./request-guard.ts";
import { registerSlackHandlers } from "./slack-handlers.ts";
import { SlackWorkspace } from "./slack-workspace.ts";

export interface SlackOptions {
  signingSecret: string;
  botToken: string;
  /** Web API base, for GovSlack-style hosts and tests; Slack's own when unset. */
  apiUrl: string | undefined;
  /** An app-level token turns on Socket Mode, for partners behind a firewall. */
  appToken: string | undefined;
}

export const SLACK_EVENTS_PATH = "/slack/events";

/**
 * Curve in Slack: Bolt 5 receives slash commands, buttons, modals and events; everything
 * else is the shared command table. Over HTTP it mounts on curve serve's server; with an
 * app-level token it connects by Socket Mode instead.
 */
export async function createSlackAdapter(env: AdapterEnvironment, options: SlackOptions): Promise<ChatAdapter> {
  const logger = boltLogger(env.log);
  const clientOptions = {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl.endsWith("/") ? options.apiUrl : `${options.apiUrl}/` } : {}),
    // Calls made while Slack waits for an ack must fail fast; the limiter retries sends itself.
    retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 500 },
    rejectRateLimitedCalls: true,
  };
  const router = express.Router();
  const receiver = options.appToken
    ? undefined
    : new ExpressReceiver({ signingSecret: options.signingSecret, router, endpoints: SLACK_EVENTS_PATH, processBeforeResponse: false, logger });
  const app = new App({
    token: options.botToken,
    logger,
    clientOptions,
    ...(receiver ? { receiver } : { socketMode: true, appToken: options.appToken, signingSecret: options.signingSecret }),
  });
  const limiter = new OutboundLimiter(env.log);
  const workspace = new SlackWorkspace(env, app.client, limiter);
  await workspace.adoptOwnTeam();
  registerSlackHandlers(app, env, workspace);
  app.error(async (error) => env.log.error("slack handler failed", { error: error instanceof Error ? error.message : String(error) }));
  if (!receiver) await app.start();

  return {
    platform: "slack",
    mount(server: Express) {
      if (!receiver) return;
      server.use(SLACK_EVENTS_PATH, futureTimestampGuard(env.clock));
      server.use(router);
    },
    async close() {
      if (!receiver) await app.stop();
      await limiter.idle();
    },
    sendToPerson: (personId, reply, options) => workspace.sendToPerson(personId, reply, options),
    sendToChannel: (_tenant, channel, reply) => workspace.sendToChannel(channel, reply),
    idle: () => limiter.idle(),
  } as ChatAdapter & { idle(): Promise<void> };
}

/** Bolt's logger interface onto Curve's structured log (Bolt's debug chatter is dropped). */
function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  return {
    debug: () => undefined,
    info: (...msg: unknown[]) => log.info("bolt", { detail: msg.map(String).join(" ") }),
    warn: (...msg: unknown[]) => log.info("bolt warning", { detail: msg.map(String).join(" ") }),
    error: (...msg: unknown[]) => log.error("bolt error", { detail: msg.map(String).join(" ") }),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}
