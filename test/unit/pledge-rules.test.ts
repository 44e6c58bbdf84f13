import { describe, expect, it } from "vitest";
import { pledgeCard } from "../../src/domain/pledges/card.ts";
import { csvCell, signaturesCsv, toCsv } from "../../src/domain/pledges/csv.ts";
import { followUpsDue, readFollowUpRef } from "../../src/domain/pledges/follow-up.ts";
import { chooseWithdrawal, displayName, parseNewPledge, parseSigning, readPledgeId, signingState, type PledgeView } from "../../src/domain/pledges/pledge.ts";

const DAY = 86_400_000;

describe("CSV export", () => {
  it("escapes every cell a spreadsheet would run as a formula", () => {
    for (const start of ["=", "+", "-", "@", "\t", "\r"]) {
      expect(csvCell(`${start}HYPERLINK("http://evil","x")`), JSON.stringify(start)).toBe(`"'${start}HYPERLINK(""http://evil"",""x"")"`);
    }
    expect(csvCell("=1+1")).toBe(`"'=1+1"`);
    expect(csvCell("phone = call")).toBe(`"phone = call"`); // only a leading sign is dangerous
    expect(csvCell(-3)).toBe(`"-3"`); // numbers are data, not formulas
  });

  it("quotes commas, quotes and line breaks so they stay in their cell", () => {
    expect(toCsv([["a,b", 'say "hi"', "two\nlines"]])).toBe(`"a,b","say ""hi""","two\nlines"\r\n`);
  });

  it("exports a pledge's signatures with the display choice, escaping hostile commitments", () => {
    const csv = signaturesCsv({ id: 3, title: "Every day counts" }, [
      { signedAt: new Date("2011-09-12T10:00:00Z"), personName: "Jancis Andrew", onBehalfOf: "", commitment: "=cmd|' /C calc'!A0", isPublic: false },
      { signedAt: new Date("2011-09-13T10:00:00Z"), personName: "@Sue", onBehalfOf: "+Parklands", commitment: "phone parents", isPublic: true },
    ]);
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe(`"pledge","signed_at","signer","on_behalf_of","commitment","name_shown_publicly"`);
    expect(lines[1]).toBe(`"P3 Every day counts","2011-09-12T10:00:00.000Z","Jancis Andrew","","'=cmd|' /C calc'!A0","no"`);
    expect(lines[2]).toBe(`"P3 Every day counts","2011-09-13T10:00:00.000Z","'@Sue","'+Parklands","phone parents","yes"`);
  });
});

