/**
 * Tells whoever sends the outbox (the delivery worker: bot/serve.ts) that rows were just
 * committed to it, so they go now rather than at the worker's next round. The change writers
 * (receipts.ts) call `written` after the commit, and only when the change added rows: a change
 * whose follow-ups were all skipped (no channel, nobody keeping an App Home) wakes nobody, so
 * the worker does not read an empty outbox after every change. One per open database.
 */
export class OutboxSignal {
  readonly #listeners = new Set<() => void>();

  /** Calls `listener` (which must not throw) after each commit that added outbox rows; returns the function that stops it. */
  onWritten(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Outbox rows were committed just now. */
  written(): void {
    for (const listener of this.#listeners) listener();
  }
}
