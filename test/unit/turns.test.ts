import { describe, expect, it } from "vitest";
import { inTimedSlices, pacer, sortInTurns, TURN_MS } from "../../src/jobs/turns.ts";

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

describe("pacer", () => {
  it("takes a turn of the event loop once TURN_MS has passed since it was made or last took one", async () => {
    const pause = pacer();
    let turned = false;
    const busy = () => {
      const until = performance.now() + TURN_MS;
      while (performance.now() < until);
    };
    for (let round = 0; round < 3; round++) {
      turned = false;
      setImmediate(() => (turned = true));
      busy();
      await pause();
      expect(turned, `round ${round + 1}`).toBe(true);
    }
  });

  it("resolves without a turn while TURN_MS has not passed", async () => {
    // A clock that stands still: however slow the machine, no time has passed for the pacer.
    const now = performance.now();
    const real = performance.now.bind(performance);
    performance.now = () => now;
    try {
      const pause = pacer();
      let turned = false;
      setImmediate(() => (turned = true));
      for (let i = 0; i < 100; i++) await pause();
      expect(turned).toBe(false);
    } finally {
      performance.now = real;
    }
  });
});

describe("sortInTurns", () => {
  /** Deterministic pseudo-random keys with many ties, each item knowing where it started. */
  const items = (n: number) => Array.from({ length: n }, (_, at) => ({ key: (at * 7_919 + 13) % 37, at }));
  const byKey = (a: { key: number }, b: { key: number }) => a.key - b.key;

  it("sorts as Array.prototype.sort does, ties in their first order, at every size around its runs", async () => {
    for (const n of [0, 1, 2, 255, 256, 257, 511, 512, 513, 1_000, 5_003]) {
      const given = items(n);
      const sorted = await sortInTurns(given, byKey);
      expect(sorted, `${n} items`).toEqual([...given].sort(byKey));
      expect(sorted).not.toBe(given);
      expect(given.map((i) => i.at)).toEqual(given.map((_, at) => at));
    }
    // A comparison that is NaN counts as a tie, as it does for Array.prototype.sort.
    const nanForTies = (a: { key: number }, b: { key: number }) => (a.key === b.key ? Number.NaN : a.key - b.key);
    for (const n of [300, 700]) expect(await sortInTurns(items(n), nanForTies), `${n} items, NaN for ties`).toEqual(items(n).sort(byKey));
    expect(await sortInTurns(items(600), () => Number.NaN)).toEqual(items(600));
  });

  it("lets the event loop turn while it merges", async () => {
    // Comparing items from different runs of 256 (which only merging does) is slow: turns must come between.
    let turns = 0;
    let sorting = true;
    const tick = () => setImmediate(() => (sorting ? (turns++, tick()) : undefined));
    tick();
    const slowAcrossRuns = (a: { key: number; at: number }, b: { key: number; at: number }) => {
      if (Math.floor(a.at / 256) !== Math.floor(b.at / 256)) {
        const until = performance.now() + TURN_MS / 50;
        while (performance.now() < until);
      }
      return byKey(a, b);
    };
    const before = turns;
    const sorted = await sortInTurns(items(1_024), slowAcrossRuns);
    sorting = false;
    expect(sorted.map((i) => i.key)).toEqual(items(1_024).map((i) => i.key).sort((a, b) => a - b));
    expect(turns - before).toBeGreaterThan(5);
  });
});
