import { describe, expect, it } from "vitest";
import { FakeSlack } from "../support/fake-slack.ts";

// Curve stores Slack message references as "<channel>/<ts>" and matches "seconds.micro"; a fake
// that ever drew another shape would make adapter tests pass or fail for the wrong reason.
describe("the fake Slack's message timestamps", () => {
  it("always have Slack's seconds.micro shape and are unique and rising, also within one millisecond", () => {
    const fake = new FakeSlack("T1");
    const stamps = Array.from({ length: 100_000 }, () => fake.nextTs());
    expect(stamps.filter((ts) => !/^\d{10}\.\d{6}$/.test(ts))).toEqual([]);
    expect(new Set(stamps).size).toBe(stamps.length);
    expect(stamps.filter((ts, i) => i > 0 && Number(ts.replace(".", "")) <= Number(stamps[i - 1]!.replace(".", "")))).toEqual([]);
  });

  it("answers chat.postMessage with such a timestamp", async () => {
    const fake = await new FakeSlack("T1").start();
    try {
      const answers = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const response = await fetch(`${fake.url}/api/chat.postMessage`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ channel: `C${i % 3}`, text: "hi" }) });
          return ((await response.json()) as { ts: string }).ts;
        }),
      );
      for (const ts of answers) expect(ts).toMatch(/^\d{10}\.\d{6}$/);
      expect(new Set(answers).size).toBe(answers.length);
    } finally {
      await fake.close();
    }
  });
});
