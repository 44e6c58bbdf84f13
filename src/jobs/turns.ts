/**
 * Resolves on the event loop's next turn, after pending I/O: a job that works through
 * thousands of people awaits it between slices, so requests are answered in between.
 */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

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
