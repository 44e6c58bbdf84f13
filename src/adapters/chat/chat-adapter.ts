import type { Express } from "express";
import type { CommandDeps, Logger } from "../../commands/context.ts";
import type { ChannelCard, Reply } from "../../domain/reply.ts";

/** What `curve serve` needs from each chat platform's adapter. */
export interface ChatAdapter {
  platform: "slack" | "teams";
  /** Adds the adapter's routes to the shared HTTP server. */
  mount(app: Express): void;
  /**
   * Sends a reply to a person outside any conversation they started (nudges, digests).
   * With `replace`, the message sent earlier under that reference is updated instead, where
   * the platform allows. Failures carry `retryable: false` when trying again cannot help,
   * and `retryAfterMs` when the platform said when to try again.
   */
  sendToPerson?(personId: number, reply: Reply, options?: { replace?: string }): Promise<{ messageRef: string }>;
  /**
   * Checks the platform takes Curve's credentials (and opens Socket Mode where used).
   * curve serve calls it in the background and again after a failure, so it may run more
   * than once; it throws an Error whose message is one sentence an operator can act on.
   */
  connect?(): Promise<void>;
  /**
   * Posts a reply into a channel ("<channel id>" or, on Slack, "#name"): scheduled reports and
   * changes' announcements. `personId` is whose row it is (the person who made the change),
   * for a platform that reaches a channel through someone's conversation (Teams' service URL).
   * Failures as for sendToPerson.
   */
  sendToChannel?(tenant: string, channel: string, reply: Reply, options?: { personId?: number }): Promise<{ messageRef: string }>;
  /**
   * Posts a channel's card (a pledge's sign-up card), or updates the message already posted
   * for its key, drawn from the data as it is now: after a change, from the outbox. Returns
   * where the card is. Failures as for sendToPerson.
   */
  syncChannelCard?(partnershipId: number, card: ChannelCard, options?: { personId?: number }): Promise<{ messageRef: string }>;
  /**
   * Redraws App Home for everyone who has opened it and is concerned with these actions
   * (owners, team members, sponsors, leads) or made the change (`actorPersonId`). Slack only.
   */
  refreshHomes?(partnershipId: number, actionIds: readonly number[], actorPersonId: number): Promise<{ messageRef: string }>;
  close(): Promise<void>;
}

export interface AdapterEnvironment {
  deps: CommandDeps;
  log: Logger;
  /** Injected so tests and benchmarks control time; the server passes the real clock. */
  clock: () => Date;
}
