import { randomBytes } from "node:crypto";
import { TeamsInfo, type TurnContext } from "botbuilder";
import { isQuery } from "../../commands/command-table.ts";
import { handleInvocation } from "../../commands/dispatch.ts";
import { identifyPlatformUser, type Identification } from "../../commands/identify.ts";
import type { PlatformIdentity } from "../../commands/store.ts";
import { reply, text, type Reply } from "../../domain/reply.ts";
import type { AdapterEnvironment } from "../chat/chat-adapter.ts";
import { activityKey, channelOf, identityOf, mentionedUsers, referenceOf, tenantOf } from "./activity-facts.ts";
import { cardMessage, renderCard, type AdaptiveCard, type CardOrigin } from "./adaptive-card.ts";
import { commandForCardData, type CardCommand } from "./card-data.ts";
import { commandFromMessage, type Mention } from "./message-text.ts";
import type { ProactiveSender } from "./proactive-sender.ts";
import type { TenantGate } from "./tenant-gate.ts";
import { renderChannelCard } from "../../commands/pledge.ts";

export const UNKNOWN_BUTTON: Reply = {
  ...reply("warning", "That button isn't one Curve knows", [text("It may be from an older version of Curve. Type the command instead; /help lists them.")]),
  code: "unknown_command",
};

type Admission = { ok: true; partnershipId: number; tenant: string; key: string } | { ok: false; reply: Reply };

// How many people's last-stored conversation this instance keeps in mind (a few MB at most).
const REMEMBERED_LIMIT = 10_000;

/**
 * What Curve does with each kind of Teams activity. Every path is the same: which
 * partnership (tenant gate), whether this delivery was seen before, who is asking,
 * then one Invocation through the shared command table, answered with a card.
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
    await this.guarded(context, async () => {
      const admission = await this.admit(context);
      if (!admission.ok) return void (await context.sendActivity(cardMessage(admission.reply)));
      // A retried delivery was answered already; answering again would post twice.
      if (!(await this.env.deps.store.firstSighting(admission.partnershipId, admission.key))) {
        return this.env.log.info("teams duplicate activity ignored", { key: admission.key });
      }
      const activity = context.activity;
      const submitted = !activity.text && activity.value !== null && typeof activity.value === "object";
      const request = submitted
        ? commandForCardData(undefined, activity.value)
        : { ...commandFromMessage(activity.text ?? "", await this.mentions(context)), forms: true, from: 0 };
      const answer = request ? await this.run(context, admission, request) : { reply: UNKNOWN_BUTTON, origin: undefined };
      await context.sendActivity(cardMessage(answer.reply, answer.origin));
      await this.announce(context, admission.tenant, answer.reply);
      await this.syncCard(context, admission, answer.reply);
    }, async (failure) => void (await context.sendActivity(cardMessage(failure))));
  }

  /** A pledge's sign-up card in a Teams channel: posted once, then updated in place. */
  private async syncCard(context: TurnContext, admission: { partnershipId: number; tenant: string }, result: Reply): Promise<void> {
    const card = result.card;
    const insights = this.env.deps.insights?.store;
    if (!card || !insights) return;
    const [platform, where, ...rest] = card.channel.split(":");
    const channel = rest.join(":");
    if (platform !== "teams" || where !== admission.tenant || !channel) return;
    try {
      const drawn = await renderChannelCard(this.env.deps, admission.partnershipId, card.key, this.env.clock());
      if (!drawn) return;
      const ref = await insights.channelCardRef(admission.partnershipId, card.key);
      if (ref && !ref.startsWith("teams|")) return; // posted on another platform: that adapter keeps it
      const posted = await this.sender.syncChannelCard(context.activity, admission.tenant, channel, drawn.reply, ref);
      if (!ref) await insights.saveChannelCardRef(admission.partnershipId, card.key, posted);
    } catch (error) {
      this.env.log.error("teams channel card failed", { tenant: admission.tenant, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** An Action.Execute press: the card is replaced, for the person who pressed it, by the answer. */
  async cardAction(context: TurnContext, data: unknown): Promise<AdaptiveCard> {
    return this.guarded(context, async () => {
      const admission = await this.admit(context);
      if (!admission.ok) return renderCard(admission.reply);
      // An invoke is answered in its own HTTP response, so a retry is answered again, but
      // the change behind it is applied once (same idempotency key) and announced once.
      const first = await this.env.deps.store.firstSighting(admission.partnershipId, admission.key);
      const verb = (context.activity.value as { action?: { verb?: unknown } } | undefined)?.action?.verb;
      const request = commandForCardData(typeof verb === "string" ? verb : undefined, data);
      if (!request) return renderCard(UNKNOWN_BUTTON);
      const answer = await this.run(context, admission, request);
      if (first) await this.announce(context, admission.tenant, answer.reply);
      if (first) await this.syncCard(context, admission, answer.reply);
      return renderCard(answer.reply, answer.origin);
    }, async (failure) => renderCard(failure));
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

  private async run(context: TurnContext, admission: Admission & { ok: true }, request: CardCommand): Promise<{ reply: Reply; origin: CardOrigin | undefined }> {
    const who = await this.identify(context, admission);
    if (who.kind === "unknown") return { reply: who.reply, origin: undefined };
    const result = await handleInvocation(this.env.deps, {
      partnershipId: admission.partnershipId,
      actor: { personId: who.person.id },
      place: { platform: "teams", tenant: admission.tenant, channel: channelOf(context.activity) },
      command: request.command,
      text: request.text,
      idempotencyKey: admission.key,
      now: this.env.clock(),
      capabilities: { forms: request.forms },
    });
    // Only a reading command's card offers "More": paging runs it again.
    const origin = isQuery(request.command, request.text) ? { command: request.command, text: request.text, from: request.from } : undefined;
    return { reply: result, origin };
  }

  /** The priority's channel hears of a change, when it is a channel in this tenant. */
  private async announce(context: TurnContext, tenant: string, result: Reply): Promise<void> {
    for (const announcement of result.announcements ?? []) {
      const [platform, where, ...rest] = announcement.channel.split(":");
      const channel = rest.join(":");
      if (platform !== "teams" || where !== tenant || !channel) continue;
      try {
        await this.sender.postToChannel(context.activity, tenant, channel, reply("info", undefined, [text(announcement.text)]));
      } catch (error) {
        this.env.log.error("teams announcement failed", { tenant, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  /** Other people @mentioned, by their Azure AD object id, so `/curve link @Sue Sue May` links the right account. */
  private async mentions(context: TurnContext): Promise<Mention[]> {
    return Promise.all(
      mentionedUsers(context.activity).map(async (m) => ({
        text: m.text,
        userId: m.aadObjectId ?? (await this.member(context, m.id))?.aadObjectId ?? m.id,
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

  /** Anything unexpected is logged under a reference and answered in one line; no stack reaches anyone. */
  private async guarded<T>(context: TurnContext, work: () => Promise<T>, answer: (failure: Reply) => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const reference = randomBytes(4).toString("hex");
      this.env.log.error("teams turn failed", {
        reference,
        activity: context.activity.type,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      return answer({ ...reply("error", `Something went wrong on Curve's side (reference ${reference}). Please try again.`), code: "internal" });
    }
  }
}
