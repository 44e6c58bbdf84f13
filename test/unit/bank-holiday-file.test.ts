import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { refreshBankHolidays } from "../../src/bot/bank-holiday-file.ts";
import { BUILT_IN_CHANGES, isBankHoliday, useOneOffChanges } from "../../src/domain/schedule/bank-holidays.ts";

describe("the operator's file of one-off bank holidays", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-holidays-"));
  const file = path.join(dir, "bank-holiday-changes.json");
  const errors: Record<string, unknown>[] = [];
  const log = { info: () => undefined, error: (_m: string, f?: Record<string, unknown>) => void errors.push(f ?? {}) };
  afterAll(() => useOneOffChanges(BUILT_IN_CHANGES));

  it("adds a newly proclaimed holiday without a release, and is read again when it changes", () => {
    writeFileSync(file, JSON.stringify({ changes: [{ region: "england-and-wales", date: "2033-06-06", change: "added", title: "A jubilee" }] }));
    expect(isBankHoliday("2033-06-06")).toBe(false);
    expect(refreshBankHolidays(file, log)).toBe(1);
    expect(isBankHoliday("2033-06-06")).toBe(true);
    // The built-in changes still apply.
    expect(isBankHoliday("2023-05-08")).toBe(true);
    writeFileSync(file, JSON.stringify({ changes: [{ region: "scotland", date: "2033-06-07", change: "added", title: "Another" }] }));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(refreshBankHolidays(file, log)).toBe(1);
    expect(isBankHoliday("2033-06-06")).toBe(false);
    expect(isBankHoliday("2033-06-07", "scotland")).toBe(true);
  });

  it("keeps the calendar in use when the file is malformed or missing, and says so", () => {
    writeFileSync(file, JSON.stringify({ changes: [{ region: "wales", date: "2033-13-01", change: "moved", title: "" }] }));
    utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    expect(refreshBankHolidays(file, log)).toBeNull();
    expect(isBankHoliday("2033-06-07", "scotland")).toBe(true);
    expect(refreshBankHolidays(path.join(dir, "missing.json"), log)).toBeNull();
    expect(errors).toHaveLength(2);
  });
});
