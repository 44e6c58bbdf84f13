// Reads the date phrases UK council plans use for milestones ("by Sept. 2011", "Summer term 2011",
// "by XXX") into a period with a precision. Pure: "today" is passed in, never read from a clock.
import { err, ok, type Result } from "../result.ts";
import { addDays } from "./calendar.ts";
import {
  MONTH_NAMES, calendarYearPeriod, dayOfWeek, dayPeriod, financialYearPeriod, isPlausibleYear,
  isRealDate, isoDate, monthPeriod, nextEndingOnOrAfter, readIsoDate, seasonPeriod, seasonStartingIn,
  spanLabel, termPeriod, termStartingIn, yearWithinSpan,
  type Period, type SeasonName, type TermName,
} from "./school-calendar.ts";

export type DuePrecision = "day" | "month" | "term" | "season" | "year" | "tbc";
export interface Due {
  precision: DuePrecision;
  start: string | null; // first day of the period (ISO), null for tbc
  due: string | null; // last day of the period (ISO), null for tbc
  phrase: string | null; // the date phrase as written, null when none was found
}
export interface DueContext {
  today?: string;
}
export type DateError = { code: "bad_date"; message: string };

type Groups = Record<string, string | undefined>;
type Dated = { precision: Exclude<DuePrecision, "tbc">; period: Period };
type Outcome =
  | { kind: "dated"; value: Dated }
  | { kind: "tbc" }
  | { kind: "invalid"; why: string }
  // Needs context.today: a year-less phrase ("end of summer term") or a relative one ("tomorrow").
  | { kind: "needs_today"; relative: boolean };

interface Form {
  core: string; // regex source; named groups are read by build
  build: (g: Groups, today: string | undefined) => Outcome;
  // In free text some forms are too easily a plain word ("may", "spring", "sun"); they count only when introduced.
  findable?: (g: Groups) => boolean;
}

const MONTH = String.raw`(?<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`;
const WEEKDAY = String.raw`mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?`;
const ORDINAL = String.raw`(?:\s?(?:st|nd|rd|th))?`; // seed 000 writes "19 th January 2010"
const YEAR = String.raw`(?<y>\d{4})`;
const SPAN = String.raw`(?<y>\d{4})(?:[/-](?<y2>\d{2}(?:\d{2})?))?`; // "2011" or "2011/12"
const LEAD = String.raw`(?:(?<lead>no\s+later\s+than|due\s+by|by|before|until|till|from|in|on|during|due)\s+)?(?:(?<endof>(?:the\s+)?end\s+of)\s+(?:the\s+)?)?`;
// "by" is how these plans write a deadline; the others read the same way when choosing among phrases.
const DEADLINE_LEADS = new Set(["by", "due by", "before", "until", "till", "no later than"]);
const EXAMPLES = `"1 April 2016", "end of March 2026" or "summer term 2026"`;

const dated = (precision: Dated["precision"], period: Period): Outcome => ({ kind: "dated", value: { precision, period } });
const invalid = (why: string): Outcome => ({ kind: "invalid", why });
const introduced = (g: Groups): boolean => g.lead !== undefined || g.endof !== undefined;
const monthNumber = (name: string): number => "janfebmaraprmayjunjulaugsepoctnovdec".indexOf(name.slice(0, 3).toLowerCase()) / 3 + 1;
const weekdayNumber = (name: string): number => ["su", "mo", "tu", "we", "th", "fr", "sa"].indexOf(name.slice(0, 2).toLowerCase());

function withYear(g: Groups, then: (year: number) => Outcome): Outcome {
  const year = Number(g.y);
  return isPlausibleYear(year) ? then(year) : invalid(`${g.y} is not a year between 1990 and 2100`);
}

function onDay(g: Groups, month: number): Outcome {
  return withYear(g, (year) => {
    const day = Number(g.d);
    if (month < 1 || month > 12) return invalid(`there is no month ${g.m ?? month}`);
    if (!isRealDate(year, month, day)) return invalid(`${MONTH_NAMES[month - 1]} ${year} has no day ${day}`);
    return dated("day", dayPeriod(isoDate(year, month, day)));
  });
}

/** "2011" or "2011/12" (the second part must be the following year) written after a term or season. */
function inSpan(g: Groups, name: TermName | SeasonName, periodIn: (y: number) => Period, precision: Dated["precision"]): Outcome {
  return withYear(g, (year) => {
    if (g.y2 === undefined) return dated(precision, periodIn(year));
    if (!followsYear(year, g.y2)) return invalid(`${g.y}/${g.y2} is not two consecutive years`);
    return dated(precision, periodIn(yearWithinSpan(name, year)));
  });
}

