import { shortDate } from "../domain/dates/calendar.ts";
import { parseDue } from "../domain/dates/due-phrase.ts";
import { CurveError } from "../domain/errors.ts";
import { parsePeriod } from "../domain/indicators/periods.ts";
import { figureProblem, formatValue } from "../domain/indicators/report-card.ts";
import { PERIODICITIES, type IndicatorView, type Periodicity } from "../domain/indicators/types.ts";
import { readFigure } from "../domain/numbers.ts";
import { requirePermission } from "../domain/access.ts";
import { context, reply, type Reply } from "../domain/reply.ts";
import { firstWord } from "./arguments.ts";
import type { CommandContext } from "./context.ts";
import { insightsOf, resolveIndicator } from "./indicator-lookup.ts";
import { resolvePerson } from "./resolve.ts";

export const SETTINGS_USAGE = {
  target: "/indicator target <code> <value> by <date>   e.g. /indicator target LAC 1300 by March 2013",
  forecast: "/indicator forecast <code> <value> <period> [<value> <period> …]   e.g. /indicator forecast LAC 1480 2012/13 1500 2013/14",
  periodicity: "/indicator periodicity <code> monthly|quarterly|termly|annual|academic-year",
  owner: "/indicator owner <code> <person's name>   e.g. /indicator owner LAC Simon Flowers",
};

/** The indicator named first in `args`, once the asker may change it (its owner, its priority's leads, a coordinator or an admin). */
async function indicatorToChange(ctx: CommandContext, args: string, usage: string): Promise<{ indicator: IndicatorView; rest: string }> {
  const [code, rest] = firstWord(args);
  const indicator = await resolveIndicator(ctx, code, usage);
  requirePermission(ctx.actor, "indicator.tune", indicator);
  return { indicator, rest: rest.trim() };
}

/** A value in the indicator's unit, as typed ("1,300", "7.5%"); refuses a decimal comma or anything else (domain/numbers.ts). */
function valueOf(indicator: IndicatorView, typed: string, usage: string): { value: number; words: number } {
  const figure = readFigure(typed);
  if (!figure.ok) throw new CurveError("usage", figure.error.message, { hint: usage });
  if (figure.value.value === null) throw new CurveError("usage", `Give ${indicator.code}'s value as a number in its unit (${indicator.unit}).`, { hint: usage });
  const problem = figureProblem(figure.value.value, indicator.unit, indicator.code, figure.value.sign);
  if (problem) throw new CurveError("usage", problem, { hint: usage });
  return { value: figure.value.value, words: figure.value.words };
}

/**
 * `/indicator target LAC 1300 by March 2013`: a dated target, read with the one date grammar
 * (a month means its last day); a target already set for that day is replaced. The reply
 * echoes the day understood. Audited as indicator.target with the value before and after.
 */
export async function setTarget(ctx: CommandContext, args: string): Promise<Reply> {
  const usage = SETTINGS_USAGE.target;
  const { indicator, rest } = await indicatorToChange(ctx, args, usage);
  const { value, words } = valueOf(indicator, rest, usage);
  const when = rest.split(/\s+/).slice(words).join(" ");
  if (!when) throw new CurveError("usage", `By when? Give a date, like "by March 2013".`, { hint: usage });
  const due = parseDue(when, { today: ctx.today });
  if (!due.ok) throw new CurveError("bad_date", due.error.message, { hint: usage });
  if (!due.value.due) throw new CurveError("bad_date", "A target needs a date, not TBC.", { hint: usage });
  const dueDate = due.value.due;
  const text = `${formatValue(value, indicator.unit)} by ${shortDate(dueDate)}`;
  return insightsOf(ctx).change(async (tx) => {
    const { before } = await tx.setTarget(indicator, { value, dueDate, text: null });
    if (before === value) return reply("info", `${indicator.code}'s target is already ${text}.`);
    return reply("success", `${indicator.code}'s target is now ${text}`, [
      context(
        `${before === null ? "A new target" : `It was ${formatValue(before, indicator.unit)} by that date`}.` +
          (due.value.note ? ` ${due.value.note}` : "") +
          ` The report card, the chart and its RAG now judge readings against it.`,
      ),
    ]);
  });
}

/**
 * `/indicator forecast LAC 1480 2012/13 1500 2013/14`: what the partnership expects if nothing
 * changes ("the forecast", seed 004), as value and period pairs read with the indicator's
 * periodicity. It replaces the whole forecast.
 */
