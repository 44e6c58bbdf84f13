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

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/**
 * When a milestone is due, as a nudge says it to someone reading it on `today` (their local
 * date, ISO). `dueDate` is the milestone's due date (ISO) as it is now, or null when it has
 * none; `label` is that date as people read it ("30 March 2026", "March 2011"), shown beside.
 *
 * Worked out from the dates, never from the stage the sweep sent: a "1 working day before"
 * nudge on Friday is about Monday (and on Christmas Eve about the Tuesday after the bank
 * holidays), a "week before" held over a weekend is nearer than a week, and a date may have
 * been set or moved since the sweep. Returns e.g. "due tomorrow (30 March 2026)",
 * "due on Monday (30 March 2026)", "due in a week (…)", "due in 12 days (…)", "due today (…)",
 * "overdue: it was due 30 March 2026", or "has no date yet: please set one".
 */
export function dueWording(dueDate: string | null, label: string, today: string): string {
  if (!dueDate) return "has no date yet: please set one";
  const days = daysBetween(today, dueDate);
  if (days < 0) return `overdue: it was due ${label}`;
  const when =
    days === 0
      ? "due today"
      : days === 1
        ? "due tomorrow"
        : days < 7
          ? `due on ${WEEKDAYS[new Date(`${dueDate}T00:00:00Z`).getUTCDay()]}`
          : days === 7
            ? "due in a week"
            : `due in ${days.toLocaleString("en-GB")} days`;
  return `${when} (${label})`;
}
