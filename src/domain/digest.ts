import { localDate, shortDate, shortDateTime } from "./dates/calendar.ts";
import { DUE_SOON_DAYS, describeTiming, plural } from "./milestone-status.ts";
import { context, list, reply, text, type Block, type ListItem, type Reply } from "./reply.ts";

/** One priority's news for a digest, exceptions first. */
export interface DigestPriority {
  id: number;
  label: string;
  overdue: { ref: string; text: string; dueDate: string }[];
  atRisk: { ref: string; title: string; state: "at_risk" | "off_track" }[];
  dueSoon: { ref: string; text: string; dueDate: string }[];
  done: { ref: string; text: string; doneAt: Date; doneBy: string | null; evidence: string | null }[];
  changes: { ref: string; what: string; at: Date }[];
  /** Each indicator's latest reading, the one before it, and when the latest was recorded. */
  indicators: { code: string; name: string; latest: number; previous: number | null; period: string; polarity: string; recordedAt: Date }[];
}

export interface DigestContext {
  today: string;
  timeZone: string;
  since: Date;
  title: string;
  /** For coordinators: messages Curve could not deliver, so someone can fix the cause. */
  undelivered?: { person: string; kind: string; reason: string }[];
  /** The web scorecard: its public address, or a signed link (digests go only to the person, in private). */
  scorecardUrl?: string | null;
}

const SHOWN = 8;

function cap<T>(items: T[], render: (item: T) => ListItem): ListItem[] {
  const shown = items.slice(0, SHOWN).map(render);
  if (items.length > SHOWN) shown.push({ text: `and ${items.length - SHOWN} more` });
  return shown;
}

/** ▲/▼/▶ by value; "better" or "worse" by the indicator's polarity. */
function movement(i: DigestPriority["indicators"][number]): string {
  if (i.previous === null) return `${i.latest} (${i.period}), the first reading`;
  const delta = i.latest - i.previous;
  if (delta === 0) return `▶ ${i.latest} (${i.period}), no change`;
  const better = i.polarity === "unknown" ? null : (delta < 0) === (i.polarity === "lower_is_better");
  return `${delta > 0 ? "▲" : "▼"} ${i.latest} (${i.period}), from ${i.previous}${better === null ? "" : better ? ", better" : ", worse"}`;
}

/**
 * A sponsor's or lead's weekly digest (or the board's monthly report): for each priority,
 * what is overdue, at risk, due in 14 days, done since last time with its evidence, what
 * changed, and how the indicators moved. Nothing to report means no digest: null.
 */
export function composeDigest(priorities: DigestPriority[], ctx: DigestContext): Reply | null {
  const blocks: Block[] = [];
  let exceptions = 0;
  for (const p of priorities) {
    const sections: Block[] = [];
    const add = (title: string, items: ListItem[]) => {
      if (items.length) sections.push(text(title), list(items));
    };
    add(`Overdue (${p.overdue.length})`, cap(p.overdue, (m) => ({ text: `${m.ref} · ${m.text}`, detail: describeTiming({ doneAt: null, dueDate: m.dueDate }, ctx.today) })));
    add(`At risk or off track (${p.atRisk.length})`, cap(p.atRisk, (a) => ({ text: `${a.ref} · ${a.title}`, detail: a.state === "off_track" ? "off track" : "at risk" })));
    add(`Due in the next ${DUE_SOON_DAYS} days (${p.dueSoon.length})`, cap(p.dueSoon, (m) => ({ text: `${m.ref} · ${m.text}`, detail: `due ${shortDate(m.dueDate)}` })));
    add(`Done since ${shortDate(localDate(ctx.since, ctx.timeZone))} (${p.done.length})`, cap(p.done, (m) => ({
      text: `${m.ref} · ${m.text}`,
      detail: `${shortDateTime(m.doneAt, ctx.timeZone)}${m.doneBy ? ` by ${m.doneBy}` : ""}${m.evidence ? ` · evidence: ${m.evidence}` : " · no evidence given"}`,
    })));
    add("Changes to the plan", cap(p.changes, (c) => ({ text: c.what.replace(/^./, (first) => first.toUpperCase()), detail: shortDate(localDate(c.at, ctx.timeZone)) })));
    add("Indicators", p.indicators.map((i) => ({ text: `${i.code} · ${i.name}`, detail: movement(i) })));
    exceptions += p.overdue.length + p.atRisk.length;
    if (sections.length) blocks.push(text(p.label), ...sections);
  }
  if (ctx.undelivered?.length) {
    blocks.push(
      text(`Messages Curve could not deliver (${ctx.undelivered.length})`),
      list(cap(ctx.undelivered, (u) => ({ text: `${u.person}: ${u.kind}`, detail: u.reason }))),
    );
  }
  if (blocks.length === 0) return null;
  return reply(exceptions ? "warning" : "info", ctx.title, [
    context(exceptions ? `${plural(exceptions, "exception")} across your priorities.` : "No exceptions this time."),
    ...blocks,
    context(`As at ${shortDate(ctx.today)}. /action show <ref> opens any of these.`),
    ...(ctx.scorecardUrl ? [context(`The scorecard on the web: ${ctx.scorecardUrl}`)] : []),
  ]);
}
