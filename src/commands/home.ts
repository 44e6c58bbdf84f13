import { localDate, shortDate } from "../domain/dates/calendar.ts";
import type { Person } from "../domain/model.ts";
import { context, list, reply, text, type Block, type Reply } from "../domain/reply.ts";
import { STATE_LABELS, milestoneItem } from "./format.ts";
import type { Store } from "./store.ts";

const HOME_MILESTONES = 10;
const HOME_REFS = 40;

const refList = (refs: string[]): string =>
  refs.length <= HOME_REFS ? refs.join(", ") : `${refs.slice(0, HOME_REFS).join(", ")} and ${refs.length - HOME_REFS} more`;

/**
 * A person's home page (Slack's App Home): their open milestones, most overdue first,
 * and, for sponsors and leads, their priorities' actions by state, exceptions first.
 */
export async function buildHome(store: Store, partnershipId: number, person: Person, now: Date): Promise<Reply> {
  const today = localDate(now, person.timeZone);
  const [mine, overseen] = await Promise.all([
    store.listMilestones(partnershipId, { ownerId: person.id, open: true, limit: HOME_MILESTONES }),
    store.actionStatesOverseenBy(partnershipId, person.id),
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
      .map((state) => overseen.find((group) => group.state === state))
      .filter((group) => group !== undefined)
      .map((group) => ({ text: `${STATE_LABELS[group.state]} · ${group.refs.length}`, detail: refList(group.refs) }));
    blocks.push(list(items));
  }
  // App Home is Slack's, where help is a /curve subcommand.
  blocks.push(context(`Updated ${shortDate(today)}. /curve help lists what you can do.`));
  return reply("info", `Curve · ${person.name}`, blocks);
}
