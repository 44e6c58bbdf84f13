import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueInsightDeliveries } from "../../src/jobs/insight-deliveries.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";
import type { Reply } from "../../src/domain/reply.ts";

const SEPT_2011 = new Date("2011-09-12T10:00:00Z");
const DAY = 86_400_000;
const SLACK = { platform: "slack" as const };

describe.each(kindsUnderTest())("pledges on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function fresh() {
    const partnershipId = await loadDemo(t.db);
    const clock = { now: SEPT_2011 };
    const driver = commandDriver(t.db, partnershipId, () => clock.now);
    const create = async (line = "attendance Every day counts | We will help every child attend school every day | closes end of March 2012") => {
      const reply = await driver.run("Nigel Richardson", `/pledge new ${line}`, undefined, SLACK);
      expect(reply.tone, reply.heading).toBe("success");
      return { reply, id: Number(/P(\d+)/.exec(reply.heading!)![1]) };
    };
    const signatures = (pledgeId: number) => t.db.prisma.pledgeSignature.findMany({ where: { pledgeId }, include: { person: true }, orderBy: { id: "asc" } });
    return { partnershipId, clock, ...driver, create, signatures };
  }

  it("signs three people up, counts 3 on the card and lists their commitments as they chose", async () => {
    const p = await fresh();
    const { reply, id } = await p.create();
    expect(reply.card).toEqual({ key: `pledge:${id}`, channel: "slack:T-TEST:C-TEST" });
    const a = await p.run("Jancis Andrew", `/pledge sign P${id} public | I will ring every family on the first morning of absence`, undefined, SLACK);
    expect(a.tone).toBe("success");
    expect(a.card).toEqual(reply.card);
    expect(a.rendered).toContain("Signatures: 1");
    await p.run("Sue May", `/pledge sign P${id} private | for Parklands Primary: we will reward full attendance every half term`, undefined, SLACK);
    const c = await p.run("Mary Brittle", `/pledge sign ${id} public | I will talk about attendance at every NEET review`);
    expect(c.rendered).toContain("Signatures: 3");

    const card = await p.run("Cllr Blake", `/pledge show P${id}`);
    expect(card.visibility).toBe("in_channel");
    expect(card.rendered).toContain("Signed: 3");
    expect(card.rendered).toContain("Latest: Mary Brittle, Jancis Andrew and 1 partner who chose not to be named.");

    const register = await p.run("Cllr Blake", `/pledge register P${id}`);
    expect(register.rendered).toContain("Jancis Andrew\n    I will ring every family on the first morning of absence");
    expect(register.rendered).toContain("An organisation (name withheld)\n    we will reward full attendance every half term");
    expect(register.rendered).toContain("Mary Brittle\n    I will talk about attendance at every NEET review");
    expect(register.rendered).not.toMatch(/Sue May|Parklands/);
    expect(register.rendered).toContain("3 signatures");

    const rows = await p.signatures(id);
    expect(rows.map((r) => [r.person.name, r.onBehalfOf, r.isPublic])).toEqual([["Jancis Andrew", "", true], ["Sue May", "Parklands Primary", false], ["Mary Brittle", "", true]]);
    expect(await t.db.prisma.auditEvent.count({ where: { partnershipId: p.partnershipId, event: "pledge.signed" } })).toBe(3);
  });

  it("keeps no lost signature and a correct count under 20 concurrent signers", async () => {
    const p = await fresh();
    const { id } = await p.create();
    const people = (await t.db.prisma.person.findMany({ where: { partnershipId: p.partnershipId }, orderBy: { id: "asc" }, take: 20 })).map((x) => x.name);
    expect(people).toHaveLength(20);
    const replies = await Promise.all(people.map((name) => p.run(name, `/pledge sign P${id} public | I will help, ${name}`)));
    expect(replies.map((r) => r.tone)).toEqual(people.map(() => "success"));
    // Signers are serialised on the pledge row, so each is told a different, exact count.
    const counts = replies.map((r) => Number(/Signatures: (\d+)/.exec(r.rendered)![1])).sort((x, y) => x - y);
    expect(counts).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await t.db.prisma.pledgeSignature.count({ where: { pledgeId: id, withdrawnAt: null } })).toBe(20);
    expect((await p.run("Cllr Blake", `/pledge show P${id}`)).rendered).toContain("Signed: 20");
  });

  it("withdraws and re-signs, changes a commitment, and refuses a closed pledge", async () => {
    const p = await fresh();
    const { id } = await p.create();
    await p.run("Jancis Andrew", `/pledge sign P${id} I will ring home`);
    const again = await p.run("Jancis Andrew", `/pledge sign P${id} I will ring home`);
    expect(again.rendered).toContain("Nothing changed");
    const changed = await p.run("Jancis Andrew", `/pledge sign P${id} I will ring home and visit`);
    expect(changed.heading).toContain("is updated");
    const withdrawn = await p.run("Jancis Andrew", `/pledge withdraw P${id}`);
    expect(withdrawn.rendered).toContain("0 signatures remain");
    expect((await p.run("Jancis Andrew", `/pledge withdraw P${id}`)).rendered).toContain("Nothing changed");
    const back = await p.run("Jancis Andrew", `/pledge sign P${id} public | I will ring home`);
    expect(back.heading).toBe(`You signed P${id} · Every day counts`);
    expect(await t.db.prisma.pledgeSignature.count({ where: { pledgeId: id } })).toBe(1);

    p.clock.now = new Date("2012-04-02T10:00:00Z");
    const closed = await p.run("Sue May", `/pledge sign P${id} I will help`);
    expect(closed.code).toBe("not_permitted");
    expect(closed.heading).toContain("closed on 31 Mar 2012");
  });

  it("makes one pledge of the same /pledge new sent twice, or twice at once, and a new one once the first has closed", async () => {
    const p = await fresh();
    const { id } = await p.create();
    const count = () => t.db.prisma.pledge.count({ where: { partnershipId: p.partnershipId } });
    const again = await p.run("Nigel Richardson", "/pledge new attendance every  DAY counts | We will help | closes end of March 2012", undefined, SLACK);
    expect(again.tone).toBe("info");
    expect(again.heading).toBe(`P${id} · Every day counts is already open for signing`);
    expect(await count()).toBe(1);
    // Twins at once: the partnership's row is locked, so one of them makes it.
    const twins = await Promise.all([1, 2].map(() => p.run("Nigel Richardson", "/pledge new custom Read every day | We will read with a child every day", undefined, SLACK)));
    expect(twins.map((r) => r.tone).sort()).toEqual(["info", "success"]);
    expect(await count()).toBe(2);
    // Once the first has closed, the same title is a new pledge.
    p.clock.now = new Date("2012-04-02T10:00:00Z");
    expect((await p.run("Nigel Richardson", "/pledge new attendance Every day counts | We will help again | closes end of March 2013", undefined, SLACK)).tone).toBe("success");
    expect(await count()).toBe(3);
  });

  it("withdraws one signature at a time from someone who signed in their own name and for an organisation", async () => {
    const p = await fresh();
    const { id } = await p.create();
    await p.run("Jancis Andrew", `/pledge sign P${id} I will ring home`);
    await p.run("Jancis Andrew", `/pledge sign P${id} private | for Leeds City College: host a careers day`);
    const live = () => t.db.prisma.pledgeSignature.findMany({ where: { pledgeId: id, withdrawnAt: null }, select: { onBehalfOf: true }, orderBy: { id: "asc" } });
    expect(await live()).toEqual([{ onBehalfOf: "" }, { onBehalfOf: "Leeds City College" }]);

    // Which one is asked, and nothing changes until it is said.
    for (const words of ["", " for Leeds College", " for", " yes please"]) {
      const asked = await p.run("Jancis Andrew", `/pledge withdraw P${id}${words}`);
      expect(asked.code, words).toBe("usage");
      expect(asked.heading!.split("\n"), words).toHaveLength(1);
    }
    expect((await p.run("Jancis Andrew", `/pledge withdraw P${id}`)).heading).toBe(
      `You signed P${id} 2 times (in your own name and for Leeds City College); say which: /pledge withdraw P${id} mine, or /pledge withdraw P${id} for Leeds City College.`,
    );
    expect(await live()).toHaveLength(2);

    const college = await p.run("Jancis Andrew", `/pledge withdraw P${id} for leeds  city college`);
    expect(college.heading).toBe(`Your signature for Leeds City College on P${id} · Every day counts is withdrawn`);
    expect(college.rendered).toContain("1 signature remains.");
    expect(await live()).toEqual([{ onBehalfOf: "" }]);
    // One signature left: it is the one meant.
    expect((await p.run("Jancis Andrew", `/pledge withdraw P${id}`)).rendered).toContain("0 signatures remain");
    expect(await live()).toEqual([]);
  });

  it("lets coordinators and Child Friendly City ambassadors create pledges, and no one else", async () => {
    const p = await fresh();
    const refused = await p.run("Sue May", "/pledge new cfc Child friendly Leeds", undefined, SLACK);
    expect(refused.code).toBe("not_permitted");
    await t.db.prisma.person.updateMany({ where: { partnershipId: p.partnershipId, name: "Sue May" }, data: { roles: ["ambassador"] } });
    const made = await p.run("Sue May", "/pledge new cfc Child friendly Leeds", undefined, SLACK);
    expect(made.tone).toBe("success");
    expect(made.rendered).toContain("Child Friendly City pledge: Child friendly Leeds");
    const inShell = await p.run("Nigel Richardson", "/pledge new custom Reading together | I will read with a child every week");
    expect(inShell.card).toBeUndefined();
  });

  it("exports CSV to coordinators only, with formulas escaped", async () => {
    const p = await fresh();
    const { id } = await p.create();
    await p.run("Jancis Andrew", `/pledge sign P${id} =HYPERLINK("http://evil.example","click")`);
    await p.run("Sue May", `/pledge sign P${id} for @Parklands: -1 absences`);
    const refused = await p.run("Jancis Andrew", `/pledge export P${id}`);
    expect(refused.code).toBe("not_permitted");
    const csv = await p.run("Nigel Richardson", `/pledge export P${id}`);
    expect(csv.rendered).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(csv.rendered).toContain(`"Sue May","'@Parklands","'-1 absences","no"`);
  });

  it("follows through at 30 days through the outbox, once, and tallies the answers for coordinators", async () => {
    const p = await fresh();
    const { id } = await p.create();
    for (const name of ["Jancis Andrew", "Sue May", "Mary Brittle"]) await p.run(name, `/pledge sign P${id} I will help`);
    expect((await enqueueInsightDeliveries(jobStoreOf(t.db), p.partnershipId, new Date(SEPT_2011.getTime() + 29 * DAY))).followUps).toEqual([]);
    const day31 = new Date(SEPT_2011.getTime() + 31 * DAY);
    const first = await enqueueInsightDeliveries(jobStoreOf(t.db), p.partnershipId, day31);
    expect(first.followUps).toHaveLength(3);
    expect((await enqueueInsightDeliveries(jobStoreOf(t.db), p.partnershipId, day31)).followUps).toEqual([]);
    const rows = await t.db.prisma.delivery.findMany({ where: { partnershipId: p.partnershipId, kind: "pledge.followup" }, include: { person: true }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.person.name, r.key.replace(/\d+/, "N"), r.dueAt.toISOString()])).toEqual(
      ["Jancis Andrew", "Sue May", "Mary Brittle"].map((n) => [n, "pledge-followup:N:30", new Date(SEPT_2011.getTime() + 30 * DAY).toISOString()]),
    );
    const question = JSON.stringify(rows[0]!.payload);
    expect(question).toContain("Did you do what you pledged?");
    const answerValue = (payload: unknown) => (payload as Reply).blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : [])).find((b) => b.actionId === "pledge.followup.done")!.value;
    const value = answerValue(rows[0]!.payload);

    p.clock.now = day31;
    expect((await p.run("Jancis Andrew", `/pledge answer done ${value}`)).tone).toBe("success");
    expect((await p.run("Sue May", `/pledge answer done ${value}`)).code).toBe("not_permitted");
    const sue = answerValue(rows[1]!.payload);
    await p.run("Sue May", `/pledge answer not_yet ${sue}`);
    const register = await p.run("Nigel Richardson", `/pledge register P${id}`);
    expect(register.rendered).toContain("After 30 days (3 signers asked): 1 done, 1 not yet, 1 not answered.");
    expect((await p.run("Mary Brittle", `/pledge register P${id}`)).rendered).not.toContain("After 30 days");

    // Withdrawing cancels a question not yet sent; the 90-day question is asked of the others.
    await p.run("Mary Brittle", `/pledge withdraw P${id}`);
    expect((await t.db.prisma.delivery.findFirstOrThrow({ where: { personId: rows[2]!.personId, kind: "pledge.followup" } })).status).toBe("cancelled");
    const day95 = await enqueueInsightDeliveries(jobStoreOf(t.db), p.partnershipId, new Date(SEPT_2011.getTime() + 95 * DAY));
    expect(day95.followUps.map((f) => f.key.endsWith(":90"))).toEqual([true, true]);
  });

  it("reminds an indicator's lead of a reading due but missing, once", async () => {
    const p = await fresh();
    await t.db.prisma.indicator.updateMany({ where: { partnershipId: p.partnershipId, code: "LAC" }, data: { periodicity: "quarterly" } });
    const report = await enqueueInsightDeliveries(jobStoreOf(t.db), p.partnershipId, SEPT_2011);
    const jackie = await p.personId("Jackie Wilson");
    expect(report.dataDue).toEqual([{ key: expect.stringMatching(/^indicator-data-due:\d+:2011-06-30:\d+$/), personId: jackie }]);
    expect((await enqueueInsightDeliveries(jobStoreOf(t.db), p.partnershipId, SEPT_2011)).dataDue).toEqual([]);
    const row = await t.db.prisma.delivery.findFirstOrThrow({ where: { partnershipId: p.partnershipId, kind: "indicator.data_due" } });
    expect(JSON.stringify(row.payload)).toContain("/indicator record LAC <value> Q1 2011/12");
    await p.run("Jackie Wilson", "/indicator record LAC 1425 Q1 2011/12");
    expect((await enqueueInsightDeliveries(jobStoreOf(t.db), p.partnershipId, new Date("2011-10-01T10:00:00Z"))).dataDue).toEqual([]);
  });

  it("keeps a commitment's first word: the public choice is said apart with \"|\", and an unclear line is asked about, not saved", async () => {
    const p = await fresh();
    const { id } = await p.create();
    for (const line of [`/pledge sign P${id} No child in our school will be left without a walking buddy`, `/pledge sign P${id} public transport to school every day`]) {
      const asked = await p.run("Jancis Andrew", line);
      expect(asked.code, line).toBe("usage");
      expect(asked.heading!.split("\n"), line).toHaveLength(1);
      expect(asked.heading, line).toContain(`/pledge sign P${id} private | `);
    }
    expect(await p.signatures(id)).toEqual([]);

    await p.run("Jancis Andrew", `/pledge sign P${id} private | No child in our school will be left without a walking buddy`);
    await p.run("Sue May", `/pledge sign P${id} public transport to school every day | private`);
    const rows = await p.signatures(id);
    expect(rows.map((r) => [r.person.name, r.commitment, r.isPublic])).toEqual([
      ["Jancis Andrew", "No child in our school will be left without a walking buddy", false],
      ["Sue May", "public transport to school every day", false],
    ]);
    // Someone who signed publicly keeps that choice when a later line is unclear: nothing changes.
    await p.run("Mary Brittle", `/pledge sign P${id} public | I will mentor two pupils`);
    expect((await p.run("Mary Brittle", `/pledge sign P${id} no. mentor two pupils`)).code).toBe("usage");
    expect((await p.signatures(id)).at(-1)).toMatchObject({ commitment: "I will mentor two pupils", isPublic: true });
  });

  it("answers malformed pledge commands with one line, changing nothing", async () => {
    const p = await fresh();
    const { id } = await p.create();
    const before = await t.db.prisma.pledgeSignature.count();
    for (const [who, line, code] of [
      ["Jancis Andrew", `/pledge sign P${id}`, "usage"],
      ["Jancis Andrew", "/pledge sign P999999 I will", "unknown_ref"],
      ["Jancis Andrew", "/pledge sign soon I will", "usage"],
      ["Nigel Richardson", "/pledge new party Fun | fun", "usage"],
      ["Nigel Richardson", "/pledge new attendance Late | text | closes last week", "bad_date"],
      ["Jancis Andrew", "/pledge answer maybe 1.30", "usage"],
      ["Jancis Andrew", "/pledge answer done 999999.30", "unknown_ref"],
    ] as const) {
      const reply = await p.run(who, line);
      expect(reply.code, line).toBe(code);
      expect(reply.heading!.split("\n"), line).toHaveLength(1);
    }
    expect(await t.db.prisma.pledgeSignature.count()).toBe(before);
  });
});
