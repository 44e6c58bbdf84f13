import { TeamsInfo, type TurnContext } from "botbuilder";
import { isQuery } from "../../commands/command-table.ts";
import { warn } from "../../commands/context.ts";
import { errorReply, replyForError } from "../../commands/error-reply.ts";
import { identifyPlatformUser, type Identification } from "../../commands/identify.ts";
import type { PlatformIdentity } from "../../commands/store.ts";
import { context, reply, text, type Reply } from "../../domain/reply.ts";
import { shortDateTime } from "../../domain/dates/calendar.ts";
import { brokenTextError } from "../../domain/user-text.ts";
import type { AdapterEnvironment } from "../chat/chat-adapter.ts";
import { Conversation, UNKNOWN_BUTTON, replyOf, type Turn, type TurnOutcome } from "../conversation.ts";
import { activityKey, channelOf, identityOf, mentionedUsers, referenceOf, tenantOf } from "./activity-facts.ts";
import { cardMessage, renderCard, type AdaptiveCard, type CardOrigin } from "./adaptive-card.ts";
import { commandForCardData, type CardCommand } from "./card-data.ts";
import { commandFromMessage, type Mention } from "./message-text.ts";
import type { ProactiveSender } from "./proactive-sender.ts";
import type { TenantGate } from "./tenant-gate.ts";

/** A 1:1 chat with Curve, the only place private answers are shown. */
const EDITED = reply("info", "Curve doesn't act on edits", [text("It acted on the message as you first sent it. To change something, send the corrected command as a new message.")]);

const isPersonalChat = (context: TurnContext): boolean => context.activity.conversation?.conversationType === "personal";

type Admission = { ok: true; partnershipId: number; tenant: string; key: string } | { ok: false; reply: Reply };

/** Only a reading command's card offers "More": paging runs it again. */
const originOf = (request: CardCommand): CardOrigin | undefined =>
  isQuery(request.command, request.text) ? { command: request.command, text: request.text, from: request.from } : undefined;

// How many people's last-stored conversation this instance keeps in mind (a few MB at most).
const REMEMBERED_LIMIT = 10_000;

/**
 * What Curve does with each kind of Teams activity. Messages and card presses are decoded
 * into a turn of the shared conversation pipeline (src/adapters/conversation.ts: tenant gate,
 * who is asking, dedupe, the command table, effects), answered with a card.
 */
export class TeamsTurns {
  /** Per Teams user, the person and conversation reference this instance last stored, so an unchanged one is not written again. */
  private readonly stored = new Map<string, string>();

  constructor(
    private readonly env: AdapterEnvironment,
    private readonly gate: TenantGate,
    private readonly sender: ProactiveSender,
  ) {}

  /** A typed message (1:1 or @Curve in a channel), or an Action.Submit from a client without universal actions. */
  async message(context: TurnContext): Promise<void> {
    const send = async (answer: Reply, origin?: CardOrigin) => {
      try {
        await context.sendActivity(cardMessage(answer, origin));
      } catch (error) {
        // The connector refused the chat itself (the bot was removed, the chat is gone): another
        // answer there would be refused too, and the turn is not Teams' to retry. Logged, not thrown.
        const status = (error as { statusCode?: unknown }).statusCode;
        if (status !== 403 && status !== 404) throw error;
        warn(this.env.log, "teams reply refused by the connector", { status, conversation: context.activity.conversation?.conversationType ?? null, error: error instanceof Error ? error.message : String(error) });
      }
    };
    const request = await this.decodeMessage(context).catch((error: unknown) => replyForError(error, this.env.log, { platform: "teams", step: "decode" }));
    if (!request || "tone" in request) return send(request ?? UNKNOWN_BUTTON);
    // A retried delivery was answered already; answering again would post twice.
    await this.conversation(context).handle(this.turn(context, request, "delivery"), async (handled) => {
      if (handled.kind === "duplicate") return;
      const outcome = await this.withFileLink(handled);
      // Private data never goes into a channel or group chat: to their 1:1 chat, with a note here.
      if (outcome.kind === "answered" && outcome.reply.private && !isPersonalChat(context)) return send(await this.sendPrivately(outcome.person.id, outcome.reply));
      await send(replyOf(outcome), outcome.kind === "answered" ? originOf(request) : undefined);
    });
  }

  private async decodeMessage(context: TurnContext): Promise<CardCommand | Reply | null> {
    const activity = context.activity;
    const submitted = !activity.text && activity.value !== null && typeof activity.value === "object";
    return submitted ? commandForCardData(undefined, activity.value) : { ...commandFromMessage(activity.text ?? "", await this.mentions(context)), forms: true, from: 0 };
  }

