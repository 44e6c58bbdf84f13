// The Readings sheet checked as chat checks `/indicator record`: the indicator must exist, the
// period must read with the indicator's periodicity and have started, and the figure must fit
// the indicator's unit. Pure: the import gives it the indicators (the file's and the database's).
import { parsePeriod } from "../indicators/periods.ts";
import { figureProblem } from "../indicators/report-card.ts";
import type { Periodicity } from "../indicators/types.ts";
import { closestRefs } from "../refs.ts";
import type { ReadingData } from "./partnership-data.ts";
import type { ImportProblem } from "./sheet.ts";

/** What a reading is checked against: the indicator's code, unit ("count", "percent", "per_1000") and periodicity. */
export interface ReadingIndicator {
  code: string;
  unit: string;
  periodicity: Periodicity | null;
}

/** A reading the import can write: its indicator and period as Curve stores them. */
export interface CheckedReading extends ReadingData {
  /** The indicator's code as stored (the file's, matched ignoring case). */
  code: string;
  /** The period's label as Curve stores it ("Sep 2011", "Q2 2011/12", "academic year 2016/17"): the reading's key with its indicator. */
  label: string;
  /** The period's last day, ISO. */
  periodEnd: string;
}

/**
 * Checks the Readings sheet's rows against the indicators they name, as `/indicator record`
 * checks a reading typed in chat: an unknown code (with the closest codes), a period that
 * cannot be read with the indicator's periodicity (parsePeriod: a bare "2016/17" is an
 * academic year for termly and academic-year indicators, else a financial one; relative
 * periods such as "last quarter" are refused, since a file may be imported again later), a period that
 * has not started by `today` (ISO day), a figure the unit cannot hold (figureProblem: counts
 * whole, percentages at most 100, nothing negative), and the same indicator and period on two
 * rows ("Sep 2011" and "2011-09" are the same period). Each problem names the sheet, row and
 * column; a row with a problem is left out of `readings`.
 */
export function checkReadings(
  rows: readonly ReadingData[],
  indicators: readonly ReadingIndicator[],
  today: string,
): { readings: CheckedReading[]; problems: ImportProblem[] } {
  const byCode = new Map(indicators.map((i) => [i.code.toUpperCase(), i]));
  const codes = indicators.map((i) => i.code);
  const problems: ImportProblem[] = [];
  const readings: CheckedReading[] = [];
  const seen = new Map<string, ReadingData>();
  for (const row of rows) {
    const problem = (column: string, message: string) => problems.push({ sheet: row.at.sheet, row: row.at.row, column, message });
    const indicator = byCode.get(row.code.toUpperCase());
    if (!indicator) {
      const near = closestRefs(row.code, codes);
      problem(row.headings.indicator, `there is no indicator ${row.code}${near.length ? `; did you mean ${near.join(", ")}?` : ""} (add it to the Indicators sheet, or use one of ${codes.join(", ") || "none yet"})`);
      continue;
    }
    // No `today`: a relative period ("last quarter") would move each time the file is imported again.
    const period = parsePeriod(row.period, { periodicity: indicator.periodicity });
    if (!period.ok) {
      problem(row.headings.period, period.error.message);
      continue;
    }
    if (period.value.start > today) {
      problem(row.headings.period, `${period.value.label} hasn't started yet, so it can't have a reading.`);
      continue;
    }
    const figure = row.value === null ? null : figureProblem(row.value, indicator.unit, indicator.code, row.sign);
    if (figure) {
      problem(row.headings.value, figure);
      continue;
    }
    const key = `${indicator.code}\u0000${period.value.label}`;
    const first = seen.get(key);
    if (first) {
      problem(row.headings.period, `${indicator.code} ${period.value.label} is also on ${first.at.sheet} row ${first.at.row}`);
      continue;
    }
    seen.set(key, row);
    readings.push({ ...row, code: indicator.code, label: period.value.label, periodEnd: period.value.end });
  }
  return { readings, problems };
}
