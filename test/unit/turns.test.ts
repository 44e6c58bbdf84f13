import { describe, expect, it } from "vitest";
import { inTimedSlices, TURN_MS } from "../../src/jobs/turns.ts";

describe("inTimedSlices", () => {
  it("hands every item over once, in order, in slices of the size asked", async () => {
    const seen: number[][] = [];
    await inTimedSlices(
      Array.from({ length: 45 }, (_, i) => i),
      (slice) => seen.push(slice),
      20,
    );
    expect(seen.map((s) => s.length)).toEqual([20, 20, 5]);
    expect(seen.flat()).toEqual(Array.from({ length: 45 }, (_, i) => i));
    await inTimedSlices([], () => seen.push([-1]));
    expect(seen).toHaveLength(3);
  });

  it("lets the event loop turn after any slice that took TURN_MS or more, and before the next", async () => {
    // Each slice works for at least TURN_MS; a callback queued for the loop's next turn must run between every two slices.
    const turns: number[] = [];
    let slices = 0;
    let waiting = false;
    const queueTurn = () => {
      waiting = true;
      setImmediate(() => {
        waiting = false;
        turns.push(slices);
      });
    };
    await inTimedSlices([1, 2, 3, 4], () => {
      if (slices > 0) expect(waiting, `a turn before slice ${slices + 1}`).toBe(false);
      slices++;
      const until = performance.now() + TURN_MS;
      while (performance.now() < until);
      queueTurn();
    }, 1);
    expect(turns.slice(0, 3)).toEqual([1, 2, 3]);
  });
});