  /** One Teams activity as a conversation turn. */
  private turn(context: TurnContext, request: CardCommand, dedupe: "delivery" | "receipt"): Turn {
    const activity = context.activity;
    const tenant = tenantOf(activity);
    return {
      tenant,
      user: { userId: identityOf(activity, tenant ?? "").userId, email: () => this.emailOf(context, activity.from.id) },
      channel: channelOf(activity),
      command: request.command,
      text: request.text,
      ...(request.parts?.length ? { parts: request.parts } : {}),
      key: activityKey(tenant ?? "", activity),
      forms: request.forms,
      dedupe,
    };
  }

  /** The pipeline for one Teams turn: the tenant gate, remembering the person's conversation, and this turn's effects. */
  private conversation(context: TurnContext): Conversation {
    return new Conversation(this.env, {
      platform: "teams",
      partnershipFor: async (tenant) => {
        const outcome = await this.gate.partnershipFor(tenant);
        if (!outcome.ok) this.env.log.info("teams activity refused", { tenant: tenant ?? null, reason: outcome.reason });
        return outcome;
      },
      identified: (person, turn) => {
        // Where this tenant's connector is, for the worker's posts into its channels.
        this.sender.learnConnector(turn.tenant!, context.activity);
        return this.remember({ platform: "teams", tenant: turn.tenant!, userId: (turn.user as { userId: string }).userId }, person.id, context);
      },
    });
  }

  /**
   * An activity whose text arrived broken (invalid UTF-8, or a lone surrogate) is answered
   * with one sentence, as a message or as the pressed card's replacement, and goes no further.
   * Other activities (installs, member changes) are only logged.
   */
  async refuseBrokenText(context: TurnContext): Promise<void> {
    const activity = context.activity;
    this.env.log.info("teams activity refused", { reason: "text not valid UTF-8", type: activity.type });
    const answer = errorReply(brokenTextError());
    if (activity.type === "message") {
      await context.sendActivity(cardMessage(answer));
    } else if (activity.type === "invoke" && activity.name === "adaptiveCard/action") {
      await context.sendActivity({ type: "invokeResponse", value: { status: 200, body: { statusCode: 200, type: "application/vnd.microsoft.card.adaptive", value: renderCard(answer) } } });
    }
  }

  /** An Action.Execute press: the card is replaced, for the person who pressed it, by the answer. */
  async cardAction(context: TurnContext, data: unknown): Promise<AdaptiveCard> {
    const verb = (context.activity.value as { action?: { verb?: unknown } } | undefined)?.action?.verb;
    const request = commandForCardData(typeof verb === "string" ? verb : undefined, data);
    if (!request) return renderCard(UNKNOWN_BUTTON);
    if ("tone" in request) return renderCard(request);
    // An invoke is answered in its own HTTP response, so a retry is answered again, but the
    // change behind it is applied once (same idempotency key) and announced once.
    const card = await this.conversation(context).handle(this.turn(context, request, "receipt"), async (handled) => {
      const outcome = await this.withFileLink(handled);
      // A card in a channel is redrawn for everyone who sees it: private answers go to the 1:1 chat.
      if (outcome.kind === "answered" && outcome.reply.private && !isPersonalChat(context)) return renderCard(await this.sendPrivately(outcome.person.id, outcome.reply));
      return renderCard(replyOf(outcome), outcome.kind === "answered" ? originOf(request) : undefined);
    });
    return card ?? renderCard(replyForError(new Error("the card could not be drawn"), this.env.log, { platform: "teams" }));
  }

  /**
   * A reply carrying a file (a board pack) gets a signed download link that works for
   * FILE_LINK_DAYS days, since a Teams bot cannot simply post a file; Slack uploads the file
   * instead. Without a public address (CURVE_PUBLIC_URL) it says how else to get the file.
   */
  private async withFileLink(outcome: TurnOutcome): Promise<TurnOutcome> {
    if (outcome.kind !== "answered" || !outcome.reply.file) return outcome;
    const { file, ...answer } = outcome.reply;
    const link = await this.env.deps.web?.fileLink(outcome.partnershipId, file, this.env.clock());
    const blocks = link
      ? [text(`[Download ${file.filename}](${link.url})`), context(`The link is for you alone: it works until ${shortDateTime(link.expiresAt!, outcome.person.timeZone)}. Please don't forward it.`)]
      : [context("Curve has no public web address (CURVE_PUBLIC_URL), so it cannot link to the file here: run curve report board-pack on the command line.")];
    return { ...outcome, reply: { ...answer, private: true, blocks: [...answer.blocks, ...blocks] } };
  }

  /**
   * Sends a private answer to the person's 1:1 chat with Curve (opening it if need be) and
   * returns the short note to show where they asked instead. If the 1:1 chat cannot be
   * reached, the note says so, and the private answer is not shown at all.
   */
  private async sendPrivately(personId: number, answer: Reply): Promise<Reply> {
    try {
      await this.sender.sendToPerson(personId, answer);
      return reply("info", "Sent to you privately", [text("That answer holds private data, so Curve has sent it to your 1:1 chat with Curve rather than here.")]);
    } catch (error) {
      this.env.log.error("teams private answer could not reach the 1:1 chat", { personId, error });
      return reply("warning", "Not shown here", [
        text("That answer holds private data, so Curve won't post it in a channel or group chat, and it could not reach your 1:1 chat with Curve. Open a chat with Curve and ask there."),
      ]);
    }
  }

