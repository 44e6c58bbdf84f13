import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * Watches how long the event loop is held, from now until `stop()`: monitorEventLoopDelay's
 * largest sample (10 ms resolution), or the longest gap between 5 ms ticks, whichever is
 * larger (a loop held from start to end takes no histogram sample at all). Milliseconds.
 */
export function watchEventLoop(): { stop(): number } {
  const delay = monitorEventLoopDelay({ resolution: 10 });
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
      held = Math.round(Math.max(delay.max / 1e6, longestGap) * 10) / 10;
      return held;
    },
  };
}
