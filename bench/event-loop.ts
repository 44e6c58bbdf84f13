import { monitorEventLoopDelay } from "node:perf_hooks";

/** monitorEventLoopDelay's sampling period, ms: each sample is the time between two of its timer callbacks. */
const RESOLUTION_MS = 1;

/**
 * Watches how long the event loop is held, from now until `stop()`: monitorEventLoopDelay's
 * largest sample less its own period (a sample is the whole interval between two of its timer
 * callbacks, so a loop held for 30 ms read 36.9 ms at a 10 ms period, and 32.7 ms at 1 ms), or
 * the longest gap between 5 ms ticks less 5 ms, whichever is larger (a loop held from start to
 * end takes no histogram sample at all). Milliseconds.
 */
export function watchEventLoop(): { stop(): number } {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  let last = performance.now();
  let longestGap = 0;
  const tick = () => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last - 5);
    last = now;
  };
  const ticker = setInterval(tick, 5);
  let held: number | undefined;
  return {
    /** The longest hold, in ms; stops watching the first time, and gives the same figure after. */
    stop() {
      if (held !== undefined) return held;
      tick();
      clearInterval(ticker);
      delay.disable();
      held = Math.round(Math.max(delay.max / 1e6 - RESOLUTION_MS, longestGap, 0) * 10) / 10;
      return held;
    },
  };
}
