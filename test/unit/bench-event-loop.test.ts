import { describe, expect, it } from "vitest";
import { watchEventLoop } from "../../bench/event-loop.ts";

// The bench's measure of "no sweep holds the event loop for more than 50 ms" (issue: sweeps).
describe("the bench's event-loop watch", () => {
  it("reads a 40 ms hold between samples as at least 39 ms, and one spanning the whole watch as at least 35 ms", async () => {
    const hold = (ms: number) => {
      const started = performance.now();
      while (performance.now() - started < ms);
    };
    // Held between samples, after the loop has turned.
    const between = watchEventLoop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    hold(40);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(between.stop()).toBeGreaterThanOrEqual(39);
    // Held from the start of the watch to its end: no sample is taken, the 5 ms ticks' gap (less 5 ms) still sees it.
    const whole = watchEventLoop();
    hold(40);
    expect(whole.stop()).toBeGreaterThanOrEqual(35);
    // stop() gives the same figure again.
    expect(whole.stop()).toBe(whole.stop());
  });
});
