import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { curve } from "../support/run-curve.ts";

describe("curve nudge and curve digest on the Leeds demo", () => {
  const env = { DATA_DIR: mkdtempSync(path.join(tmpdir(), "curve-nudge-")) };
  beforeAll(async () => {
    expect((await curve(["seed", "--demo"], env)).code).toBe(0);
  });

  it("gives Jancis Andrew one nudge with ATT-4.1 and ATT-5.1 on Monday 26 September 2011", async () => {
    const run = await curve(["nudge", "--dry-run", "--now", "2011-09-26T09:00:00+01:00", "--json"], env);
    expect(run.code).toBe(0);
    const { deliveries } = JSON.parse(run.stdout) as { deliveries: { person: string; kind: string; refs: string[]; key: string }[] };
    const jancis = deliveries.filter((d) => d.person === "Jancis Andrew");
    expect(jancis).toHaveLength(1);
    expect(jancis[0]!.kind).toBe("nudge");
    expect(jancis[0]!.refs).toEqual(expect.arrayContaining(["ATT-4.1", "ATT-5.1"]));
    expect(jancis[0]!.key).toMatch(/^nudge:person:\d+:2011-09-26T08:00:00.000Z$/);
  });

  it("says why each person gets each item: owner, lead for an unowned action, coordinator where the priority has no lead", async () => {
    type Item = { ref: string; kind: string; because: string; stage?: string };
    const itemsOf = (stdout: string, person: string) =>
      (JSON.parse(stdout) as { deliveries: { person: string; items: Item[] }[] }).deliveries.filter((d) => d.person === person).flatMap((d) => d.items);
    const monday = await curve(["nudge", "--dry-run", "--now", "2011-09-26T09:00:00+01:00", "--json"], env);
    expect(itemsOf(monday.stdout, "Jancis Andrew")).toContainEqual({ ref: "ATT-4.1", kind: "nudge", stage: "week_before", because: "owner" });
    expect(itemsOf(monday.stdout, "Simon Flowers")).toContainEqual({ ref: "ATT-6.1", kind: "nudge", stage: "week_before", because: "lead" });
    // The Ofsted plan's priorities have no leads: its team-owned milestones reach the coordinator on their due date.
    const ofsted = await curve(["nudge", "--dry-run", "--now", "2015-12-31T09:00:00Z", "--json"], env);
    expect(itemsOf(ofsted.stdout, "Nigel Richardson")).toContainEqual({ ref: "PIAP-5.1", kind: "nudge", stage: "due", because: "coordinator" });
    const text = await curve(["nudge", "--dry-run", "--now", "2011-09-26T09:00:00+01:00"], env);
    expect(text.stdout).toMatch(/Simon Flowers: .*ATT-6\.1 week before \(lead\)/);
  });

  it("sends nothing on the Summer bank holiday", async () => {
    const run = await curve(["nudge", "--dry-run", "--now", "2011-08-29T09:00:00+01:00", "--json"], env);
    expect(JSON.parse(run.stdout).deliveries).toEqual([]);
  });

  it("enqueues for real once, however often it is run for the same time", async () => {
    const first = await curve(["nudge", "--now", "2011-09-26T09:00:00+01:00"], env);
    expect(first.stdout).toMatch(/^\d+ enqueued:/);
    const again = await curve(["nudge", "--now", "2011-09-26T09:00:00+01:00"], env);
    expect(again.stdout).toBe("Nothing to send at 2011-09-26T08:00:00.000Z.\n");
  });

  it("shows Simon Whitehead the attendance priority's exceptions in his digest", async () => {
    const run = await curve(["digest", "--dry-run", "--as", "Simon Whitehead", "--now", "2011-09-26T08:30:00+01:00"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Your weekly digest, Simon Whitehead");
    expect(run.stdout).toContain("Improve behaviour, attendance and achievement");
    expect(run.stdout).toMatch(/Overdue \(\d+\)[\s\S]*ATT-1\.1 · Project Brief March 2011/);
    expect(run.stdout).toMatch(/Due in the next 14 days[\s\S]*ATT-4\.1/);
    expect(run.stdout).not.toContain("NEET-");
  });

  it("refuses a time without an offset, and a person it does not know", async () => {
    expect((await curve(["nudge", "--dry-run", "--now", "2011-09-26 09:00"], env)).code).toBe(2);
    const unknown = await curve(["digest", "--dry-run", "--as", "Nobody", "--now", "2011-09-26T08:30:00+01:00"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No one called "Nobody"');
    // A name two people share is named as such, as the shell does.
    const two = await curve(["digest", "--dry-run", "--as", "Simon", "--now", "2011-09-26T08:30:00+01:00"], env);
    expect(two.code).toBe(1);
    expect(two.stderr).toBe('"Simon" could be Simon Flowers, Simon Whitehead. Type more of the name.\n');
  });
});