  /**
   * An edited message (Teams' messageUpdate, editMessage). Curve acts on a command once, as
   * sent: an edit changes nothing, and would otherwise go unanswered, so someone who corrects a
   * command by editing it is told, in one line, to send it again. Only where Curve is spoken
   * to (a 1:1 chat, or a message that @mentions it) and for a tenant Curve serves; nothing is
   * looked up or stored.
   */
  async edited(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const mentionsCurve = (activity.entities ?? []).some((e) => e.type === "mention" && (e as { mentioned?: { id?: string } }).mentioned?.id === activity.recipient?.id);
    if (!isPersonalChat(context) && !mentionsCurve) return;
    await this.guarded(context, async () => {
      const admission = await this.admit(context);
      if (!admission.ok) return;
      await context.sendActivity(cardMessage(EDITED));
    }, async () => undefined);
  }

  /** Curve added to a chat or team: find the person who added it, and keep how to reach them. */
  async installed(context: TurnContext): Promise<void> {
    const activity = context.activity;
    if (activity.type === "installationUpdate" && activity.action?.startsWith("remove")) return;
    if (activity.type === "conversationUpdate" && !activity.membersAdded?.some((m) => m.id === activity.recipient.id)) return;
    await this.guarded(context, async () => {
      const admission = await this.admit(context);
      if (!admission.ok) return this.env.log.info("teams installation ignored", { reason: admission.reply.code, conversation: activity.conversation.conversationType });
      const who = await this.identify(context, admission);
      if (who.kind === "unknown") this.env.log.info("teams installation by an unmatched user", { tenant: admission.tenant });
    }, async () => undefined);
  }

  private async admit(context: TurnContext): Promise<Admission> {
    const tenant = tenantOf(context.activity);
    const outcome = await this.gate.partnershipFor(tenant);
    if (!outcome.ok) {
      this.env.log.info("teams activity refused", { tenant: tenant ?? null, reason: outcome.reason });
      return { ok: false, reply: outcome.reply };
    }
    return { ok: true, partnershipId: outcome.partnershipId, tenant: tenant!, key: activityKey(tenant!, context.activity) };
  }

  /** Who is asking; a matched person's conversation is remembered, for messages Curve starts later. */
  private async identify(context: TurnContext, admission: Admission & { ok: true }): Promise<Identification> {
    const identity = identityOf(context.activity, admission.tenant);
    const { store } = this.env.deps;
    const who = await identifyPlatformUser(store, admission.partnershipId, identity, () => this.emailOf(context, context.activity.from.id), this.env.clock());
    if (who.kind === "known") await this.remember(identity, who.person.id, context);
    return who;
  }

  /**
   * Keeps the conversation for messages Curve starts later. Most messages come from the
   * same chat as the last, so a reference this instance stored already is not written
   * again; a re-linked account (another person id) always is.
   */
  private async remember(identity: PlatformIdentity, personId: number, context: TurnContext): Promise<void> {
    const reference = referenceOf(context.activity);
    const key = `${identity.tenant}\n${identity.userId}`;
    const value = `${personId}\n${JSON.stringify(reference)}`;
    if (this.stored.get(key) === value) return;
    await this.env.deps.store.rememberConversation(identity, reference);
    this.stored.delete(key);
    this.stored.set(key, value);
    if (this.stored.size > REMEMBERED_LIMIT) this.stored.delete(this.stored.keys().next().value!);
  }

  /** Other people @mentioned, by their Azure AD object id, so `/curve link @Sue Sue May` links the right account. */
  private async mentions(context: TurnContext): Promise<Mention[]> {
    return Promise.all(
      mentionedUsers(context.activity).map(async (m) => ({
        text: m.text,
        // People are Azure AD object ids; a 29: channel id would never match anyone, so none is better than it.
        userId: m.aadObjectId ?? (await this.member(context, m.id))?.aadObjectId ?? null,
      })),
    );
  }

  private async emailOf(context: TurnContext, userId: string): Promise<string | null> {
    const member = await this.member(context, userId);
    return member?.email ?? member?.userPrincipalName ?? null;
  }

  private async member(context: TurnContext, userId: string) {
    try {
      return await TeamsInfo.getMember(context, userId);
    } catch (error) {
      this.env.log.error("teams member lookup failed", { error: error instanceof Error ? error.message : String(error) });
      return null;
    }
  }

  /** Anything unexpected is logged under a reference; no stack reaches anyone. */
  private async guarded<T>(context: TurnContext, work: () => Promise<T>, answer: (failure: Reply) => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      return answer(replyForError(error, this.env.log, { platform: "teams", activity: context.activity.type }));
    }
  }
}
