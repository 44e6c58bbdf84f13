import { createHash } from "node:crypto";
import { TurnContext, type Activity, type ConversationReference } from "botbuilder";
import type { PlatformIdentity } from "../../commands/store.ts";

/** What Curve reads from a Teams activity: tenant, person, place and delivery key. */

const MAX_PLACE = 200;
const digest = (text: string, length: number) => createHash("sha256").update(text).digest("hex").slice(0, length);

/** The Microsoft 365 tenant; the Bot Framework Emulator sends none, and is its own tenant. */
export function tenantOf(activity: Activity): string | undefined {
  const fromChannelData = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  const tenant = activity.conversation?.tenantId ?? (typeof fromChannelData === "string" ? fromChannelData : undefined);
  if (tenant) return tenant.slice(0, MAX_PLACE);
  return activity.channelId === "emulator" ? "emulator" : undefined;
}

/** A Teams user is their Azure AD object id, the same in every chat, team and client. */
export const identityOf = (activity: Activity, tenant: string): PlatformIdentity => ({
  platform: "teams",
  tenant,
  userId: activity.from.aadObjectId ?? activity.from.id,
});

/** The channel for a message in a team (not the thread within it), else the chat. */
export function channelOf(activity: Activity): string {
  const channel = (activity.channelData as { channel?: { id?: unknown } } | undefined)?.channel?.id;
  const id = typeof channel === "string" && channel ? channel : activity.conversation.id;
  return id.length <= MAX_PLACE ? id : `sha256:${digest(id, 32)}`;
}

/**
 * The key under which an activity is applied once. Teams message ids are timestamps,
 * unique within a conversation but not across a tenant, so the conversation is in it.
 */
export const activityKey = (tenant: string, activity: Activity): string =>
  `teams:${tenant}:${digest(activity.conversation.id, 12)}:${(activity.id ?? "").slice(0, 100)}`;

/** What Teams needs to message this person again later, without the activity it came from. */
export function referenceOf(activity: Activity): Partial<ConversationReference> {
  const { activityId: _activityId, ...reference } = TurnContext.getConversationReference(activity);
  return reference;
}

export interface MentionedUser {
  /** The mention as it appears in the text: `<at>Sue May</at>`. */
  text: string;
  id: string;
  aadObjectId: string | undefined;
}

/** People mentioned in a message, other than Curve itself. */
export function mentionedUsers(activity: Activity): MentionedUser[] {
  return (activity.entities ?? []).flatMap((entity) => {
    const mention = entity as { type?: string; text?: unknown; mentioned?: { id?: unknown; aadObjectId?: unknown } };
    const who = mention.mentioned;
    if (mention.type !== "mention" || typeof mention.text !== "string" || typeof who?.id !== "string") return [];
    if (who.id === activity.recipient?.id) return [];
    return [
      {
        text: mention.text,
        id: who.id,
        aadObjectId: typeof who.aadObjectId === "string" ? who.aadObjectId : undefined,
      },
    ];
  });
}
