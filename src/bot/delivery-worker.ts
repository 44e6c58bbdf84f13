import { hostname } from "node:os";
import type { ChatAdapter } from "../adapters/chat/chat-adapter.ts";
import {
  claimDue,
  releaseClaims,
  markCancelled,
  markFailed,
  markSent,
  postpone,
  previousNudgeRef,
  type AppHomePayload,
  type ChannelCardPayload,
  type Claim,
  type ClaimedDelivery,
  markCovered,
  pendingCardRows,
} from "../adapters/db/deliveries.ts";
import { recipient } from "../adapters/db/people.ts";
import type { SqlRunner } from "../adapters/db/sql-runner.ts";
import { warn, type CommandDeps } from "../commands/context.ts";
import { escalationMessage, nudgeMessage, type EscalationPayload, type NudgePayload } from "../commands/nudge-messages.ts";
import { context, reply, type Reply } from "../domain/reply.ts";
import { nextSendableInstant } from "../domain/schedule/quiet-time.ts";
import { withLogContext } from "./logger.ts";

const BATCH = 50;
// Sends in different lanes go side by side; the platform adapters space sends per channel.
const CONCURRENCY = 16;

/**
 * A batch split into its lanes (`ClaimedDelivery.lane`, decided by the claim), each in claim
 * order: a lane's rows are sent one after another, lanes side by side.
 */
function inLanes(batch: readonly ClaimedDelivery[]): ClaimedDelivery[][] {
  const lanes = new Map<string, ClaimedDelivery[]>();
  for (const row of batch) {
    const rows = lanes.get(row.lane);
    if (rows) rows.push(row);
    else lanes.set(row.lane, [row]);
  }
  return [...lanes.values()];
}
const MAX_ATTEMPTS = 8;
// 1 min, 2, 4 … capped at an hour: transient failures are retried, never dropped.
const backoffMs = (attempt: number) => Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, attempt - 1));

export interface WorkerOptions {
  sql: SqlRunner;
  deps: CommandDeps;
  adapters: ChatAdapter[];
  clock: () => Date;
  id?: string;
  /** Only rows of these kinds (the effects of changes, when `curve serve` runs without its schedules); every kind when absent. */
  kinds?: readonly string[];
}


/**
 * Sends what the sweeps put in the outbox: claims due rows, holds them through quiet time,
 * draws each message for the person's platform, sends it, and records the platform's
 * message reference. Each row is settled as soon as it is sent, so a crash loses nothing
 * and repeats at most the one message that was in flight.
 */
export class DeliveryWorker {
  readonly id: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopping = false;
  /** A kick arrived while a drain ran: drain once more when it ends, so nothing waits for the next interval. */
  private kicked = false;
  /** Rows claimed by this worker and not yet settled. */
  private readonly held = new Set<number>();

  constructor(private readonly options: WorkerOptions) {
    this.id = options.id ?? `${hostname()}:${process.pid}`;
  }

