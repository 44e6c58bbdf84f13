import { describe, expect, it } from "vitest";
import { parseRef } from "../../src/domain/refs.ts";
import { readTimeZone } from "../../src/domain/time-zones.ts";
import { normaliseTyped, readActionState, readClockRange, readClockTime } from "../../src/domain/typed-text.ts";

describe("what phones and Office insert", () => {
  const TEXT: [typed: string, meant: string][] = [
    ["Sam’s “model” agreed", `Sam's "model" agreed`],
    ["‘quoted’ and „low“", `'quoted' and "low"`],
    ["non\u00a0breaking\u202fspaces", "non breaking spaces"],
    ["doubled  spaces   here", "doubled spaces here"],
    ["zero\u200bwidth\ufeff", "zerowidth"],
    ["  trimmed  ", "trimmed"],
    ["dashes – stay — as typed", "dashes – stay — as typed"],
    // A letter typed as its base and a combining mark is the one letter, as stored text has it.
    ["Zoe\u0308 O'Brien and Cafe\u0301", "Zo\u00eb O'Brien and Caf\u00e9"],
    // Free text may need these: a right-to-left name's marks, a Persian non-joiner, an emoji's joiner.
    ["محمد\u200f \u200fشكرا\u200f می\u200cخواهم 👩\u200d👧 ❤\ufe0f", "محمد\u200f \u200fشكرا\u200f می\u200cخواهم 👩\u200d👧 ❤\ufe0f"],
  ];
  it.each(TEXT)("normalises %j", (typed, meant) => expect(normaliseTyped(typed)).toBe(meant));

  const REFS: [typed: string, ref: string | null][] = [
    ["ATT-4.1.", "ATT-4.1"],
    ["ATT-4.1,", "ATT-4.1"],
    ["(ATT-4.1)", "ATT-4.1"],
    ["“ATT-4.1”", "ATT-4.1"],
    ["'att-4.1'.", "ATT-4.1"],
    ["ATT–4.1", "ATT-4.1"],
    ["ATT—4", "ATT-4"],
    ["LAC-4b:", "LAC-4b"],
    ["ATT-4.", "ATT-4"],
    ["ATT-4.1…", "ATT-4.1"],
    ["ATT‑4.1", "ATT-4.1"],
    ["ATT−4.1;", "ATT-4.1"],
    ["ATT\u00ad-4.1", "ATT-4.1"],
    ["ATT-4\u200e", "ATT-4"],
    ["\u200fATT-4.1\u200f", "ATT-4.1"],
    ["\u202aATT-4.1\u202c", "ATT-4.1"],
    ["\u2066ATT\u2060-4\u2069", "ATT-4"],
    ["A\u034fTT\u180e-4\ufe0f.1\u061c", "ATT-4.1"],
    ["ATT-4.1.2", null],
    ["4.1", null],
  ];
  it.each(REFS)("reads the ref %j", (typed, ref) => {
    const parsed = parseRef(typed);
    expect(parsed ? `${parsed.action}${parsed.step === undefined ? "" : `.${parsed.step}`}` : null).toBe(ref);
  });

  const TIMES: [typed: string, minute: number | null][] = [
    ["19:00", 1140], ["07:30", 450], ["7.30", 450], ["7pm", 1140], ["7 pm", 1140], ["7:30pm", 1170], ["7.30am", 450],
    ["12am", 0], ["12pm", 720], ["noon", 720], ["midnight", 0], ["0:00", 0], ["23:59", 1439],
    ["7", null], ["13pm", null], ["24:00", null], ["7:60", null], ["seven", null], ["0am", null],
  ];
  it.each(TIMES)("reads the time %j", (typed, minute) => expect(readClockTime(typed)).toBe(minute));

  const RANGES: [typed: string, range: { from: number; to: number } | null][] = [
    ["19:00-07:30", { from: 1140, to: 450 }],
    ["19:00–07:30", { from: 1140, to: 450 }],
    ["19:00 — 07:30", { from: 1140, to: 450 }],
    ["7pm to 7.30am", { from: 1140, to: 450 }],
    ["6pm until 8am", { from: 1080, to: 480 }],
    ["19:00", null],
    ["19:00-25:00", null],
  ];
  it.each(RANGES)("reads the quiet hours %j", (typed, range) => expect(readClockRange(typed)).toEqual(range));

  const STATES: [typed: string, state: string | null, words?: number, colour?: string | null][] = [
    ["at risk because of funding", "at_risk", 2, null],
    ["at-risk", "at_risk", 1, null],
    ["AT RISK", "at_risk", 2, null],
    ["on track.", "on_track", 2, null],
    ["off_track note", "off_track", 1, null],
    ["red funding withdrawn", "off_track", 1, "red"],
    ["Amber", "at_risk", 1, "amber"],
    ["RAG: green", "on_track", 2, "green"],
    ["done", "done", 1, null],
    ["completed", "done", 1, null],
    ["dropped", "dropped", 1, null],
    ["at–risk", "at_risk", 1, null],
    ["on—track now", "on_track", 1, null],
    ["at‑risk", "at_risk", 1, null],
    ['"at risk" worried', "at_risk", 2, null],
    ["(amber) waiting for data", "at_risk", 1, "amber"],
    ["RAG: at risk", "at_risk", 3, null],
    ["Off-Track!", "off_track", 1, null],
    ["green…", "on_track", 1, "green"],
    ["Red/Amber", null],
    ["a bit late", null],
    ["sideways", null],
  ];
  it.each(STATES)("reads the state %j", (typed, state, words, colour) => {
    const read = readActionState(typed);
    expect(read ? [read.state, read.words, read.colour] : null).toEqual(state ? [state, words, colour] : null);
  });
});

