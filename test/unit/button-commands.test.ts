import { describe, expect, it } from "vitest";
import { BUTTON_ACTION_IDS, commandForButton } from "../../src/commands/button-commands.ts";
import { milestoneButtons } from "../../src/commands/format.ts";
import type { MilestoneView } from "../../src/domain/model.ts";

const milestone = (doneAt: Date | null): MilestoneView => ({
  id: 1,
  ref: "ATT-4.1",
  actionId: 1,
  actionRef: "ATT-4",
  text: "Intervention model developed by September 2011",
  kind: "milestone",
  precision: "month",
  dueDate: "2011-09-30",
  dueStart: "2011-09-01",
  duePhrase: "September 2011",
  doneAt,
  doneBy: null,
  evidence: null,
  snoozedUntil: null,
  snoozeCount: 0,
});

describe("commandForButton", () => {
  it("turns each button into the command a person would type", () => {
    expect(commandForButton("milestone.done", "ATT-4.1")).toEqual({ command: "milestone", text: "done ATT-4.1" });
    expect(commandForButton("milestone.evidence", "ATT-4.1")).toEqual({ command: "milestone", text: "evidence ATT-4.1" });
    expect(commandForButton("milestone.undo", "ATT-4.1")).toEqual({ command: "milestone", text: "undo ATT-4.1" });
    expect(commandForButton("action.show", "cypp-2011-15:ATT-4")).toEqual({ command: "action", text: "show cypp-2011-15:ATT-4" });
  });

  it("knows every button the commands put on a reply", () => {
    const ids = [...milestoneButtons(milestone(null)), ...milestoneButtons(milestone(new Date()))].map((b) => b.actionId);
    for (const id of ids) expect(BUTTON_ACTION_IDS).toContain(id);
  });

  it("refuses ids it does not know and values no Curve button carries", () => {
    expect(commandForButton("action.status", "ATT-4")).toBeNull();
    expect(commandForButton("toString", "ATT-4")).toBeNull();
    expect(commandForButton("__proto__", "ATT-4")).toBeNull();
    expect(commandForButton("milestone.done", "ATT-4.1 and /action status ATT-4 dropped")).toBeNull();
    expect(commandForButton("milestone.done", "")).toBeNull();
    expect(commandForButton("milestone.done", "x".repeat(65))).toBeNull();
    expect(commandForButton("milestone.done", 42 as unknown as string)).toBeNull();
  });
});
