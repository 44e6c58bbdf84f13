import { describe, expect, it } from "vitest";
import { boardPackPdf, type BoardPackInput } from "../../src/adapters/files/board-pack.ts";
import type { ReportDocument } from "../../src/domain/reports/sections.ts";

// Evidence and notes are stored with their links ("[label](url)", or a bare URL): the board
// pack's PDF shows them as links too, like Slack, Teams and the shell.
const LINES: [detail: string, uris: string[]][] = [
  ["done 3 Oct 2011; evidence: [the minutes](https://example.org/minutes?a=1&b=2)", ["https://example.org/minutes?a=1&b=2"]],
  ["done 3 Oct 2011; evidence: see https://example.org/report.", ["https://example.org/report"]],
  ["evidence: [notes](mailto:sam@leeds.gov.uk) and [plan](https://example.org/plan)", ["mailto:sam@leeds.gov.uk", "https://example.org/plan"]],
  ["evidence: [click](javascript:alert(1)) and plain words", []],
  ["", []],
];

/** The link annotations a PDF holds, in order (pdfkit writes them as uncompressed objects). */
const urisIn = (pdf: Buffer): string[] => [...pdf.toString("latin1").matchAll(/\/URI \(((?:\\.|[^\\)])*)\)/g)].map((m) => m[1]!.replace(/\\(.)/g, "$1"));

describe("the board pack PDF", () => {
  it.each(LINES)("writes %j with its links as links", async (detail, uris) => {
    const document: ReportDocument = { title: "Monthly exception report", subtitle: "Leeds", headline: "1 exception", empty: false, sections: [{ heading: "Completed", lines: [{ text: "ATT-4.1 · Intervention model developed", detail }] }] };
    // The PDF is drawn from the document alone; the report and indicators feed the workbook.
    const input = { document, report: { plans: [] }, indicators: [], now: new Date("2011-10-03T09:00:00Z") } as unknown as BoardPackInput;
    const pdf = await boardPackPdf(input, []);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(urisIn(pdf)).toEqual(uris);
  });
});
