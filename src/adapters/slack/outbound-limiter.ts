import type { Logger } from "../../commands/context.ts";

/**
 * Sends to Slack at most about one message per second per channel (Slack's
 * chat.postMessage limit), waiting out Retry-After when Slack says slow down. Sends are
 * queued per key and never awaited by an ack. A one-off send is given up after
 * `maxAttempts` rate-limited tries (the outbox tries it again later); a "latest wins" send
 * (a channel card, App Home) has no later, so it is retried until it lands or Curve stops.
 */
export class OutboundLimiter {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly lastSent = new Map<string, number>();
  /** Keys with a "latest wins" send waiting, and its outcome: another request for them is already covered by it. */
  private readonly waiting = new Map<string, Promise<void>>();
  /** Wakes every send waiting out a Retry-After, so stop() does not wait for Slack's clock. */
  private readonly sleepers = new Set<() => void>();
  private stopping = false;

  constructor(
    private readonly log: Logger,
    private readonly options: { intervalMs: number; maxAttempts: number } = { intervalMs: 1100, maxAttempts: 4 },
  ) {}

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Queues a send for a channel (or any key, e.g. "home:U123"); resolves when it is done or given up. */
  enqueue(key: string, what: string, send: () => Promise<unknown>): Promise<void> {
    return this.schedule(key, what, send).then(
      () => undefined,
      (error: unknown) => this.log.error("slack send failed", { key, what, error: describe(error) }),
    );
  }

  /**
   * Like enqueue, for a caller that needs the result (the outbox): it rejects when the send is
   * given up. With `untilSent`, a rate-limited send is retried until it lands or stop() is called.
   */
  schedule<T>(key: string, what: string, send: () => Promise<T>, options: { untilSent?: boolean } = {}): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const result = previous.then(() => this.run(key, what, send, options.untilSent ?? false));
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, settled);
    void settled.finally(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return result;
  }

  /**
   * Queues a send whose content is read when it runs (an App Home view): while one is
   * already waiting for the key, another request is covered by it and dropped. Failures are logged.
   */
  enqueueLatest(key: string, what: string, send: () => Promise<unknown>): Promise<void> {
    return this.scheduleLatest(key, what, send).catch((error: unknown) => this.log.error("slack send failed", { key, what, error: describe(error) }));
  }

  /**
   * Like enqueueLatest, for a caller that needs the outcome (the outbox): resolves once the
   * send (or the waiting one that covers it) has landed, and rejects with Slack's error when it
   * failed for a reason other than a rate limit, or was given up because Curve is stopping.
   */
  scheduleLatest(key: string, what: string, send: () => Promise<unknown>): Promise<void> {
    const covering = this.waiting.get(key);
    if (covering) return covering;
    // The send reads the latest state each time it runs, so each retry carries the newest content.
    const outcome = this.schedule(
      key,
      what,
      () => {
        this.waiting.delete(key);
        return send();
      },
      { untilSent: true },
    ).then(() => undefined);
    this.waiting.set(key, outcome);
    return outcome;
  }

  /** Resolves when everything queued so far has been sent or given up. */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  /** Curve is stopping: sends still rate-limited are given up (and logged) rather than waited for; then idle(). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.sleepers]) wake();
    await this.idle();
  }

  private async run<T>(key: string, what: string, send: () => Promise<T>, untilSent: boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const wait = (this.lastSent.get(key) ?? 0) + this.options.intervalMs - Date.now();
      if (wait > 0) await this.sleep(wait);
      try {
        this.lastSent.set(key, Date.now());
        return await send();
      } catch (error) {
        const retryAfter = retryAfterSeconds(error);
        if (retryAfter === null || this.stopping || (!untilSent && attempt >= this.options.maxAttempts)) throw error;
        this.log.info("slack asked us to slow down", { key, what, retryAfterSeconds: retryAfter });
        await this.sleep(retryAfter * 1000);
      }
    }
  }
}

/** Seconds to wait from a rate-limited Web API error (HTTP 429 with Retry-After), else null. */
function retryAfterSeconds(error: unknown): number | null {
  const e = error as { code?: string; retryAfter?: number };
  return e?.code === "slack_webapi_rate_limited_error" && typeof e.retryAfter === "number" ? e.retryAfter : null;
}

export const describe = (error: unknown): string => {
  const e = error as { code?: string; data?: { error?: string }; message?: string };
  return [e?.code, e?.data?.error, e?.message].filter(Boolean).join(": ") || String(error);
};
