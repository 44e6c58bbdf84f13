import { daysBetween, shortDate } from "./dates/calendar.ts";
import type { MilestoneView } from "./model.ts";

export type MilestoneStatus = "done" | "overdue" | "due_today" | "due_soon" | "upcoming" | "tbc";

/** How many days ahead counts as "due soon" in lists. */
export const DUE_SOON_DAYS = 14;

export function milestoneStatus(milestone: Pick<MilestoneView, "doneAt" | "dueDate">, today: string): MilestoneStatus {
  if (milestone.doneAt) return "done";
  if (!milestone.dueDate) return "tbc";
  const days = daysBetween(today, milestone.dueDate);
  if (days < 0) return "overdue";
  if (days === 0) return "due_today";
  return days <= DUE_SOON_DAYS ? "due_soon" : "upcoming";
}

/**
 * "overdue by 3 days (due 30 Sep 2011)", "overdue by 6 weeks (due …)", "overdue since 30 Sep 2011",
 * "due today", "due in 5 days (30 Sep 2011)", "date to be agreed".
 */
export function describeTiming(milestone: Pick<MilestoneView, "doneAt" | "dueDate">, today: string): string {
  const status = milestoneStatus(milestone, today);
  if (status === "tbc") return "date to be agreed";
  const due = milestone.dueDate!;
  const days = daysBetween(today, due);
  if (status === "done") return "done";
  if (status === "overdue") {
    // Counting thousands of days helps no one: past two months, say since when.
    if (-days <= 14) return `overdue by ${plural(-days, "day")} (due ${shortDate(due)})`;
    if (-days <= 60) return `overdue by ${plural(Math.floor(-days / 7), "week")} (due ${shortDate(due)})`;
    return `overdue since ${shortDate(due)}`;
  }
  if (status === "due_today") return "due today";
  return `due in ${plural(days, "day")} (${shortDate(due)})`;
}

/** Overdue first (oldest first), then by due date, then dateless ones, each in ref order. */
export function compareForAttention(a: MilestoneView, b: MilestoneView): number {
  if (a.dueDate && b.dueDate) return a.dueDate.localeCompare(b.dueDate) || a.ref.localeCompare(b.ref, "en", { numeric: true });
  if (a.dueDate) return -1;
  if (b.dueDate) return 1;
  return a.ref.localeCompare(b.ref, "en", { numeric: true });
}

export const plural = (n: number, word: string): string => `${n.toLocaleString("en-GB")} ${word}${n === 1 ? "" : "s"}`;
