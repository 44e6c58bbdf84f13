import { describe, expect, it } from "vitest";
import { matchMilestones } from "../../src/domain/workbook/match-milestones.ts";

const stored = (...texts: string[]) => texts.map((text, i) => ({ id: i + 1, position: i + 1, text }));
const file = (...texts: string[]) => texts.map((text, i) => ({ position: i + 1, text }));
const ids = (m: { matched: ({ id: number } | null)[]; left: { id: number }[] }) => [m.matched.map((s) => s?.id ?? null), m.left.map((s) => s.id)];

describe("matchMilestones: which stored milestone each line of a re-imported milestone cell is", () => {
  it("follows a milestone's words when lines are added or deleted above it", () => {
    const before = stored("Project brief March 2027", "Delivery summer term 2027");
    expect(ids(matchMilestones(before, file("Consultation January 2027", "Project brief March 2027", "Delivery summer term 2027"), false))).toEqual([[null, 1, 2], []]);
    expect(ids(matchMilestones(before, file("Delivery summer term 2027"), false))).toEqual([[2], [1]]);
    expect(ids(matchMilestones(before, file("Delivery  summer term 2027 ", "Project brief March 2027"), false))).toEqual([[2, 1], []]);
  });

  it("takes a reworded line as the milestone at its place that no other line claims", () => {
    const before = stored("Project brief March 2027", "Delivery summer term 2027");
    expect(ids(matchMilestones(before, file("Project brief agreed by April 2027", "Delivery summer term 2027"), false))).toEqual([[1, 2], []]);
    expect(ids(matchMilestones(before, file("Project brief March 2027", "Evaluation 2028"), false))).toEqual([[1, 2], []]);
  });

  it("matches by place alone when the file names each milestone's ref (the Milestones sheet)", () => {
    const before = stored("Project brief March 2027", "Delivery summer term 2027");
    expect(ids(matchMilestones(before, [{ position: 2, text: "Project brief March 2027" }], true))).toEqual([[2], [1]]);
  });
});
