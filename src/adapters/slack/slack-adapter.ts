import { App, ExpressReceiver, LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import express, { type Express } from "express";
import { warn, type Logger } from "../../commands/context.ts";
import type { AdapterEnvironment, ChatAdapter } from "../chat/chat-adapter.ts";
import { brokenTextProperty, readRawBody, refuseBrokenText, untilStarted } from "./broken-text-guard.ts";
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
    : new ExpressReceiver({
        signingSecret: options.signingSecret,
        router,
        endpoints: SLACK_EVENTS_PATH,
        processBeforeResponse: false,
        logger,
        customPropertiesExtractor: brokenTextProperty,
        // Slack stops waiting after 3 seconds; the request is closed (404, as Bolt does), and the
        // answer, when it comes, goes through the response_url (slack-handlers.ts, ackOnce).
        unhandledRequestHandler: ({ response }) => {
          warn(env.log, "slack request not answered within 3 seconds; its answer will follow through the response_url");
          if (!response.headersSent) response.writeHead(404).end();
        },
      });
  const app = new App({
    token: options.botToken,
    logger,
    clientOptions,
    // Bolt checks the token in its constructor, where a refusal is an unhandled rejection it
    // then keeps; deferred, the check runs in connect(), which curve serve retries.
    deferInitialization: true,
    ...(receiver ? { receiver } : { socketMode: true, appToken: options.appToken, signingSecret: options.signingSecret }),
  });
  const limiter = new OutboundLimiter(env.log);
  const workspace = new SlackWorkspace(env, app.client, limiter);
  // Before every listener: text that arrived broken is refused whole, whatever it was for.
  app.use(refuseBrokenText(env.log));
  registerSlackHandlers(app, env, workspace);
  app.error(async (error) => env.log.error("slack handler failed", { error: error instanceof Error ? error.message : String(error) }));
  let socketOpen = false;
  let initialized = false;

  return {
    platform: "slack",
    mount(server: Express) {
      if (!receiver) return;
      // Slack signs with the real time; the plans' clock (the demo's, or one set with --now) must not judge it.
      server.use(SLACK_EVENTS_PATH, futureTimestampGuard(() => new Date()));
      // The bytes as sent, before Bolt decodes them: invalid UTF-8 can only be seen here.
      server.use(SLACK_EVENTS_PATH, readRawBody(options.signingSecret, env.log));
      // Until Bolt has started it cannot take a request: a signed one is answered in one sentence.
      server.use(SLACK_EVENTS_PATH, untilStarted(options.signingSecret, () => initialized, env.log));
      server.use(router);
    },
    // A refused or unreachable Slack must not stop curve serve: it calls this again later.
    async connect() {
      try {
        if (!initialized) {
          await app.init();
          initialized = true;
        }
        await workspace.adoptOwnTeam();
        if (!receiver && !socketOpen) {
          await app.start();
          socketOpen = true;
        }
      } catch (error) {
        throw new Error(slackStartFailure(error, options.apiUrl));
      }
    },
    async close() {
      if (!receiver && socketOpen) await app.stop();
      await limiter.stop();
    },
    sendToPerson: (personId, reply, options) => workspace.sendToPerson(personId, reply, options),
    sendToChannel: (_tenant, channel, reply) => workspace.sendToChannel(channel, reply),
    syncChannelCard: (partnershipId, card) => workspace.syncChannelCard(partnershipId, card),
    refreshHomes: (partnershipId, actionIds, actorPersonId) => workspace.refreshHomes(partnershipId, actionIds, actorPersonId),
    idle: () => limiter.idle(),
  } as ChatAdapter & { idle(): Promise<void> };
}

/** One sentence for an operator: the token refused, or Slack unreachable. */
function slackStartFailure(error: unknown, apiUrl: string | undefined): string {
  const e = error as { code?: string; data?: { error?: string }; original?: { code?: string; message?: string }; message?: string };
  const code = e?.data?.error;
  if (code && ["invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "no_permission"].includes(code)) {
    return `Slack refused the bot token (${code}): check SLACK_BOT_TOKEN.`;
  }
  if (code) return `Slack answered ${code} when Curve checked its bot token.`;
  const cause = e?.original?.code ?? e?.original?.message ?? e?.message ?? String(error);
  return `Slack could not be reached at ${apiUrl ?? "slack.com"} (${String(cause).split("\n")[0]}).`;
}

/** Bolt's logger interface onto Curve's structured log (Bolt's debug chatter is dropped). */
function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  return {
    debug: () => undefined,
    info: (...msg: unknown[]) => log.info("bolt", { detail: msg.map(String).join(" ") }),
    warn: (...msg: unknown[]) => warn(log, "bolt warning", { detail: msg.map(String).join(" ") }),
    error: (...msg: unknown[]) => log.error("bolt error", { detail: msg.map(String).join(" ") }),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}
