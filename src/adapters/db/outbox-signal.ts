/**
 * Tells whoever sends the outbox (the delivery worker: bot/serve.ts) that rows were just
 * committed to it, so they go now rather than at the worker's next round. The change writers
 * (receipts.ts) call `written` after the commit, and only when the change added rows: a change
 * whose follow-ups were all skipped (no channel, nobody keeping an App Home) wakes nobody, so
 * the worker does not read an empty outbox after every change. One per open database.
 */
export class OutboxSignal {
  readonly #listeners = new Map<() => void, (error: unknown) => void>();

  /**
   * Calls `listener` after each commit that added outbox rows; returns the function that stops
   * it. What it throws goes to `failed`: never to the change, which is committed and answered.
   */
  onWritten(listener: () => void, failed: (error: unknown) => void): () => void {
    this.#listeners.set(listener, failed);
    return () => void this.#listeners.delete(listener);
  }

  /** Outbox rows were committed just now. Never throws. */
  written(): void {
    for (const [listener, failed] of this.#listeners) {
      try {
        listener();
      } catch (error) {
        failed(error);
      }
    }
  }
}
