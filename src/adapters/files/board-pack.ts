import { createRequire } from "node:module";
import ExcelJS from "exceljs";
import PDFDocument from "pdfkit";
import { shortDate, shortDateTime } from "../../domain/dates/calendar.ts";
import { chartModel } from "../../domain/indicators/chart-model.ts";
import { buildReportCard, formatValue } from "../../domain/indicators/report-card.ts";
import { linkSegments } from "../../domain/links.ts";
import { RAG_WORDS, type Rag } from "../../domain/rag.ts";
import type { ExceptionReport } from "../../domain/reports/exception-report.ts";
import type { ReportIndicator } from "../../domain/reports/facts.ts";
import type { ReportDocument } from "../../domain/reports/sections.ts";
import { REPORT_TIME_ZONE } from "../../domain/reports/window.ts";
import { renderChartPng } from "../charts/render-chart.ts";

const require = createRequire(import.meta.url);
const FONT = require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf");
const FONT_BOLD = require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf");
// pdfkit's own font reader, to ask the fonts which characters they can draw.
const fontkit = createRequire(require.resolve("pdfkit"))("fontkit") as { openSync(file: string): { hasGlyphForCodePoint(codePoint: number): boolean } };
const FONTS_DRAWN = [fontkit.openSync(FONT), fontkit.openSync(FONT_BOLD)];
const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });
const INVISIBLE = /^[\p{Cf}\p{Mn}\u{FE00}-\u{FE0F}\u{1F3FB}-\u{1F3FF}]$/u;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
export const UNDRAWN_NOTE = "[emoji] and [?] mark characters this PDF's font cannot draw; the workbook (xlsx) shows them as written.";

/**
 * Text as the PDF's fonts (DejaVu Sans) can draw it: each run of characters they have no glyph
 * for (emoji; scripts such as Chinese or Devanagari) becomes "[emoji]" or "[?]", where pdfkit
 * would draw nothing and a reader would never know something was there. `undrawn` says whether
 * anything was replaced.
 */
export function drawableText(value: string): { text: string; undrawn: boolean } {
  let text = "";
  let last: string | null = null;
  let undrawn = false;
  for (const { segment } of graphemes.segment(value)) {
    const drawn = [...segment].every((ch) => INVISIBLE.test(ch) || FONTS_DRAWN.every((f) => f.hasGlyphForCodePoint(ch.codePointAt(0)!)));
    if (drawn) {
      text += segment;
      last = null;
      continue;
    }
    const marker = PICTOGRAPH.test(segment) ? "[emoji]" : "[?]";
    undrawn = true;
    if (marker !== last) text += marker;
    last = marker;
  }
  return { text, undrawn };
}

/** What a board pack is made of: the report, its document (the same words as in chat) and the indicators drawn. */
export interface BoardPackInput {
  document: ReportDocument;
  report: ExceptionReport;
  indicators: ReportIndicator[];
  /** When it was produced, for the "last updated" line. */
  now: Date;
}

export interface IndicatorChart {
  code: string;
  title: string;
  png: Buffer;
}

/** Each indicator with a reading gets its turn-the-curve chart, drawn as the chat draws it. */
export async function boardPackCharts(input: BoardPackInput): Promise<IndicatorChart[]> {
  const charts: IndicatorChart[] = [];
  for (const facts of input.indicators) {
    const upTo = { ...facts, readings: facts.readings.filter((r) => r.periodEnd <= input.report.window.readingsUpTo) };
    if (upTo.readings.length === 0) continue;
    const card = buildReportCard(upTo, input.report.window.today);
    charts.push({ code: facts.code, title: `${facts.code} · ${facts.name}`, png: await renderChartPng(chartModel(upTo, card)) });
  }
  return charts;
}

// Fills with text colours that keep at least 4.5:1 contrast (white on the dark fills, black on amber).
const RAG_FILL: Record<Rag, { fill: string; font: string }> = {
  red: { fill: "FFB00020", font: "FFFFFFFF" },
  amber: { fill: "FFFFC000", font: "FF000000" },
  green: { fill: "FF1B7837", font: "FFFFFFFF" },
  grey: { fill: "FF595959", font: "FFFFFFFF" },
};

function sourceLine(input: BoardPackInput): string {
  return `Source: Curve, from the partnership's plans, audit trail and indicator readings. Last updated ${shortDateTime(input.now, REPORT_TIME_ZONE)} (UK time).`;
}

// Long titles and reasons wrap within their column: unwrapped, Excel cuts them off at the next filled cell.
const WRAPPED: Partial<ExcelJS.Style> = { alignment: { wrapText: true, vertical: "top" } };

function sheetWith(workbook: ExcelJS.Workbook, name: string, columns: { header: string; key: string; width: number }[]): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ ...c, style: WRAPPED }));
  sheet.getRow(1).font = { bold: true };
  return sheet;
}