  /** Sends everything due now; returns how many rows it settled. */
  async drain(): Promise<number> {
    let settled = 0;
    while (!this.stopping) {
      const batch = await claimDue(this.options.sql, this.id, this.options.clock(), BATCH, this.options.kinds);
      if (batch.length === 0) return settled;
      for (const row of batch) this.held.add(row.id);
      const lanes = inLanes(batch);
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, lanes.length) }, async () => {
          // Once stopping, no new send starts; the rows not started are given back in stop().
          for (let i = next++; i < lanes.length && !this.stopping; i = next++) {
            for (const row of lanes[i]!) {
              if (this.stopping) break;
              await withLogContext({ delivery: row.key }, () => this.deliver(row).catch((error: unknown) => this.unexpected(row, error)));
              this.held.delete(row.id);
              settled += 1;
            }
          }
        }),
      );
    }
    return settled;
  }

  /** Drains every `intervalMs`, and at once on `kick`. */
  start(intervalMs = 5000): void {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.tick();
  }

  /**
   * Something was just put in the outbox (a change's announcement): send it now rather than
   * at the next interval. Returns at once; a kick during a drain drains again after it.
   */
  kick(): void {
    if (this.stopping || !this.timer) return;
    if (this.running) this.kicked = true;
    else this.tick();
  }

  private tick(): void {
    if (this.running || this.stopping) return;
    this.kicked = false;
    this.running = this.drain()
      .catch((error: unknown) => {
        this.options.deps.log.error("delivery worker failed", { error });
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        if (this.kicked) this.tick();
      });
  }

  /**
   * Stops claiming at once. Sends already under way get up to `graceMs` to finish; every row
   * this worker still holds after that (not started, or a send that did not finish) is
   * given back to the outbox for another worker or the next start. Returns how many.
   */
  async stop(options: { graceMs?: number } = {}): Promise<{ released: number }> {
    this.stopping = true;
    clearInterval(this.timer);
    const graceMs = options.graceMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const inFlight = this.running?.then(() => true) ?? Promise.resolve(true);
    const finished = await Promise.race([inFlight, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
    clearTimeout(timer);
    const released = await releaseClaims(this.options.sql, this.id, [...this.held]).catch((error: unknown) => {
      this.options.deps.log.error("delivery worker could not give back its rows; they return after the lease expires", { error });
      return 0;
    });
    this.held.clear();
    this.options.deps.log.info("delivery worker stopped", { released, finishedInTime: finished });
    return { released };
  }

  // A row's outcomes, recorded only while the row is still this worker's claim (see Claim).
  private failed(row: ClaimedDelivery, reason: string): Promise<void> {
    return this.record(row, (claim) => markFailed(this.options.sql, claim, reason));
  }

  private cancelled(row: ClaimedDelivery, reason: string): Promise<void> {
    return this.record(row, (claim) => markCancelled(this.options.sql, claim, reason));
  }

  private postponed(row: ClaimedDelivery, until: Date, reason: string | null): Promise<void> {
    return this.record(row, (claim) => postpone(this.options.sql, claim, until, reason));
  }

  private sent(row: ClaimedDelivery, platform: string, messageRef: string, at: Date): Promise<void> {
    return this.record(row, (claim) => markSent(this.options.sql, claim, platform, messageRef, at));
  }

  /**
   * Records an outcome on this worker's claim of `row`. One that found the row no longer this
   * worker's (it stalled past its lease, and another worker claimed the row) changed nothing:
   * the other worker's outcome stands, and the row is not put back to be sent again.
   */
  private async record(row: ClaimedDelivery, outcome: (claim: Claim) => Promise<boolean>): Promise<void> {
    if (!(await outcome({ id: row.id, worker: this.id }))) {
      warn(this.options.deps.log, "delivery outcome not recorded: another worker claimed the row after this one's lease ran out", { attempt: row.attempts });
    }
  }

  private async deliver(row: ClaimedDelivery): Promise<void> {
    const { sql, adapters, clock } = this.options;
    const now = clock();
    if (row.kind === "channel_report" || row.kind === "announcement") return this.deliverToChannel(row);
    if (row.kind === "channel_card") return this.syncChannelCard(row);
    if (row.kind === "app_home") return this.refreshHomes(row);
    const who = await recipient(sql, row.personId);
    if (!who) return this.failed(row, "the person no longer exists");
    const sendable = nextSendableInstant(now, who);
    if (sendable > now) return this.postponed(row, sendable, null);

    const platform = [who.preferredPlatform, "slack", "teams"].find((p) => p && who.platforms.includes(p) && adapters.some((a) => a.platform === p));
    const adapter = adapters.find((a) => a.platform === platform);
    if (!adapter?.sendToPerson) {
      return this.failed(row, who.platforms.length ? `no adapter running for ${who.platforms.join(" or ")}` : "no Slack or Teams account linked");
    }
    const message = await this.draw(row, now);
    if (!message) return this.cancelled(row, "nothing left to say: everything in it was done");
    await this.settle(row, adapter.platform, async () => {
      // A nudge replaces the person's previous one, where the platform allows.
      const replace = row.kind === "nudge" ? ((await previousNudgeRef(sql, row.personId, adapter.platform)) ?? undefined) : undefined;
      return adapter.sendToPerson!(row.personId, message, replace ? { replace } : {});
    });
  }

  /** A fault in Curve or its data (not the platform's answer): retried like a transient failure, recorded, never stops the batch. */
  private async unexpected(row: ClaimedDelivery, error: unknown): Promise<void> {
    const { deps, clock } = this.options;
    const reason = `Curve could not prepare this message: ${error instanceof Error ? error.message : String(error)}`;
    deps.log.error("delivery failed", { attempt: row.attempts, error });
    if (row.attempts >= MAX_ATTEMPTS) return this.failed(row, reason);
    return this.postponed(row, new Date(clock().getTime() + backoffMs(row.attempts)), reason);
  }

  /**
   * A post for a channel: a scheduled report at the time the calendar gave (a working day), or
   * a change's announcement in its priority's channel, as soon as the change committed.
   */
  private async deliverToChannel(row: ClaimedDelivery): Promise<void> {
    const payload = row.payload as { channel?: string; reply?: Reply; text?: string };
    const [platform, tenant, ...rest] = (payload.channel ?? "").split(":");
    const adapter = this.options.adapters.find((a) => a.platform === platform);
    const message = payload.reply ?? (typeof payload.text === "string" ? reply("info", undefined, [context(payload.text)]) : null);
    if (!message) return this.failed(row, "nothing to post: the row holds no message");
    if (!adapter?.sendToChannel) return this.failed(row, `no adapter running that posts to ${platform || "that"} channels`);
    await this.settle(row, adapter.platform, () => adapter.sendToChannel!(tenant!, rest.join(":"), message, { personId: row.personId }));
  }

  /** A channel's card (a pledge's sign-up card) after a change: posted once, then redrawn in place from the data as it is now. */
  private async syncChannelCard(row: ClaimedDelivery): Promise<void> {
    const card = row.payload as Partial<ChannelCardPayload>;
    const platform = (card.channel ?? "").split(":")[0];
    const adapter = this.options.adapters.find((a) => a.platform === platform);
    if (!card.key || !card.channel) return this.failed(row, "no card: the row names none");
    if (!adapter?.syncChannelCard) return this.failed(row, `no adapter running that keeps cards in ${platform || "that"} channels`);
    // The card is drawn from the data as it is now, so it also shows the changes of the rows
    // waiting behind this one: once it lands, they are settled with it rather than redrawn.
    const covered = await pendingCardRows(this.options.sql, row.partnershipId, card.key);
    const sent = await this.settle(row, adapter.platform, () => adapter.syncChannelCard!(row.partnershipId, { key: card.key!, channel: card.channel! }, { personId: row.personId }));
    if (sent) await markCovered(this.options.sql, covered, adapter.platform, sent.messageRef, this.options.clock());
  }

  /** App Home, redrawn for everyone who has opened it and is concerned with the actions a change touched. */
  private async refreshHomes(row: ClaimedDelivery): Promise<void> {
    const actions = (row.payload as Partial<AppHomePayload>).actions ?? [];
    const adapter = this.options.adapters.find((a) => a.refreshHomes);
    if (!adapter) return this.cancelled(row, "no App Home to redraw: no Slack adapter is running");
    await this.settle(row, adapter.platform, () => adapter.refreshHomes!(row.partnershipId, actions, row.personId));
  }

  /**
   * Runs one send and records its outcome: sent (returned), tried again later (a transient
   * failure), or failed for good (null for both). Only the send's own failure is a failed
   * send: once the platform has the message, its record is kept trying (recordSent).
   */
  private async settle(row: ClaimedDelivery, platform: string, send: () => Promise<{ messageRef: string }>): Promise<{ messageRef: string } | null> {
    const { deps, clock } = this.options;
    let sent: { messageRef: string };
    try {
      sent = await send();
    } catch (error) {
      const e = error as { retryable?: boolean; retryAfterMs?: number; message?: string };
      const reason = e?.message ?? String(error);
      deps.log.error("delivery failed", { attempt: row.attempts, reason });
      if (e?.retryable === false || row.attempts >= MAX_ATTEMPTS) await this.failed(row, reason);
      else await this.postponed(row, new Date(clock().getTime() + (e?.retryAfterMs ?? backoffMs(row.attempts))), reason);
      return null;
    }
    // Never given back at a stop from here on: it went, and a row given back is sent again.
    this.held.delete(row.id);
    await this.recordSent(row, platform, sent.messageRef, clock());
    return sent;
  }

  /**
   * Records a row the platform has accepted as sent, trying again (every 0.25 s, doubling to
   * 5 s) while the database cannot be reached: a row left "sending" would be sent a second time
   * once its lease ran out, and one put off as a failure sooner. A worker that is stopping
   * tries once more and then leaves it, logged; only then can the message go twice.
   */
  private async recordSent(row: ClaimedDelivery, platform: string, messageRef: string, at: Date): Promise<void> {
    const { log } = this.options.deps;
    for (let waitMs = 250; ; waitMs = Math.min(5_000, waitMs * 2)) {
      try {
        return await this.sent(row, platform, messageRef, at);
      } catch (error) {
        if (this.stopping) {
          log.error("delivery sent but not recorded: it may be sent again once its claim runs out", { attempt: row.attempts, error });
          return;
        }
        warn(log, "delivery sent but not yet recorded: the database did not answer; trying again", { attempt: row.attempts, retryInMs: waitMs, error });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  private async draw(row: ClaimedDelivery, now: Date): Promise<Reply | null> {
    const { store } = this.options.deps;
    // A sweep's one message per person; an "escalation" row without `escalations` was enqueued
    // on its own, before escalations joined the nudge, and still goes as it was.
    if (row.kind === "nudge" || (row.kind === "escalation" && Array.isArray((row.payload as NudgePayload)?.escalations))) {
      const person = await store.findPersonById(row.partnershipId, row.personId);
      return person ? nudgeMessage(store, person, row.payload as NudgePayload, now) : null;
    }
    if (row.kind === "escalation") return escalationMessage(store, row.payload as EscalationPayload);
    // Digests, reports and other messages were composed when they were enqueued.
    const payload = row.payload as Reply;
    return payload && Array.isArray(payload.blocks) ? payload : null;
  }
}
