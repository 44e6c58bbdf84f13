import { shortDate } from "../dates/calendar.ts";
import { formatValue } from "../indicators/report-card.ts";
import { describeActionRag, RAG_WORDS } from "../rag.ts";
import { context, list, reply, text, type Block, type Reply } from "../reply.ts";
import type { ExceptionReport } from "./exception-report.ts";
import { describeImproved, type IndicatorLine, type IndicatorSummary } from "./indicator-summary.ts";
import { describeWeekLine, type ObsessionTracker } from "./obsession-tracker.ts";
import { reportDay } from "./window.ts";

/**
 * Reports as titled sections of lines, so chat, Markdown, the workbook and the PDF all say the
 * same thing in the same order: exceptions first (seed 000 §8.1).
 */
export interface SectionLine {
  text: string;
  detail?: string;
}

export interface Section {
  heading: string;
  lines: SectionLine[];
  /** Said when there are no lines. */
  empty?: string;
}

export interface ReportDocument {
  title: string;
  /** "Leeds Children's Trust Board partnership · cypp-2011-15 · as at 3 Oct 2011 · changes since 1 Sep 2011" */
  subtitle: string;
  headline: string;
  sections: Section[];
  empty: boolean;
}

const dated = (iso: string) => shortDate(iso);

export function indicatorText(l: IndicatorLine): SectionLine {
  const latest = l.latest ? `${formatValue(l.latest.value, l.unit)} (${l.latest.label})` : "no reading";
  const moves = [
    l.vsPrevious ? `${l.vsPrevious.replace("_", " ")} on the previous period${l.previous ? ` (${formatValue(l.previous.value, l.unit)})` : ""}` : null,
    l.vsBaseline ? `${l.vsBaseline.replace("_", " ")} on the baseline (${formatValue(l.baselineValue!, l.unit)})` : null,
  ].filter(Boolean);
  return { text: `${l.arrow ? `${l.arrow} ` : ""}${l.code} · ${l.name}: ${latest}`, detail: `${RAG_WORDS[l.rag.rag]}: ${l.rag.reason}${moves.length ? ` · ${moves.join("; ")}` : ""}` };
}

export function indicatorSections(summary: IndicatorSummary): Section[] {
  return [
    { heading: "Indicators", lines: summary.lines.filter((l) => l.noData === null).map(indicatorText), empty: "No indicator has comparable readings yet." },
    { heading: `No data (${summary.noData.length})`, lines: summary.noData.map((l) => ({ text: `${l.code} · ${l.name}`, detail: l.noData! })), empty: "Every indicator has comparable readings." },
  ];
}

function header(report: ExceptionReport): string {
  const plans = report.plans.length === 1 ? report.plans[0]!.title : `${report.plans.length} plans`;
  return `${report.partnership} · ${plans} · as at ${dated(report.window.asAt)} · changes since ${dated(reportDay(report.window.since))}`;
}