describe("pledge commands' words", () => {
  it("reads a new pledge's kind, title, text and dates", () => {
    const parsed = parseNewPledge("attendance Every day counts | We will phone home on day one | closes end of March 2012 | opens 1 September 2011");
    expect(parsed).toEqual({ ok: true, value: { kind: "attendance", title: "Every day counts", text: "We will phone home on day one", closes: "end of March 2012", opens: "1 September 2011" } });
    // A date label given twice, or a near miss after the promise, is asked about; never kept as words.
    expect(parseNewPledge("custom Walk | We will walk | closes 1/1/2013 | closes 1/2/2013")).toMatchObject({ ok: false, error: { message: expect.stringContaining('"closes" is given twice') } });
    expect(parseNewPledge("custom Walk | We will walk | closing 1/1/2013")).toMatchObject({ ok: false, error: { message: expect.stringContaining('Did you mean "closes 1/1/2013"?') } });
    expect(parseNewPledge("custom Walk | We will walk | starting 1 May 2012")).toMatchObject({ ok: false, error: { message: expect.stringContaining('Did you mean "opens 1 May 2012"?') } });
    expect(parseNewPledge("custom Walk | We will walk | deadline 31/3/2012")).toMatchObject({ ok: false, error: { message: expect.stringContaining('Did you mean "closes 31/3/2012"?') } });
    // The promise itself may start with such a word.
    expect(parseNewPledge("custom Walk | From 2012 we will walk to school")).toMatchObject({ ok: true, value: { text: "From 2012 we will walk to school" } });
    const cfc = parseNewPledge("cfc Child friendly Leeds");
    expect(cfc.ok && cfc.value.kind).toBe("child_friendly_city");
    expect(cfc.ok && cfc.value.text).toContain("child friendly city");
    expect(parseNewPledge("custom Untitled").ok).toBe(false); // a custom pledge needs its text
    expect(parseNewPledge("party Fun").ok).toBe(false);
    expect(parseNewPledge("attendance").ok).toBe(false);
  });

  it("reads a signature: public choice, organisation and commitment", () => {
    expect(parseSigning("public | for Parklands Primary: we will phone every family on the first morning")).toEqual({
      ok: true,
      value: { isPublic: true, onBehalfOf: "Parklands Primary", commitment: "we will phone every family on the first morning" },
    });
    expect(parseSigning("private | I will walk my niece to school")).toEqual({ ok: true, value: { isPublic: false, onBehalfOf: "", commitment: "I will walk my niece to school" } });
    expect(parseSigning("I will walk my niece to school | Public")).toEqual({ ok: true, value: { isPublic: true, onBehalfOf: "", commitment: "I will walk my niece to school" } });
    expect(parseSigning("for Parklands: private | we will reward attendance")).toEqual({ ok: true, value: { isPublic: false, onBehalfOf: "Parklands", commitment: "we will reward attendance" } });
    expect(parseSigning("I will: read to my children")).toEqual({ ok: true, value: { isPublic: null, onBehalfOf: "", commitment: "I will: read to my children" } });
    expect(parseSigning("read | write | count")).toEqual({ ok: true, value: { isPublic: null, onBehalfOf: "", commitment: "read | write | count" } });
    expect(parseSigning("public").ok).toBe(false);
    expect(parseSigning("public |").ok).toBe(false);
    expect(parseSigning("for Parklands:").ok).toBe(false);
  });

  it("never takes a commitment's first word for the public choice: the choice is said apart, or Curve asks", () => {
    // Said apart with "|", a commitment may begin with any word.
    expect(parseSigning("private | No child in our school will be left without a walking buddy")).toEqual({
      ok: true,
      value: { isPublic: false, onBehalfOf: "", commitment: "No child in our school will be left without a walking buddy" },
    });
    expect(parseSigning("public transport to school every day | private")).toEqual({ ok: true, value: { isPublic: false, onBehalfOf: "", commitment: "public transport to school every day" } });
    // Not said apart: either reading is possible, so nothing is saved and both are offered.
    for (const typed of ["No child in our school will be left without a walking buddy", "public transport to school every day", "yes I will", "Private tutoring for two pupils", "n. mentor two pupils", "for Parklands: no child left behind"]) {
      const parsed = parseSigning(typed, "P1");
      expect(parsed.ok, typed).toBe(false);
      if (!parsed.ok) expect(parsed.error.message, typed).toMatch(/^Is "\w+" about showing your name, or part of your commitment\? .*\/pledge sign P1 private \| /);
    }
    // Words that might mean a choice are refused, not read: only public or private, apart.
    for (const typed of ["yes | I will help", "no | I will help", "I will help | n", "public | I will help | private", "I will help | public | daily"]) {
      expect(parseSigning(typed).ok, typed).toBe(false);
    }
    // An invisible mark pasted before the choice or the first word changes neither reading.
    expect(parseSigning("\u200epublic\u00ad | I will help")).toEqual({ ok: true, value: { isPublic: true, onBehalfOf: "", commitment: "I will help" } });
    expect(parseSigning("\u200fNo child will walk alone").ok).toBe(false);
    // Words that merely start like one are commitments.
    expect(parseSigning("Nobody will walk alone")).toMatchObject({ ok: true, value: { isPublic: null, commitment: "Nobody will walk alone" } });
    expect(parseSigning("no-one will walk alone")).toMatchObject({ ok: true, value: { commitment: "no-one will walk alone" } });
  });

  it("names signers only as they chose", () => {
    expect(displayName({ personName: "Sue May", onBehalfOf: "", isPublic: true })).toBe("Sue May");
    expect(displayName({ personName: "Sue May", onBehalfOf: "Parklands", isPublic: true })).toBe("Parklands (signed by Sue May)");
    expect(displayName({ personName: "Sue May", onBehalfOf: "", isPublic: false })).not.toContain("Sue");
    expect(displayName({ personName: "Sue May", onBehalfOf: "Parklands", isPublic: false })).not.toMatch(/Sue|Parklands/);
  });

  it("knows pledge numbers and follow-up references", () => {
    expect([readPledgeId("P12"), readPledgeId("#12"), readPledgeId("12"), readPledgeId("twelve")]).toEqual([12, 12, 12, null]);
    expect(readFollowUpRef("57.30")).toEqual({ signatureId: 57, stage: 30 });
    expect(readFollowUpRef("57.45")).toBeNull();
  });

  it("opens and closes signing", () => {
    const p = { opensAt: new Date("2011-09-01T00:00:00Z"), closesAt: new Date("2012-03-31T23:00:00Z") };
    expect(signingState(p, new Date("2011-08-31T12:00:00Z"))).toBe("not_yet_open");
    expect(signingState(p, new Date("2011-10-01T12:00:00Z"))).toBe("open");
    expect(signingState(p, new Date("2012-04-01T12:00:00Z"))).toBe("closed");
  });

  it("draws the channel card with the count, the named latest signers and a Sign button", () => {
    const pledge: PledgeView = { id: 4, kind: "attendance", title: "Every day counts", text: "We pledge…", opensAt: null, closesAt: null, channel: "slack:T1:C1", createdById: 1 };
    const card = pledgeCard(pledge, { count: 3, latestNamed: ["Sue May"], latestUnnamed: 2 }, new Date("2011-09-12T10:00:00Z"));
    expect(card.visibility).toBe("in_channel");
    expect(JSON.stringify(card.blocks)).toContain('"value":"3"');
    expect(JSON.stringify(card.blocks)).toContain("Latest: Sue May and 2 partners who chose not to be named.");
    expect(card.blocks.some((b) => b.type === "buttons" && b.buttons.some((x) => x.actionId === "pledge.sign" && x.value === "P4"))).toBe(true);
  });

  it("tells people how to sign only while signing is open, and before it opens says from when", () => {
    const pledge: PledgeView = { id: 4, kind: "attendance", title: "Every day counts", text: "We pledge…", opensAt: new Date("2011-10-01T00:00:00Z"), closesAt: new Date("2012-03-31T22:59:00Z"), channel: "slack:T1:C1", createdById: 1 };
    const stats = { count: 0, latestNamed: [], latestUnnamed: 0 };
    const shown = (at: string) => JSON.stringify(pledgeCard(pledge, stats, new Date(at)).blocks);
    expect(shown("2011-11-01T10:00:00Z")).toContain("type /pledge sign P4");
    expect(shown("2011-09-12T10:00:00Z")).toContain("from 1 Oct 2011, type /pledge sign P4");
    const closed = shown("2012-04-02T10:00:00Z");
    expect(closed).toContain("Signing has closed.");
    expect(closed).not.toContain("/pledge sign");
  });

  it("shows the UK day a pledge opens and closes on, in British Summer Time too", () => {
    // Opening at midnight on 1 July 2012 in London is 23:00 on 30 June in UTC.
    const pledge: PledgeView = { id: 20, kind: "custom", title: "Summer", text: "We pledge…", opensAt: new Date("2012-06-30T23:00:00Z"), closesAt: new Date("2012-07-31T22:59:00Z"), channel: "slack:T1:C1", createdById: 1 };
    const shown = JSON.stringify(pledgeCard(pledge, { count: 0, latestNamed: [], latestUnnamed: 0 }, new Date("2012-06-01T10:00:00Z")).blocks);
    expect(shown).toContain("from 1 Jul 2012, type /pledge sign P20");
    expect(shown).toContain('"value":"1 Jul 2012"');
    expect(shown).toContain('"value":"31 Jul 2012"');
    expect(shown).not.toContain("30 Jun 2012");
  });
});

