import { describe, expect, it } from "vitest";
import { actionRag, describeActionRag, indicatorRag, type RagIndicator } from "../../src/domain/rag.ts";

const m = (ref: string, dueDate: string | null, doneAt: string | null = null) => ({ ref, dueDate, doneAt: doneAt ? new Date(doneAt) : null });

describe("an action's RAG", () => {
  const today = "2011-10-03";

  it("is red when a milestone is overdue, naming the oldest and counting the rest", () => {
    const r = actionRag({ state: "not_started", milestones: [m("ATT-1.2", "2011-07-31"), m("ATT-1.1", "2011-03-31"), m("ATT-1.3", "2012-01-31")] }, today);
    expect(r.rag).toBe("red");
    expect(r.reason).toBe("ATT-1.1 overdue since 31 Mar 2011 (+1 more)");
  });

  it("shows the derived red with its reason when the owner set it on track by hand", () => {
    const r = actionRag({ state: "on_track", milestones: [m("LAC-4.1", "2011-09-30")] }, today);
    expect(r.rag).toBe("red");
    expect(r.differs).toBe(true);
    expect(r.handSet).toEqual({ state: "on_track", rag: "green" });
    expect(describeActionRag(r)).toBe("Red: LAC-4.1 overdue since 30 Sep 2011 (set on track by hand)");
  });

  it("keeps a hand-set off track as red even when the milestones are fine", () => {
    const r = actionRag({ state: "off_track", milestones: [m("NEET-2.1", "2012-03-31")] }, today);
    expect(r).toMatchObject({ rag: "red", reason: "set off track", differs: false });
    expect(r.derived.rag).toBe("green");
  });

  it("is amber when set at risk, when a milestone slipped, or when one is due soon with no recent progress", () => {
    expect(actionRag({ state: "at_risk", milestones: [] }, today)).toMatchObject({ rag: "amber", reason: "set at risk" });
    const slipped = actionRag({ state: "on_track", milestones: [m("ATT-2.1", "2011-12-31")] }, today, [
      { ref: "ATT-2.1", from: "2011-09-30", to: "2011-12-31", at: new Date("2011-09-20T10:00:00Z") },
    ]);
    expect(slipped).toMatchObject({ rag: "amber", reason: "ATT-2.1 slipped from 30 Sep 2011 to 31 Dec 2011", differs: true });
    const soon = actionRag({ state: "not_started", milestones: [m("ATT-4.1", "2011-10-10")] }, today);
    expect(soon).toMatchObject({ rag: "amber", reason: "ATT-4.1 due in 7 days, no progress in 30 days" });
    const progressing = actionRag({ state: "not_started", milestones: [m("ATT-4.0", "2011-09-01", "2011-09-20T12:00:00Z"), m("ATT-4.1", "2011-10-10")] }, today);
    expect(progressing).toMatchObject({ rag: "green", reason: "nothing overdue; next ATT-4.1 10 Oct 2011" });
  });

  it("ignores a slip on a milestone since done, and rates done and dropped actions plainly", () => {
    const r = actionRag({ state: "on_track", milestones: [m("ATT-2.1", "2011-12-31", "2011-10-01T09:00:00Z")] }, today, [
      { ref: "ATT-2.1", from: "2011-09-30", to: "2011-12-31", at: new Date("2011-09-20T10:00:00Z") },
    ]);
    expect(r).toMatchObject({ rag: "green", reason: "all milestones done" });
    expect(actionRag({ state: "done", milestones: [m("X-1.1", "2011-01-01")] }, today)).toMatchObject({ rag: "green", reason: "done" });
    expect(actionRag({ state: "dropped", milestones: [m("X-1.1", "2011-01-01")] }, today)).toMatchObject({ rag: "grey", reason: "dropped" });
    expect(actionRag({ state: "not_started", milestones: [m("X-1.1", null)] }, today)).toMatchObject({ rag: "green", reason: "nothing overdue; dates to be agreed" });
  });
});

describe("an indicator's RAG", () => {
  // NI 59 (seed 000): 72% by March 2010, 80% by October 2010, from a 2009 baseline of 60%.
  const ni59: RagIndicator = {
    unit: "percent",
    polarity: "higher_is_better",
    baseline: { value: 60, date: "2009-09-30" },
    targets: [
      { value: 72, dueDate: "2010-03-31", text: null },
      { value: 80, dueDate: "2010-10-31", text: null },
    ],
    tolerance: null,
  };

  it("judges a reading after the target's date against the target, with the default 5% tolerance", () => {
    expect(indicatorRag(ni59, { date: "2010-10-31", value: 81 })).toMatchObject({ rag: "green", reason: "meets target 80% by 31 Oct 2010" });
    expect(indicatorRag(ni59, { date: "2010-10-31", value: 77 })).toMatchObject({ rag: "amber", reason: "3 percentage points short of target 80% by 31 Oct 2010, within tolerance", tolerance: 4 });
    expect(indicatorRag(ni59, { date: "2010-11-30", value: 70 })).toMatchObject({ rag: "red", reason: "10 percentage points short of target 80% by 31 Oct 2010" });
  });

  it("judges a reading before the target's date against the path to it", () => {
    // Half way from 72% (31 Mar) to 80% (31 Oct 2010) by days is about 76% at the end of June.
    const r = indicatorRag(ni59, { date: "2010-06-30", value: 75 });
    expect(r.expected!).toBeGreaterThan(75.3);
    expect(r.expected!).toBeLessThan(75.6);
    expect(r).toMatchObject({ rag: "amber" });
    expect(r.reason).toContain("short of the path to 80% by 31 Oct 2010");
    expect(indicatorRag(ni59, { date: "2010-06-30", value: 76 }).reason).toBe("on the path to 80% by 31 Oct 2010");
  });

  it("uses the indicator's own tolerance, in its unit, and respects polarity", () => {
    const lac: RagIndicator = { unit: "count", polarity: "lower_is_better", baseline: null, targets: [{ value: 1300, dueDate: "2012-03-31", text: null }], tolerance: 20 };
    expect(indicatorRag(lac, { date: "2012-03-31", value: 1315 })).toMatchObject({ rag: "amber" });
    expect(indicatorRag(lac, { date: "2012-03-31", value: 1358 })).toMatchObject({ rag: "red", reason: "58 short of target 1,300 by 31 Mar 2012" });
    expect(indicatorRag(lac, { date: "2012-03-31", value: 1290 })).toMatchObject({ rag: "green" });
    expect(indicatorRag({ ...lac, tolerance: 0 }, { date: "2012-03-31", value: 1301 }).rag).toBe("red");
  });

  it("has no rating without data or direction, and falls back to the verdict without a target", () => {
    expect(indicatorRag(ni59, null)).toMatchObject({ rag: "grey", reason: "no data since the baseline" });
    expect(indicatorRag({ ...ni59, polarity: "unknown" }, { date: "2010-10-31", value: 1 })).toMatchObject({ rag: "grey" });
    const noTarget = { ...ni59, targets: [] };
    expect(indicatorRag(noTarget, { date: "2010-10-31", value: 1 }, "turning")).toMatchObject({ rag: "green", reason: "no target; turning the curve" });
    expect(indicatorRag(noTarget, { date: "2010-10-31", value: 1 }, "not_turning")).toMatchObject({ rag: "amber" });
    expect(indicatorRag(noTarget, { date: "2010-10-31", value: 1 })).toMatchObject({ rag: "grey", reason: "no target set" });
  });
});
