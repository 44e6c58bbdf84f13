import type { PersonSummary } from "../model.ts";

/** Plain views of indicators: what the trend, verdict and report-card rules work on. */
export type Polarity = "lower_is_better" | "higher_is_better" | "unknown";
export type Periodicity = "monthly" | "quarterly" | "termly" | "annual" | "academic_year";
export const PERIODICITIES: readonly Periodicity[] = ["monthly", "quarterly", "termly", "annual", "academic_year"];

export interface Reading {
  /** The period as Curve writes it ("2011-03", "Q3 2011/12"), and its last day (ISO). */
  period: string;
  periodEnd: string;
  value: number;
  source: string | null;
  recordedBy: string | null;
}

export interface Target {
  value: number;
  dueDate: string;
  text: string | null;
}

/** "Where we'd be if nothing changed", when the partnership has entered it. */
export interface ForecastPoint {
  periodEnd: string;
  value: number;
}

export interface Baseline {
  value: number;
  /** ISO date; null when the plan gives none (then the baseline cannot anchor a line). */
  date: string | null;
  text: string | null;
}

export interface IndicatorFacts {
  id: number;
  code: string;
  name: string;
  unit: string;
  polarity: Polarity;
  baseline: Baseline | null;
  periodicity: Periodicity | null;
  forecast: ForecastPoint[];
  targets: Target[];
  /** How far short of the expected value is still amber, in the indicator's unit; null for the default (rag.ts). */
  tolerance: number | null;
  note: string | null;
  /** Oldest first. */
  readings: Reading[];
  /** Periods recorded as "not known" (seed 003): reported, but with no figure. Oldest first. */
  notKnown?: MissingReading[];
}

/** A period whose figure was recorded as "not known" or "n/a". */
export interface MissingReading {
  period: string;
  periodEnd: string;
  source: string | null;
  recordedBy: string | null;
}

export interface IndicatorPriority {
  id: number;
  planId: number;
  number: number | null;
  title: string;
  refPrefix: string | null;
  channel: string | null;
  sponsors: PersonSummary[];
  leads: PersonSummary[];
}

export interface IndicatorView extends IndicatorFacts {
  owner: PersonSummary | null;
  priority: IndicatorPriority | null;
}
