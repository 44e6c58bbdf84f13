import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignedLinks } from "../../src/adapters/charts/chart-links.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";
import { queryIndicators } from "../../src/adapters/db/indicators.ts";
import { indicatorCard } from "../../src/adapters/web/page-models.ts";

const OCTOBER_2013 = () => new Date("2013-10-15T09:00:00Z");

describe.each(kindsUnderTest())("indicators on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function fresh(now = OCTOBER_2013) {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, now);
    // The readings people recorded (the demo's own figures from the plan have no recorder).
    const readings = () => t.db.prisma.indicatorReading.findMany({ where: { indicator: { partnershipId }, recordedById: { not: null } }, orderBy: { periodEnd: "asc" } });
    const audit = () => t.db.prisma.auditEvent.count({ where: { partnershipId } });
    return { partnershipId, ...driver, readings, audit };
  }

  it("shows LAC's report card with the 1,434 baseline of January 2011", async () => {
    const p = await fresh();
    const reply = await p.run("Mary Brittle", "/indicator show LAC");
    expect(reply.tone).toBe("info");
    expect(reply.heading).toBe("LAC · Number of looked after children");
    expect(reply.rendered).toContain("Baseline: 1,434 January 2011");
    expect(reply.rendered).toContain("Latest: 1,434 (baseline)");
    expect(reply.rendered).toContain("Too early to say");
    expect(reply.rendered).toContain("Lower is better.");
  });

  it("turns the Done-when readings into a downward trend that counts as improving", async () => {
    const p = await fresh();
    const first = await p.run("Jackie Wilson", "/indicator record LAC 1,420 2011-03 children's social care return");
    expect(first.tone).toBe("success");
    expect(first.rendered).toContain("1,420 for Mar 2011 (period ending 31 Mar 2011)");
    const second = await p.run("Jackie Wilson", "/indicator record LAC 1358 2013-06 Executive Board report, October 2013");
    expect(second.tone).toBe("success");
    const card = await p.run("Mary Brittle", "/indicator show lac");
    expect(card.rendered).toContain("Latest: 1,358 (Jun 2013)");
    expect(card.rendered).toContain("Trend: ↓ improving for 2 periods (since 31 Jan 2011)");
    expect(card.rendered).toContain("Turning the curve: 76 below the baseline (1,434).");
    const rows = await p.readings();
    expect(rows.map((r) => [r.period, r.periodEnd.toISOString().slice(0, 10), r.value, r.source])).toEqual([
      ["Mar 2011", "2011-03-31", 1420, "children's social care return"],
      ["Jun 2013", "2013-06-30", 1358, "Executive Board report, October 2013"],
    ]);
    const events = await t.db.prisma.auditEvent.findMany({ where: { partnershipId: p.partnershipId }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.event, e.subjectRef])).toEqual([["indicator.reading", "LAC"], ["indicator.reading", "LAC"]]);
    const history = await p.run("Cllr Blake", "/indicator history LAC");
    expect(history.rendered).toMatch(/Jun 2013 · 1,358 \(−62\)[\s\S]*recorded by Jackie Wilson[\s\S]*Mar 2011 · 1,420/);
  });

  it("holds a reading whose source names a child's NHS number or an outsider's email, and records nothing", async () => {
    const p = await fresh();
    for (const source of ["emailed by jane.doe@gmail.com", "re child Tom Smith NHS 943 476 5919"]) {
      const held = await p.run("Jackie Wilson", `/indicator record LAC 1,420 2011-03 ${source}`);
      expect(held.heading).toBe("Held: this may be personal data");
      expect(held.rendered).not.toContain(source);
    }
    expect(await p.readings()).toEqual([]);
    expect(await t.db.prisma.heldText.count({ where: { partnershipId: p.partnershipId } })).toBe(2);
    // A source that names no one is recorded as typed.
    expect((await p.run("Jackie Wilson", "/indicator record LAC 1,420 2011-03 children's social care return")).tone).toBe("success");
  });

  it("rates an indicator on the web as the board's report does, with the tolerance set for it", async () => {
    const p = await fresh();
    await p.run("Nigel Richardson", "/indicator record NEET 8.1 2011-06");
    await p.run("Nigel Richardson", "/indicator target NEET 6.2 by March 2013");
    const rated = async () => {
      const [neet] = await queryIndicators(t.db.sql, { partnershipId: p.partnershipId, code: "NEET" });
      const report = await p.run("Nigel Richardson", "/report indicators cypp-2011-15");
      // "- ↓ NEET · 16-18 NEET: 8.1% (Jun 2011)", then its rating on the next line.
      const lines = report.rendered.split("\n");
      const rating = lines[lines.findIndex((l) => l.includes("NEET · ")) + 1]!;
      return { web: indicatorCard(neet!, "2013-10-15", "/").status.label, report: /^\s*(Red|Amber|Green):/.exec(rating)?.[1] };
    };
    // The default tolerance (5% of the expected value) and a tolerance of 0.1 points give different ratings.
    const before = await rated();
    expect((await p.run("Nigel Richardson", "/indicator tolerance NEET 0.1")).tone).toBe("success");
    const after = await rated();
    expect(before.web).toBe(before.report);
    expect(after.web).toBe(after.report);
    expect(after.web).not.toBe(before.web);
  });

  it("corrects a period's reading, says what it replaced, and changes nothing when it is the same", async () => {
    const p = await fresh();
    await p.run("Nigel Richardson", "/indicator record NEET 8.1 Q3 2011/12");
    const corrected = await p.run("Nigel Richardson", "/indicator record NEET 8.0% Q3 2011/12");
    expect(corrected.rendered).toContain("8% for Q3 2011/12 (period ending 31 Dec 2011), replacing 8.1%");
    const same = await p.run("Nigel Richardson", "/indicator record NEET 8 Q3 2011/12");
    expect(same.rendered).toContain("Nothing changed");
    expect((await p.readings()).map((r) => r.value)).toEqual([8]);
    expect(await p.audit()).toBe(2);
  });

  it("reads the periods partners write, including half terms and academic years", async () => {
    const p = await fresh();
    const half = await p.run("Nigel Richardson", "/indicator record ATT 92.3 half term 4 2010/11 DfE absence return");
    expect(half.rendered).toContain("92.3% for half term 4 2010/11 (period ending 31 Mar 2011)");
    const year = await p.run("Nigel Richardson", "/indicator record ATT 92.6 academic year 2011/12");
    expect(year.rendered).toContain("period ending 31 Jul 2012");
    const month = await p.run("Nigel Richardson", "/indicator record LAC 1430 2011-12");
    expect(month.rendered).toContain("Read as the financial year 2011/12 (1 April 2011 to 31 March 2012); for December 2011 write Dec 2011.");
    expect((await p.readings()).map((r) => r.source)).toEqual(["DfE absence return", null, null]);
  });

  it("asks which period was meant when a source starting with a number could be part of it, and takes a | as the answer", async () => {
    const p = await fresh();
    const asked = await p.run("Nigel Richardson", "/indicator record LAC 1420 Sep 30 children placed out of area");
    expect(asked.heading).toBe('30 Sep 2013 ("Sep 30") or Sep 2013 ("Sep")? Put | between the period and the source, like: Sep | 30 children placed out of area');
    expect(await p.readings()).toEqual([]);
    const recorded = await p.run("Nigel Richardson", "/indicator record LAC 1420 Sep | 30 children placed out of area");
    expect(recorded.rendered).toContain("1,420 for Sep 2013");
    // A year after the month is the period's own, and a period that takes every word before the | is not in doubt.
    await p.run("Nigel Richardson", "/indicator record LAC 1410 Aug 2013 SSDA903 return");
    await p.run("Nigel Richardson", "/indicator record NEET 7.9 Jul 31 | 2 schools missing");
    expect((await p.readings()).map((r) => [r.period, r.source])).toEqual([
      ["31 Jul 2013", "2 schools missing"],
      ["Aug 2013", "SSDA903 return"],
      ["Sep 2013", "30 children placed out of area"],
    ]);
  });

  it("lets only the owner, the priority's lead, a coordinator or an admin record, and says who can", async () => {
    const p = await fresh();
    const refused = await p.run("Mary Brittle", "/indicator record LAC 1420 2011-03");
    expect(refused.code).toBe("not_permitted");
    expect(refused.heading).toContain("its priority's lead (Jackie Wilson)");
    expect(await p.readings()).toEqual([]);
  });

  it("answers malformed commands with one line and a usage hint, and changes nothing", async () => {
    const p = await fresh();
    const cases: [string, string][] = [
      ["/indicator record LAC", "usage"],
      ["/indicator record LAC lots 2011-03", "usage"],
      ["/indicator record LAC 1420 when pigs fly", "bad_date"],
      ["/indicator record LAC 1420 2014-01", "bad_date"],
      ["/indicator record ATT 101 2011/12", "usage"],
      ["/indicator record LAC -5 2011-03", "usage"],
      // A count of children is whole: 1400.5 would be kept as typed and shown as 1,401.
      ["/indicator record LAC 1400.5 2011-03", "usage"],
      // A source that starts with a number: 30 September, or September and "30 children…"? Asked, never guessed.
      ["/indicator record LAC 1420 Sep 30 children placed out of area", "bad_date"],
      ["/indicator show LAX", "unknown_ref"],
      ["/indicator show", "usage"],
      ["/indicator chart LAC", "unknown_subcommand"],
    ];
    for (const [line, code] of cases) {
      const reply = await p.run("Nigel Richardson", line);
      expect(reply.code, line).toBe(code);
      expect(reply.heading!.split("\n"), line).toHaveLength(1);
      expect(reply.rendered, line).not.toMatch(/at \w+ \(|Error:/);
    }
    expect((await p.run("Nigel Richardson", "/indicator show LAX")).heading).toContain("Did you mean LAC?");
    expect(await p.readings()).toEqual([]);
    expect(await p.audit()).toBe(0);
  });

  it("applies a retried record once", async () => {
    const p = await fresh();
    const key = randomUUID();
    const [a, b] = await Promise.all([p.run("Jackie Wilson", "/indicator record LAC 1420 2011-03", key), p.run("Jackie Wilson", "/indicator record LAC 1420 2011-03", key)]);
    expect(a.heading).toBe(b.heading);
    expect(await p.readings()).toHaveLength(1);
    expect(await p.audit()).toBe(1);
  });

  it("lists all sixteen indicators (attendance kept as primary and secondary), one report-card line each", async () => {
    const p = await fresh();
    const reply = await p.run("Cllr Blake", "/indicator");
    expect(reply.heading).toBe("Key indicators");
    const items = reply.blocks.find((b) => b.type === "list");
    expect(items?.type === "list" && items.items.map((i) => i.text.split(" ")[0])).toEqual([
      "LAC", "CPP", "ATT", "ATT-PRI", "NEET", "EYFS", "KS2", "GCSE", "L3-19", "APPR", "SHORT-BREAKS", "OBESITY-Y6", "TEEN-PREG", "PE-SPORT", "YOUTH-OFFENDING", "INFLUENCE",
    ]);
    expect(reply.rendered).toContain("SHORT-BREAKS no readings yet no trend yet · too early to say");
    // A baseline the plan gives no date for is shown, and said to be undated.
    expect(reply.rendered).toContain("INFLUENCE 70% (baseline, undated)");
    // Both of the plan's primary attendance figures, each with its period (seed 001).
    const primary = (await p.run("Cllr Blake", "/indicator show ATT-PRI")).rendered;
    expect(primary).toContain("Latest: 94.4% (half terms 1-5 2009/10)");
    expect(primary).toContain("Baseline: Primary 94.3% as at end of half term 4 2009/10");
    expect((await p.run("Cllr Blake", "/indicator show ATT")).rendered).toContain("Latest: 91.6% (baseline)");
  });

  it("attaches the turn-the-curve chart at a signed address when Curve has a public one", async () => {
    const p = await fresh();
    const links = new SignedLinks("https://curve.test", Buffer.alloc(32, 7));
    p.deps.insights = { store: p.deps.insights!.store, links };
    const reply = await p.run("Mary Brittle", "/indicator show LAC");
    const image = reply.blocks.find((b) => b.type === "image");
    expect(image?.type === "image" && image.url).toMatch(new RegExp(`^https://curve\\.test/charts/${p.partnershipId}\\.\\d+\\.[A-Za-z0-9_-]{22}\\.png\\?v=[0-9a-f]{12}$`));
    const token = image?.type === "image" ? image.url.split("/charts/")[1]!.split(".png")[0]! : "";
    expect(links.readChart(token)?.partnershipId).toBe(p.partnershipId);
    expect(links.readChart(token.replace(/\.(\d+)\./, (_m, id) => `.${Number(id) + 1}.`))).toBeNull();
    expect(new SignedLinks("https://curve.test", Buffer.alloc(32, 8)).readChart(token)).toBeNull();
  });
});
