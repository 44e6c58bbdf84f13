import { addDays, daysBetween } from "../dates/calendar.ts";
import { previousWorkingDay, type Region } from "./bank-holidays.ts";
import { weekStart } from "./zoned-time.ts";

/**
 * When an owner hears about a milestone: 7 days before it is due, 1 working day before,
 * on the day, then every 7 days while it is overdue; a milestone with no date gets a
 * weekly "please set a date".
 */
export type NudgeStage = "week_before" | "day_before" | "due" | "overdue" | "set_date";

export interface StageReached {
  stage: NudgeStage;
  /** The date this occurrence of the stage belongs to; with the stage, it is sent once. */
  stageDate: string;
}

export interface NudgeableMilestone {
  dueDate: string | null;
  kind: "milestone" | "target";
  done: boolean;
}

const ORDER: NudgeStage[] = ["week_before", "day_before", "due", "overdue"];

/**
 * The latest stage a milestone has reached by `today`. Only the latest is ever sent, so a
 * stage missed while Curve was down is sent late, once, and older missed ones are not.
 */
export function latestStage(milestone: NudgeableMilestone, today: string, region?: Region): StageReached | null {
  if (milestone.done) return null;
  if (!milestone.dueDate) return milestone.kind === "milestone" ? { stage: "set_date", stageDate: weekStart(today) } : null;
  const due = milestone.dueDate;
  const candidates: StageReached[] = [
    { stage: "week_before", stageDate: addDays(due, -7) },
    { stage: "day_before", stageDate: previousWorkingDay(due, region) },
    { stage: "due", stageDate: due },
  ];
  const overdueDays = daysBetween(due, today);
  if (overdueDays >= 1) candidates.push({ stage: "overdue", stageDate: addDays(due, 1 + 7 * Math.floor((overdueDays - 1) / 7)) });
  const reached = candidates.filter((c) => c.stageDate <= today);
  if (reached.length === 0) return null;
  return reached.reduce((best, c) =>
    c.stageDate > best.stageDate || (c.stageDate === best.stageDate && ORDER.indexOf(c.stage) > ORDER.indexOf(best.stage)) ? c : best,
  );
}

export const STAGE_WORDING: Record<NudgeStage, string> = {
  week_before: "due in a week",
  day_before: "due tomorrow",
  due: "due today",
  overdue: "overdue",
  set_date: "has no date yet: please set one",
};
