import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { lockSweep, streamSweepData } from "../../src/adapters/db/milestone-nudges.ts";
import { currentCalendar } from "../../src/domain/schedule/bank-holidays.ts";
import { sweepPlanner, type SweepPlanner } from "../../src/domain/schedule/plan-nudges.ts";
import { runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { generatePartnership } from "../../bench/generate.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, uniqueName, type TestDatabase } from "../support/databases.ts";
import { watchStatements } from "../support/watched-transaction.ts";

/**
 * A sweep reads its milestones through a cursor a batch at a time, reading the next batch
 * while it plans this one (cursor.ts, inBatches). Whatever the batch size, it plans
 * the same, and never has two statements running at once on its transaction, even when a
 * statement or the planning fails.
 */

describe.each(kindsUnderTest())("a nudge sweep read in batches on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t?.close());

  async function planWith(partnershipId: number, now: Date, batchSize: number | undefined, rested: boolean) {
    return t.db.sql.transaction(async (tx) => {
      const version = await lockSweep(tx, partnershipId);
      const basis = { hearersVersion: version, calendar: currentCalendar().fingerprint };
      const { w, watched } = watchStatements(tx);
      let planner: SweepPlanner | undefined;
      const { refs, names, outOfDate } = await streamSweepData(
        watched,
        partnershipId,
        now,
        undefined,
        (facts) => {
          planner = sweepPlanner(facts);
          return (batch) => planner!.add(batch);
        },
        { batchSize, ...(rested ? { rested: basis } : {}) },
      );
      const plan = planner!.plan;
      return {
        most: w.most,
        runningAtEnd: w.running,
        result: { messages: [...plan.messages], rests: plan.rests, raised: plan.raised, failures: [...plan.failures], refs: [...refs], names: [...names], outOfDate },
      };
    });
  }

  it("plans the same for every batch size, rested or not, never two statements at once", async () => {
    const { partnershipId } = await generatePartnership(t.db.sql, uniqueName("batches").replace(/_/g, "-"), { people: 30, actions: 60, perAction: 4 });
    // Some weeks of sweeps first: nudges recorded, tallies, rests, escalations.
    for (let d = 0; d < 21; d += 3) await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date(Date.UTC(2026, 10, 16 + d, 9)));
    for (const now of [new Date(Date.UTC(2026, 11, 8, 9)), new Date(Date.UTC(2026, 11, 4, 14)), new Date(Date.UTC(2026, 11, 7, 10))]) {
      for (const rested of [false, true]) {
        // The default batch holds every milestone of this partnership: one batch, planned in slices.
        const whole = await planWith(partnershipId, now, undefined, rested);
        expect(whole.result.messages.length).toBeGreaterThan(0);
        const n = whole.result.refs.length;
        for (const size of [1, 2, 19, 20, 21, 41, n - 1, n, n + 1]) {
          const got = await planWith(partnershipId, now, size, rested);
          expect(got.most, `batches of ${size}`).toBe(1);
          expect(got.runningAtEnd).toBe(0);
          expect(got.result, `batches of ${size}, rested ${rested}`).toEqual(whole.result);
        }
      }
    }
  }, 240_000);

  it("leaves nothing running and nothing unhandled when a batch's read or its planning fails, at any batch", async () => {
    const partnershipId = await loadDemo(t.db);
    const now = new Date("2011-09-26T09:00:00+01:00");
    const seen: string[] = [];
    /** One sweep's read that fails somewhere; what it failed with, and what was left running and ran at most at once. */
    const failing = async (batchSize: number, fail: ((text: string, n: number) => boolean) | undefined, people: [] | undefined, slice: () => void) => {
      let left = -1;
      let most = -1;
      const outcome = await t.db.sql
        .transaction(async (tx) => {
          const { w, watched } = watchStatements(tx, fail);
          try {
            await streamSweepData(watched, partnershipId, now, people, () => slice, { batchSize });
          } finally {
            left = w.running;
            most = w.most;
          }
        })
        .then(
          () => "ok",
          (e: Error) => e.message,
        );
      seen.push(outcome);
      return { left, most };
    };
    for (const size of [1, 3, 1000]) {
      for (let at = 1; at <= 12; at++) {
        // The at-th statement of the milestone reads fails.
        const read = await failing(size, (_text, n) => n === at, [], () => undefined);
        expect(read.left, `size ${size}, statement ${at}`).toBe(0);
        expect(read.most).toBe(1);
        // Planning fails at the at-th slice.
        let slices = 0;
        const planning = await failing(size, undefined, undefined, () => {
          if (++slices === at) throw new Error("planning failed");
        });
        expect(planning.left, `size ${size}, slice ${at}`).toBe(0);
        expect(planning.most).toBe(1);
      }
    }
    expect(seen).toContain("planning failed");
    expect(seen.some((s) => s.startsWith("injected failure in FETCH"))).toBe(true);
    expect(seen.some((s) => s.startsWith("injected failure in select"))).toBe(true);
    expect(await t.db.sql.transaction((tx) => tx.query<{ one: number }>(`SELECT 1 AS one`))).toEqual([{ one: 1 }]);
  }, 240_000);
});
