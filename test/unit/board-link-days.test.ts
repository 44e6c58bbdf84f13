import { describe, expect, it } from "vitest";
import { parseLinkDays } from "../../src/domain/web/publishing.ts";

describe("/report link's days", () => {
  it("reads a number of days, with or without the word", () => {
    for (const [typed, days] of [["", 14], ["14", 14], ["14 days", 14], ["1 day", 1], ["31d", 31]] as const) expect(parseLinkDays(typed), typed).toEqual({ ok: true, value: days });
  });

  it("tells a whole number out of range the range, and anything else that it is not a number", () => {
    for (const typed of ["0", "-5", "1000", "32 days", "+40", "99999999999999999999"]) {
      expect(parseLinkDays(typed), typed).toEqual({ ok: false, error: { message: "A link can work for 1 to 31 days." } });
    }
    for (const typed of ["abc", "two weeks", "1.5"]) expect(parseLinkDays(typed), typed).toEqual({ ok: false, error: { message: `"${typed}" is not a number of days.` } });
  });
});
