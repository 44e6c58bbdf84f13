import { describe, expect, it } from "vitest";
import { nextAgendaItem, parseProposedAction, parseWorkshopNotes } from "../../src/domain/oba/workshop.ts";

describe("a workshop record as typed", () => {
  it("reads each part of the agenda by its heading, and each proposed action", () => {
    const parsed = parseWorkshopNotes(
      "story: admissions rose with court delays | partners: police, schools, CAFCASS | what works: family group conferencing, no-cost | gaps: no data on short-term admissions | action: Sue May: edge-of-care panel; panel meets by end of October 2011 | action: Jancis Andrew: respite review; report in spring term 2012",
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        story: "admissions rose with court delays",
        partners: "police, schools, CAFCASS",
        works: "family group conferencing, no-cost",
        gaps: "no data on short-term admissions",
        actions: [
          { owner: "Sue May", title: "edge-of-care panel", firstMilestone: "panel meets by end of October 2011" },
          { owner: "Jancis Andrew", title: "respite review", firstMilestone: "report in spring term 2012" },
        ],
      },
    });
  });

  it("keeps a '|' typed inside a part with that part", () => {
    const parsed = parseWorkshopNotes("story: rising | then falling | partners: police");
    expect(parsed.ok && parsed.value.story).toBe("rising | then falling");
    expect(parsed.ok && parsed.value.partners).toBe("police");
  });

  it("refuses text with no heading and an action without owner or first milestone", () => {
    expect(parseWorkshopNotes("we talked a lot").ok).toBe(false);
    expect(parseProposedAction("edge-of-care panel").ok).toBe(false);
    expect(parseProposedAction("Sue May: edge-of-care panel").ok).toBe(false);
    const missing = parseWorkshopNotes("action: Sue May edge-of-care panel");
    expect(!missing.ok && missing.error.message).toContain("<owner>: <what they will do>; <first milestone>");
  });

  it("walks the agenda in order, then keeps proposing actions", () => {
    expect(nextAgendaItem({})).toBe("story");
    expect(nextAgendaItem({ story: "x" })).toBe("partners");
    expect(nextAgendaItem({ story: "x", partners: "y", works: "z" })).toBe("gaps");
    expect(nextAgendaItem({ story: "x", partners: "y", works: "z", gaps: "w" })).toBe("action");
  });
});