function paintRag(cell: ExcelJS.Cell, rag: Rag) {
  cell.value = RAG_WORDS[rag];
  cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: RAG_FILL[rag].fill } };
  cell.font = { color: { argb: RAG_FILL[rag].font }, bold: true };
}

/**
 * The board pack as an Excel workbook (exceljs): a cover, then Exceptions, Indicators (with
 * their charts as PNG images), Actions, Risks and Changes sheets.
 */
export async function boardPackXlsx(input: BoardPackInput, charts: IndicatorChart[]): Promise<Buffer> {
  const { report, document } = input;
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "Curve";
  workbook.created = input.now;

  const cover = workbook.addWorksheet("Cover");
  cover.getColumn(1).width = 110;
  cover.getColumn(1).style = WRAPPED;
  cover.addRow([document.title]).font = { bold: true, size: 16 };
  cover.addRow([document.subtitle]);
  cover.addRow([document.headline]).font = { bold: true };
  cover.addRow([]);
  for (const p of report.plans) cover.addRow([`${p.title} (${p.key})`]);
  cover.addRow([]);
  cover.addRow([sourceLine(input)]).font = { italic: true };

  const exceptions = sheetWith(workbook, "Exceptions", [
    { header: "Exception", key: "section", width: 14 },
    { header: "Ref", key: "ref", width: 12 },
    { header: "What", key: "what", width: 70 },
    { header: "RAG", key: "rag", width: 11 },
    { header: "Reason", key: "reason", width: 60 },
  ]);
  for (const a of report.exceptions.actions) {
    const row = exceptions.addRow({ section: "Action", ref: a.ref, what: a.title, reason: `${a.rating.reason}${a.rating.differs ? ` (set ${a.rating.handSet.state.replace("_", " ")} by hand)` : ""}` });
    paintRag(row.getCell("rag"), a.rating.rag);
  }
  for (const m of report.exceptions.milestones) {
    const row = exceptions.addRow({ section: m.kind === "overdue" ? "Overdue" : "Slipped", ref: m.ref, what: m.text, reason: m.reason });
    paintRag(row.getCell("rag"), m.kind === "overdue" ? "red" : "amber");
  }
  for (const l of report.exceptions.indicators) {
    const row = exceptions.addRow({ section: "Indicator", ref: l.code, what: l.name, reason: l.rag.reason });
    paintRag(row.getCell("rag"), l.rag.rag);
  }

  const indicators = sheetWith(workbook, "Indicators", [
    { header: "Code", key: "code", width: 16 },
    { header: "Indicator", key: "name", width: 50 },
    { header: "Latest", key: "latest", width: 14 },
    { header: "Period", key: "period", width: 14 },
    { header: "Previous", key: "previous", width: 14 },
    { header: "Baseline", key: "baseline", width: 14 },
    { header: "Move", key: "arrow", width: 6 },
    { header: "On previous", key: "vsPrevious", width: 14 },
    { header: "On baseline", key: "vsBaseline", width: 14 },
    { header: "RAG", key: "rag", width: 11 },
    { header: "Reason", key: "reason", width: 50 },
  ]);
  for (const l of report.indicators.lines) {
    const row = indicators.addRow({
      code: l.code,
      name: l.name,
      latest: l.latest ? formatValue(l.latest.value, l.unit) : "no data",
      period: l.latest?.label ?? "",
      previous: l.previous ? formatValue(l.previous.value, l.unit) : "",
      baseline: l.baselineValue === null ? "" : formatValue(l.baselineValue, l.unit),
      arrow: l.arrow,
      vsPrevious: l.vsPrevious?.replace("_", " ") ?? "",
      vsBaseline: l.vsBaseline?.replace("_", " ") ?? "",
      reason: l.noData ?? l.rag.reason,
    });
    paintRag(row.getCell("rag"), l.rag.rag);
  }
  indicators.addRow([]);
  indicators.addRow([document.headline]).font = { bold: true };
  // Charts below the table, two a row, each at 450 px wide: the size a Teams card shows them.
  let at = indicators.rowCount + 2;
  charts.forEach((chart, i) => {
    const image = workbook.addImage({ buffer: chart.png as unknown as ExcelJS.Buffer, extension: "png" });
    const col = (i % 2) * 5;
    if (i > 0 && i % 2 === 0) at += 18;
    indicators.addImage(image, { tl: { col, row: at }, ext: { width: 450, height: 300 } });
  });

  const actions = sheetWith(workbook, "Actions", [
    { header: "Ref", key: "ref", width: 12 },
    { header: "Action", key: "title", width: 70 },
    { header: "Priority", key: "priority", width: 40 },
    { header: "Owner", key: "owner", width: 30 },
    { header: "State set", key: "state", width: 12 },
    { header: "RAG", key: "rag", width: 11 },
    { header: "Reason", key: "reason", width: 50 },
  ]);
  for (const a of report.actions) {
    const row = actions.addRow({ ref: a.ref, title: a.title, priority: a.priority ?? "", owner: a.owner ?? "", state: a.rating.handSet.state.replace("_", " "), reason: a.rating.reason });
    paintRag(row.getCell("rag"), a.rating.rag);
  }

  const risks = sheetWith(workbook, "Risks", [
    { header: "Ref", key: "ref", width: 8 },
    { header: "Risk", key: "description", width: 60 },
    { header: "Owner", key: "owner", width: 24 },
    { header: "Likelihood", key: "likelihood", width: 11 },
    { header: "Impact", key: "impact", width: 9 },
    { header: "Score", key: "score", width: 8 },
    { header: "RAG", key: "rag", width: 11 },
    { header: "Mitigation", key: "mitigation", width: 50 },
    { header: "Review", key: "review", width: 14 },
  ]);
  for (const r of report.risks) {
    const row = risks.addRow({ ref: r.ref, description: r.description, owner: r.owner, likelihood: r.likelihood, impact: r.impact, score: r.score, mitigation: r.mitigation ?? "", review: shortDate(r.reviewDate) });
    paintRag(row.getCell("rag"), r.rating.rag);
  }

  const changes = sheetWith(workbook, "Changes", [
    { header: "Date", key: "date", width: 14 },
    { header: "Ref", key: "ref", width: 12 },
    { header: "Change", key: "what", width: 80 },
    { header: "By", key: "who", width: 24 },
  ]);
  for (const c of report.changes) changes.addRow({ date: shortDate(c.date), ref: c.ref, what: c.what, who: c.who ?? "" });

  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/**
 * Stored text in the PDF, its links (evidence "[the minutes](https://…)", a bare URL) written as
 * underlined runs that open their address, the rest as typed: the same links chat shows.
 */
function textWithLinks(pdf: PDFKit.PDFDocument, value: string, options: PDFKit.Mixins.TextOptions = {}): void {
  const segments = linkSegments(value);
  if (segments.length === 0) return void pdf.text(value, options);
  segments.forEach((segment, i) => {
    const continued = i < segments.length - 1;
    pdf.text(segment.text, { ...(i === 0 ? options : {}), continued, underline: segment.url !== undefined, ...(segment.url ? { link: segment.url } : { link: null }) });
  });
}

/** The board pack as a PDF (pdfkit): the same sections as the report, then the indicator charts. */
export function boardPackPdf(input: BoardPackInput, charts: IndicatorChart[]): Promise<Buffer> {
  const { document } = input;
  const pdf = new PDFDocument({ size: "A4", margin: 50, info: { Title: document.title, Creator: "Curve" } });
  pdf.registerFont("body", FONT);
  pdf.registerFont("bold", FONT_BOLD);
  const chunks: Buffer[] = [];
  pdf.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on("end", () => resolve(Buffer.concat(chunks)));
    pdf.on("error", reject);
  });
  let undrawn = false;
  // Every text goes through here: what the fonts cannot draw is marked, never silently blank.
  const say = (value: string) => {
    const drawn = drawableText(value);
    undrawn ||= drawn.undrawn;
    return drawn.text;
  };
  pdf.font("bold").fontSize(18).text(say(document.title));
  pdf.moveDown(0.3).font("body").fontSize(9).fillColor("#333333").text(say(document.subtitle));
  pdf.moveDown(0.5).font("bold").fontSize(11).fillColor("#000000").text(say(document.headline));
  for (const section of document.sections) {
    pdf.moveDown(0.8).font("bold").fontSize(12).fillColor("#000000").text(say(section.heading));
    if (section.lines.length === 0) pdf.font("body").fontSize(9).fillColor("#333333").text(say(section.empty ?? "None."));
    for (const line of section.lines) {
      pdf.moveDown(0.2).font("body").fontSize(9).fillColor("#000000");
      textWithLinks(pdf, say(line.text));
      if (line.detail) textWithLinks(pdf.fillColor("#333333"), say(line.detail), { indent: 12 });
    }
  }
  if (charts.length) {
    pdf.addPage().font("bold").fontSize(14).fillColor("#000000").text("Indicator charts");
    for (const chart of charts) {
      if (pdf.y > pdf.page.height - 330) pdf.addPage();
      pdf.moveDown(0.5).font("bold").fontSize(10).text(say(chart.title));
      pdf.image(chart.png, { fit: [495, 300] });
      pdf.moveDown(0.5);
    }
  }
  pdf.moveDown(1).font("body").fontSize(8).fillColor("#333333").text(sourceLine(input));
  if (undrawn) pdf.text(UNDRAWN_NOTE);
  pdf.end();
  return done;
}