const followsYear = (year: number, next: string): boolean =>
  next.length === 2 ? Number(next) === (year + 1) % 100 : Number(next) === year + 1;

function yearless(today: string | undefined, periodIn: (y: number) => Period, precision: Dated["precision"]): Outcome {
  return today === undefined ? { kind: "needs_today", relative: false } : dated(precision, nextEndingOnOrAfter(today, periodIn));
}

function relative(today: string | undefined, dayFrom: (today: string) => string): Outcome {
  return today === undefined ? { kind: "needs_today", relative: true } : dated("day", dayPeriod(dayFrom(today)));
}

/** Strictly after today: on a Friday, "Friday" means a week later. */
function nextWeekday(today: string, weekday: number): string {
  return addDays(today, ((weekday - dayOfWeek(today) + 6) % 7) + 1);
}

// Order matters twice: parseDue takes the first form that reads the whole input, and findDue breaks
// ties between equally long matches in this order.
const FORMS: Form[] = [
  { core: String.raw`(?<y>\d{4})-(?<m>\d{1,2})-(?<d>\d{1,2})`, build: (g) => onDay(g, Number(g.m)) },
  // Numeric dates are always UK order, day first: 03/04/2016 is 3 April.
  { core: String.raw`(?<d>\d{1,2})(?<sep>[/.-])(?<m>\d{1,2})\k<sep>${YEAR}`, build: (g) => onDay(g, Number(g.m)) },
  {
    core: String.raw`(?:(?:${WEEKDAY}),?\s+)?(?<d>\d{1,2})${ORDINAL}\s+(?:of\s+)?${MONTH},?\s+${YEAR}`,
    build: (g) => onDay(g, monthNumber(g.mon ?? "")),
  },
  {
    core: String.raw`(?:(?:${WEEKDAY}),?\s+)?${MONTH}\s+(?<d>\d{1,2})${ORDINAL},?\s+${YEAR}`,
    build: (g) => onDay(g, monthNumber(g.mon ?? "")),
  },
  { core: String.raw`${MONTH},?\s+${YEAR}`, build: (g) => withYear(g, (y) => dated("month", monthPeriod(y, monthNumber(g.mon ?? "")))) },
  {
    core: String.raw`(?:the\s+)?(?<term>autumn|spring|summer)\s+term(?:\s+${SPAN})?`,
    build: (g, today) => {
      const term = (g.term ?? "").toLowerCase() as TermName;
      const periodIn = (y: number): Period => termPeriod(term, y);
      return g.y === undefined ? yearless(today, periodIn, "term") : inSpan(g, term, periodIn, "term");
    },
  },
  {
    core: String.raw`(?<season>spring|summer|autumn|winter)\s+${SPAN}`,
    build: (g) => {
      const season = (g.season ?? "").toLowerCase() as SeasonName;
      return inSpan(g, season, (y) => seasonPeriod(season, y), "season");
    },
  },
  // "2011/12" alone is the financial year 1 April 2011 - 31 March 2012, as the partnership's plans use it.
  {
    core: String.raw`${YEAR}[/-](?<y2>\d{2}(?:\d{2})?)`,
    build: (g) =>
      withYear(g, (y) => (followsYear(y, g.y2 ?? "") ? dated("year", financialYearPeriod(y)) : invalid(`${g.y}/${g.y2} is not two consecutive years`))),
  },
  { core: YEAR, build: (g) => withYear(g, (y) => dated("year", calendarYearPeriod(y))) },
  {
    core: String.raw`(?:(?:the\s+)?dates?\s+)?(?:x{3}|tb[cad]|to\s+be\s+(?:agreed|confirmed|decided|determined|arranged))`,
    build: () => ({ kind: "tbc" }),
  },
  {
    core: String.raw`(?:in|within)\s+(?<n>\d{1,3}|a|one)\s+(?<unit>days?|weeks?)`,
    build: (g, today) => {
      const n = /^\d+$/.test(g.n ?? "") ? Number(g.n) : 1;
      return relative(today, (t) => addDays(t, (g.unit ?? "").toLowerCase().startsWith("w") ? 7 * n : n));
    },
  },
  // A working week: "next week" and "end of next week" both mean Friday of the coming Monday-to-Sunday week.
  { core: String.raw`next\s+week`, build: (_g, today) => relative(today, (t) => addDays(nextWeekday(t, 1), 4)) },
  {
    core: String.raw`(?:(?<next>next|this|coming)\s+)?(?<wd>${WEEKDAY})`,
    build: (g, today) => relative(today, (t) => nextWeekday(t, weekdayNumber(g.wd ?? ""))),
    findable: (g) => g.next !== undefined || introduced(g),
  },
  {
    core: String.raw`(?<rel>today|tomorrow)`,
    build: (g, today) => relative(today, (t) => addDays(t, g.rel?.toLowerCase() === "today" ? 0 : 1)),
    findable: introduced,
  },
  {
    core: MONTH,
    build: (g, today) => yearless(today, (y) => monthPeriod(y, monthNumber(g.mon ?? "")), "month"),
    findable: introduced,
  },
  {
    core: String.raw`(?<season>spring|summer|autumn|winter)`,
    build: (g, today) => yearless(today, (y) => seasonPeriod((g.season ?? "").toLowerCase() as SeasonName, y), "season"),
    findable: introduced,
  },
];

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
      return { ...TBC, phrase };
    case "invalid":
      return { why: outcome.why };
    case "needs_today":
      return outcome.relative
        ? { why: "it depends on today's date, which Curve was not given" }
        : { why: "it has no year, and Curve was not given today's date to choose one" };
    case "dated": {
      const { precision, period } = outcome.value;
      // "before 1 April" means by 31 March: the day before the period starts.
      if (lead === "before") {
        const day = addDays(period.start, -1);
        return { precision: "day", start: day, due: day, phrase };
      }
      return { precision, start: period.start, due: period.due, phrase };
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

/**
 * Finds the due date inside free milestone text. Never fails: no phrase, or "XXX" / "to be agreed" => tbc.
 * Several phrases: the deadlines ("by ...") win, and among those the latest date, since the text is done
 * only when its last deadline is met; with no deadline, the last phrase written.
 */
export function findDue(text: string, context?: DueContext): Due {
  const today = readToday(context);
  const found: Found[] = [];
  FORMS.forEach((form, order) => {
    const scanner = SCANNERS[order]!;
    scanner.lastIndex = 0;
    for (let m = scanner.exec(text); m !== null; m = scanner.exec(text)) {
      const g: Groups = m.groups ?? {};
      scanner.lastIndex = m.index + 1; // overlapping matches are wanted: the longest wins below
      if (form.findable && !form.findable(g)) continue;
      const outcome = form.build(g, today);
      // Without today a year-less phrase is still a phrase (tbc); a relative one is not matched at all.
      if (outcome.kind === "invalid" || (outcome.kind === "needs_today" && outcome.relative)) continue;
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
  return pick?.due ?? TBC;
}

function badDate(input: string, why: string): DateError {
  const shown = tidy(input).length > 80 ? `${tidy(input).slice(0, 77)}...` : tidy(input);
  const message = shown === ""
    ? `No date was given; try ${EXAMPLES}.`
    : `Curve could not read "${shown}" as a date (${why}); try ${EXAMPLES}.`;
  return { code: "bad_date", message };
}

/** Parses a date a user typed: the whole input must be one date phrase, optionally led by "by", "in", "end of", "before". */
export function parseDue(input: string, context?: DueContext): Result<Due, DateError> {
  const today = readToday(context);
  if (tidy(input) === "") return err(badDate(input, "it is empty"));
  let why: string | undefined;
  for (const [order, form] of FORMS.entries()) {
    const m = WHOLE[order]!.exec(input);
    if (m === null) continue;
    const g: Groups = m.groups ?? {};
    const resolved = resolve(form.build(g, today), tidy(g.lead ?? "").toLowerCase(), tidy(g.phrase ?? ""));
    if (isDue(resolved)) return ok(resolved);
    why ??= resolved.why;
  }
  return err(badDate(input, why ?? "it is not a date phrase"));
}

/** Label for replies: "1 April 2016", "March 2011", "summer term 2011", "autumn 2016", "winter 2015/16", "2016", "2011/12", "TBC". */
export function describeDue(due: Due): string {
  if (due.precision === "tbc" || due.start === null || due.due === null) return "TBC";
  const [startYear, startMonth] = [Number(due.start.slice(0, 4)), Number(due.start.slice(5, 7))];
  const [year, month, day] = [Number(due.due.slice(0, 4)), Number(due.due.slice(5, 7)), Number(due.due.slice(8, 10))];
  switch (due.precision) {
    case "day":
      return `${day} ${MONTH_NAMES[month - 1]} ${year}`;
    case "month":
      return `${MONTH_NAMES[month - 1]} ${year}`;
    case "term":
      return `${termStartingIn(startMonth) ?? "school"} term ${startYear}`;
    case "season": {
      const season = seasonStartingIn(startMonth);
      return season === "winter" ? `winter ${spanLabel(startYear)}` : `${season ?? "season"} ${startYear}`;
    }
    case "year":
      return startMonth === 4 ? spanLabel(startYear) : `${startYear}`;
  }
}
