import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeAuditEvent } from "../../src/domain/audit-sentence.ts";

const AT = new Date("2011-09-30T09:00:00Z");
type Row = [event: string, before: unknown, after: unknown, sentence: string];

// Each event as /action history shows it after the actor's name (times in Europe/London).
const SENTENCES: Row[] = [
  ["milestone.done", { doneAt: null }, { evidence: "Model agreed at cluster chairs" }, 'marked ATT-4.1 done: "Model agreed at cluster chairs"'],
  ["milestone.reopened", null, null, "reopened ATT-4.1"],
  ["milestone.evidence", { evidence: null }, { evidence: "Minutes: https://example.org/m" }, 'added evidence to ATT-4.1: "Minutes: https://example.org/m"'],
  ["milestone.dated", { due: "2011-09-30", precision: "month", phrase: "by Sept. 2011" }, { due: "2011-10-14", start: "2011-10-14", precision: "day", phrase: "in 2 weeks" }, "moved ATT-4.1 from September 2011 (due 30 Sep 2011) to 14 October 2011"],
  ["milestone.dated", { due: "2011-09-30", precision: "month" }, { due: "2016-12-31", start: "2016-10-01", precision: "quarter", phrase: "Q3 2016/17" }, "moved ATT-4.1 from September 2011 (due 30 Sep 2011) to Q3 2016/17 (due 31 Dec 2016)"],
  ["milestone.dated", { due: null, precision: "tbc", phrase: "by XXX" }, { due: "2011-09-09", start: "2011-09-05", precision: "week", phrase: "w/c 5 Sept" }, "moved ATT-4.1 from TBC to w/c 5 September 2011 (due 9 Sep 2011)"],
  ["milestone.dated", { due: "2016-12-31", start: "2016-10-01", precision: "quarter", phrase: "Q3 16/17" }, { due: null, precision: "tbc", phrase: "n/a" }, "moved ATT-4.1 from Q3 2016/17 (due 31 Dec 2016) to TBC"],
  ["milestone.snoozed", { snoozedUntil: null }, { snoozedUntil: "2011-10-07T09:00:00.000Z", reason: "waiting for the cluster data", count: 1 }, 'snoozed ATT-4.1 for 7 days, until 7 Oct 2011 10:00: "waiting for the cluster data"'],
  ["milestone.snoozed", null, { snoozedUntil: "2011-10-14T08:00:00.000Z", reason: "head on leave", count: 3 }, 'snoozed ATT-4.1 for 14 days, until 14 Oct 2011 09:00: "head on leave" (snooze 3)'],
  ["action.status", { state: "on_track" }, { state: "at_risk", note: "data late" }, 'set ATT-4.1 at risk: "data late"'],
  ["action.note", null, { text: "Spoke to the head" }, 'noted on ATT-4.1: "Spoke to the head"'],
  ["action.created", null, { title: "Weekly panel", owner: "Sue May", indicator: "LAC" }, "created ATT-4.1 (Weekly panel), owned by Sue May, from a turn-the-curve workshop on LAC"],
  ["identity.linked", null, { platform: "teams", personId: 3 }, "linked a Teams account to ATT-4.1"],
  ["indicator.reading", null, { period: "Q2 2012/13", value: 7.5 }, "recorded ATT-4.1 7.5 for Q2 2012/13"],
  ["indicator.reading", { period: "Q1 2012/13", value: null }, { period: "Q1 2012/13", value: 7.1 }, "recorded ATT-4.1 7.1 for Q1 2012/13, replacing not known"],
  ["indicator.target", null, { value: 1300, dueDate: "2013-03-31" }, "set ATT-4.1's target to 1300 by 31 Mar 2013"],
  ["indicator.target", { value: 1300, dueDate: "2013-03-31" }, { value: 1250, dueDate: "2013-03-31" }, "set ATT-4.1's target to 1250 by 31 Mar 2013, replacing 1300"],
  ["indicator.forecast", { forecast: [] }, { forecast: [{ periodEnd: "2012-03-31", value: 1480 }, { periodEnd: "2013-03-31", value: 1500 }] }, "set ATT-4.1's forecast (2 periods)"],
  ["indicator.periodicity", { periodicity: null }, { periodicity: "academic_year" }, "set ATT-4.1 to be reported by academic year"],
  ["indicator.owner", { owner: null }, { owner: "Jancis Andrew" }, "made Jancis Andrew the owner of ATT-4.1"],
  ["indicator.tolerance", { tolerance: null }, { tolerance: 0.5 }, "set ATT-4.1's tolerance to 0.5"],
  ["indicator.tolerance", { tolerance: 0.5 }, { tolerance: null }, "set ATT-4.1's tolerance back to the default"],
  ["person.added", null, { name: "Ola Nwosu", email: "ola@example.org" }, "added ATT-4.1 to the partnership"],
  ["person.role", { roles: [] }, { roles: ["ambassador"], role: "ambassador", on: true }, "made ATT-4.1 an ambassador"],
  ["person.role", { roles: ["board_member"] }, { roles: [], role: "board_member", on: false }, "took the board member role from ATT-4.1"],
  ["team.member_added", null, { person: "Jancis Andrew" }, "added Jancis Andrew to ATT-4.1"],
  ["team.member_removed", null, { person: "Jancis Andrew" }, "took Jancis Andrew off ATT-4.1"],
  ["person.settings", { time_zone: "Europe/London" }, { time_zone: "Pacific/Auckland" }, "changed ATT-4.1's settings (time zone)"],
  ["action.imported", null, { title: "x" }, "imported action ATT-4.1"],
  ["milestone.import_updated", null, null, "updated by import milestone ATT-4.1"],
  ["something.unheard_of", null, null, "changed something ATT-4.1"],
];

describe("audit events as sentences", () => {
  it.each(SENTENCES)("%s reads as a sentence", (event, before, after, sentence) => {
    expect(describeAuditEvent({ event, subjectRef: "ATT-4.1", before, after, at: AT }, "Europe/London")).toBe(sentence);
  });

  // Every event name any part of Curve writes: none may show raw.
  const written = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith(".ts")) for (const m of readFileSync(path, "utf8").matchAll(/["'`]([a-z]+\.[a-z_]+)["'`]/g)) written.add(m[1]!);
    }
  };
  walk(join(import.meta.dirname, "../../src/adapters/db"));
  const events = [...written].filter((e) => /^(milestone|action|identity|priority|person|indicator|oba|pledge)\./.test(e));

  it.each(events.length ? events : ["none found"])("%s never shows its raw name", (event) => {
    const sentence = describeAuditEvent({ event, subjectRef: "ATT-4.1", before: null, after: {}, at: AT }, "Europe/London");
    expect(sentence).not.toContain(event);
    expect(sentence).not.toMatch(/\b[a-z]+\.[a-z_]+\b/);
    expect(sentence).toContain("ATT-4.1");
  });

  it("found the events Curve writes", () => {
    expect(events).toEqual(expect.arrayContaining(["milestone.done", "milestone.snoozed", "milestone.dated", "action.status", "indicator.reading", "pledge.signed"]));
  });
});
