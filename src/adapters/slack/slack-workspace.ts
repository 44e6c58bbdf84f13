import type { WebClient } from "@slack/web-api";
import { buildHome } from "../../commands/home.ts";
import { identifyPlatformUser } from "../../commands/identify.ts";
import { context, reply, text, type ChannelCard, type Reply, type ReplyFile } from "../../domain/reply.ts";
import { replyFileBytes } from "../files/board-pack-file.ts";
import type { AdapterEnvironment } from "../chat/chat-adapter.ts";
import { Conversation, replyOf, type Turn, type TurnOutcome } from "../conversation.ts";
import { LIMITS, renderReply } from "./block-kit.ts";
import { decodeSlackText } from "./decode-text.ts";
import type { OutboundLimiter } from "./outbound-limiter.ts";
import { answerPrivately, type AnswerTarget, type ResponseMessage } from "./private-answer.ts";
import { syncChannelCard } from "./channel-cards.ts";

export interface SlackRequest {
  teamId: string | undefined;
  userId: string;
  channelId: string | null;
  command: string;
  text: string;
  /** Stable across Slack's retries of the same request (its trigger id, or a view id). */
  key: string;
  /** True for text a person typed in a message or slash command, which Slack sends as markup to decode. */
  markup?: boolean;
}

export const UNKNOWN_WORKSPACE: Reply = {
  ...reply("warning", "This Slack workspace isn't connected to Curve", [
    text("Curve serves one partnership's workspace, and this isn't it. Ask your Curve administrator."),
  ]),
  code: "unknown_partnership",
};

/** App Home for someone Curve could not match to anyone on the plans (by link or by their profile's email). */
export const NOT_LINKED_HOME: Reply = reply("info", "Curve doesn't know who you are yet", [
  text("Your Slack account isn't linked to anyone on the partnership's plans, so Curve has nothing of yours to show here."),
  context("A coordinator can link you: /curve link @you <your name as it appears in the plan>."),
]);

/**
 * Curve's view of one Slack installation: which partnership a team belongs to, who a
 * user is, running their commands, and what follows a change (channel posts, App Home).
 */
export class SlackWorkspace {
  private readonly partnershipByTeam = new Map<string, number>();

  /** The conversation pipeline for Slack: the workspace's partnership, users by their profile's email, effects after a change. */
  readonly conversation: Conversation;

  constructor(
    private readonly env: AdapterEnvironment,
    private readonly client: WebClient,
    private readonly limiter: OutboundLimiter,
  ) {
    this.conversation = new Conversation(env, {
      platform: "slack",
      partnershipFor: async (teamId) => {
        const partnershipId = await this.partnershipFor(teamId);
        return partnershipId === null ? { ok: false, reply: UNKNOWN_WORKSPACE } : { ok: true, partnershipId };
      },
      effects: async (answered, turn) => this.followUp(answered.partnershipId, "userId" in turn.user ? turn.user.userId : "", answered.reply),
    });
  }

  /** With a single bot token, the token's own team is the partnership's (bound on first start). */
  async adoptOwnTeam(): Promise<void> {
    const auth = await this.client.auth.test();
    const team = auth.team_id;
    if (!team) throw new Error("Slack's auth.test did not say which team the bot token belongs to");
    const { store } = this.env.deps;
    if ((await store.partnershipForTenant("slack", team)) !== null) return;
    const all = await store.partnerships();
    if (all.length === 1) {
      await store.bindTenant("slack", team, all[0]!.id);
      this.env.log.info("slack workspace joined partnership", { team, partnership: all[0]!.slug });
    } else {
      this.env.log.error("slack workspace belongs to no partnership", {
        team,
        reason: all.length === 0 ? "no partnership loaded yet (curve seed --demo)" : "several partnerships: bind the team to one",
      });
    }
  }

  async partnershipFor(teamId: string | undefined): Promise<number | null> {
    if (!teamId) return null;
    const cached = this.partnershipByTeam.get(teamId);
    if (cached !== undefined) return cached;
    const found = await this.env.deps.store.partnershipForTenant("slack", teamId);
    if (found !== null) this.partnershipByTeam.set(teamId, found);
    return found;
  }

