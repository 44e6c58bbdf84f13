import { describe, expect, it } from "vitest";
import { NUDGE_MESSAGES_PER_STATEMENT, NUDGE_STAGES_PER_STATEMENT, nudgeStatementBounds } from "../../src/adapters/db/milestone-nudges.ts";
import type { NudgeMessage } from "../../src/jobs/ports.ts";

/** `count` messages, the i-th carrying `stagesOf(i)` stages. */
const messages = (count: number, stagesOf: (i: number) => number): NudgeMessage[] =>
  Array.from({ length: count }, (_, i) => {
    const nudges = Array.from({ length: stagesOf(i) }, (_, n) => ({ milestoneId: n + 1, stage: "overdue" as const, stageDate: "2026-11-23", because: "owner" as const }));
    return { partnershipId: 1, personId: i + 1, key: `k${i}`, kind: "nudge", payload: { items: nudges }, dueAt: new Date(0), nudges };
  });

/** What every split must be: in order, each message once, none empty, each within both bounds unless one message alone is over. */
function expectSound(list: NudgeMessage[], bounds: [number, number][]) {
  expect(bounds.flatMap(([start, end]) => Array.from({ length: end - start }, (_, k) => start + k))).toEqual(list.map((_, i) => i));
  for (const [start, end] of bounds) {
    expect(end).toBeGreaterThan(start);
    expect(end - start).toBeLessThanOrEqual(NUDGE_MESSAGES_PER_STATEMENT);
    const stages = list.slice(start, end).reduce((n, m) => n + m.nudges.length, 0);
    if (end - start > 1) expect(stages).toBeLessThanOrEqual(NUDGE_STAGES_PER_STATEMENT);
  }
}

describe("how a nudge sweep's messages are split into statements (nudgeStatementBounds)", () => {
  it("puts a working day's 09:00 messages, one or two stages each, 1,000 to a statement", () => {
    const list = messages(1772, (i) => 1 + (i % 2));
    const bounds = nudgeStatementBounds(list);
    expect(bounds).toEqual([
      [0, 1000],
      [1000, 1772],
    ]);
    expectSound(list, bounds);
  });

  it("cuts a first sweep's long messages at 4,000 stages, fewer than 1,000 messages", () => {
    const list = messages(2000, () => 20);
    const bounds = nudgeStatementBounds(list);
    expect(bounds.length).toBe(10);
    expect(bounds[0]).toEqual([0, 200]);
    expectSound(list, bounds);
  });

  it("gives a message with more stages than a statement takes a statement of its own, and goes on", () => {
    const list = messages(5, (i) => (i === 2 ? NUDGE_STAGES_PER_STATEMENT + 10 : 1000));
    const bounds = nudgeStatementBounds(list);
    expect(bounds).toEqual([
      [0, 2],
      [2, 3],
      [3, 5],
    ]);
    expectSound(list, bounds);
  });

  it("splits mixed lengths soundly, and nothing for no messages", () => {
    const list = messages(3001, (i) => (i * 37) % 41);
    expectSound(list, nudgeStatementBounds(list));
    expect(nudgeStatementBounds([])).toEqual([]);
  });
});
