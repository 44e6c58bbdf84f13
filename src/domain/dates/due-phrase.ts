// Reads the date phrases UK council plans use for milestones ("by Sept. 2011", "Summer term 2011",
// "by XXX") into a period with a precision. Pure: "today" is passed in, never read from a clock.
// The forms themselves are in forms.ts; README.md beside this file lists them with examples.
import { err, ok, type Result } from "../result.ts";
import { plainWord } from "../typed-text.ts";
import { addDays } from "./calendar.ts";
import { FORMS, dayWithWeekday, type DuePrecision, type Groups, type Outcome, type SpanReading } from "./forms.ts";
import {
  MONTH_NAMES, halfTermStartingIn, readIsoDate, seasonStartingIn, spanLabel, termStartingIn,
} from "./school-calendar.ts";

export type { DuePrecision, SpanReading } from "./forms.ts";
export interface Due {
  precision: DuePrecision;
  start: string | null; // first day of the period (ISO), null for tbc
  due: string | null; // last day of the period (ISO), null for tbc
  phrase: string | null; // the date phrase as written, null when none was found
  /** How an ambiguous or relative phrase was read, to be echoed to the person ("Read as the financial year 2016/17 ..."). */
  note?: string;
}
export interface DueContext {
  today?: string;
  /** How a bare "2016/17" is read; milestones and most indicators use the financial year (the default). */
  spans?: SpanReading;
  /**
   * What a start ("from April 2011") means: "refuse" (the default for what a person types: a start
   * is not a deadline, so ask for the end) or "deadline" (plan text, read as the month it names).
   */
  starts?: "refuse" | "deadline";
  /**
   * Which way a phrase without a year looks from `today`: "ahead" (the default: a deadline, so
   * "March" is the next March not yet over) or "back" (a reading's period: the latest March begun).
   */
  looking?: "ahead" | "back";
}
/**
 * Why a phrase is not a date. `misread` (why, as a clause: "November has no day 31") is set when
 * it is a date phrase for certain, wrongly written or open to two readings ("30 February",
 * "Sept 27"): a caller reading a date from the start of longer text must refuse it, never fall
 * back to a shorter phrase inside it ("Sept").
 */
export type DateError = { code: "bad_date"; message: string; misread?: string };

const LEAD = String.raw`(?:(?<lead>no\s+later\s+than|due\s+by|by|before|until|till|from|starting(?:\s+(?:from|in|on))?|commencing|in|on|during|due)\s+)?(?:(?<endof>(?:the\s+)?end\s+of)\s+(?:the\s+)?)?`;
// "by" is how these plans write a deadline; the others read the same way when choosing among phrases.
const DEADLINE_LEADS = new Set(["by", "due by", "before", "until", "till", "no later than"]);
const START_LEADS = /^(from|starting|commencing)/;
const TRAILING_START = /^\s*(.*\S)\s+(?:onwards?|and\s+(?:after|beyond|ongoing))[\s.,;:!?]*$/i;
const START_WORD = /^(?:from|starting(?:\s+(?:from|in|on))?|commencing)\s+/i;
const EXAMPLES = `"1 April 2016", "end of March 2026", "Q3 2026/27" or "summer term 2026"`;

// In free text a phrase must stand alone: not glued to a word, a number or a date separator ("Sect20", "2011-15").
const SCANNERS = FORMS.map((f) => new RegExp(String.raw`(?<![\w/.]|\d-)${LEAD}(?:${f.core})(?![\w]|[/.-]\d)`, "gi"));
const WHOLE = FORMS.map((f) => new RegExp(String.raw`^\s*(?<phrase>${LEAD}(?:${f.core}))[\s.,;:!?)]*$`, "i"));

const TBC: Due = { precision: "tbc", start: null, due: null, phrase: null };
const tidy = (s: string): string => s.replace(/\s+/g, " ").trim();

function readToday(context: DueContext | undefined): string | undefined {
  const today = context?.today;
  // A malformed today is a caller's bug, not a user's typing: fail loudly.
  if (today !== undefined && readIsoDate(today) === null) throw new RangeError(`DueContext.today must be an ISO date, got "${today}"`);
  return today;
}

/** Turns a form's outcome into a Due, or the reason it is not one. */
function resolve(outcome: Outcome, lead: string, phrase: string): Due | { why: string } {
  switch (outcome.kind) {
    case "tbc":
      return { ...TBC, phrase, ...(outcome.note ? { note: outcome.note } : {}) };
    case "invalid":
      return { why: outcome.why };
    case "needs_today":
      return outcome.relative
        ? { why: "it depends on today's date, which Curve was not given" }
        : { why: "it has no year, and Curve was not given today's date to choose one" };
    case "dated": {
      const { precision, period, note, relative } = outcome.value;
      // "before 1 April" means by 31 March: the day before the period starts.
      if (lead === "before") {
        const day = addDays(period.start, -1);
        return { precision: "day", start: day, due: day, phrase, note: `Read as ${dayWithWeekday(day)}.` };
      }
      const due: Due = { precision, start: period.start, due: period.due, phrase };
      // A relative or year-less phrase is resolved now; the reply says to what.
      const echo = note ?? (relative ? `Read as ${precision === "day" ? dayWithWeekday(period.due) : describeDue(due)}.` : undefined);
      return echo ? { ...due, note: echo } : due;
    }
  }
}