describe("follow-through", () => {
  const signedAt = new Date("2011-09-12T10:00:00Z");
  const at = (days: number) => new Date(signedAt.getTime() + days * DAY);

  it("asks at 30 days, then at 90, each once", () => {
    expect(followUpsDue([{ id: 1, signedAt, withdrawnAt: null, stages: [] }], at(29))).toEqual([]);
    expect(followUpsDue([{ id: 1, signedAt, withdrawnAt: null, stages: [] }], at(30))).toEqual([{ signatureId: 1, stage: 30, dueAt: at(30), skipped: [] }]);
    expect(followUpsDue([{ id: 1, signedAt, withdrawnAt: null, stages: [30] }], at(60))).toEqual([]);
    expect(followUpsDue([{ id: 1, signedAt, withdrawnAt: null, stages: [30] }], at(90))).toEqual([{ signatureId: 1, stage: 90, dueAt: at(90), skipped: [] }]);
    expect(followUpsDue([{ id: 1, signedAt, withdrawnAt: null, stages: [30, 90] }], at(400))).toEqual([]);
  });

  it("asks only the latest stage after a long gap, and never a withdrawn signer", () => {
    expect(followUpsDue([{ id: 1, signedAt, withdrawnAt: null, stages: [] }], at(100))).toEqual([{ signatureId: 1, stage: 90, dueAt: at(90), skipped: [30] }]);
    expect(followUpsDue([{ id: 1, signedAt, withdrawnAt: at(10), stages: [] }], at(100))).toEqual([]);
  });
});

