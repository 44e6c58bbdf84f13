import type { ChatAdapter } from "../adapters/chat/chat-adapter.ts";
import { warn, type Logger } from "../commands/context.ts";

export type AdapterState = "starting" | "ready" | "retrying" | "stopped";

export interface AdapterStatus {
  platform: ChatAdapter["platform"];
  state: AdapterState;
  /** Why it is retrying, in one sentence; absent when ready. */
  reason?: string;
  /** When the next attempt is due (ISO 8601), while retrying. */
  retryAt?: string;
}

/**
 * Connects each chat adapter to its platform (checks its token, opens Socket Mode) in the
 * background, so an unreachable platform or a refused token never stops curve serve: the
 * failure is logged in one sentence and tried again, from `firstRetryMs` doubling to
 * `maxRetryMs`, while the other adapters and the schedules run. /readyz reports each state.
 */
export class AdapterSupervisor {
  private readonly states = new Map<ChatAdapter, AdapterStatus>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly adapters: ChatAdapter[],
    private readonly log: Logger,
    private readonly options: { firstRetryMs: number; maxRetryMs: number } = { firstRetryMs: 5_000, maxRetryMs: 5 * 60_000 },
  ) {
    for (const adapter of adapters) this.states.set(adapter, { platform: adapter.platform, state: adapter.connect ? "starting" : "ready" });
  }

  /**
   * Starts connecting every adapter. Resolves when each first attempt has succeeded or
   * failed (a failure is then retried in the background), or after `waitMs` at most, so a
   * platform that never answers cannot hold up curve serve.
   */
  async start(waitMs = 10_000): Promise<void> {
    const first = this.adapters.filter((a) => a.connect).map((adapter) => this.attempt(adapter, this.options.firstRetryMs));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(first), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  status(): AdapterStatus[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  /** Resolves once every adapter has connected (tests); never rejects. */
  async ready(): Promise<void> {
    while (!this.stopped && this.status().some((s) => s.state !== "ready")) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const status of this.states.values()) if (status.state !== "ready") status.state = "stopped";
  }

  private async attempt(adapter: ChatAdapter, nextDelayMs: number): Promise<void> {
    if (this.stopped) return;
    try {
      await adapter.connect!();
      if (this.stopped) return;
      const was = this.states.get(adapter)!.state;
      this.states.set(adapter, { platform: adapter.platform, state: "ready" });
      this.log.info(`${label(adapter)} adapter connected`, was === "retrying" ? { after: "retrying" } : {});
    } catch (error) {
      if (this.stopped) return;
      const reason = sentence(error);
      const retryAt = new Date(Date.now() + nextDelayMs);
      this.states.set(adapter, { platform: adapter.platform, state: "retrying", reason, retryAt: retryAt.toISOString() });
      warn(this.log, `${label(adapter)} adapter could not connect: ${reason} Curve will try again in ${Math.round(nextDelayMs / 1000)} s; everything else keeps running.`, {
        platform: adapter.platform,
      });
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.attempt(adapter, Math.min(nextDelayMs * 2, this.options.maxRetryMs));
      }, nextDelayMs);
      timer.unref();
      this.timers.add(timer);
    }
  }
}

const label = (adapter: ChatAdapter) => (adapter.platform === "slack" ? "Slack" : "Teams");

/** An adapter's connect() throws errors written as sentences; anything else is summarised. */
function sentence(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const first = text.split("\n")[0]!.trim();
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
