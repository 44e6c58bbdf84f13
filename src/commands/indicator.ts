import { shortDate } from "../domain/dates/calendar.ts";
import { CurveError } from "../domain/errors.ts";
import { chartModel } from "../domain/indicators/chart-model.ts";
import { parsePeriod, type IndicatorPeriod } from "../domain/indicators/periods.ts";
import {
  POLARITY_WORDS, buildReportCard, describeBaseline, describeLatest, describeTarget, describeTrend, describeVerdict, figureProblem, formatValue, reportCardLine, type ReportCard,
} from "../domain/indicators/report-card.ts";
import type { IndicatorView } from "../domain/indicators/types.ts";
import { requirePermission } from "../domain/access.ts";
import { readFigure } from "../domain/numbers.ts";
import { context, fields, list, reply, text, type Block, type Reply } from "../domain/reply.ts";
import { firstWord, leadingPhrase } from "./arguments.ts";
import type { CommandContext, CommandFamily } from "./context.ts";
import type { IndicatorRead } from "./store.ts";
import { withPageLink } from "./page-link.ts";
import { indicatorNamedBy, insightsOf, resolveIndicator } from "./indicator-lookup.ts";
import { setTolerance, TOLERANCE_USAGE } from "./indicator-tolerance.ts";
import { SETTINGS_USAGE, setForecast, setOwner, setPeriodicity, setTarget } from "./indicator-settings.ts";

const USAGE = {
  show: "/indicator show <code>   e.g. /indicator show LAC",
  record: "/indicator record <code> <value> <period> [source]   e.g. /indicator record LAC 1420 2011-03 children's social care return",
  history: "/indicator history <code>",
  list: "/indicator list",
};

const HISTORY_SHOWN = 24;

/** The report card as reply blocks, with the turn-the-curve chart when Curve has a public address. */
export function reportCardBlocks(ctx: CommandContext, indicator: IndicatorView, card: ReportCard): Block[] {
  const blocks: Block[] = [
    fields([
      { label: "Latest", value: describeLatest(card) },
      { label: "Baseline", value: describeBaseline(card) },
      { label: "Target", value: describeTarget(card) },
      { label: "Trend", value: describeTrend(card.trend) },
    ]),
    text(describeVerdict(card)),
  ];
  const links = ctx.insights?.links;
  if (links && card.points.length > 0) {
    const url = links.chartUrl(ctx.partnershipId, indicator.id, chartModel(indicator, card));
    blocks.push({ type: "image", url, alt: `Turn-the-curve chart for ${indicator.code}: ${reportCardLine(card)}` });
  }
  const about = [POLARITY_WORDS[indicator.polarity] + "."];
  if (indicator.priority) about.push(`Priority: ${indicator.priority.number ? `${indicator.priority.number}. ` : ""}${indicator.priority.title}.`);
  if (indicator.owner) about.push(`Owner: ${indicator.owner.name}.`);
  blocks.push(context(about.join(" ")));
  if (card.due) blocks.push(context(`A reading for ${card.due.period.label} has been due since ${shortDate(card.due.dueSince)}.`));
  return blocks;
}

async function show(ctx: CommandContext, args: string): Promise<Reply> {
  const indicator = await resolveIndicator(ctx, firstWord(args)[0], USAGE.show);
  const card = buildReportCard(indicator, ctx.today);
  const shown = reply("info", `${indicator.code} · ${indicator.name}`, [
    ...reportCardBlocks(ctx, indicator, card),
    { type: "buttons", buttons: [{ actionId: "indicator.history", label: "History", value: indicator.code }] },
  ]);
  return withPageLink(ctx, shown, { page: "indicator", code: indicator.code });
}

async function listAll(ctx: CommandContext): Promise<Reply> {
  const indicators = await insightsOf(ctx).store.listIndicators(ctx.partnershipId);
  const items = indicators.map((i) => {
    const card = buildReportCard(i, ctx.today);
    return { text: reportCardLine(card), detail: i.name, buttons: [{ actionId: "indicator.show", label: "Report card", value: i.code }] };
  });
  return reply("info", "Key indicators", [list(items, "No indicators loaded yet."), context("One indicator in full: /indicator show <code>.")]);
}

/** Only an indicator's owner, its priority's leads, a coordinator or an admin record its figures (access.ts). */
function requireRecorder(ctx: CommandContext, indicator: IndicatorView): void {
  requirePermission(ctx.actor, "indicator.record", indicator);
}

