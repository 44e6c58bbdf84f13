import type { OutboxRetentionStore } from "./ports.ts";
import { nextTurn } from "./turns.ts";

/** Deliveries deleted per statement. */
const PER_STATEMENT = 2_000;

/**
 * At most this many statements per sweep, so a first sweep over years of history catches up
 * over a few sweeps (20,000 deliveries each, 15 minutes apart) instead of holding one sweep up.
 */
const STATEMENTS_PER_SWEEP = 10;

/**
 * The outbox's retention: deletes the deliveries settled (sent, cancelled or failed) that were
 * due more than `days` days before `now`, and with them their nudge records, a bounded number
 * per run (see STATEMENTS_PER_SWEEP); what is left goes on the next run. Pending and sending
 * deliveries are never deleted, nor those whose row is what stops them being sent again
 * (risk-review and reading reminders: see the store's pruneSettledDeliveries). `days` null
 * keeps everything. Returns how many it deleted. The sweep runs it once per tick, on the one
 * instance that claims the tick. `perStatement` and `statements` bound one run (defaults:
 * PER_STATEMENT, STATEMENTS_PER_SWEEP).
 */
export async function pruneOutbox(
  store: OutboxRetentionStore,
  now: Date,
  days: number | null,
  { perStatement = PER_STATEMENT, statements = STATEMENTS_PER_SWEEP }: { perStatement?: number; statements?: number } = {},
): Promise<number> {
  if (days === null) return 0;
  const before = new Date(now.getTime() - days * 86_400_000);
  let deleted = 0;
  for (let statement = 0; statement < statements; statement++) {
    if (statement > 0) await nextTurn();
    const batch = await store.pruneSettledDeliveries(before, perStatement);
    deleted += batch;
    if (batch < perStatement) break;
  }
  return deleted;
}