describe("time zones", () => {
  const ZONES: [typed: string, stored: string | null, suggestion?: string][] = [
    ["BST", "Europe/London"], ["bst", "Europe/London"], ["GMT", "Europe/London"], ["UK", "Europe/London"], ["London", "Europe/London"],
    ["British Summer Time", "Europe/London"], ["europe/london", "Europe/London"], ["Europe/London", "Europe/London"],
    ["pacific/auckland", "Pacific/Auckland"], ["America/Los_Angeles", "America/Los_Angeles"], ["america/los angeles", "America/Los_Angeles"],
    ["EST", null, "America/New_York"], ["PST", null, "America/Los_Angeles"], ["CET", null, "Europe/Paris"], ["IST", null, "Asia/Kolkata"],
    ["Auckland", null, "Pacific/Auckland"], ["Europe/Londn", null, "Europe/London"], ["UTC+1", null], ["Etc/GMT-1", null], ["", null],
    // Punctuation around the name, and IANA's current names where ICU still uses older ones.
    ["Europe/London.", "Europe/London"], ["“Europe/London”", "Europe/London"], ["(pacific/auckland)", "Pacific/Auckland"], ["UK.", "Europe/London"],
    ["Asia/Kolkata", "Asia/Kolkata"], ["asia/calcutta", "Asia/Kolkata"], ["Europe/Kyiv", "Europe/Kyiv"], ["Europe/Kiev", "Europe/Kyiv"],
    ["Asia/Ho_Chi_Minh", "Asia/Ho_Chi_Minh"], ["America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"], ["US/Pacific", "America/Los_Angeles"],
    ["Europe/Belfast", "Europe/London"], ["Calcuta", null, "Asia/Kolkata"], ["Kiev", null, "Europe/Kyiv"],
  ];
  it.each(ZONES)("reads %j", (typed, stored, suggestion) => {
    const zone = readTimeZone(typed);
    expect(zone.ok ? zone.value : null).toBe(stored);
    if (!zone.ok && suggestion) expect(zone.error.message).toContain(suggestion);
  });
});
