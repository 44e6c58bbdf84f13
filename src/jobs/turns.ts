/**
 * Resolves on the event loop's next turn, after pending I/O: a job that works through
 * thousands of people awaits it between slices, so requests are answered in between.
 */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** The longest, in ms, that inTimedSlices works between two turns of the event loop. */
export const TURN_MS = 10;

/**
 * Calls `work` on `items` a slice at a time (`slice` items, 20 by default), and takes a turn
 * of the event loop whenever TURN_MS has passed since the last: the pace follows what the
 * work costs, not how many items there are. A nudge sweep's planner, its caches cold, spent
 * 53 ms on its first 500 milestones and 2 ms on the next 500.
 */
export async function inTimedSlices<T>(items: readonly T[], work: (slice: T[]) => void, slice = 20): Promise<void> {
  let since = performance.now();
  for (let start = 0; start < items.length; start += slice) {
    if (start > 0 && performance.now() - since >= TURN_MS) {
      await nextTurn();
      since = performance.now();
    }
    work(items.slice(start, start + slice));
  }
}

const ROWS_PER_TURN = 4000;

/**
 * Calls `each` on every row, `perTurn` rows at a time (4,000 by default), with a turn of the
 * event loop between: a job walking a city's rows (40,000 milestones) in one go holds the
 * thread for tens of milliseconds.
 */
export async function inTurns<T>(rows: readonly T[], each: (row: T) => void, perTurn = ROWS_PER_TURN): Promise<void> {
  for (let start = 0; start < rows.length; start += perTurn) {
    if (start > 0) await nextTurn();
    for (let i = start; i < Math.min(rows.length, start + perTurn); i++) each(rows[i]!);
  }
}
