import { CurveError } from "../domain/errors.ts";
import { requirePermission } from "../domain/access.ts";
import { describeCalendarDay, describeNext, parseRule, parseTimeOfDay, type CalendarRule } from "../domain/reports/calendar.ts";
import { REPORT_KINDS, type ReportKind } from "../domain/reports/facts.ts";
import { context, list, reply, text, type Reply } from "../domain/reply.ts";
import type { Region } from "../domain/schedule/bank-holidays.ts";
import type { CommandContext } from "./context.ts";
import type { BoardStore, ScheduleView } from "./report-deps.ts";
import { changeContext } from "./risk.ts";

export const SCHEDULE_USAGE =
  "/report schedule <monthly|quarterly|obsessions|indicators> [plan] <first-working-day|last-working-day|1st|monday> <HH:MM> to <#channel|here>   e.g. /report schedule monthly first-working-day 09:00 to #ctb-board";

function board(ctx: CommandContext): BoardStore {
  const found = ctx.reports?.board;
  if (!found) throw new CurveError("usage", "The reporting calendar is not set up on this Curve.");
  return found;
}

const ruleOf = (s: ScheduleView): CalendarRule => {
  const parsed = parseRule(s.rule, s.kind as ReportKind);
  if (!parsed.ok) throw new Error(`stored rule ${s.rule} no longer reads: ${parsed.error}`);
  return parsed.value;
};

function calendarList(ctx: CommandContext, schedules: (ScheduleView & { region: Region })[]): Reply {
  return reply("info", "The reporting calendar", [
    list(
      schedules.map((s) => ({
        text: `${s.kind}${s.planKey ? ` · ${s.planKey}` : " · every plan"} → ${s.channelName}`,
        detail: `${describeCalendarDay(ruleOf(s), s.minute)} (Europe/London); next ${describeNext(s.kind as ReportKind, ruleOf(s), ctx.today, s.region)}`,
      })),
      "No reports are scheduled yet.",
    ),
    context("Reports go out on working days, by the partnership's bank holidays; one due on a bank holiday goes the next working day. An empty report is recorded, not sent."),
  ]);
}

/**
 * `/report schedule …`: the reporting calendar as data coordinators edit (seed 000 §8). With no
 * arguments or `list`, the calendar; `off <kind> [plan]` takes a report off it.
 */
export async function schedule(ctx: CommandContext, args: string): Promise<Reply> {
  const store = board(ctx);
  const words = args.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0 || (words.length === 1 && words[0]!.toLowerCase() === "list")) return calendarList(ctx, await store.schedules(ctx.partnershipId));
  requirePermission(ctx.actor, "report.schedule");
  const plans = await ctx.reports!.store.plans(ctx.partnershipId);
  const off = words[0]!.toLowerCase() === "off";
  const rest = off ? words.slice(1) : words;
  const kind = rest[0]?.toLowerCase() as ReportKind | undefined;
  if (!kind || !REPORT_KINDS.includes(kind)) throw new CurveError("usage", `Which report? One of ${REPORT_KINDS.join(", ")}.`, { hint: SCHEDULE_USAGE });
  const plan = rest[1] && plans.find((p) => p.key === rest[1]!.toLowerCase());
  const planKey = plan ? plan.key : "";
  const tail = rest.slice(plan ? 2 : 1);
  if (off) {
    if (tail.length) throw new CurveError("usage", `"${tail[0]!.slice(0, 30)}" is not a plan. Plans: ${plans.map((p) => p.key).join(", ")}.`, { hint: "/report schedule off <kind> [plan]" });
    const ofKind = (await store.schedules(ctx.partnershipId)).filter((s) => s.kind === kind);
    const found = ofKind.find((s) => s.planKey === planKey);
    // The same report for other plans (or for every plan) stays: named, with the line that takes each off.
    const others = ofKind.filter((s) => s !== found).map((s) => `the ${kind} report ${s.planKey ? `on ${s.planKey}` : "for every plan"} (/report schedule off ${kind}${s.planKey ? ` ${s.planKey}` : ""})`);
    const which = planKey ? `on ${planKey}` : others.length ? "for every plan" : "";
    if (!found) {
      throw new CurveError("unknown_ref", `No ${kind} report${which ? ` ${which}` : ""} is on the calendar.${others.length ? ` On it: ${others.join("; ")}.` : ""}`, { hint: "/report schedule list" });
    }
    return store.once(changeContext(ctx), async (tx) => {
      await tx.removeSchedule(found);
      const off = reply("success", `The ${kind} report${which ? ` ${which}` : ""} is off the calendar`);
      return others.length ? { ...off, blocks: [text(`Still on it: ${others.join("; ")}.`)] } : off;
    });
  }
  const to = tail.findIndex((w) => w.toLowerCase() === "to");
  if (to < 0 || to !== tail.length - 2) throw new CurveError("usage", "Say when and where: a day, a time, then to #channel (or to here).", { hint: SCHEDULE_USAGE });
  const [ruleText, timeText] = [tail.slice(0, to - 1).join(" "), tail[to - 1]];
  const rule = parseRule(ruleText, kind);
  if (!rule.ok) throw new CurveError("usage", rule.error, { hint: SCHEDULE_USAGE });
  const minute = timeText ? parseTimeOfDay(timeText) : null;
  if (minute === null) throw new CurveError("bad_date", `"${(timeText ?? "").slice(0, 10)}" is not a time of day; write it like 09:00.`, { hint: SCHEDULE_USAGE });
  const where = tail[to + 1]!;
  const { platform, tenant, channel } = ctx.origin;
  let target: { channel: string; channelName: string };
  if (where.toLowerCase() === "here") {
    if (platform === "shell") throw new CurveError("usage", "The local chat is not a channel: name a Slack channel, like to #ctb-board.", { hint: SCHEDULE_USAGE });
    target = { channel: `${platform}:${tenant}:${channel}`, channelName: "this channel" };
  } else if (/^#[a-z0-9][a-z0-9_-]{0,79}$/.test(where)) {
    // Slack takes a channel's name where it takes its id; Teams needs the channel itself (to here).
    if (platform === "teams") throw new CurveError("usage", "In Teams, type this in the channel itself and end with to here.", { hint: SCHEDULE_USAGE });
    target = { channel: `slack:${platform === "slack" ? tenant : "*"}:${where}`, channelName: where };
  } else throw new CurveError("usage", `"${where.slice(0, 40)}" is not a channel: write #channel-name (lower case) or here.`, { hint: SCHEDULE_USAGE });
  return store.once(changeContext(ctx), async (tx) => {
    const saved = await tx.saveSchedule({ planKey, kind, rule: ruleText.toLowerCase().replace(/ /g, "-"), minute, ...target });
    return reply("success", `${saved.created ? "Scheduled" : "Rescheduled"}: the ${kind} report${planKey ? ` on ${planKey}` : ""}, ${describeCalendarDay(rule.value, minute)}, to ${target.channelName}`, [
      context(`Next on ${describeNext(kind, rule.value, ctx.today)}. An empty report is recorded, not sent.`),
    ]);
  });
}
