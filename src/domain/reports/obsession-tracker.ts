import { shortDate } from "../dates/calendar.ts";
import { actionRag, type Rag } from "../rag.ts";
import { factsAsAt, type ReportFacts, type ReportWindow } from "./facts.ts";
import { describeChange, slipsOf, type ChangeLine } from "./exception-report.ts";
import { indicatorLine, type IndicatorLine } from "./indicator-summary.ts";
import { reportDay } from "./window.ts";

/**
 * The Weekly Obsession Tracker (seed 004, "w/c 23rd September version"): for each of the
 * partnership's obsessions, how its indicators and actions moved this week, in one message.
 */
export interface ObsessionWeek {
  obsession: string;
  priority: string;
  indicators: IndicatorLine[];
  rags: Record<Rag, number>;
  done: { ref: string; text: string; date: string }[];
  /** Milestones whose due date passed this week with nothing done. */
  newlyOverdue: { ref: string; text: string; dueDate: string }[];
  overdue: number;
  changes: ChangeLine[];
}

export interface ObsessionTracker {
  title: string;
  window: ReportWindow;
  obsessions: ObsessionWeek[];
  empty: boolean;
}

export function composeObsessionTracker(all: ReportFacts, window: ReportWindow): ObsessionTracker {
  const facts = factsAsAt(all, window.until);
  const { today } = window;
  const since = reportDay(window.since);
  const slips = slipsOf(facts.changes);
  const byPriority = new Map<number, ObsessionWeek>();
  for (const a of facts.actions) {
    const p = a.priority;
    if (!p?.obsession) continue;
    let week = byPriority.get(p.id);
    if (!week) {
      week = { obsession: p.obsession, priority: p.label, indicators: [], rags: { red: 0, amber: 0, green: 0, grey: 0 }, done: [], newlyOverdue: [], overdue: 0, changes: [] };
      byPriority.set(p.id, week);
    }
    week.rags[actionRag(a, today, slips.filter((s) => s.ref.startsWith(`${a.ref}.`))).rag] += 1;
    const open = a.state !== "done" && a.state !== "dropped";
    for (const m of a.milestones) {
      if (m.doneAt && m.doneAt >= window.since) week.done.push({ ref: m.ref, text: m.text, date: reportDay(m.doneAt) });
      if (open && !m.doneAt && m.dueDate && m.dueDate < today) {
        week.overdue += 1;
        if (m.dueDate >= since) week.newlyOverdue.push({ ref: m.ref, text: m.text, dueDate: m.dueDate });
      }
    }
    for (const c of facts.changes) {
      if (c.ref === a.ref || c.ref.startsWith(`${a.ref}.`)) {
        const line = describeChange(c);
        if (line && c.event !== "milestone.done") week.changes.push(line);
      }
    }
  }
  for (const i of facts.indicators) {
    if (!i.obsession || !i.priority) continue;
    byPriority.get(i.priority.id)?.indicators.push(indicatorLine(i, window.readingsUpTo));
  }
  const obsessions = [...byPriority.values()];
  const empty = obsessions.every((o) => o.done.length + o.newlyOverdue.length + o.changes.length === 0 && o.indicators.every((l) => !l.latest || l.latest.date < since));
  return { title: `Weekly Obsession Tracker, ${window.periodLabel}`, window, obsessions, empty };
}

export const describeWeekLine = (o: ObsessionWeek): string =>
  `${o.rags.red} red, ${o.rags.amber} amber, ${o.rags.green} green; ${o.done.length} milestone${o.done.length === 1 ? "" : "s"} done this week; ${o.overdue} overdue${o.newlyOverdue.length ? ` (${o.newlyOverdue.length} new this week, first due ${shortDate(o.newlyOverdue[0]!.dueDate)})` : ""}`;