export async function setForecast(ctx: CommandContext, args: string): Promise<Reply> {
  const usage = SETTINGS_USAGE.forecast;
  const { indicator, rest } = await indicatorToChange(ctx, args, usage);
  if (!rest) throw new CurveError("usage", "Give the forecast as a value and a period, once or more.", { hint: usage });
  // Pairs: a value, then the longest run of words that reads as a period and is followed by
  // the next value or the end ("1480 Mar 2012 1500 2012/13": a year inside a period is not a value).
  const words = rest.split(/\s+/);
  const looksLikeValue = (word: string | undefined) => word !== undefined && /^[\d.,]+%?$/.test(word);
  // A forecast looks ahead: "Mar" is the next March, as a reading's "Mar" is the last.
  const read = (from: number, to: number) => parsePeriod(words.slice(from, to).join(" "), { periodicity: indicator.periodicity, today: ctx.today, looking: "ahead" });
  const points: { periodEnd: string; value: number; label: string }[] = [];
  for (let i = 0; i < words.length; ) {
    const { value, words: used } = valueOf(indicator, words.slice(i).join(" "), usage);
    i += used;
    if (i >= words.length) throw new CurveError("usage", `Which period is ${formatValue(value, indicator.unit)} forecast for?`, { hint: usage });
    let end = -1;
    for (let j = words.length; j > i && end < 0; j--) if ((j === words.length || looksLikeValue(words[j])) && read(i, j).ok) end = j;
    if (end < 0) {
      const shown = read(i, looksLikeValue(words[i + 1]) || i + 1 === words.length ? i + 1 : words.length);
      throw new CurveError("bad_date", shown.ok ? `Curve could not read the periods after ${formatValue(value, indicator.unit)}.` : shown.error.message, { hint: usage });
    }
    const period = read(i, end);
    if (!period.ok) throw new CurveError("bad_date", period.error.message, { hint: usage });
    points.push({ periodEnd: period.value.end, value, label: period.value.label });
    i = end;
  }
  const ends = points.map((p) => p.periodEnd);
  if (new Set(ends).size !== ends.length) throw new CurveError("usage", "Each period can have one forecast value; one is given twice.", { hint: usage });
  points.sort((a, b) => a.periodEnd.localeCompare(b.periodEnd));
  return insightsOf(ctx).change(async (tx) => {
    await tx.setForecast(indicator, points.map(({ periodEnd, value }) => ({ periodEnd, value })));
    return reply("success", `${indicator.code}'s forecast is now ${points.map((p) => `${formatValue(p.value, indicator.unit)} for ${p.label}`).join(", ")}`, [
      context("The chart shows it as the line the curve would follow if nothing changed."),
    ]);
  });
}

const PERIODICITY_WORDS: Record<string, Periodicity> = {
  monthly: "monthly", quarterly: "quarterly", termly: "termly", annual: "annual", annually: "annual", yearly: "annual",
  "academic-year": "academic_year", academic_year: "academic_year", "academic year": "academic_year", academic: "academic_year",
};

/** `/indicator periodicity NEET quarterly`: how often readings come, which also decides how "2016/17" is read for it. */
export async function setPeriodicity(ctx: CommandContext, args: string): Promise<Reply> {
  const usage = SETTINGS_USAGE.periodicity;
  const { indicator, rest } = await indicatorToChange(ctx, args, usage);
  const periodicity = PERIODICITY_WORDS[rest.toLowerCase().replace(/\s+/g, " ")];
  if (!periodicity) {
    throw new CurveError("usage", `${rest ? `"${rest.slice(0, 30)}" is not` : "Give"} a periodicity: one of ${PERIODICITIES.map((p) => p.replace("_", "-")).join(", ")}.`, { hint: usage });
  }
  const label = periodicity.replace("_", " ");
  return insightsOf(ctx).change(async (tx) => {
    const { before } = await tx.setPeriodicity(indicator, periodicity);
    if (before === periodicity) return reply("info", `${indicator.code} is already reported ${label === "academic year" ? "by academic year" : label}.`);
    return reply("success", `${indicator.code} is now reported ${label === "academic year" ? "by academic year" : label}`, [
      context(`It was ${before ? before.replace("_", " ") : "not set"}. A year such as 2016/17 is read as ${periodicity === "termly" || periodicity === "academic_year" ? "the academic year" : "the financial year"} for it.`),
    ]);
  });
}

/** `/indicator owner LAC Simon Flowers`: the person who records its readings and is reminded when they are due. */
export async function setOwner(ctx: CommandContext, args: string): Promise<Reply> {
  const usage = SETTINGS_USAGE.owner;
  const { indicator, rest } = await indicatorToChange(ctx, args, usage);
  if (!rest) throw new CurveError("usage", `Who owns ${indicator.code}? Give their name.`, { hint: usage });
  const person = await resolvePerson(ctx, rest, usage);
  return insightsOf(ctx).change(async (tx) => {
    const { before } = await tx.setOwner(indicator, person);
    if (before?.id === person.id) return reply("info", `${person.name} already owns ${indicator.code}.`);
    return reply("success", `${person.name} now owns ${indicator.code}`, [
      context(`${before ? `It was ${before.name}.` : "It had no owner."} ${person.name} records its readings and is reminded when one is due.`),
    ]);
  });
}
