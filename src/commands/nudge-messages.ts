import type { HearingStanding } from "../domain/access.ts";
import { localDate, shortDate } from "../domain/dates/calendar.ts";
import { plural } from "../domain/milestone-status.ts";
import type { Person } from "../domain/model.ts";
import { context, list, reply, text, type Block, type Reply } from "../domain/reply.ts";
import { dueWording, type NudgeStage } from "../domain/schedule/nudge-stages.ts";
import { dueLabel } from "./format.ts";
import type { Store } from "./store.ts";

type EscalationItem = { milestoneId: number; level: "lead" | "sponsor"; reason: string; because?: HearingStanding };

/**
 * A person's message from one sweep: the milestones they are nudged about (`items`) and the
 * ones raised with them (`escalations`), each with why they hear of it. Rows written before
 * escalations joined the nudge have no `escalations` and no `because`.
 */
export interface NudgePayload {
  items: { milestoneId: number; stage: NudgeStage; stageDate: string; because?: HearingStanding }[];
  escalations?: EscalationItem[];
}

/** An escalation sent on its own, as sweeps wrote them before they joined the nudge. */
export interface EscalationPayload {
  items: EscalationItem[];
}

// Said only when someone hears of a milestone for a reason other than owning it.
const NUDGED_BECAUSE: Partial<Record<HearingStanding, string>> = {
  team_member: "your team owns it",
  lead: "it has no owner yet, so it comes to you as the priority's lead",
  coordinator: "nobody owns it and its priority has no lead, so it comes to you as a coordinator",
};
const RAISED_BECAUSE: Record<HearingStanding, string> = {
  owner: "as its owner",
  team_member: "as a member of its team",
  lead: "as the priority's lead",
  sponsor: "as the priority's CTB sponsor",
  coordinator: "as a coordinator: its priority has no lead",
};

type Milestones = Awaited<ReturnType<Store["milestonesByIds"]>>;

function raisedList(open: Milestones, items: EscalationItem[]): Block {
  const itemOf = new Map(items.map((i) => [i.milestoneId, i]));
  return list(
    open.map((m) => {
      const item = itemOf.get(m.id);
      return {
        text: `${m.ref} · ${m.text}`,
        detail: [item?.reason ?? "stuck", ...(m.dueDate ? [`due ${dueLabel(m)}`] : []), ...(item?.because ? [`raised with you ${RAISED_BECAUSE[item.because]}`] : [])].join(" · "),
        buttons: [{ actionId: "action.show", label: "Open action", value: m.actionRef }],
      };
    }),
  );
}

/**
 * A person's one message for a sweep, drawn when it is sent from today's data: their
 * nudges (own, team and unowned items), then anything stuck that is raised with them.
 * Anything done since the sweep is left out; a message with nothing left is not sent.
 */
export async function nudgeMessage(store: Store, person: Person, payload: NudgePayload, now: Date): Promise<Reply | null> {
  const raisedItems = payload.escalations ?? [];
  const ids = [...new Set([...payload.items.map((i) => i.milestoneId), ...raisedItems.map((i) => i.milestoneId)])];
  const [milestones, escalations] = await Promise.all([store.milestonesByIds(ids), store.escalationsOf(ids)]);
  const openById = new Map(milestones.filter((m) => !m.doneAt).map((m) => [m.id, m]));
  const nudged = payload.items.flatMap((i) => (openById.has(i.milestoneId) ? [{ item: i, m: openById.get(i.milestoneId)! }] : []));
  const raised = raisedItems.flatMap((i) => (openById.has(i.milestoneId) ? [openById.get(i.milestoneId)!] : []));
  if (nudged.length === 0 && raised.length === 0) return null;
  const today = localDate(now, person.timeZone);
  const blocks: Block[] = [];
  if (nudged.length) {
    blocks.push(
      list(
        nudged.map(({ item, m }) => {
          const notes = escalations
            .filter((e) => e.milestoneId === m.id)
            .map((e) => `raised with ${e.names.join(" and ") || `the ${e.level}`} (${e.level}) on ${shortDate(localDate(e.at, person.timeZone))}`);
          const why = item.because ? NUDGED_BECAUSE[item.because] : undefined;
          return {
            text: `${m.ref} · ${m.text}`,
            // What is true on the day it is read, whatever stage the sweep sent it at.
            detail: [dueWording(m.dueDate, dueLabel(m), today), ...(why ? [why] : []), ...notes].join(" · "),
            buttons: [
              { actionId: "milestone.done", label: "Mark done", value: m.ref, style: "primary" as const },
              { actionId: "milestone.snooze", label: "Snooze", value: m.ref },
              { actionId: "action.show", label: "Open action", value: m.actionRef },
            ],
          };
        }),
      ),
    );
  }
  if (raised.length) {
    if (nudged.length) blocks.push(text(`Also stuck under your priorities (${raised.length}):`));
    blocks.push(raisedList(raised, raisedItems));
  }
  blocks.push(
    context(
      [
        `As at ${shortDate(today)}.`,
        ...(nudged.length ? ["Mark done with evidence, or snooze with a reason; this message is replaced by your next reminder."] : []),
        ...(raised.length ? ["You are told once for each stuck milestone. Whoever was reminded of it is told that you know."] : []),
      ].join(" "),
    ),
  );
  const heading = nudged.length
    ? `${plural(nudged.length, "milestone")} need${nudged.length === 1 ? "s" : ""} you${raised.length ? `, and ${raised.length} ${raised.length === 1 ? "is" : "are"} stuck` : ""}`
    : `${plural(raised.length, "milestone")} under your priorities ${raised.length === 1 ? "is" : "are"} stuck`;
  return reply(nudged.length ? "info" : "warning", heading, blocks);
}

/** An escalation on its own (a row enqueued before escalations joined the nudge). */
export async function escalationMessage(store: Store, payload: EscalationPayload): Promise<Reply | null> {
  const milestones = await store.milestonesByIds(payload.items.map((i) => i.milestoneId));
  const open = milestones.filter((m) => !m.doneAt);
  if (open.length === 0) return null;
  return reply("warning", `${plural(open.length, "milestone")} under your priorities ${open.length === 1 ? "is" : "are"} stuck`, [
    raisedList(open, payload.items),
    context("You are told once for each milestone. Its owners have been told that you know."),
  ]);
}