const isDue = (x: Due | { why: string }): x is Due => "precision" in x;

interface Found {
  index: number;
  end: number;
  order: number;
  lead: string;
  due: Due;
}

/** What scanning free text found: the due date it gives, and the first date phrase it could not read, if any. */
interface Scan {
  due: Due;
  unread?: { phrase: string; why: string };
}

function scan(text: string, context?: DueContext): Scan {
  const env = { today: readToday(context), spans: context?.spans ?? "financial", looking: context?.looking ?? "ahead" } as const;
  const found: Found[] = [];
  const unread: { index: number; end: number; phrase: string; why: string }[] = [];
  FORMS.forEach((form, order) => {
    const scanner = SCANNERS[order]!;
    scanner.lastIndex = 0;
    for (let m = scanner.exec(text); m !== null; m = scanner.exec(text)) {
      const g: Groups = m.groups ?? {};
      scanner.lastIndex = m.index + 1; // overlapping matches are wanted: the longest wins below
      if (form.findable && !form.findable(g)) continue;
      const outcome = form.build(g, env);
      if (outcome.kind === "invalid") {
        if (outcome.misread) unread.push({ index: m.index, end: m.index + m[0].length, phrase: tidy(m[0]), why: outcome.why });
        continue;
      }
      // Without today a year-less phrase is still a phrase (tbc); a relative one is not matched at all.
      if (outcome.kind === "needs_today" && outcome.relative) continue;
      const lead = tidy(g.lead ?? "").toLowerCase();
      const phrase = tidy(m[0]);
      const resolved = resolve(outcome, lead, phrase);
      const due = isDue(resolved) ? resolved : { ...TBC, phrase };
      found.push({ index: m.index, end: m.index + m[0].length, order, lead, due });
    }
  });

  const kept: Found[] = [];
  const longestFirst = [...found].sort((a, b) => b.end - b.index - (a.end - a.index) || a.index - b.index || a.order - b.order);
  for (const f of longestFirst) {
    if (kept.every((k) => f.end <= k.index || f.index >= k.end)) kept.push(f);
  }
  kept.sort((a, b) => a.index - b.index);

  const deadlines = kept.filter((f) => DEADLINE_LEADS.has(f.lead));
  const dated = deadlines.filter((f) => f.due.due !== null);
  const pick = dated.length > 0
    ? dated.reduce((latest, f) => ((f.due.due ?? "") >= (latest.due.due ?? "") ? f : latest))
    : (deadlines.at(-1) ?? kept.at(-1));
  // A date phrase wrongly written (forms.ts, `misread`) that no phrase read contains: "31 February
  // 2027", of which only "February 2027" was read; "Q5 2026/27", of which only "2026/27"; "by 30 February".
  const missed = unread
    .filter((u) => !kept.some((k) => k.index <= u.index && u.end <= k.end))
    .sort((a, b) => a.index - b.index || b.end - a.end)[0];
  return { due: pick?.due ?? TBC, ...(missed ? { unread: { phrase: missed.phrase, why: missed.why } } : {}) };
}

/**
 * Finds the due date inside free milestone text. Never fails: no phrase, or "XXX" / "to be agreed" => tbc.
 * Several phrases: the deadlines ("by ...") win, and among those the latest date, since the text is done
 * only when its last deadline is met; with no deadline, the last phrase written. A phrase it
 * cannot read is passed over (see readDueIn for text a person has just written).
 */
export function findDue(text: string, context?: DueContext): Due {
  return scan(text, context).due;
}

/**
 * findDue for milestone text a person has just written (a workshop's proposed action, a row of
 * an imported plan): the same reading, but a date phrase in it that Curve cannot read is a
 * `bad_date` error naming the phrase and why ("31 February 2027": February 2027 has no day 31),
 * never a shorter phrase inside it read instead ("February 2027"). Text with no date phrase
 * at all is still tbc, as in the plans.
 */
export function readDueIn(text: string, context?: DueContext): Result<Due, DateError> {
  const { due, unread } = scan(text, context);
  return unread ? err(badDate(unread.phrase, unread.why)) : ok(due);
}

function badDate(input: string, why: string): DateError {
  const shown = tidy(input).length > 80 ? `${tidy(input).slice(0, 77)}...` : tidy(input);
  const message = shown === ""
    ? `No date was given; try ${EXAMPLES}.`
    : `Curve could not read "${shown}" as a date (${why}); try ${EXAMPLES}.`;
  return { code: "bad_date", message };
}

/**
 * Parses a date a user typed: the whole input must be one phrase of the table in README.md,
 * optionally led by "by", "in", "end of", "before", "until". Errors are `bad_date` with one sentence
 * naming the input and giving examples. A start ("from April 2011") is refused unless
 * `context.starts` is "deadline": it says when work begins, not when it is due.
 * Ambiguous and relative phrases come back with `note`, which the reply should echo.
 */
