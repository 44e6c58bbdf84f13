/**
 * Resolves on the event loop's next turn, after pending I/O: a job that works through
 * thousands of people awaits it between slices, so requests are answered in between.
 */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** The longest, in ms, that inTimedSlices and sortInTurns work between two turns of the event loop. */
export const TURN_MS = 10;

/** A stretch of work's clock: `due` once TURN_MS has passed since it started or last took a turn. */
function turnClock() {
  let since = performance.now();
  return {
    due: () => performance.now() - since >= TURN_MS,
    async take(): Promise<void> {
      await nextTurn();
      since = performance.now();
    },
  };
}

/**
 * A pause for work done in slices: it takes a turn of the event loop when TURN_MS has passed
 * since the pacer was made or last took one, and otherwise resolves at once. For a loop of
 * its own (planSweepInSlices' `pause`); inTimedSlices is the same pacing over an array.
 */
export function pacer(): () => Promise<void> {
  const clock = turnClock();
  return async () => {
    if (clock.due()) await clock.take();
  };
}

/**
 * Calls `work` on `items` a slice at a time (`slice` items, 20 by default), and takes a turn
 * of the event loop whenever TURN_MS has passed since the last: the pace follows what the
 * work costs, not how many items there are. A nudge sweep's planner, its caches cold, spent
 * 53 ms on its first 500 milestones and 2 ms on the next 500.
 */
export async function inTimedSlices<T>(items: readonly T[], work: (slice: T[]) => void, slice = 20): Promise<void> {
  const pause = pacer();
  for (let start = 0; start < items.length; start += slice) {
    if (start > 0) await pause();
    work(items.slice(start, start + slice));
  }
}

/** Items sorted in one go by sortInTurns before it merges, and merged between looks at the clock. */
const SORTED_RUN = 256;

/**
 * `items` (none of them undefined, which Array.prototype.sort puts last unasked) sorted by
 * `compare`, as Array.prototype.sort would (stable), in a new array, with a
 * turn of the event loop whenever TURN_MS has passed: runs of 256 are sorted, then merged in
 * pairs. A 20,000-person sweep's messages sorted by name in one go (Intl.Collator) held the
 * thread for 28–46 ms (first sweep at 100,000 actions).
 */
export async function sortInTurns<T>(items: readonly T[], compare: (a: T, b: T) => number): Promise<T[]> {
  const clock = turnClock();
  let from: T[] = [];
  for (let start = 0; start < items.length; start += SORTED_RUN) {
    if (start > 0 && clock.due()) await clock.take();
    from.push(...items.slice(start, start + SORTED_RUN).sort(compare));
  }
  let to: T[] = new Array<T>(items.length);
  for (let width = SORTED_RUN; width < items.length; width *= 2) {
    for (let low = 0; low < items.length; low += 2 * width) {
      const middle = Math.min(low + width, items.length);
      const high = Math.min(low + 2 * width, items.length);
      let left = low;
      let right = middle;
      for (let k = low; k < high; k++) {
        if ((k & (SORTED_RUN - 1)) === 0 && clock.due()) await clock.take();
        // Left first unless the right comes before it: equal items keep their order, and a
        // comparison that is NaN counts as equal, as Array.prototype.sort counts it.
        to[k] = left < middle && (right >= high || !(compare(from[left]!, from[right]!) > 0)) ? from[left++]! : from[right++]!;
      }
    }
    [from, to] = [to, from];
  }
  return from;
}
