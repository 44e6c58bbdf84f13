import type { WebClient } from "@slack/web-api";
import { renderChannelCard } from "../../commands/pledge.ts";
import type { ChannelCard } from "../../domain/reply.ts";
import type { AdapterEnvironment } from "../chat/chat-adapter.ts";
import { renderReply } from "./block-kit.ts";
import type { OutboundLimiter } from "./outbound-limiter.ts";

/** "slack:C0123:1700000000.000100": where a card was posted. */
const POSTED = /^slack:([A-Z0-9]+):(\d+\.\d+)$/;

/**
 * Keeps a channel card (a pledge's sign-up card) current: posted once, then updated in
 * place with chat.update, never re-posted. Sends queue "latest wins" per card and are
 * drawn from the database when they run, so after a burst of signatures the card shows
 * the final count, not whichever reply happened to arrive last. Resolves once this send (or
 * the waiting one that covers it) has landed; rejects with Slack's error when it did not.
 */
export async function syncChannelCard(env: AdapterEnvironment, client: WebClient, limiter: OutboundLimiter, partnershipId: number, card: ChannelCard): Promise<{ messageRef: string }> {
  const [platform, , channel] = card.channel.split(":");
  const store = env.deps.insights?.store;
  if (platform !== "slack" || !channel || !store) throw Object.assign(new Error(`${card.channel} is not a Slack channel Curve keeps cards in`), { retryable: false });
  await limiter.scheduleLatest(`card:${card.key}`, "channel card", async () => {
    const drawn = await renderChannelCard(env.deps, partnershipId, card.key, env.clock());
    if (!drawn) return;
    // The card carries its own query, so a press on Sign redraws it rather than replacing it.
    const message = renderReply(drawn.reply, { command: drawn.command, text: drawn.text, page: 1 }) as { text: string; blocks: never[] };
    const ref = await store.channelCardRef(partnershipId, card.key);
    const posted = ref ? POSTED.exec(ref) : null;
    if (posted) {
      await client.chat.update({ channel: posted[1]!, ts: posted[2]!, ...message });
      return;
    }
    if (ref) return; // posted on another platform: that adapter keeps it
    const sent = await client.chat.postMessage({ channel, ...message });
    if (!sent.ts) return;
    const where = `slack:${sent.channel ?? channel}:${sent.ts}`;
    // Another instance may have posted the same card a moment ago: keep theirs, remove ours.
    if (!(await store.saveChannelCardRef(partnershipId, card.key, where))) await client.chat.delete({ channel: sent.channel ?? channel, ts: sent.ts });
  });
  return { messageRef: card.key };
}
