import { shortDate, shortDateTime } from "../domain/dates/calendar.ts";
import { describeDue } from "../domain/dates/due-phrase.ts";
import { describeTiming } from "../domain/milestone-status.ts";
import type { ActionState, ActionView, MilestoneView, Party } from "../domain/model.ts";
import type { Button, ListItem } from "../domain/reply.ts";

/** Shared wording for milestones and actions, so every command says things the same way. */

export const STATE_LABELS: Record<ActionState, string> = {
  not_started: "not started",
  on_track: "on track",
  at_risk: "at risk",
  off_track: "off track",
  done: "done",
  dropped: "dropped",
};

export const partyName = (party: Party): string => (party.kind === "person" ? party.person.name : party.name);

export function ownersLine(action: ActionView): string {
  if (action.owners.length > 0) return action.owners.map(partyName).join(", ");
  return action.ownerText ? `${action.ownerText} (no owner named)` : "no owner named";
}

export function dueLabel(m: MilestoneView): string {
  if (!m.dueDate) return "date to be agreed";
  return describeDue({ precision: m.precision, start: m.dueStart, due: m.dueDate });
}

export function milestoneState(m: MilestoneView, today: string, timeZone: string): string {
  if (m.doneAt) return `done ${shortDateTime(m.doneAt, timeZone)}${m.doneBy ? ` by ${m.doneBy.name}` : ""}`;
  if (m.kind === "target" && !m.dueDate) return "target, no date";
  return describeTiming(m, today);
}

export const milestoneButtons = (m: MilestoneView): Button[] =>
  m.doneAt
    ? [
        { actionId: "milestone.evidence", label: "Add evidence", value: m.ref },
        { actionId: "milestone.undo", label: "Undo", value: m.ref },
        { actionId: "action.show", label: "Open action", value: m.actionRef },
      ]
    : [
        { actionId: "milestone.done", label: "Mark done", value: m.ref, style: "primary" },
        { actionId: "action.show", label: "Open action", value: m.actionRef },
      ];

export function milestoneItem(m: MilestoneView, today: string, timeZone: string, withButtons = true): ListItem {
  const state = milestoneState(m, today, timeZone);
  return {
    text: `${m.ref} · ${m.text}`,
    detail: m.doneAt && m.evidence ? `${state} · evidence: ${m.evidence}` : state,
    ...(withButtons ? { buttons: milestoneButtons(m) } : {}),
  };
}

export const describeDate = (iso: string | null): string => (iso ? shortDate(iso) : "to be agreed");