describe("which signature /pledge withdraw means", () => {
  const own = { onBehalfOf: "" };
  const college = { onBehalfOf: "Leeds College" };
  const lower = { onBehalfOf: "leeds college" };
  const choose = (signed: { onBehalfOf: string }[], words: string) => chooseWithdrawal(signed, words, "P1");

  it("takes the only signature, 'mine' for the one in the person's own name, and 'for' an organisation as written first", () => {
    expect(choose([college], "")).toEqual({ ok: true, value: college });
    expect(choose([own, college], "mine")).toEqual({ ok: true, value: own });
    expect(choose([own, college], "for  LEEDS college ")).toEqual({ ok: true, value: college });
    expect(choose([college, lower], "for leeds college")).toEqual({ ok: true, value: lower });
    expect(choose([college, lower], "for Leeds College")).toEqual({ ok: true, value: college });
  });

  it("asks which when the words fit none or several", () => {
    for (const [signed, words] of [
      [[own, college], ""],
      [[college], "mine"],
      [[own, college], "for Leeds City College"],
      [[college, lower], "for LEEDS COLLEGE"],
      [[own], "please"],
    ] as const) {
      const chosen = choose([...signed], words);
      expect(chosen.ok, words).toBe(false);
      if (!chosen.ok) expect(chosen.error.message.split("\n"), words).toHaveLength(1);
    }
  });
});

describe("a pledge's date typed inside its promise, with no '|' before it", () => {
  it("asks whether the words were its date, and saves neither reading", () => {
    for (const [typed, label, date] of [
      ["attendance Every day counts | I pledge to help every child attend school every day closes end of March 2012", "closes", "end of March 2012"],
      ["custom Walk | We will walk to school opens 1 September 2011", "opens", "1 September 2011"],
      ["custom Walk to school closes 31 July 2012 | We will walk", "closes", "31 July 2012"],
      ["attendance Every day | every day closing end of March 2012", "closes", "end of March 2012"],
      ["attendance Every day | every day (closes 31 March 2012)", "closes", "31 March 2012"],
      ["attendance Every day | every day, closes 31/3/2012.", "closes", "31/3/2012"],
      ["custom Walk | We will walk | opens 1 May 2012 | and cycle closes: 31/7/2012", "closes", "31/7/2012"],
    ] as const) {
      const parsed = parseNewPledge(typed);
      expect(parsed).toMatchObject({ ok: false, error: { message: expect.stringContaining(`"… | ${label} ${date}"`) } });
    }
  });

  it("keeps a promise whose last words only look like a label: no date follows", () => {
    expect(parseNewPledge("custom Doors | We will keep the gate open until the school closes")).toMatchObject({ ok: true, value: { text: "We will keep the gate open until the school closes", closes: null } });
    expect(parseNewPledge("custom Doors | The club opens early for every child")).toMatchObject({ ok: true, value: { opens: null } });
    // A date after a preposition is the promise's own English.
    expect(parseNewPledge("custom Gap | I will work so the attainment gap closes by 2015")).toMatchObject({ ok: true, value: { text: "I will work so the attainment gap closes by 2015", closes: null } });
    expect(parseNewPledge("custom Pool | We will keep lessons free until the pool closes in July 2012")).toMatchObject({ ok: true, value: { closes: null } });
  });
});
