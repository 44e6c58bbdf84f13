import type { Activity, ConversationParameters, ConversationReference } from "botbuilder";
import type { Logger } from "../../commands/context.ts";
import type { Store } from "../../commands/store.ts";
import type { Reply } from "../../domain/reply.ts";
import { cardMessage } from "./adaptive-card.ts";
import type { CurveBotAdapter } from "./bot-adapter.ts";

export type ProactiveErrorCode = "no_conversation" | "send_failed";

/** Why a message Curve started did not go; `retryable` tells the outbox whether trying later can help. */
export class ProactiveSendError extends Error {
  constructor(
    readonly code: ProactiveErrorCode,
    message: string,
    readonly retryable: boolean,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = "ProactiveSendError";
  }
}

/** Messages Curve starts itself: to a person's 1:1 chat (nudges, digests) and to a priority's channel. */
export class ProactiveSender {
  constructor(
    private readonly adapter: CurveBotAdapter,
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  /** Sends to the person's 1:1 chat with Curve and returns the new message's id, so it can be replaced later. */
  async sendToPerson(personId: number, message: Reply): Promise<{ messageRef: string }> {
    const found = await this.store.conversationOf(personId, "teams");
    const reference = found?.conversation as Partial<ConversationReference> | null | undefined;
    if (!found || !reference?.serviceUrl || !reference.conversation?.id || !reference.user) {
      throw new ProactiveSendError(
        "no_conversation",
        `Person ${personId} has no Teams conversation with Curve yet; they need to message Curve or add the app first.`,
        false,
      );
    }
    let sent: string | undefined;
    try {
      if (reference.conversation.conversationType === "personal") {
        await this.adapter.continueConversationAsync(this.adapter.appId, reference, async (context) => {
          sent = (await context.sendActivity(cardMessage(message)))?.id;
        });
      } else {
        // Known only from a channel or group chat: Teams opens (or finds) their 1:1 chat with Curve.
        const tenantId = reference.conversation.tenantId;
        const parameters = { isGroup: false, bot: reference.bot, members: [reference.user], tenantId, channelData: { tenant: { id: tenantId } } };
        await this.adapter.createConversationAsync(
          this.adapter.appId,
          reference.channelId ?? "msteams",
          reference.serviceUrl,
          DEFAULT_AUDIENCE,
          parameters as ConversationParameters,
          async (context) => {
            sent = (await context.sendActivity(cardMessage(message)))?.id;
            const personal = { ...reference, conversation: { id: context.activity.conversation.id, conversationType: "personal", tenantId, isGroup: false } };
            await this.store.rememberConversation(found.identity, personal);
          },
        );
      }
    } catch (error) {
      const status = (error as { statusCode?: unknown }).statusCode;
      const retryable = typeof status !== "number" || status === 429 || status >= 500;
      this.log.error("teams proactive send failed", { personId, status: status ?? null, error: error instanceof Error ? error.message : String(error) });
      throw new ProactiveSendError("send_failed", `Teams did not take the message for person ${personId}${typeof status === "number" ? ` (HTTP ${status})` : ""}.`, retryable, { cause: error });
    }
    if (!sent) throw new ProactiveSendError("send_failed", `Teams gave no message id for person ${personId}'s message.`, true);
    return { messageRef: sent };
  }

  /**
   * Posts a card as a new thread in a channel, or updates the one posted before under `ref`
   * (from a previous call), so a sign-up card is never re-posted. In Teams a channel thread's
   * conversation id ends ";messageid=<id of its first message>", which is the card to update.
   */
  async syncChannelCard(from: Activity, tenantId: string, channelId: string, message: Reply, ref: string | null): Promise<string> {
    const existing = ref ? TEAMS_CARD.exec(ref) : null;
    if (existing) {
      const [, serviceUrl, thread] = existing;
      const messageId = thread!.split(";messageid=")[1]!;
      const reference = { serviceUrl, channelId: from.channelId, conversation: { id: thread!, isGroup: true, tenantId }, bot: from.recipient } as Partial<ConversationReference>;
      await this.adapter.continueConversationAsync(this.adapter.appId, reference, async (context) => {
        await context.updateActivity({ ...cardMessage(message), id: messageId, conversation: reference.conversation } as Partial<Activity>);
      });
      return ref!;
    }
    let thread = "";
    const parameters = { isGroup: true, tenantId, channelData: { channel: { id: channelId }, tenant: { id: tenantId } }, activity: cardMessage(message) };
    await this.adapter.createConversationAsync(this.adapter.appId, from.channelId, from.serviceUrl, DEFAULT_AUDIENCE, parameters as ConversationParameters, async (context) => {
      thread = context.activity.conversation.id;
    });
    if (!thread.includes(";messageid=")) throw new ProactiveSendError("send_failed", "Teams did not say which message started the card's thread.", true);
    return `teams|${from.serviceUrl}|${thread}`;
  }

  /** Starts a thread in a channel of the tenant the activity came from (as botbuilder's sendMessageToTeamsChannel does). */
  async postToChannel(from: Activity, tenantId: string, channelId: string, message: Reply): Promise<void> {
    const parameters = { isGroup: true, tenantId, channelData: { channel: { id: channelId }, tenant: { id: tenantId } }, activity: cardMessage(message) };
    await this.adapter.createConversationAsync(this.adapter.appId, from.channelId, from.serviceUrl, DEFAULT_AUDIENCE, parameters as ConversationParameters, async () => undefined);
  }
}

/** "teams|<service url>|<thread conversation id>": where a channel card was posted. */
const TEAMS_CARD = /^teams\|([^|]+)\|(.+;messageid=.+)$/;

// No audience: the connector uses its cloud's own (botbuilder types it as a string, but reads it with ??).
const DEFAULT_AUDIENCE = undefined as unknown as string;