  /** One Slack request as a conversation turn. */
  turn(request: SlackRequest): Turn {
    // Slack's entities and <…> markup are decoded once, here, before any command sees the text.
    const decoded = request.markup ? decodeSlackText(request.text) : { text: request.text, parts: [] };
    return {
      tenant: request.teamId,
      user: { userId: request.userId, email: () => this.emailOf(request.userId) },
      channel: request.channelId ?? `D:${request.userId}`,
      command: request.command,
      text: decoded.text,
      ...(decoded.parts.length ? { parts: decoded.parts } : {}),
      key: `slack:${request.teamId}:${request.key}`,
      forms: true,
    };
  }

  /** Runs one command for a Slack user through the pipeline, from their partnership to the effects of their change; `answer` sends the reply. */
  handle<T>(request: SlackRequest, answer: (outcome: TurnOutcome) => Promise<T>): Promise<T | undefined> {
    return this.conversation.handle(this.turn(request), answer);
  }

  /** The pipeline up to the reply, with no effects: for redrawing a message from a query. */
  async query(request: SlackRequest): Promise<Reply> {
    return replyOf(await this.conversation.run(this.turn(request)));
  }

  private async emailOf(userId: string): Promise<string | null> {
    try {
      const info = await this.client.users.info({ user: userId });
      return info.user?.profile?.email ?? null;
    } catch (error) {
      this.env.log.error("slack users.info failed", { user: userId, error: error instanceof Error ? error.message : String(error) });
      return null;
    }
  }

  /** After a request: a file it made for the person who asked (a board pack). What follows a change goes through the outbox. */
  private followUp(partnershipId: number, actorUserId: string, result: Reply): void {
    if (result.file) this.sendFile(partnershipId, actorUserId, result.file);
  }

  /** A channel's card after a change, from the outbox (see channel-cards.ts); Slack's refusals as the outbox reads them. */
  async syncChannelCard(partnershipId: number, card: ChannelCard): Promise<{ messageRef: string }> {
    try {
      return await syncChannelCard(this.env, this.client, this.limiter, partnershipId, card);
    } catch (error) {
      throw classify(error);
    }
  }

  /**
   * After a change, from the outbox: a fresh App Home for everyone who has opened it and is
   * concerned with the actions it touched, and for the person who made it. Resolves when all are published.
   */
  async refreshHomes(partnershipId: number, actionIds: readonly number[], actorPersonId: number): Promise<{ messageRef: string }> {
    const viewers = await this.env.deps.store.homeViewersConcernedWith(partnershipId, actionIds, actorPersonId);
    const published = await Promise.allSettled(viewers.map((v) => this.limiter.scheduleLatest(`home:${v.userId}`, "app home", () => this.publishHome(partnershipId, v.tenant, v.userId))));
    // One refused: the row is tried again (or failed, for good) and redraws them all, which is harmless.
    const refused = published.find((p): p is PromiseRejectedResult => p.status === "rejected");
    if (refused) throw classify(refused.reason);
    return { messageRef: `${viewers.length} App Home views` };
  }

  /**
   * A file for the person who asked (a board pack): built, then uploaded into their direct
   * messages with Slack's current flow (files.getUploadURLExternal, the upload, then
   * files.completeUploadExternal), through the same client and proxy as every other call.
   */
  private sendFile(partnershipId: number, userId: string, file: ReplyFile): void {
    void (async () => {
      const bytes = await replyFileBytes(this.env.deps, partnershipId, file);
      const dm = await this.client.conversations.open({ users: userId });
      const channel = dm.channel?.id;
      if (!channel) throw new Error("Slack opened no direct message channel");
      await this.client.files.uploadV2({ channel_id: channel, file: bytes, filename: file.filename, title: file.title, initial_comment: `${file.title}: for you only.` });
    })().catch((error: unknown) => {
      this.env.log.error("slack file upload failed", { file: file.filename, error: error instanceof Error ? error.message : String(error) });
      this.tellUser(userId, reply("error", `Curve could not send you ${file.filename}; please ask again in a few minutes.`));
    });
  }

  /** From now on their App Home follows changes; it is drawn fresh now. */
  async homeOpened(partnershipId: number, teamId: string, userId: string): Promise<void> {
    const identity = { platform: "slack" as const, tenant: teamId, userId };
    await identifyPlatformUser(this.env.deps.store, partnershipId, identity, () => this.emailOf(userId), this.env.clock());
    await this.env.deps.store.markHomeOpened(identity, this.env.clock());
    this.refreshHome(partnershipId, teamId, userId);
  }

