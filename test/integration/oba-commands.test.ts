import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANGE_EFFECT_KINDS } from "../../src/adapters/db/deliveries.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

const WORKSHOP =
  "story: admissions rose as court delays lengthened | partners: police, schools, CAFCASS, health visitors | works: family group conferencing (no cost); edge-of-care panel | gaps: no data on short-term admissions" +
  " | action: Sue May: edge-of-care panel for every proposed admission; panel meets weekly by end of October 2011" +
  " | action: Jancis Andrew: respite review with health partners; review reported in spring term 2012";

describe.each(kindsUnderTest())("OBA workshops on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function fresh() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId);
    const snapshot = async () => ({
      actions: await t.db.prisma.action.count({ where: { plan: { partnershipId } } }),
      workshops: await t.db.prisma.obaWorkshop.count({ where: { partnershipId } }),
      deliveries: await t.db.prisma.delivery.count({ where: { partnershipId } }),
      audit: await t.db.prisma.auditEvent.count({ where: { partnershipId } }),
    });
    return { partnershipId, ...driver, snapshot };
  }

  it("turns a workshop with two proposed actions into two real actions with owners, and tells the owners", async () => {
    const p = await fresh();
    const reply = await p.run("Jackie Wilson", `/oba log LAC ${WORKSHOP}`);
    expect(reply.tone).toBe("success");
    expect(reply.heading).toMatch(/^Workshop W\d+ · LAC logged$/);
    expect(reply.rendered).toContain("LAC-24 · edge-of-care panel for every proposed admission");
    expect(reply.rendered).toContain("LAC-25 · respite review with health partners");

    const created = await t.db.prisma.action.findMany({
      where: { plan: { partnershipId: p.partnershipId }, ref: { in: ["LAC-24", "LAC-25"] } },
      include: { owners: { include: { person: true } }, milestones: true, priority: true },
      orderBy: { ref: "asc" },
    });
    expect(created.map((a) => [a.ref, a.owners.map((o) => o.person?.name), a.priority?.obsession])).toEqual([
      ["LAC-24", ["Sue May"], "Looked after children"],
      ["LAC-25", ["Jancis Andrew"], "Looked after children"],
    ]);
    expect(created[0]!.milestones.map((m) => [m.ref, m.dueDate?.toISOString().slice(0, 10), m.duePrecision])).toEqual([["LAC-24.1", "2011-10-31", "month"]]);
    expect(created[1]!.milestones[0]!.dueDate?.toISOString().slice(0, 10)).toBe("2012-03-31");

    const workshop = await t.db.prisma.obaWorkshop.findFirstOrThrow({ where: { partnershipId: p.partnershipId } });
    expect(workshop.storyBehindBaseline).toBe("admissions rose as court delays lengthened");
    expect(workshop.informationGaps).toBe("no data on short-term admissions");
    expect(workshop.howWeAreDoing).toContain("LAC 1,434 (baseline)"); // pre-filled from the report card
    expect((workshop.proposedActions as { ref: string }[]).map((a) => a.ref)).toEqual(["LAC-24", "LAC-25"]);

    const told = await t.db.prisma.delivery.findMany({ where: { partnershipId: p.partnershipId, kind: { notIn: [...CHANGE_EFFECT_KINDS] } }, include: { person: true }, orderBy: { id: "asc" } });
    expect(told.map((d) => [d.kind, d.person.name, d.status])).toEqual([["oba.action", "Sue May", "pending"], ["oba.action", "Jancis Andrew", "pending"]]);
    expect(told[0]!.key).toMatch(/^oba-action:\d+:owner:\d+$/);
    expect(JSON.stringify(told[0]!.payload)).toContain("You own a new action: LAC-24");
    // Nobody in the partnership keeps a Slack App Home, so there is none to redraw.
    expect(await t.db.prisma.delivery.count({ where: { partnershipId: p.partnershipId, kind: "app_home" } })).toBe(0);

    const action = await p.run("Sue May", "/action show LAC-24");
    expect(action.rendered).toContain("Owner: Sue May");
    expect(action.rendered).toContain("LAC-24.1 · panel meets weekly by end of October 2011");
    const history = await p.run("Sue May", "/action history LAC-24");
    expect(history.rendered).toContain("Jackie Wilson created LAC-24");
    const mine = await p.run("Sue May", "/milestone list mine");
    expect(mine.rendered).toContain("LAC-24.1");

    const shown = await p.run("Cllr Blake", `/oba show W${workshop.id}`);
    expect(shown.rendered).toContain("Partners with a role to play");
    expect(shown.rendered).toContain("owner Jancis Andrew · first milestone: review reported in spring term 2012");
    const listed = await p.run("Cllr Blake", "/oba list LAC");
    expect(listed.rendered).toContain(`W${workshop.id} · LAC`);
    expect(listed.rendered).toContain("2 actions: LAC-24, LAC-25");
  });

  it("logs the same workshop sent again once, and adds to a workshop only what it does not already have", async () => {
    const p = await fresh();
    const first = await p.run("Jackie Wilson", `/oba log LAC ${WORKSHOP}`);
    const w = /W(\d+)/.exec(first.heading!)![1];
    const logged = await p.snapshot();
    // Sent again under a new key, in other spacing and case: the same workshop, nothing added, no owner told twice.
    const again = await p.run("Jackie Wilson", `/oba log LAC ${WORKSHOP.replace("admissions rose", "Admissions  rose")}`);
    expect(again.tone).toBe("info");
    expect(again.heading).toBe(`Workshop W${w} · LAC is already logged`);
    expect(await p.snapshot()).toEqual(logged);
    // Twice at the same moment, each under its own key: one workshop.
    const twins = await Promise.all([1, 2].map(() => p.run("Jackie Wilson", "/oba log LAC gaps: no data on respite")));
    expect(twins.map((r) => r.tone).sort()).toEqual(["info", "success"]);
    expect((await p.snapshot()).workshops).toBe(logged.workshops + 1);
    // Added to twice: the note is appended once, the proposed action made once.
    const add = `/oba add W${w} gaps: no data on re-referrals | action: Sue May: re-referral audit; audit reported by end of November 2011`;
    expect((await p.run("Jackie Wilson", add)).tone).toBe("success");
    const added = await p.snapshot();
    const repeat = await p.run("Jackie Wilson", add);
    expect(repeat.heading).toBe(`Workshop W${w} · LAC already has that`);
    expect(await p.snapshot()).toEqual(added);
    const row = await t.db.prisma.obaWorkshop.findUniqueOrThrow({ where: { id: Number(w) } });
    expect(row.informationGaps).toBe("no data on short-term admissions; no data on re-referrals");
    // Something new beside something repeated: only the new part is added.
    expect((await p.run("Jackie Wilson", `/oba add W${w} gaps: no data on re-referrals | works: kinship care`)).tone).toBe("success");
    const after = await t.db.prisma.obaWorkshop.findUniqueOrThrow({ where: { id: Number(w) } });
    expect(after.informationGaps).toBe(row.informationGaps);
    expect(after.whatWorks).toBe("family group conferencing (no cost); edge-of-care panel; kinship care");
    // A different record on the same day is another workshop.
    expect((await p.run("Jackie Wilson", "/oba log LAC story: placements moved out of area")).tone).toBe("success");
  });

  it("walks the agenda with one form per step where the platform has forms", async () => {
    const p = await fresh();
    const slack = { platform: "slack" as const, forms: true };
    const form = await p.run("Jackie Wilson", "/oba log LAC", undefined, slack);
    expect(form.form).toMatchObject({ command: "oba", textPrefix: "log LAC story:", fields: [{ id: "story" }] });
    expect(form.form!.intro).toContain("How we are doing: LAC 1,434 (baseline)");
    // A submission runs the command with the field's value appended.
    const logged = await p.run("Jackie Wilson", `/oba ${form.form!.textPrefix} placements rose with court delays`, undefined, slack);
    const id = Number(/W(\d+)/.exec(logged.heading!)![1]);
    const next = logged.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : []));
    expect(next.map((b) => [b.actionId, b.label, b.value])).toEqual([
      ["oba.add", "Next: Partners with a role to play", `W${id}`],
      ["oba.propose", "Propose an action", `W${id}`],
    ]);
    const partnersForm = await p.run("Jackie Wilson", `/oba add W${id}`, undefined, slack);
    expect(partnersForm.form?.textPrefix).toBe(`add W${id} partners:`);
    await p.run("Jackie Wilson", `/oba ${partnersForm.form!.textPrefix} police and schools`, undefined, slack);
    const worksForm = await p.run("Jackie Wilson", `/oba add W${id}`, undefined, slack);
    expect(worksForm.form?.textPrefix).toBe(`add W${id} works:`);
    const proposeForm = await p.run("Jackie Wilson", `/oba propose W${id}`, undefined, slack);
    expect(proposeForm.form?.textPrefix).toBe(`add W${id} action:`);
    const proposed = await p.run("Jackie Wilson", `/oba ${proposeForm.form!.textPrefix} me: placement sufficiency audit; audit done by end of November 2011`, undefined, slack);
    expect(proposed.rendered).toContain("LAC-24 · placement sufficiency audit");
    expect(proposed.touched).toHaveLength(1);
    const row = await t.db.prisma.obaWorkshop.findUniqueOrThrow({ where: { id } });
    expect([row.storyBehindBaseline, row.partners]).toEqual(["placements rose with court delays", "police and schools"]);
    // Proposing an action for oneself needs no message.
    expect(await t.db.prisma.delivery.count({ where: { partnershipId: p.partnershipId, kind: { notIn: [...CHANGE_EFFECT_KINDS] } } })).toBe(0);
  });

  it("announces new actions in the priority's channel", async () => {
    const p = await fresh();
    await t.db.prisma.priority.updateMany({ where: { plan: { partnershipId: p.partnershipId }, refPrefix: "ATT" }, data: { channel: "slack:T1:C0ATTEND" } });
    const line = "/oba log ATT action: Jancis Andrew: first-day calling in two clusters; calling live by half term 2011";
    const reply = await p.run("Simon Flowers", line, "key-workshop");
    expect(reply.announcements).toEqual([{ channel: "slack:T1:C0ATTEND", text: expect.stringContaining("new action ATT-8 first-day calling in two clusters (owner Jancis Andrew)") }]);
    // Written to the outbox in the workshop's transaction, once: a retry of the request adds nothing.
    expect((await p.run("Simon Flowers", line, "key-workshop")).replayed).toBe(true);
    const rows = await t.db.prisma.delivery.findMany({ where: { partnershipId: p.partnershipId, kind: "announcement" } });
    expect(rows.map((r) => [r.key, r.status, r.payload])).toEqual([[`announcement:${p.partnershipId}:key-workshop:0`, "pending", reply.announcements![0]]]);
  });

  it("refuses people outside the priority and malformed records, changing nothing", async () => {
    const p = await fresh();
    const before = await p.snapshot();
    const cases: [string, string, string][] = [
      ["Mary Brittle", `/oba log LAC ${WORKSHOP}`, "not_permitted"],
      ["Jackie Wilson", "/oba log LAC", "usage"],
      ["Jackie Wilson", "/oba log LAC we had a good chat", "usage"],
      ["Jackie Wilson", "/oba log LAC action: Sue May: panel with no milestone", "usage"],
      ["Jackie Wilson", "/oba log LAC action: Nobody Atall: something; by March 2012", "unknown_person"],
      ["Jackie Wilson", "/oba log LAC action: Richard: something; by March 2012", "ambiguous_ref"],
      ["Jackie Wilson", "/oba log XYZ story: x", "unknown_ref"],
      ["Jackie Wilson", "/oba add W999999 story: x", "unknown_ref"],
      ["Jackie Wilson", "/oba show yesterday", "usage"],
      // A first milestone's date that cannot be read is refused, never read as a part of it.
      ["Jackie Wilson", "/oba log LAC action: Sue May: panel; panel meets 31 February 2012", "bad_date"],
      ["Jackie Wilson", "/oba log LAC story: x | action: Sue May: panel; review Q5 2011/12", "bad_date"],
      ["Jackie Wilson", "/oba log LAC action: Sue May: panel; meets Tuesday 30 April 2012", "bad_date"],
    ];
    for (const [who, line, code] of cases) {
      const reply = await p.run(who, line);
      expect(reply.code, line).toBe(code);
      expect(reply.heading!.split("\n"), line).toHaveLength(1);
    }
    expect(await p.snapshot()).toEqual(before);
  });
});