/**
 * The period a reading is for, and its source: the longest run of words (up to five) that
 * reads as a period, and what follows, or everything after a "|" ("Dec 2011 | return").
 * Null when no run reads. Errors: `bad_date` when a shorter run reads as another period and a
 * number follows it ("Nov 30 children placed": 30 November, or November and "30 children
 * placed"?, see leadingPhrase): the person is asked to set the source apart with "|".
 */
function splitPeriod(rest: string, indicator: IndicatorView, today: string): { period: IndicatorPeriod; source: string } | null {
  const [before, marked] = rest.split("|", 2).map((s) => s.trim()) as [string, string | undefined];
  const words = before.split(/\s+/).filter(Boolean);
  const read = leadingPhrase<IndicatorPeriod>(
    words,
    5,
    (phrase) => {
      const parsed = parsePeriod(phrase, { periodicity: indicator.periodicity, today });
      if (!parsed.ok) return parsed.error.misread ? { refused: parsed.error.message } : null;
      return parsed.value;
    },
    (a, b) => a.label === b.label,
  );
  if (read && "refused" in read) throw new CurveError("bad_date", read.refused, { hint: USAGE.record });
  if (!read) return null;
  const { longest, doubt } = read;
  if (doubt) {
    const said = (r: { words: number }) => words.slice(0, r.words).join(" ");
    throw new CurveError(
      "bad_date",
      `${longest.value.label} ("${said(longest)}") or ${doubt.value.label} ("${said(doubt)}")? Put | between the period and the source, like: ${said(doubt)} | ${words.slice(doubt.words).join(" ")}`,
      { hint: USAGE.record },
    );
  }
  return { period: longest.value, source: [words.slice(longest.words).join(" "), marked ?? ""].filter(Boolean).join(" ").replace(/^source:?\s*/i, "") };
}

async function record(ctx: CommandContext, args: string): Promise<Reply> {
  const [code, afterCode] = firstWord(args);
  if (!code || !afterCode) throw new CurveError("usage", "Say which indicator, the figure and its period.", { hint: USAGE.record });
  const indicator = await resolveIndicator(ctx, code, USAGE.record);
  const figure = readFigure(afterCode);
  if (!figure.ok) throw new CurveError("usage", figure.error.message, { hint: USAGE.record });
  const { value } = figure.value;
  const rest = afterCode.split(/\s+/).slice(figure.value.words).join(" ");
  if (!rest) throw new CurveError("usage", "Say which period the figure is for, like Q3 2011/12 or Dec 2011.", { hint: USAGE.record });
  const problem = value === null ? null : figureProblem(value, indicator.unit, indicator.code, figure.value.sign);
  if (problem) throw new CurveError("usage", problem, { hint: USAGE.record });
  const split = splitPeriod(rest, indicator, ctx.today);
  if (!split) {
    const attempt = parsePeriod(rest.split("|")[0]!.trim(), { periodicity: indicator.periodicity, today: ctx.today });
    throw new CurveError("bad_date", attempt.ok ? "That period can't be read." : attempt.error.message, { hint: USAGE.record });
  }
  const { period, source } = split;
  if (period.start > ctx.today) throw new CurveError("bad_date", `${period.label} hasn't started yet, so it can't have a reading.`, { hint: USAGE.record });
  if (source.length > 300) throw new CurveError("too_long", "Keep the source under 300 characters; link to the document instead.");
  requireRecorder(ctx, indicator);
  // A source is shown on the public indicator page: checked as every other free text is.
  if (source) await ctx.guardText(source);
  const shown = (v: number | null) => (v === null ? "not known" : formatValue(v, indicator.unit));
  return insightsOf(ctx).change(async (tx) => {
    const outcome = await tx.recordReading(indicator, { period: period.label, periodEnd: period.end, value, source: source || null });
    if (!outcome.applied) return reply("info", `${indicator.code} already has ${shown(value)} for ${period.label}`, [text("Nothing changed.")]);
    const others = indicator.readings.filter((r) => r.period !== period.label);
    const readings = value === null ? others : [...others, { period: period.label, periodEnd: period.end, value, source: source || null, recordedBy: ctx.actor.name }].sort((a, b) => a.periodEnd.localeCompare(b.periodEnd));
    const card = buildReportCard({ ...indicator, readings }, ctx.today);
    const blocks: Block[] = [
      text(`${value === null ? "Not known" : formatValue(value, indicator.unit)} for ${period.label} (period ending ${shortDate(period.end)})${outcome.hadReading ? `, replacing ${shown(outcome.previous)}` : ""}.`),
      ...reportCardBlocks(ctx, indicator, card),
    ];
    if (value === null) blocks.unshift(context("Recorded as not known for this period: it counts as reported, and leaves no point on the chart."));
    if (period.note) blocks.push(context(period.note));
    return reply("success", `${indicator.code} reading recorded`, blocks);
  });
}

