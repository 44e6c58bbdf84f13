import { describe, expect, it } from "vitest";
import { boardPackKey, readBoardPackKey } from "../../src/commands/report.ts";

// A board pack's key arrives in an address (/board/<token>/files/<name>?key=…), so anything may be in it.
describe("a board pack's key", () => {
  const at = new Date("2011-10-03T08:00:00.000Z");

  it("reads back what boardPackKey wrote", () => {
    for (const pack of [
      { planKey: "cypp-2011-15", period: "September 2011", format: "pdf" as const, at },
      { planKey: null, period: null, format: "xlsx" as const, at },
    ]) {
      expect(readBoardPackKey(boardPackKey(pack))).toEqual(pack);
    }
  });

  it.each([
    ["an instant past what a date can hold", "board-pack|cypp-2011-15||pdf|+275760-09-13T00:00:00Z"],
    ["an instant with a six-digit year", "board-pack|cypp-2011-15||pdf|+275760-09-13T00:00:00.000Z"],
    ["a day that does not exist", "board-pack|cypp-2011-15||pdf|2011-02-30T00:00:00.000Z"],
    ["an hour that does not exist", "board-pack|cypp-2011-15||pdf|2011-09-30T24:00:00.000Z"],
    ["a date without its time", "board-pack|cypp-2011-15||pdf|2011-09-30"],
    ["a date in words", "board-pack|cypp-2011-15||pdf|Sat, 01 Oct 2011 00:00:00 GMT"],
    ["an instant before 1970", "board-pack|cypp-2011-15||pdf|1969-12-31T00:00:00.000Z"],
    ["a plan key with a NUL", "board-pack|cypp\u00002011||pdf|2011-10-03T08:00:00.000Z"],
    ["a plan key in capitals", "board-pack|CYPP-2011-15||pdf|2011-10-03T08:00:00.000Z"],
    ["a plan key too long", `board-pack|${"x".repeat(81)}||pdf|2011-10-03T08:00:00.000Z`],
    ["a period with a NUL", "board-pack||September\u00002011|pdf|2011-10-03T08:00:00.000Z"],
    ["a period with a lone surrogate", "board-pack||September \ud800|pdf|2011-10-03T08:00:00.000Z"],
    ["a period too long", `board-pack||${"y".repeat(61)}|pdf|2011-10-03T08:00:00.000Z`],
    ["another format", "board-pack|||PDF|2011-10-03T08:00:00.000Z"],
    ["a part too many", "board-pack|||pdf|2011-10-03T08:00:00.000Z|x"],
    ["a part too few", "board-pack|||pdf"],
    ["another kind", "report|||pdf|2011-10-03T08:00:00.000Z"],
  ])("is refused with %s", (_what, key) => {
    expect(readBoardPackKey(key)).toBeNull();
  });
});
