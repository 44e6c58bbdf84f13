import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import type { ChatAdapter } from "../../src/adapters/chat/chat-adapter.ts";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import { DeliveryWorker } from "../../src/bot/delivery-worker.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

describe.each(kindsUnderTest())("calendars, regions and fair escalation on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  it("lets a person choose Scotland's bank holidays, a coordinator the partnership's, and shows which applies", async () => {
    const partnershipId = await loadDemo(t.db);
    const p = commandDriver(t.db, partnershipId);
    const before = await p.run("Sue May", "/curve settings");
    expect(before.rendered).toMatch(/Bank holidays\W+England and Wales \(the partnership's calendar\)/);
    // /help says where the bank holidays are chosen, as the settings reply does.
    expect((await p.run("Sue May", "/help curve")).rendered).toMatch(/\/curve settings \[[^\]]*region scotland[^\]]*region partnership/);

    const saved = await p.run("Jancis Andrew", "/curve settings region scotland");
    expect(saved.heading).toBe("Settings saved");
    expect(saved.rendered).toContain("Scotland (your setting; the partnership uses England and Wales)");
    expect((await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId, name: "Jancis Andrew" } })).region).toBe("scotland");
    // The same again changes nothing, and says so with the settings as they are; one audit event in all.
    const again = await p.run("Jancis Andrew", "/curve settings region Scotland");
    expect(again.tone).toBe("info");
    expect(again.heading).toBe("Nothing changed: your settings were already so");
    expect(again.rendered).toContain("Scotland (your setting; the partnership uses England and Wales)");
    expect(await t.db.prisma.auditEvent.count({ where: { partnershipId, event: "person.settings" } })).toBe(1);

    for (const bad of ["narnia", ""]) {
      const refused = await p.run("Jancis Andrew", `/curve settings region ${bad}`);
      expect(refused.code).toBe("usage");
      expect(refused.rendered).toContain("northern-ireland");
    }
    const notCoordinator = await p.run("Jancis Andrew", "/curve settings region partnership northern ireland");
    expect(notCoordinator.code).toBe("not_permitted");
    expect((await t.db.prisma.partnership.findUniqueOrThrow({ where: { id: partnershipId } })).region).toBe("england-and-wales");

    const set = await p.run("Nigel Richardson", "/curve settings region partnership northern ireland");
    expect(set.heading).toBe("Partnership calendar saved");
    expect((await p.run("Sue May", "/curve settings")).rendered).toContain("Northern Ireland (the partnership's calendar)");
    const audit = await t.db.prisma.auditEvent.findFirstOrThrow({ where: { partnershipId, event: "partnership.region" } });
    expect(audit.after).toEqual({ region: "northern-ireland" });

    // Back to the partnership's calendar.
    await p.run("Jancis Andrew", "/curve settings region default");
    expect((await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId, name: "Jancis Andrew" } })).region).toBeNull();
  });

  it("holds a Scottish owner's nudges on St Andrew's Day and sends the English owners'", async () => {
    const partnershipId = await loadDemo(t.db);
    await t.db.prisma.person.updateMany({ where: { partnershipId, name: "Jancis Andrew" }, data: { region: "scotland" } });
    // Monday 30 November 2026, 10:00 in London: a bank holiday in Scotland only.
    const sweep = await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2026-11-30T10:00:00Z"));
    const people = new Set(sweep.deliveries.map((d) => d.person));
    expect(people.has("Jancis Andrew")).toBe(false);
    expect(people.size).toBeGreaterThan(3);
  });

  it("has no calendar cliff: a sweep in 2031 and in 2045 nudges as any other day", async () => {
    const partnershipId = await loadDemo(t.db);
    expect((await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2031-01-06T10:00:00Z"))).deliveries.length).toBeGreaterThan(3);
    expect((await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2045-03-07T10:00:00Z"))).deliveries.length).toBeGreaterThan(3);
    // New Year's Day 2031 is a bank holiday: nothing goes.
    expect((await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2031-01-01T10:00:00Z"))).deliveries).toEqual([]);
  });

  it("records one person's failure and still nudges everyone else", async () => {
    const partnershipId = await loadDemo(t.db);
    const jancis = await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId, name: "Jancis Andrew" } });
    // A zone no clock can read (say, from a bad import): only Jancis's nudges are affected.
    await t.db.prisma.person.update({ where: { id: jancis.id }, data: { timeZone: "Mars/Olympus_Mons" } });
    const sweep = await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2011-09-26T09:00:00+01:00"));
    expect(sweep.deliveries.some((d) => d.person === "Jancis Andrew")).toBe(false);
    expect(sweep.deliveries.length).toBeGreaterThan(3);
    const failure = await t.db.prisma.delivery.findFirstOrThrow({ where: { personId: jancis.id, status: "failed" } });
    expect(failure.lastError).toMatch(/could not work out this person's nudges/);
  });

  it("escalates from the first nudge: nothing to the leads on the first sweep over an old plan, then after 14 days", async () => {
    const partnershipId = await loadDemo(t.db);
    // Curve first runs in January 2013, long after many 2011-12 milestones fell due.
    const first = await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2013-01-07T10:00:00Z"));
    expect(first.deliveries.some((d) => d.kind === "nudge")).toBe(true);
    const raised = (sweep: typeof first) => sweep.deliveries.flatMap((d) => d.items.filter((i) => i.kind === "escalation"));
    expect(raised(first)).toEqual([]);
    // A week later, one overdue nudge each: still nothing for the leads.
    const week = await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2013-01-14T10:00:00Z"));
    expect(raised(week)).toEqual([]);
    // Fifteen days after the first nudge, the leads hear of what is still open.
    const later = await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2013-01-22T10:00:00Z"));
    expect(raised(later).length).toBeGreaterThan(0);
  });

  it("tells a second lead in Scotland of an escalation raised on St Andrew's Day, on their next working morning", async () => {
    const partnershipId = await loadDemo(t.db);
    const simon = await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId, name: "Simon Flowers" } });
    const [att41] = await t.db.sql.query<{ id: number; priority_id: number }>(
      `SELECT m.id, a.priority_id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 AND m.ref = 'ATT-4.1'`,
      [partnershipId],
    );
    // ATT-4's priority gets a second lead, who works to Scotland's calendar.
    const morag = await t.db.prisma.person.create({ data: { partnershipId, name: "Morag Campbell", region: "scotland" } });
    await t.db.prisma.priorityRole.create({ data: { priorityId: att41!.priority_id, personId: morag.id, role: "lead" } });
    for (const [id, user] of [[simon.id, "U-SIMON"], [morag.id, "U-MORAG"]] as const) {
      await t.db.prisma.platformIdentity.create({ data: { personId: id, platform: "slack", tenant: "T1", userId: user } });
    }
    // Snoozed three times: due to be raised with the leads at the first sweep.
    await t.db.prisma.milestone.update({ where: { id: att41!.id }, data: { snoozeCount: 3 } });

    // Monday 30 November 2026, 10:00 in London: St Andrew's Day, a bank holiday in Scotland only.
    let now = new Date("2026-11-30T10:00:00Z");
    const sweep = await runNudgeSweep(jobStoreOf(t.db), partnershipId, now);
    const raisedWith = (s: typeof sweep) => s.deliveries.filter((d) => d.items.some((i) => i.ref === "ATT-4.1" && i.kind === "escalation")).map((d) => d.person).sort();
    expect(raisedWith(sweep)).toEqual(["Morag Campbell", "Simon Flowers"]);

    const sent: { personId: number; reply: Reply; at: Date }[] = [];
    const adapter: ChatAdapter = {
      platform: "slack",
      mount: () => undefined,
      close: async () => undefined,
      async sendToPerson(personId, reply) {
        sent.push({ personId, reply, at: now });
        return { messageRef: `m${sent.length}` };
      },
    };
    const worker = new DeliveryWorker({ sql: t.db.sql, deps: { store: new PrismaStore(t.db), log: { info: () => undefined, error: () => undefined } }, adapters: [adapter], clock: () => now, id: "w" });
    await worker.drain();
    expect(sent.filter((s) => s.personId === simon.id)).toHaveLength(1);
    // Not on her bank holiday...
    expect(sent.filter((s) => s.personId === morag.id)).toEqual([]);

    // ...but at the start of her next working morning, and the next sweep raises nothing again.
    now = new Date("2026-12-01T08:00:00Z");
    expect(raisedWith(await runNudgeSweep(jobStoreOf(t.db), partnershipId, now))).toEqual([]);
    await worker.drain();
    // (Her own nudges of the morning, as a lead of unowned work, come in a message of their own.)
    const raisedToMorag = sent.filter((s) => s.personId === morag.id && JSON.stringify(s.reply).includes("raised with you as the priority's lead"));
    expect(raisedToMorag).toHaveLength(1);
    expect(JSON.stringify(raisedToMorag[0]!.reply)).toContain("ATT-4.1");
  });

  it("ends a 7-day snooze at the same time of day when the clocks go back in between", async () => {
    const partnershipId = await loadDemo(t.db);
    // Friday 23 October 2026, 09:05 BST; the clocks go back on Sunday 25th.
    const p = commandDriver(t.db, partnershipId, () => new Date("2026-10-23T09:05:00+01:00"));
    const snoozed = await p.run("Jancis Andrew", "/milestone snooze ATT-4.1 7d waiting for police data");
    expect(snoozed.rendered).toContain("Quiet until: 30 Oct 2026 09:05");
    const [row] = await t.db.sql.query<{ snoozed_until: Date }>(
      `SELECT m.snoozed_until FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 AND m.ref = 'ATT-4.1'`,
      [partnershipId],
    );
    expect(new Date(row!.snoozed_until).toISOString()).toBe("2026-10-30T09:05:00.000Z");
    // Still held at 09:00 GMT on Friday 30th.
    const sweep = await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2026-10-30T09:00:00Z"));
    expect(sweep.deliveries.find((d) => d.person === "Jancis Andrew")?.refs ?? []).not.toContain("ATT-4.1");
  });
});

