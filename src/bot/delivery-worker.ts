import { hostname } from "node:os";
import type { ChatAdapter } from "../adapters/chat/chat-adapter.ts";
import { claimDue, releaseClaims, markCancelled, markFailed, markSent, postpone, previousNudgeRef, type ClaimedDelivery } from "../adapters/db/deliveries.ts";
import { recipient } from "../adapters/db/people.ts";
import type { SqlRunner } from "../adapters/db/sql-runner.ts";
import type { CommandDeps } from "../commands/context.ts";
import { escalationMessage, nudgeMessage, type EscalationPayload, type NudgePayload } from "../commands/nudge-messages.ts";
import type { Reply } from "../domain/reply.ts";
import { nextSendableInstant } from "../domain/schedule/quiet-time.ts";
import { withLogContext } from "./logger.ts";

const BATCH = 50;
// Sends to different people go side by side; the platform adapters space sends per channel.
const CONCURRENCY = 16;
const MAX_ATTEMPTS = 8;
// 1 min, 2, 4 … capped at an hour: transient failures are retried, never dropped.
const backoffMs = (attempt: number) => Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, attempt - 1));

export interface WorkerOptions {
  sql: SqlRunner;
  deps: CommandDeps;
  adapters: ChatAdapter[];
  clock: () => Date;
  id?: string;
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
  /** Rows claimed by this worker and not yet settled. */
  private readonly held = new Set<number>();

  constructor(private readonly options: WorkerOptions) {
    this.id = options.id ?? `${hostname()}:${process.pid}`;
  }

  /** Sends everything due now; returns how many rows it settled. */
  async drain(): Promise<number> {
    let settled = 0;
    while (!this.stopping) {
      const batch = await claimDue(this.options.sql, this.id, this.options.clock(), BATCH);
      if (batch.length === 0) return settled;
      for (const row of batch) this.held.add(row.id);
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, batch.length) }, async () => {
          // Once stopping, no new send starts; the rows not started are given back in stop().
          for (let i = next++; i < batch.length && !this.stopping; i = next++) {
            await withLogContext({ delivery: batch[i]!.key }, () => this.deliver(batch[i]!).catch((error: unknown) => this.unexpected(batch[i]!, error)));
            this.held.delete(batch[i]!.id);
            settled += 1;
          }
        }),
      );
    }
    return settled;
  }

  start(intervalMs = 5000): void {
    const tick = () => {
      if (this.running) return;
      this.running = this.drain()
        .catch((error: unknown) => {
          this.options.deps.log.error("delivery worker failed", { error });
          return 0;
        })
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, intervalMs);
    tick();
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

  private async deliver(row: ClaimedDelivery): Promise<void> {
    const { sql, deps, adapters, clock } = this.options;
    const now = clock();
    if (row.kind === "channel_report") return this.deliverToChannel(row);
    const who = await recipient(sql, row.personId);
    if (!who) return markFailed(sql, row.id, "the person no longer exists");
    const sendable = nextSendableInstant(now, who);
    if (sendable > now) return postpone(sql, row.id, sendable, null);

    const platform = [who.preferredPlatform, "slack", "teams"].find((p) => p && who.platforms.includes(p) && adapters.some((a) => a.platform === p));
    const adapter = adapters.find((a) => a.platform === platform);
    if (!adapter?.sendToPerson) {
      return markFailed(sql, row.id, who.platforms.length ? `no adapter running for ${who.platforms.join(" or ")}` : "no Slack or Teams account linked");
    }
    const message = await this.draw(row, now);
    if (!message) return markCancelled(sql, row.id, "nothing left to say: everything in it was done");
    try {
      const replace = row.kind === "nudge" ? ((await previousNudgeRef(sql, row.personId, adapter.platform)) ?? undefined) : undefined;
      const sent = await adapter.sendToPerson(row.personId, message, replace ? { replace } : {});
      await markSent(sql, row.id, adapter.platform, sent.messageRef, clock());
    } catch (error) {
      const e = error as { retryable?: boolean; retryAfterMs?: number; message?: string };
      const reason = e?.message ?? String(error);
      deps.log.error("delivery failed", { attempt: row.attempts, reason });
      if (e?.retryable === false || row.attempts >= MAX_ATTEMPTS) return markFailed(sql, row.id, reason);
      return postpone(sql, row.id, new Date(clock().getTime() + (e?.retryAfterMs ?? backoffMs(row.attempts))), reason);
    }
  }

  /** A fault in Curve or its data (not the platform's answer): retried like a transient failure, recorded, never stops the batch. */
  private async unexpected(row: ClaimedDelivery, error: unknown): Promise<void> {
    const { sql, deps, clock } = this.options;
    const reason = `Curve could not prepare this message: ${error instanceof Error ? error.message : String(error)}`;
    deps.log.error("delivery failed", { attempt: row.attempts, error });
    if (row.attempts >= MAX_ATTEMPTS) return markFailed(sql, row.id, reason);
    return postpone(sql, row.id, new Date(clock().getTime() + backoffMs(row.attempts)), reason);
  }

  /** A scheduled report, posted into its channel at the time the calendar gave (a working day). */
  private async deliverToChannel(row: ClaimedDelivery): Promise<void> {
    const { sql, adapters, clock } = this.options;
    const payload = row.payload as { channel?: string; reply?: Reply };
    const [platform, tenant, ...rest] = (payload.channel ?? "").split(":");
    const adapter = adapters.find((a) => a.platform === platform);
    if (!payload.reply || !adapter?.sendToChannel) return markFailed(sql, row.id, `no adapter running that posts to ${platform || "that"} channels`);
    try {
      const sent = await adapter.sendToChannel(tenant!, rest.join(":"), payload.reply);
      await markSent(sql, row.id, adapter.platform, sent.messageRef, clock());
    } catch (error) {
      const e = error as { retryable?: boolean; retryAfterMs?: number; message?: string };
      const reason = e?.message ?? String(error);
      if (e?.retryable === false || row.attempts >= MAX_ATTEMPTS) return markFailed(sql, row.id, reason);
      return postpone(sql, row.id, new Date(clock().getTime() + (e?.retryAfterMs ?? backoffMs(row.attempts))), reason);
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