export function parseDue(typed: string, context?: DueContext): Result<Due, DateError> {
  // A date phrase is parsed, never stored: invisible characters ("March\u00AD 2012") are not part of it.
  const input = plainWord(typed);
  const env = { today: readToday(context), spans: context?.spans ?? "financial", looking: context?.looking ?? "ahead" } as const;
  if (tidy(input) === "") return err(badDate(input, "it is empty"));
  // "April 2011 onwards" is a start written the other way round: read as "from April 2011".
  const onwards = TRAILING_START.exec(input);
  const phrase = onwards ? `from ${onwards[1]!.replace(START_WORD, "")}` : input;
  let why: string | undefined;
  let misread: string | undefined;
  for (const [order, form] of FORMS.entries()) {
    const m = WHOLE[order]!.exec(phrase);
    if (m === null) continue;
    const g: Groups = m.groups ?? {};
    const lead = tidy(g.lead ?? "").toLowerCase();
    const outcome = form.build(g, env);
    if (outcome.kind === "invalid" && outcome.misread) misread ??= outcome.why;
    const resolved = resolve(outcome, lead, tidy(g.phrase ?? ""));
    if (isDue(resolved)) {
      if (START_LEADS.test(lead) && resolved.precision !== "range" && resolved.precision !== "tbc" && (context?.starts ?? "refuse") === "refuse") {
        const shown = tidy(input).slice(0, 80);
        return err({
          code: "bad_date",
          message: `"${shown}" says when the work starts, not when it is due; give the end, like "${describeDue(resolved)} to March ${Number((resolved.due ?? "").slice(0, 4)) + 1}" or "by March ${Number((resolved.due ?? "").slice(0, 4)) + 1}".`,
        });
      }
      return ok(resolved);
    }
    why ??= resolved.why;
  }
  return misread !== undefined ? err({ ...badDate(input, misread), misread }) : err(badDate(input, why ?? "it is not a date phrase"));
}

const monthYear = (iso: string): string => `${MONTH_NAMES[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
const dayMonthYear = (iso: string): string => `${Number(iso.slice(8, 10))} ${monthYear(iso)}`;
const lastOfMonth = (iso: string): boolean => addDays(iso, 1).slice(8, 10) === "01";

/**
 * Label for replies, history and reports: the date understood, never the phrase typed. Every label
 * reads back (through parseDue) to the same period: "1 April 2016", "w/c 5 September 2011",
 * "March 2011", "spring 2 2017", "summer term 2011", "Q3 2016/17", "autumn 2016", "winter 2015/16",
 * "2016", "2011/12" (financial), "academic year 2011/12", "April to June 2012", "early April 2012", "TBC".
 */
export function describeDue(due: Pick<Due, "precision" | "start" | "due">): string {
  if (due.precision === "tbc" || due.start === null || due.due === null) return "TBC";
  const [startYear, startMonth] = [Number(due.start.slice(0, 4)), Number(due.start.slice(5, 7))];
  switch (due.precision) {
    case "day":
      return dayMonthYear(due.due);
    case "week":
      return `w/c ${dayMonthYear(due.start)}`;
    case "month":
      return monthYear(due.due);
    case "half_term": {
      const n = halfTermStartingIn(startMonth) ?? 1;
      return `${n <= 2 ? "autumn" : n <= 4 ? "spring" : "summer"} ${2 - (n % 2)} ${startYear}`;
    }
    case "term":
      return `${termStartingIn(startMonth) ?? "school"} term ${startYear}`;
    case "quarter": {
      const q = startMonth >= 4 ? (startMonth - 1) / 3 : 4;
      return `Q${q} ${spanLabel(startMonth >= 4 ? startYear : startYear - 1)}`;
    }
    case "season": {
      const season = seasonStartingIn(startMonth);
      return season === "winter" ? `winter ${spanLabel(startYear)}` : `${season ?? "season"} ${startYear}`;
    }
    case "year":
      return startMonth === 4 ? spanLabel(startYear) : startMonth === 9 ? `academic year ${spanLabel(startYear)}` : `${startYear}`;
    case "range": {
      const sameMonth = due.start.slice(0, 7) === due.due.slice(0, 7);
      if (sameMonth && due.start.endsWith("-01") && due.due.endsWith("-10")) return `early ${monthYear(due.due)}`;
      if (sameMonth && due.start.endsWith("-21") && lastOfMonth(due.due)) return `late ${monthYear(due.due)}`;
      if (due.start.endsWith("-01") && lastOfMonth(due.due)) {
        if (due.start.slice(5, 7) === "01" && due.due.slice(5, 7) === "12") return `${startYear} to ${due.due.slice(0, 4)}`;
        const from = due.start.slice(0, 4) === due.due.slice(0, 4) ? MONTH_NAMES[startMonth - 1] : monthYear(due.start);
        return `${from} to ${monthYear(due.due)}`;
      }
      return `${dayMonthYear(due.start)} to ${dayMonthYear(due.due)}`;
    }
  }
}
