import { describe, expect, it } from "vitest";
import { DEFAULT_GUARD_POLICY } from "../../src/domain/privacy/guard.ts";
import { cellRef, confirmationArgument, findHeldCells, parseConfirmedCells, settleHeldCells, type FreeTextCell } from "../../src/domain/workbook/held-cells.ts";
import { randomSource, testNhsNumber } from "../support/planted-identifiers.ts";

const nobody = { names: [], emails: new Set<string>() };
const cell = (sheet: string, column: string, row: number, text: string): FreeTextCell => ({ sheet, column, row, heading: "Note", text });

describe("naming held cells", () => {
  it("writes a cell's address as a spreadsheet does, quoting sheet names that need it", () => {
    expect(cellRef("Actions", "E", 12)).toBe("Actions!E12");
    expect(cellRef("Action plan", "C", 7)).toBe("'Action plan'!C7");
    expect(cellRef("Mum's notes", "AB", 3)).toBe("'Mum''s notes'!AB3");
    expect(cellRef("2011 plan", "A", 2)).toBe("'2011 plan'!A2");
  });

  it("reads the cells a person confirms, in any case, with $ signs, quotes and several flags", () => {
    const parsed = parseConfirmedCells(["Actions!E12, 'Action plan'!$c$7", "'Mum''s notes'!AB3,milestones!d2"]);
    expect(parsed).toEqual({
      ok: true,
      cells: [
        { written: "Actions!E12", key: "actions!E12" },
        { written: "'Action plan'!$c$7", key: "action plan!C7" },
        { written: "'Mum''s notes'!AB3", key: "mum's notes!AB3" },
        { written: "milestones!d2", key: "milestones!D2" },
      ],
    });
  });

  it("suggests the flag's value in single quotes, which a shell passes as it is and the parser reads back", () => {
    const cells = [
      { sheet: "Action plan", column: "E", row: 6 },
      { sheet: "Milestones", column: "D", row: 3 },
      { sheet: "Mum's notes", column: "A", row: 2 },
    ];
    const argument = confirmationArgument(cells);
    const q = "'\\''"; // how a single quote is written inside a single-quoted shell word
    expect(argument).toBe(`'Action plan!E6,Milestones!D3,${q}Mum${q}${q}s notes${q}!A2'`);
    // What a POSIX shell passes on: the single-quoted parts as they are, each '\'' as one quote.
    const passed = argument.split(q).map((part) => part.replace(/'/g, "")).join("'");
    expect(passed).toBe("Action plan!E6,Milestones!D3,'Mum''s notes'!A2");
    const parsed = parseConfirmedCells([passed]);
    expect(parsed.ok && parsed.cells.map((c) => c.key)).toEqual(["action plan!E6", "milestones!D3", "mum's notes!A2"]);
  });

  it.each([
    ["E12", '"E12" is not a cell address'],
    ["Actions!E12,,Milestones!D2", '"" is not a cell address'],
    ["Actions!12", '"Actions!12" is not a cell address'],
    ["Actions!E0", '"Actions!E0" is not a cell address'],
    ["Actions!E12 Milestones!D2", '"Actions!E12 Milestones!D2" is not a cell address'],
  ])("refuses %j in one sentence", (value, start) => {
    const parsed = parseConfirmedCells([value]);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(new RegExp(`^${start.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}; write each cell as Sheet!E12`));
  });
});

describe("settling held cells", () => {
  const nhs = testNhsNumber(randomSource(7));
  const held = findHeldCells(
    [
      cell("Actions", "E", 4, "Cluster review in the Autumn term 2011"),
      cell("Actions", "E", 5, "Call the parent on 0113 496 0123"),
      cell("Action plan", "D", 6, `NHS ${nhs}`),
      cell("Milestones", "D", 2, "Session at the family hub, LS6 2QT"),
    ],
    nobody,
    DEFAULT_GUARD_POLICY,
  );

  it("holds only the cells with findings, with their outcome", () => {
    expect(held.map((c) => [c.ref, c.outcome])).toEqual([
      ["Actions!E5", "ask"],
      ["'Action plan'!D6", "block"],
      ["Milestones!D2", "ask"],
    ]);
  });

  it("releases exactly the ask cells named, never a block cell, and reports named cells that hold nothing", () => {
    const confirm = (...values: string[]) => {
      const parsed = parseConfirmedCells(values);
      if (!parsed.ok) throw new Error(parsed.message);
      const settled = settleHeldCells(held, parsed.cells);
      return { released: settled.released.map((c) => c.ref), stillHeld: settled.stillHeld.map((c) => c.ref), unheld: settled.unheld };
    };
    expect(confirm()).toEqual({ released: [], stillHeld: ["Actions!E5", "'Action plan'!D6", "Milestones!D2"], unheld: [] });
    expect(confirm("actions!e5")).toEqual({ released: ["Actions!E5"], stillHeld: ["'Action plan'!D6", "Milestones!D2"], unheld: [] });
    expect(confirm("Actions!E5,'Action plan'!D6,Milestones!D2")).toEqual({ released: ["Actions!E5", "Milestones!D2"], stillHeld: ["'Action plan'!D6"], unheld: [] });
    expect(confirm("Actions!E5,Milestones!D2,Actions!E4")).toEqual({ released: ["Actions!E5", "Milestones!D2"], stillHeld: ["'Action plan'!D6"], unheld: ["Actions!E4"] });
  });
});
