import type { Activity, ConversationParameters, ConversationReference } from "botbuilder";
import type { Logger } from "../../commands/context.ts";
import type { PlatformIdentity, Store } from "../../commands/store.ts";
import type { Reply } from "../../domain/reply.ts";
import { cardMessage } from "./adaptive-card.ts";
import type { CurveBotAdapter } from "./bot-adapter.ts";

export type ProactiveErrorCode = "no_conversation" | "send_failed";

/**
 * Why a message Curve started did not go; `retryable` tells the outbox whether trying later
 * can help, and `retryAfterMs` how long Teams asked Curve to wait (its Retry-After), if it did.
 */
export class ProactiveSendError extends Error {
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: ProactiveErrorCode,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ProactiveSendError";
    this.retryAfterMs = options?.retryAfterMs;
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
    let step: "send" | "open" = "send";
    try {
      if (reference.conversation.conversationType === "personal") {
        try {
          sent = await this.sendInto(reference, message);
        } catch (error) {
          // A 1:1 chat Teams no longer has (404 "conversation not found"): open a fresh one, once.
          if (statusOf(error) !== 404) throw error;
          this.log.info("teams 1:1 chat not found; opening a fresh one", { personId });
          step = "open";
          sent = await this.openPersonalChat(found.identity, reference, message);
        }
      } else {
        // Known only from a channel or group chat: Teams opens (or finds) their 1:1 chat with Curve.
        step = "open";
        sent = await this.openPersonalChat(found.identity, reference, message);
      }
    } catch (error) {
      throw this.failure(personId, step, error);
    }
    if (!sent) throw new ProactiveSendError("send_failed", `Teams gave no message id for person ${personId}'s message.`, true);
    return { messageRef: sent };
  }

  private async sendInto(reference: Partial<ConversationReference>, message: Reply): Promise<string | undefined> {
    let sent: string | undefined;
    await this.adapter.continueConversationAsync(this.adapter.appId, reference, async (context) => {
      sent = (await context.sendActivity(cardMessage(message)))?.id;
    });
    return sent;
  }

  /** Opens (or finds) the person's 1:1 chat with Curve, sends the message there, and keeps the chat for next time. */
  private async openPersonalChat(identity: PlatformIdentity, reference: Partial<ConversationReference>, message: Reply): Promise<string | undefined> {
    const tenantId = reference.conversation!.tenantId;
    const parameters = { isGroup: false, bot: reference.bot, members: [reference.user], tenantId, channelData: { tenant: { id: tenantId } } };
    let sent: string | undefined;
    await this.adapter.createConversationAsync(
      this.adapter.appId,
      reference.channelId ?? "msteams",
      reference.serviceUrl!,
      DEFAULT_AUDIENCE,
      parameters as ConversationParameters,
      async (context) => {
        sent = (await context.sendActivity(cardMessage(message)))?.id;
        const personal = { ...reference, conversation: { id: context.activity.conversation.id, conversationType: "personal", tenantId, isGroup: false } };
        await this.store.rememberConversation(identity, personal);
      },
    );
    return sent;
  }

  /**
   * The connector's refusal as a ProactiveSendError whose message says what happened in
   * terms describeFailure() turns into words: the HTTP status, the connector's code and text.
   * Only 429, 5xx and network failures are worth trying again.
   */
  private failure(personId: number, step: "send" | "open", error: unknown): ProactiveSendError {
    const status = statusOf(error);
    const detail = (error as { code?: unknown }).code;
    const retryable = status === undefined || status === 429 || status >= 500;
    const said = [status === undefined ? null : `HTTP ${status}`, typeof detail === "string" ? detail : null, error instanceof Error ? error.message : String(error)].filter(Boolean).join(" ");
    this.log.error("teams proactive send failed", { personId, step, status: status ?? null, error: error instanceof Error ? error.message : String(error) });
    const what = step === "open" && status !== 404 ? `Teams could not open a 1:1 chat between Curve and person ${personId}` : `Teams did not take the message for person ${personId}`;
    return new ProactiveSendError("send_failed", `${what} (${said}).`, retryable, { cause: error, retryAfterMs: retryAfterOf(error) });
  }

  /**
   * Posts a card as a new thread in a channel, or updates the one posted before under `ref`
   * (from a previous call), so a sign-up card is never re-posted. In Teams a channel thread's
   * conversation id ends ";messageid=<id of its first message>", which is the card to update.
   */
  async syncChannelCard(tenantId: string, channelId: string, message: Reply, ref: string | null, personId?: number): Promise<string> {
    const existing = ref ? TEAMS_CARD.exec(ref) : null;
    if (existing) {
      const [, serviceUrl, thread] = existing;
      const messageId = thread!.split(";messageid=")[1]!;
      const bot = this.connectors.get(tenantId)?.bot;
      const reference = { serviceUrl, channelId: "msteams", conversation: { id: thread!, isGroup: true, tenantId }, ...(bot ? { bot } : {}) } as Partial<ConversationReference>;
      await this.adapter.continueConversationAsync(this.adapter.appId, reference, async (context) => {
        await context.updateActivity({ ...cardMessage(message), id: messageId, conversation: reference.conversation } as Partial<Activity>);
      });
      return ref!;
    }
    const { serviceUrl } = await this.connectorFor(tenantId, personId);
    let thread = "";
    const parameters = { isGroup: true, tenantId, channelData: { channel: { id: channelId }, tenant: { id: tenantId } }, activity: cardMessage(message) };
    await this.adapter.createConversationAsync(this.adapter.appId, "msteams", serviceUrl, DEFAULT_AUDIENCE, parameters as ConversationParameters, async (context) => {
      thread = context.activity.conversation.id;
    });
    if (!thread.includes(";messageid=")) throw new ProactiveSendError("send_failed", "Teams did not say which message started the card's thread.", true);
    return `teams|${serviceUrl}|${thread}`;
  }

  /** Where Teams' connector is for each tenant (an activity's serviceUrl) and Curve's account there, learned from turns that passed the tenant gate. */
  private readonly connectors = new Map<string, { serviceUrl: string; bot: Partial<ConversationReference>["bot"] }>();

  /** Remembers the connector a tenant's activities came from, for posts the worker makes later. */
  learnConnector(tenantId: string, activity: Pick<Activity, "serviceUrl" | "recipient">): void {
    if (activity.serviceUrl) this.connectors.set(tenantId, { serviceUrl: activity.serviceUrl, bot: activity.recipient });
  }

  /**
   * The connector for a tenant's channels: the one its activities came from, or, after a
   * restart, the one in the stored conversation of `personId` (the person who made the change),
   * or of anyone in the tenant. Throws a retryable "no_conversation" when none is known: it is
   * once someone there messages Curve.
   */
  private async connectorFor(tenantId: string, personId: number | undefined): Promise<{ serviceUrl: string; bot: Partial<ConversationReference>["bot"] }> {
    const learned = this.connectors.get(tenantId);
    if (learned) return learned;
    // The person who made the change, else anyone in the tenant who has talked with Curve.
    const own = personId === undefined ? null : await this.store.conversationOf(personId, "teams");
    const found = own?.identity.tenant === tenantId ? own : await this.store.conversationInTenant("teams", tenantId);
    const reference = found?.conversation as Partial<ConversationReference> | null | undefined;
    if (reference?.serviceUrl) {
      this.connectors.set(tenantId, { serviceUrl: reference.serviceUrl, bot: reference.bot });
      return this.connectors.get(tenantId)!;
    }
    throw new ProactiveSendError("no_conversation", `Curve does not yet know Teams' address for tenant ${tenantId}; it will once someone there messages Curve.`, true);
  }

  /**
   * Posts a message as a new thread in a channel of `tenantId` (a change's announcement, a
   * scheduled report) and returns the thread's conversation id, through `connectorFor`.
   * Throws ProactiveSendError: "no_conversation" (retryable) or "send_failed".
   */
  async sendToChannel(tenantId: string, channelId: string, message: Reply, personId?: number): Promise<{ messageRef: string }> {
    const { serviceUrl } = await this.connectorFor(tenantId, personId);
    const parameters = { isGroup: true, tenantId, channelData: { channel: { id: channelId }, tenant: { id: tenantId } }, activity: cardMessage(message) };
    let thread = "";
    try {
      await this.adapter.createConversationAsync(this.adapter.appId, "msteams", serviceUrl, DEFAULT_AUDIENCE, parameters as ConversationParameters, async (context) => {
        thread = context.activity.conversation.id;
      });
    } catch (error) {
      const status = statusOf(error);
      this.log.error("teams channel post failed", { tenantId, status: status ?? null, error: error instanceof Error ? error.message : String(error) });
      const retryable = status === undefined || status === 429 || status >= 500;
      throw new ProactiveSendError("send_failed", `Teams did not take the post for channel ${channelId}${status === undefined ? "" : ` (HTTP ${status})`}.`, retryable, { cause: error, retryAfterMs: retryAfterOf(error) });
    }
    return { messageRef: thread || channelId };
  }

}

/** The connector's HTTP status for a failed call, if it answered at all. */
const statusOf = (error: unknown): number | undefined => {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
};

/** Teams' Retry-After (seconds, or an HTTP date) on a 429 or 503, in milliseconds. */
const retryAfterOf = (error: unknown): number | undefined => {
  const header = (error as { response?: { headers?: { get?: (name: string) => string | undefined } } } | null)?.response?.headers?.get?.("retry-after");
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
};

/** "teams|<service url>|<thread conversation id>": where a channel card was posted. */
const TEAMS_CARD = /^teams\|([^|]+)\|(.+;messageid=.+)$/;

// No audience: the connector uses its cloud's own (botbuilder types it as a string, but reads it with ??).
const DEFAULT_AUDIENCE = undefined as unknown as string;
