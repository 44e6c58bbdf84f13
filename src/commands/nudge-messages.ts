import { localDate, shortDate } from "../domain/dates/calendar.ts";
import { plural } from "../domain/milestone-status.ts";
import type { Person } from "../domain/model.ts";
import { context, list, reply, type Reply } from "../domain/reply.ts";
import { STAGE_WORDING, type NudgeStage } from "../domain/schedule/nudge-stages.ts";
import { dueLabel } from "./format.ts";
import type { Store } from "./store.ts";

export interface NudgePayload {
  items: { milestoneId: number; stage: NudgeStage; stageDate: string }[];
}

export interface EscalationPayload {
  items: { milestoneId: number; level: "lead" | "sponsor"; reason: string }[];
}

/**
 * A person's nudge, drawn when it is sent from today's data: anything done since the sweep
 * is left out, and a nudge with nothing left is not sent at all.
 */
export async function nudgeMessage(store: Store, person: Person, payload: NudgePayload, now: Date): Promise<Reply | null> {
  const ids = payload.items.map((i) => i.milestoneId);
  const [milestones, escalations] = await Promise.all([store.milestonesByIds(ids), store.escalationsOf(ids)]);
  const open = milestones.filter((m) => !m.doneAt);
  if (open.length === 0) return null;
  const stageOf = new Map(payload.items.map((i) => [i.milestoneId, i.stage]));
  const today = localDate(now, person.timeZone);
  const items = open.map((m) => {
    const raised = escalations.filter((e) => e.milestoneId === m.id);
    const note = raised.map((e) => `raised with ${e.names.join(" and ") || `the ${e.level}`} (${e.level}) on ${shortDate(localDate(e.at, person.timeZone))}`);
    return {
      text: `${m.ref} · ${m.text}`,
      detail: [`${STAGE_WORDING[stageOf.get(m.id) ?? "due"]}${m.dueDate ? ` (${dueLabel(m)})` : ""}`, ...note].join(" · "),
      buttons: [
        { actionId: "milestone.done", label: "Mark done", value: m.ref, style: "primary" as const },
        { actionId: "milestone.snooze", label: "Snooze", value: m.ref },
        { actionId: "action.show", label: "Open action", value: m.actionRef },
      ],
    };
  });
  return reply("info", `${plural(open.length, "milestone")} need${open.length === 1 ? "s" : ""} you`, [
    list(items),
    context(`As at ${shortDate(today)}. Mark done with evidence, or snooze with a reason; this message is replaced by your next reminder.`),
  ]);
}

/** What a lead or sponsor is told when milestones under their priority are stuck. */
export async function escalationMessage(store: Store, payload: EscalationPayload): Promise<Reply | null> {
  const milestones = await store.milestonesByIds(payload.items.map((i) => i.milestoneId));
  const open = milestones.filter((m) => !m.doneAt);
  if (open.length === 0) return null;
  const reasonOf = new Map(payload.items.map((i) => [i.milestoneId, i]));
  return reply("warning", `${plural(open.length, "milestone")} under your priorities ${open.length === 1 ? "is" : "are"} stuck`, [
    list(
      open.map((m) => ({
        text: `${m.ref} · ${m.text}`,
        detail: `${reasonOf.get(m.id)?.reason ?? "stuck"}${m.dueDate ? ` · due ${dueLabel(m)}` : ""}`,
        buttons: [{ actionId: "action.show", label: "Open action", value: m.actionRef }],
      })),
    ),
    context("You are told once for each milestone. Its owners have been told that you know."),
  ]);
}
