import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { boardPackPdf, type BoardPackInput } from "../../src/adapters/files/board-pack.ts";
import type { ReportDocument } from "../../src/domain/reports/sections.ts";

/** The text a board member's PDF reader finds in the pack (poppler's pdftotext). */
async function pdfText(document: ReportDocument): Promise<string> {
  const input = { document, report: { plans: [] }, indicators: [], now: new Date("2011-10-03T08:00:00Z") } as unknown as BoardPackInput;
  const file = path.join(mkdtempSync(path.join(tmpdir(), "curve-pack-")), "pack.pdf");
  writeFileSync(file, await boardPackPdf(input, []));
  return execFileSync("/usr/bin/pdftotext", [file, "-"]).toString().replace(/\s+/g, " ");
}

describe("the board pack PDF's text", () => {
  it("keeps accents as written, and says where a character could not be drawn instead of dropping it", async () => {
    const document: ReportDocument = {
      title: "Monthly exception report, September 2011",
      subtitle: "Leeds",
      headline: "1 exception",
      empty: false,
      sections: [
        {
          heading: "Key issues and risks (1)",
          lines: [
            { text: "R1 · Zoë and Siân’s café outreach 🎉 may stall", detail: "Red: score 16 · owner Nguyễn Łódź · mitigation: ask 李明 and अनु at the Ørsted trust 👍🏽" },
          ],
        },
      ],
    };
    const text = await pdfText(document);
    expect(text).toContain("Zoë and Siân’s café outreach [emoji] may stall");
    expect(text).toContain("owner Nguyễn Łódź");
    expect(text).toContain("ask [?] and [?] at the Ørsted trust [emoji]");
    // The reader is told why, once, and where the characters are as written.
    expect(text).toContain("[emoji] and [?] mark characters this PDF's font cannot draw; the workbook (xlsx) shows them as written.");
    expect(text).toContain("Last updated 3 Oct 2011 09:00 (UK time).");
  });

  it("adds no such note when every character can be drawn", async () => {
    const text = await pdfText({ title: "Monthly exception report", subtitle: "Leeds", headline: "No exceptions", empty: false, sections: [{ heading: "Completed (1)", lines: [{ text: "ATT-4.1 · Zoë’s model agreed" }] }] });
    expect(text).toContain("ATT-4.1 · Zoë’s model agreed");
    expect(text).not.toContain("cannot draw");
  });
});