async function history(ctx: CommandContext, args: string): Promise<Reply> {
  const indicator = await resolveIndicator(ctx, firstWord(args)[0], USAGE.history);
  const gaps = (indicator.notKnown ?? []).map((g) => ({ ...g, value: null as number | null }));
  const newest = [...indicator.readings.map((r) => ({ ...r, value: r.value as number | null })), ...gaps].sort((a, b) => b.periodEnd.localeCompare(a.periodEnd));
  const items = newest.slice(0, HISTORY_SHOWN).map((r, i) => {
    const older = newest.slice(i + 1).find((o) => o.value !== null);
    const change = r.value !== null && older && older.value !== null
      ? ` (${r.value === older.value ? "no change" : `${r.value > older.value ? "+" : "−"}${formatValue(Math.abs(r.value - older.value), indicator.unit)}`})`
      : "";
    return {
      text: `${r.period} · ${r.value === null ? "not known" : formatValue(r.value, indicator.unit)}${change}`,
      detail: [`period ending ${shortDate(r.periodEnd)}`, r.recordedBy ? `recorded by ${r.recordedBy}` : "", r.source ? `source: ${r.source}` : ""].filter(Boolean).join(" · "),
    };
  });
  const blocks: Block[] = [list(items, "No readings recorded yet."), context(`Baseline: ${describeBaseline({ baseline: indicator.baseline, unit: indicator.unit })}.`)];
  if (newest.length > HISTORY_SHOWN) blocks.push(context(`The latest ${HISTORY_SHOWN} of ${newest.length} readings.`));
  return reply("info", `History of ${indicator.code}`, [text(indicator.name), ...blocks]);
}

/** For /indicator owner: the indicator, and the person named after its code (as `resolvePerson` looks them up by name). */
function indicatorAndOwnerNamedBy(args: string): IndicatorRead | null {
  const read = indicatorNamedBy(args);
  const name = firstWord(args)[1].trim();
  return read && name ? { ...read, person: name } : read;
}

export const indicatorCommands: CommandFamily = {
  name: "indicator",
  summary: "Key indicators: report cards, trends, turning the curve, and recording readings.",
  defaultSubcommand: "list",
  subcommands: [
    { name: "show", usage: USAGE.show, reads: indicatorNamedBy, summary: "An indicator's report card: latest, baseline, target, trend and the turn-the-curve verdict.", run: show },
    { name: "record", usage: USAGE.record, changes: true, reads: indicatorNamedBy, summary: "Record a reading (the indicator's owner or lead).", run: record },
    { name: "history", usage: USAGE.history, reads: indicatorNamedBy, summary: "Every reading recorded, newest first.", run: history },
    { name: "list", usage: USAGE.list, summary: "Every indicator in one line each.", run: (ctx) => listAll(ctx) },
    { name: "tolerance", reads: indicatorNamedBy, usage: TOLERANCE_USAGE, changes: true, summary: "How far short of target is amber rather than red (owner, lead, coordinator).", run: (ctx, args) => setTolerance(ctx, args) },
    { name: "target", reads: indicatorNamedBy, usage: SETTINGS_USAGE.target, changes: true, summary: "Set a dated target (owner, lead, coordinator).", run: (ctx, args) => setTarget(ctx, args) },
    { name: "forecast", reads: indicatorNamedBy, usage: SETTINGS_USAGE.forecast, changes: true, summary: "What is expected if nothing changes, by period (owner, lead, coordinator).", run: (ctx, args) => setForecast(ctx, args) },
    { name: "periodicity", reads: indicatorNamedBy, usage: SETTINGS_USAGE.periodicity, changes: true, summary: "How often readings come (owner, lead, coordinator).", run: (ctx, args) => setPeriodicity(ctx, args) },
    { name: "owner", reads: indicatorAndOwnerNamedBy, usage: SETTINGS_USAGE.owner, changes: true, summary: "Who records its readings (owner, lead, coordinator).", run: (ctx, args) => setOwner(ctx, args) },
  ],
};
