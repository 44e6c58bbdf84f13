import { localDate } from "../domain/dates/calendar.ts";
import { ACTION_STATES } from "../domain/model.ts";
import type { Person } from "../domain/model.ts";
import { compareRefs } from "../domain/refs.ts";
import { context, list, reply, text, type Block, type Reply } from "../domain/reply.ts";
import { STATE_LABELS, milestoneItem } from "./format.ts";
import type { Store } from "./store.ts";

const HOME_MILESTONES = 10;

/**
 * A person's home page (Slack's App Home): their open milestones, most overdue first,
 * and, for sponsors and leads, their priorities' actions by state, exceptions first.
 */
export async function buildHome(store: Store, partnershipId: number, person: Person, now: Date): Promise<Reply> {
  const today = localDate(now, person.timeZone);
  const [mine, overseen] = await Promise.all([
    store.listMilestones(partnershipId, { ownerId: person.id, open: true, limit: HOME_MILESTONES }),
    store.actionsOverseenBy(partnershipId, person.id),
  ]);
  const blocks: Block[] = [
    text("Your open milestones"),
    list(mine.items.map((m) => milestoneItem(m, today, person.timeZone)), "You own no open milestones."),
  ];
  if (mine.total > mine.items.length) blocks.push(context(`And ${mine.total - mine.items.length} more: /milestone list mine`));
  if (overseen.length > 0) {
    blocks.push(text("Actions under the priorities you sponsor or lead"));
    // Exceptions first: off track and at risk before the rest.
    const order = ["off_track", "at_risk", "not_started", "on_track", "done", "dropped"] as const;
    const items = order
      .filter((state) => ACTION_STATES.includes(state))
      .map((state) => ({ state, actions: overseen.filter((a) => a.state === state).sort((a, b) => compareRefs(a.ref, b.ref)) }))
      .filter((group) => group.actions.length > 0)
      .map((group) => ({ text: `${STATE_LABELS[group.state]} · ${group.actions.length}`, detail: group.actions.map((a) => a.ref).join(", ") }));
    blocks.push(list(items));
  }
  blocks.push(context(`Updated ${localDate(now, person.timeZone)}. /help lists what you can do.`));
  return reply("info", `Curve · ${person.name}`, blocks);
}
