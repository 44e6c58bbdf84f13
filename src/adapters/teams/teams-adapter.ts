import { Application, type TurnState } from "@microsoft/teams-ai";
import { ActivityTypes, type TurnContext } from "botbuilder";
import type { Express } from "express";
import { warn } from "../../commands/context.ts";
import { renderChannelCard } from "../../commands/pledge.ts";
import type { ChannelCard } from "../../domain/reply.ts";
import type { AdapterEnvironment, ChatAdapter } from "../chat/chat-adapter.ts";
import { CurveBotAdapter, type BotCredentials } from "./bot-adapter.ts";
import { BUTTON_VERBS, CARD_VERBS } from "./card-data.ts";
import { messagesRouter, TEAMS_MESSAGES_PATH } from "./messages-endpoint.ts";
import { ProactiveSender } from "./proactive-sender.ts";
import { TeamsTurns } from "./teams-turns.ts";
import { TenantGate, tenantPolicy } from "./tenant-gate.ts";

export interface TeamsOptions {
  appId: string | undefined;
  appPassword: string | undefined;
  appTenantId: string | undefined;
  allowedTenants: string[];
  allowUnauthenticated: boolean;
}

/**
 * Curve in Microsoft Teams: a teams-ai Application on botbuilder, at POST /api/messages
 * on curve serve's server. Routes only translate; the command table does the work.
 */
export async function createTeamsAdapter(env: AdapterEnvironment, options: TeamsOptions): Promise<ChatAdapter & { sendToPerson: NonNullable<ChatAdapter["sendToPerson"]> }> {
  const adapter = new CurveBotAdapter(credentialsFrom(options));
  const gate = new TenantGate(env.deps.store, env.log, tenantPolicy(options));
  if (options.allowUnauthenticated) {
    warn(env.log, "teams adapter runs unauthenticated", { detail: "CURVE_TEAMS_ALLOW_UNAUTHENTICATED=1 is for the Bot Framework Emulator only, never production" });
  }
  if (gate.policy.kind === "any") {
    warn(env.log, "teams adapter accepts every Microsoft 365 tenant", { detail: "set MICROSOFT_APP_TENANT_ID or CURVE_TEAMS_TENANTS to name yours" });
  }
  const sender = new ProactiveSender(adapter, env.deps.store, env.log);
  const turns = new TeamsTurns(env, gate, sender);
  // No turn-state storage: all Curve remembers is in its database, so any instance can take any turn.
  const app = new Application<TurnState>({ adapter, botAppId: adapter.appId, startTypingTimer: false, removeRecipientMention: true, longRunningMessages: false });
  registerRoutes(app, turns);

  return {
    platform: "teams",
    mount(server: Express) {
      server.use(messagesRouter(adapter, async (context) => void (await app.run(context)), env.log, (context) => turns.refuseBrokenText(context)));
      env.log.info("teams adapter on", { path: TEAMS_MESSAGES_PATH, authenticated: !options.allowUnauthenticated, tenants: gate.policy.kind });
    },
    sendToPerson: (personId, reply) => sender.sendToPerson(personId, reply),
    sendToChannel: (tenant, channel, reply, options) => sender.sendToChannel(tenant, channel, reply, options?.personId),
    syncChannelCard: (partnershipId, card, options) => keepChannelCard(env, sender, partnershipId, card, options?.personId),
    async close() {},
  };
}

/**
 * A channel's card (a pledge's sign-up card) in a Teams channel, after a change: drawn from the
 * data as it is now, posted once as a thread, then updated in place (its place is kept with the
 * pledge). A card another platform keeps, or a channel not in Teams, is refused for good.
 */
async function keepChannelCard(env: AdapterEnvironment, sender: ProactiveSender, partnershipId: number, card: ChannelCard, personId?: number): Promise<{ messageRef: string }> {
  const [platform, tenant, ...rest] = card.channel.split(":");
  const channel = rest.join(":");
  const insights = env.deps.insights?.store;
  const refuse = (why: string) => Object.assign(new Error(why), { retryable: false });
  if (platform !== "teams" || !tenant || !channel || !insights) throw refuse(`${card.channel} is not a Teams channel Curve keeps cards in`);
  const drawn = await renderChannelCard(env.deps, partnershipId, card.key, env.clock());
  if (!drawn) throw refuse(`card ${card.key} no longer exists`);
  const ref = await insights.channelCardRef(partnershipId, card.key);
  if (ref && !ref.startsWith("teams|")) throw refuse(`card ${card.key} is kept on another platform`);
  const posted = await sender.syncChannelCard(tenant, channel, drawn.reply, ref, personId);
  if (!ref) await insights.saveChannelCardRef(partnershipId, card.key, posted);
  return { messageRef: posted };
}

function registerRoutes(app: Application<TurnState>, turns: TeamsTurns): void {
  const onCard = (context: TurnContext, _state: TurnState, data: unknown) => turns.cardAction(context, data);
  app.adaptiveCards.actionExecute([...BUTTON_VERBS], onCard);
  app.adaptiveCards.actionExecute(CARD_VERBS.form, onCard);
  app.adaptiveCards.actionExecute(CARD_VERBS.more, onCard);
  // A verb Curve never put on a card still gets an answer, not a 501.
  app.adaptiveCards.actionExecute(async (context) => isActionExecute(context), onCard);
  // Typed text, and Action.Submit from a client without universal actions (its data names the verb).
  app.activity(ActivityTypes.Message, (context) => turns.message(context));
  app.messageEventUpdate("editMessage", (context) => turns.edited(context));
  app.conversationUpdate("membersAdded", (context) => turns.installed(context));
  app.activity(ActivityTypes.InstallationUpdate, (context) => turns.installed(context));
}

const isActionExecute = (context: TurnContext): boolean =>
  context.activity.type === ActivityTypes.Invoke &&
  context.activity.name === "adaptiveCard/action" &&
  (context.activity.value as { action?: { type?: unknown } } | undefined)?.action?.type === "Action.Execute";

function credentialsFrom(options: TeamsOptions): BotCredentials | null {
  if (options.allowUnauthenticated) return null;
  if (!options.appId || !options.appPassword) {
    throw new Error("The Teams adapter needs MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD (or CURVE_TEAMS_ALLOW_UNAUTHENTICATED=1 for the emulator).");
  }
  return { appId: options.appId, appPassword: options.appPassword, appTenantId: options.appTenantId };
}
