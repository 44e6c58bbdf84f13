import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatAdapter } from "../../src/adapters/chat/chat-adapter.ts";
import { previewNudgeSweep, runNudgeSweep, type PlannedItem } from "../../src/jobs/nudge-sweep.ts";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import { DeliveryWorker } from "../../src/bot/delivery-worker.ts";
import { readDemo } from "../../src/bot/demo.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { isWorkingDay, nextWorkingDay } from "../../src/domain/schedule/bank-holidays.ts";
import { instantAt } from "../../src/domain/schedule/zoned-time.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

const MONDAY_NINE = new Date("2011-09-26T09:00:00+01:00");

/** 09:00 London on the date, or on the next working day when it falls on a weekend or bank holiday. */
const sweepTimeFor = (date: string) => instantAt(isWorkingDay(date) ? date : nextWorkingDay(date), 9 * 60, "Europe/London");

describe.each(kindsUnderTest())("nobody's work falls through, on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  const person = (partnershipId: number, name: string) => t.db.prisma.person.findFirstOrThrow({ where: { partnershipId, name } });
  const itemsFor = (sweep: { deliveries: { person: string; items: PlannedItem[] }[] }, name: string) =>
    sweep.deliveries.filter((d) => d.person === name).flatMap((d) => d.items);

  it("reaches someone with every team-owned and ownerless milestone of the demo, on its due date, saying why", async () => {
    const partnershipId = await loadDemo(t.db);
    // Milestones whose action names no person as owner and whose owning teams have no members.
    const nobodys = await t.db.sql.query<{ ref: string; due_date: string | null; has_lead: boolean }>(
      `SELECT m.ref, m.due_date::text AS due_date,
         EXISTS (SELECT 1 FROM priority_role r WHERE r.priority_id = a.priority_id AND r.role = 'lead') AS has_lead
       FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id
       WHERE pl.partnership_id = $1 AND m.done_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM action_owner ao WHERE ao.action_id = a.id AND ao.person_id IS NOT NULL)
         AND NOT EXISTS (SELECT 1 FROM action_owner ao JOIN team_member tm ON tm.team_id = ao.team_id WHERE ao.action_id = a.id)
       ORDER BY m.due_date NULLS FIRST, m.ref`,
      [partnershipId],
    );
    // What the demo's own plan documents say: the milestones of actions owned by teams only, or by nobody.
    const fromDocuments = readDemo().plans.flatMap((plan) => plan.actions.filter((a) => a.owners.every((o) => "team" in o)).flatMap((a) => a.milestones));
    expect(nobodys.length).toBeGreaterThan(0);
    expect(nobodys).toHaveLength(fromDocuments.length);

    // An undated milestone asks for a date on any working morning: try it on the first sweep.
    const firstDue = nobodys.find((m) => m.due_date)!.due_date!;
    const byTime = new Map<number, typeof nobodys>();
    for (const m of nobodys) {
      const at = sweepTimeFor(m.due_date ?? firstDue).getTime();
      byTime.set(at, [...(byTime.get(at) ?? []), m]);
    }
    const [coordinator] = await t.db.sql.query<{ name: string }>(`SELECT name FROM person WHERE partnership_id = $1 AND 'coordinator' = ANY(roles) ORDER BY id LIMIT 1`, [partnershipId]);
    const reached: string[] = [];
    for (const [at, milestones] of byTime) {
      const sweep = await previewNudgeSweep(jobStoreOf(t.db), partnershipId, new Date(at));
      for (const m of milestones) {
        const hits = sweep.deliveries.flatMap((d) => d.items.filter((i) => i.ref === m.ref && i.kind === "nudge").map((i) => ({ ...i, person: d.person })));
        expect(hits.length, `${m.ref} (due ${m.due_date ?? "undated"}) on ${new Date(at).toISOString()}`).toBeGreaterThan(0);
        const sweepDate = new Date(at + 3_600_000).toISOString().slice(0, 10); // 09:00 London is the same date in UTC
        const stage = m.due_date === null ? "set_date" : sweepDate === m.due_date ? "due" : "overdue";
        for (const hit of hits) {
          expect(hit).toMatchObject({ stage, because: m.has_lead ? "lead" : "coordinator" });
          if (!m.has_lead) expect(hit.person).toBe(coordinator!.name);
        }
        reached.push(m.ref);
      }
    }
    expect(reached.sort()).toEqual(nobodys.map((m) => m.ref).sort());
    // A dry run writes nothing.
    expect(await t.db.prisma.delivery.count({ where: { partnershipId } })).toBe(0);
  });

  it("nudges a team's members about the team's actions inside their usual batched nudge", async () => {
    const partnershipId = await loadDemo(t.db);
    const jancis = await person(partnershipId, "Jancis Andrew");
    const team = await t.db.prisma.team.findFirstOrThrow({ where: { partnershipId, name: "Multi agency implementation group" } });
    await t.db.prisma.teamMember.create({ data: { teamId: team.id, personId: jancis.id } });

    const sweep = await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    const toJancis = sweep.deliveries.filter((d) => d.person === "Jancis Andrew");
    expect(toJancis).toHaveLength(1);
    expect(toJancis[0]!.items).toContainEqual(expect.objectContaining({ ref: "ATT-4.1", kind: "nudge", because: "owner" }));
    const teamItems = toJancis[0]!.items.filter((i) => i.because === "team_member").map((i) => i.ref);
    expect(teamItems.sort()).toEqual(["ATT-2.1", "ATT-2.2", "ATT-2.3"]);
    // With a member to do it, the team's work no longer falls to the lead.
    expect(itemsFor(sweep, "Simon Flowers").map((i) => i.ref)).not.toContain("ATT-2.1");
    // Recorded per person, so "why did she get this?" is a query and the stage is never sent twice.
    const [row] = await t.db.sql.query<{ stage: string }>(
      `SELECT mn.stage FROM milestone_nudge mn JOIN milestone m ON m.id = mn.milestone_id WHERE m.ref = 'ATT-2.3' AND m.action_id IN (SELECT id FROM action WHERE plan_id IN (SELECT id FROM plan WHERE partnership_id = $1)) AND mn.person_id = $2`,
      [partnershipId, jancis.id],
    );
    expect(row).toEqual({ stage: "week_before" });
    expect((await runNudgeSweep(jobStoreOf(t.db), partnershipId, new Date("2011-09-26T11:00:00+01:00"))).deliveries).toEqual([]);
  });

  it("nudges the priority's lead about an action with no owner, and the coordinators once the priority has no lead", async () => {
    const partnershipId = await loadDemo(t.db);
    const before = await previewNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    expect(itemsFor(before, "Simon Flowers")).toContainEqual(expect.objectContaining({ ref: "ATT-6.1", kind: "nudge", because: "lead" }));
    expect(itemsFor(before, "Nigel Richardson").map((i) => i.ref)).not.toContain("ATT-6.1");

    // A priority with no lead: the attendance priority loses Simon Flowers as its lead.
    const simon = await person(partnershipId, "Simon Flowers");
    const attendance = await t.db.prisma.priority.findFirstOrThrow({ where: { plan: { partnershipId }, title: "Improve behaviour, attendance and achievement" } });
    await t.db.prisma.priorityRole.delete({ where: { priorityId_personId_role: { priorityId: attendance.id, personId: simon.id, role: "lead" } } });

    const after = await previewNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    expect(itemsFor(after, "Nigel Richardson")).toContainEqual(expect.objectContaining({ ref: "ATT-6.1", kind: "nudge", because: "coordinator" }));
    expect(itemsFor(after, "Simon Flowers").map((i) => i.ref)).not.toContain("ATT-6.1");
    // His other priorities still come to him.
    expect(itemsFor(after, "Simon Flowers")).toContainEqual(expect.objectContaining({ ref: "NEET-3.1", because: "lead" }));

    // A stuck milestone under the priority with no lead is raised with the coordinators.
    const driver = commandDriver(t.db, partnershipId, () => MONDAY_NINE);
    // Three snoozes, each to a later day: the same snooze sent again is not a second one.
    for (const days of [1, 2, 3]) expect((await driver.run("Jancis Andrew", `/milestone snooze ATT-4.1 ${days}d waiting for police data`)).tone).toBe("success");
    const stuck = await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    expect(itemsFor(stuck, "Nigel Richardson")).toContainEqual(
      expect.objectContaining({ ref: "ATT-4.1", kind: "escalation", level: "lead", because: "coordinator", reason: "snoozed 3 times" }),
    );
    expect(itemsFor(stuck, "Simon Flowers").map((i) => i.ref)).not.toContain("ATT-4.1");
    const [raised] = await t.db.sql.query<{ level: string }>(
      `SELECT e.level::text FROM escalation e JOIN milestone m ON m.id = e.milestone_id JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 AND m.ref = 'ATT-4.1'`,
      [partnershipId],
    );
    expect(raised).toEqual({ level: "lead" });
  });

  it("sends a lead one message a sweep, carrying their nudges and what is raised with them", async () => {
    const partnershipId = await loadDemo(t.db);
    await t.db.sql.query(
      `INSERT INTO platform_identity (person_id, platform, tenant, user_id) SELECT id, 'slack', 'T1', 'U' || id FROM person WHERE partnership_id = $1`,
      [partnershipId],
    );
    // Simon Flowers leads the attendance priority, so its unowned milestones come to him;
    // Jancis Andrew snoozes ATT-4.1 a third time, which raises it with him the same morning.
    const driver = commandDriver(t.db, partnershipId, () => MONDAY_NINE);
    // Three snoozes, each to a later day: the same snooze sent again is not a second one.
    for (const days of [1, 2, 3]) expect((await driver.run("Jancis Andrew", `/milestone snooze ATT-4.1 ${days}d waiting for police data`)).tone).toBe("success");

    const sweep = await runNudgeSweep(jobStoreOf(t.db), partnershipId, MONDAY_NINE);
    const toSimon = sweep.deliveries.filter((d) => d.person === "Simon Flowers");
    expect(toSimon).toHaveLength(1);
    expect(toSimon[0]!.items).toContainEqual(expect.objectContaining({ ref: "ATT-6.1", kind: "nudge", because: "lead" }));
    expect(toSimon[0]!.items).toContainEqual(expect.objectContaining({ ref: "ATT-4.1", kind: "escalation", level: "lead", because: "lead" }));
    // Every person gets at most one delivery in the sweep.
    const people = sweep.deliveries.map((d) => d.personId);
    expect(new Set(people).size).toBe(people.length);

    const sent: { personId: number; reply: Reply; replace?: string }[] = [];
    const adapter: ChatAdapter = {
      platform: "slack",
      mount: () => undefined,
      close: async () => undefined,
      async sendToPerson(personId, reply, options) {
        sent.push({ personId, reply, ...(options?.replace ? { replace: options.replace } : {}) });
        return { messageRef: `C${personId}/${sent.length}` };
      },
    };
    const deps = { store: new PrismaStore(t.db), log: { info: () => undefined, error: () => undefined } };
    let now = MONDAY_NINE;
    const worker = new DeliveryWorker({ sql: t.db.sql, deps, adapters: [adapter], clock: () => now, id: "w" });
    await worker.drain();
    const simon = await person(partnershipId, "Simon Flowers");
    const messages = sent.filter((s) => s.personId === simon.id);
    expect(messages).toHaveLength(1);
    const shown = JSON.stringify(messages[0]!.reply);
    expect(shown).toContain("ATT-6.1");
    expect(shown).toContain("it has no owner yet, so it comes to you as the priority's lead");
    expect(shown).toContain("snoozed 3 times");
    expect(shown).toContain("raised with you as the priority's lead");
    expect(messages[0]!.reply.heading).toMatch(/need you, and 1 is stuck$/);

    // A message that raised something stays in the chat: his next reminder is a new message, not a replacement.
    now = new Date("2011-09-29T09:00:00+01:00");
    expect((await runNudgeSweep(jobStoreOf(t.db), partnershipId, now)).deliveries.some((d) => d.personId === simon.id)).toBe(true);
    await worker.drain();
    const next = sent.filter((s) => s.personId === simon.id);
    expect(next).toHaveLength(2);
    expect(next[1]!.replace).toBeUndefined();
  });

  it("still sends an escalation enqueued on its own before escalations joined the nudge", async () => {
    const partnershipId = await loadDemo(t.db);
    const simon = await person(partnershipId, "Simon Flowers");
    await t.db.sql.query(`INSERT INTO platform_identity (person_id, platform, tenant, user_id) VALUES ($1, 'slack', 'T1', 'U-old')`, [simon.id]);
    const [milestone] = await t.db.sql.query<{ id: number }>(
      `SELECT m.id FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1 AND m.ref = 'ATT-4.1'`,
      [partnershipId],
    );
    await t.db.sql.query(
      `INSERT INTO delivery (partnership_id, person_id, key, kind, payload, due_at) VALUES ($1, $2, $3, 'escalation', $4::jsonb, $5)`,
      [partnershipId, simon.id, `escalation:person:${simon.id}:old`, JSON.stringify({ items: [{ milestoneId: milestone!.id, level: "lead", reason: "snoozed 3 times" }] }), MONDAY_NINE],
    );
    const sent: Reply[] = [];
    const adapter: ChatAdapter = {
      platform: "slack",
      mount: () => undefined,
      close: async () => undefined,
      async sendToPerson(_personId, reply) {
        sent.push(reply);
        return { messageRef: `m${sent.length}` };
      },
    };
    const deps = { store: new PrismaStore(t.db), log: { info: () => undefined, error: () => undefined } };
    await new DeliveryWorker({ sql: t.db.sql, deps, adapters: [adapter], clock: () => MONDAY_NINE, id: "old" }).drain();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.heading).toBe("1 milestone under your priorities is stuck");
    expect(JSON.stringify(sent[0])).toContain("snoozed 3 times");
  });

  it("never raises an owner's own milestone with them as its lead: Jackie Wilson's goes to the coordinators", async () => {
    const partnershipId = await loadDemo(t.db);
    // Jackie Wilson owns LAC-19.1 (overdue since May 2011) and leads its priority.
    const days = ["2011-09-26", "2011-09-27", "2011-09-28", "2011-09-29", "2011-09-30", "2011-10-03", "2011-10-04"];
    let raisedWithCoordinator = false;
    for (const day of days) {
      const sweep = await runNudgeSweep(jobStoreOf(t.db), partnershipId, instantAt(day, 9 * 60, "Europe/London"));
      const toJackie = sweep.deliveries.filter((d) => d.person === "Jackie Wilson");
      expect(toJackie.length).toBeLessThanOrEqual(1);
      expect(itemsFor(sweep, "Jackie Wilson").filter((i) => i.kind === "escalation" && ["LAC-19.1", "LAC-21.1"].includes(i.ref))).toEqual([]);
      if (itemsFor(sweep, "Nigel Richardson").some((i) => i.ref === "LAC-19.1" && i.kind === "escalation" && i.because === "coordinator")) raisedWithCoordinator = true;
    }
    expect(raisedWithCoordinator).toBe(true);
  });
});
