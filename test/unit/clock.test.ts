import { describe, expect, it } from "vitest";
import { chooseClock, describeClock, demoStart, tickingFrom } from "../../src/bot/clock.ts";

describe("the clock Curve runs on", () => {
  it("ticks from where it starts at the speed of real time", () => {
    let real = 1_000_000;
    const clock = tickingFrom(new Date("2011-09-26T08:00:00Z"), "demo", () => real);
    expect(clock.now().toISOString()).toBe("2011-09-26T08:00:00.000Z");
    real += 90_000;
    expect(clock.now().toISOString()).toBe("2011-09-26T08:01:30.000Z");
  });

  it("is the demo clock, on Monday 26 September 2011 at 09:00 London, only when the database holds the demo alone", () => {
    const demo = demoStart()!;
    expect(demo.start.toISOString()).toBe("2011-09-26T08:00:00.000Z");
    const onDemo = chooseClock([demo.slug], null);
    expect(onDemo.kind).toBe("demo");
    expect(Math.abs(onDemo.now().getTime() - demo.start.getTime())).toBeLessThan(60_000);
    expect(describeClock(onDemo, "Europe/London")).toMatch(/^It is Monday 26 September 2011, 09:0\d on the demo clock/);
    expect(chooseClock([demo.slug, "our-council"], null).kind).toBe("real");
    expect(chooseClock(["our-council"], null).kind).toBe("real");
    expect(chooseClock([], null).kind).toBe("real");
    expect(describeClock(chooseClock(["our-council"], null), "Europe/London")).toBeNull();
  });

  it("starts wherever --now says, on the demo or not", () => {
    const set = chooseClock(["our-council"], new Date("2012-03-01T10:00:00Z"));
    expect(set.kind).toBe("set");
    expect(Math.abs(set.now().getTime() - Date.parse("2012-03-01T10:00:00Z"))).toBeLessThan(60_000);
    expect(describeClock(set, "Europe/London")).toMatch(/^It is Thursday 1 March 2012, 10:0\d \(set with --now\)/);
  });
});