/** The exception report, or (kind "indicators") the indicator summary alone. */
export function exceptionReportDocument(report: ExceptionReport): ReportDocument {
  const e = report.exceptions;
  const count = e.actions.length + e.milestones.length + e.indicators.length;
  if (report.window.kind === "indicators") {
    return { title: report.title, subtitle: header(report), headline: describeImproved(report.indicators), sections: indicatorSections(report.indicators), empty: report.indicators.lines.length === 0 };
  }
  const sections: Section[] = [
    {
      heading: `Exceptions: actions red or amber (${e.actions.length})`,
      lines: e.actions.map((a) => ({ text: `${a.ref} · ${a.title}`, detail: `${describeActionRag(a.rating)}${a.owner ? ` · owner ${a.owner}` : ""}` })),
      empty: "No action is red or amber.",
    },
    {
      heading: `Exceptions: milestones overdue or slipped (${e.milestones.length})`,
      lines: e.milestones.map((m) => ({ text: `${m.ref} · ${m.text}`, detail: m.reason })),
      empty: "No milestone is overdue or slipped.",
    },
    {
      heading: `Exceptions: indicators off target (${e.indicators.length})`,
      lines: e.indicators.map(indicatorText),
      empty: "No indicator is off target.",
    },
    {
      heading: `Key issues and risks (${report.risks.length})`,
      lines: report.risks.map((r) => ({
        text: `${r.ref} · ${r.description}`,
        detail: `${RAG_WORDS[r.rating.rag]}: ${r.rating.reason} · owner ${r.owner}${r.mitigation ? ` · mitigation: ${r.mitigation}` : ""} · review ${dated(r.reviewDate)}`,
      })),
      empty: "No open risks are recorded.",
    },
    {
      heading: `Changes to the plan (${report.changes.length})`,
      lines: report.changes.map((c) => ({ text: `${dated(c.date)} · ${c.ref}: ${c.what}`, ...(c.who ? { detail: `by ${c.who}` } : {}) })),
      empty: "No changes since the last report.",
    },
    { heading: `Completed (${report.completed.length})`, lines: report.completed.map((p) => ({ text: `${p.ref} · ${p.text}`, detail: p.detail })), empty: "Nothing completed since the last report." },
    { heading: `Nearing completion (${report.nearing.length})`, lines: report.nearing.map((p) => ({ text: `${p.ref} · ${p.text}`, detail: p.detail })), empty: "No action is near completion." },
  ];
  if (report.window.kind === "quarterly") sections.push(...indicatorSections(report.indicators));
  const indicators = describeImproved(report.indicators);
  // A period with nothing in it says so in words, not as a page of empty sections (seed 000 §8.1: exceptions only).
  const lead = report.empty ? "Nothing to report: no exceptions, risks, changes, completed work or actions nearing completion" : count === 0 ? "No exceptions" : `${count} exception${count === 1 ? "" : "s"}`;
  const headline = `${lead} · ${report.empty && report.indicators.lines.length === 0 ? "no indicators are set." : indicators}`;
  return { title: report.title, subtitle: header(report), headline, sections, empty: report.empty };
}

export function obsessionTrackerDocument(tracker: ObsessionTracker): ReportDocument {
  const sections: Section[] = tracker.obsessions.map((o) => ({
    heading: `${o.obsession} (${o.priority})`,
    lines: [
      { text: "Actions", detail: describeWeekLine(o) },
      ...o.indicators.map(indicatorText),
      ...o.done.map((d) => ({ text: `Done ${dated(d.date)} · ${d.ref}`, detail: d.text })),
      ...o.newlyOverdue.map((m) => ({ text: `Now overdue · ${m.ref}`, detail: `${m.text}; due ${dated(m.dueDate)}` })),
      ...o.changes.map((c) => ({ text: `${dated(c.date)} · ${c.ref}: ${c.what}`, ...(c.who ? { detail: `by ${c.who}` } : {}) })),
    ],
  }));
  return {
    title: tracker.title,
    subtitle: `As at ${dated(tracker.window.asAt)} · the week since ${dated(reportDay(tracker.window.since))}`,
    headline: `${tracker.obsessions.length} obsessions`,
    sections,
    empty: tracker.empty,
  };
}

/** In chat: each section capped, with a line saying how many more and where to see all. */
export function documentReply(doc: ReportDocument, options: { cap?: number } = {}): Reply {
  const cap = options.cap ?? 10;
  const blocks: Block[] = [context(doc.subtitle), text(doc.headline)];
  for (const s of doc.sections) {
    blocks.push(text(s.heading));
    const shown = s.lines.slice(0, cap).map((l) => ({ text: l.text, ...(l.detail ? { detail: l.detail } : {}) }));
    if (s.lines.length > cap) shown.push({ text: `and ${s.lines.length - cap} more: the board pack lists them all` });
    blocks.push(list(shown, s.empty));
  }
  const warn = doc.sections.some((s) => s.heading.startsWith("Exceptions") && s.lines.length > 0);
  return reply(warn ? "warning" : "info", doc.title, blocks);
}

const mdEscape = (value: string) => value.replace(/([\\`*_[\]<>|#])/g, "\\$1");

/** The same document as Markdown, for `curve report … --format md`. */
export function documentMarkdown(doc: ReportDocument): string {
  const out = [`# ${mdEscape(doc.title)}`, "", `_${mdEscape(doc.subtitle)}_`, "", `**${mdEscape(doc.headline)}**`, ""];
  for (const s of doc.sections) {
    out.push(`## ${mdEscape(s.heading)}`, "");
    if (s.lines.length === 0) out.push(mdEscape(s.empty ?? "None."), "");
    else out.push(...s.lines.map((l) => `- ${mdEscape(l.text)}${l.detail ? ` — ${mdEscape(l.detail)}` : ""}`), "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}