  /** Publishes a person's App Home, "latest wins" per person; a failure is logged. */
  refreshHome(partnershipId: number, teamId: string, userId: string): void {
    void this.limiter.enqueueLatest(`home:${userId}`, "app home", () => this.publishHome(partnershipId, teamId, userId));
  }

  private async publishHome(partnershipId: number, teamId: string, userId: string): Promise<void> {
    const person = await this.env.deps.store.findPersonByIdentity(partnershipId, { platform: "slack", tenant: teamId, userId });
    const home = person
      ? await buildHome(this.env.deps.store, partnershipId, person, this.env.clock())
      : NOT_LINKED_HOME;
    const { blocks } = renderReply(home, undefined, LIMITS.homeBlocks);
    await this.client.views.publish({ user_id: userId, view: { type: "home", blocks: blocks as never } });
  }

  /** One person's answer to their request: its response_url, else the channel (ephemeral), else a direct message (private-answer.ts). */
  answerPrivately(to: AnswerTarget, message: ResponseMessage, options: { redraw?: boolean } = {}): Promise<void> {
    return answerPrivately({ client: this.client, log: this.env.log }, to, message, options);
  }

  /** A message straight to a person in Slack, e.g. the confirmation of a form sent from App Home. */
  tellUser(userId: string, message: Reply): void {
    void this.limiter.enqueue(`dm:${userId}`, "direct message", () => this.client.chat.postMessage({ channel: userId, ...(renderReply(message) as { text: string; blocks: never[] }) }));
  }

  /**
   * The outbox's way to reach a person: a direct message, or an update of the message sent
   * under `replace` (a new nudge replaces the previous one instead of stacking).
   */
  async sendToPerson(personId: number, message: Reply, options: { replace?: string } = {}): Promise<{ messageRef: string }> {
    const identity = (await this.env.deps.store.identitiesOf(personId)).find((i) => i.platform === "slack");
    if (!identity) throw deliveryError(`person ${personId} has no Slack account linked`, false);
    const rendered = renderReply(message) as { text: string; blocks: never[] };
    if (options.replace) {
      const [channel, ts] = options.replace.split("/");
      try {
        await this.limiter.schedule(channel!, "message update", () => this.client.chat.update({ channel: channel!, ts: ts!, ...rendered }));
        return { messageRef: options.replace };
      } catch (error) {
        // Deleted or too old to edit: send a fresh one instead.
        if (!["message_not_found", "cant_update_message", "edit_window_closed"].includes(slackErrorCode(error) ?? "")) throw classify(error);
      }
    }
    try {
      const sent = await this.limiter.schedule(identity.userId, "direct message", () => this.client.chat.postMessage({ channel: identity.userId, ...rendered }));
      return { messageRef: `${sent.channel}/${sent.ts}` };
    } catch (error) {
      throw classify(error);
    }
  }

  /** A scheduled report or a change's announcement, into its channel (an id, or a #name, which Slack also takes). */
  async sendToChannel(channel: string, message: Reply): Promise<{ messageRef: string }> {
    const rendered = renderReply(message) as { text: string; blocks: never[] };
    try {
      const sent = await this.limiter.schedule(channel, "channel post", () => this.client.chat.postMessage({ channel, ...rendered }));
      return { messageRef: `${sent.channel}/${sent.ts}` };
    } catch (error) {
      throw classify(error);
    }
  }

  get web(): WebClient {
    return this.client;
  }
}

// Slack errors that trying again cannot fix: the person or the conversation is gone.
const PERMANENT = new Set(["user_not_found", "users_not_found", "account_inactive", "user_disabled", "channel_not_found", "is_archived", "cannot_dm_bot", "not_authed", "invalid_auth", "token_revoked", "missing_scope"]);

const slackErrorCode = (error: unknown): string | undefined => (error as { data?: { error?: string } })?.data?.error;

function deliveryError(message: string, retryable: boolean, retryAfterMs?: number): Error {
  return Object.assign(new Error(message), { retryable, ...(retryAfterMs ? { retryAfterMs } : {}) });
}

function classify(error: unknown): Error {
  const code = slackErrorCode(error);
  const retryAfter = (error as { retryAfter?: number })?.retryAfter;
  if (typeof retryAfter === "number") return deliveryError(`Slack rate limited the send`, true, retryAfter * 1000);
  if (code && PERMANENT.has(code)) return deliveryError(`Slack refused the message: ${code}`, false);
  return deliveryError(`Slack did not take the message: ${code ?? (error instanceof Error ? error.message : String(error))}`, true);
}
