import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatAdapter } from "../../src/adapters/chat/chat-adapter.ts";
import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import { DeliveryWorker } from "../../src/bot/delivery-worker.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { runDigestSweep } from "../../src/jobs/digests.ts";
import { kindsUnderTest, openTestDatabase, type TestDatabase } from "../support/databases.ts";

describe.each(kindsUnderTest())("what a sponsor's weekly digest says, on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  /**
   * A partnership with one priority (Attendance, sponsored by Sam Sponsor, on Slack), one
   * action owned by Olive Owner, its milestones, and an indicator with two readings recorded in
   * July 2026. Returns ids and a worker on a clock the test moves.
   */
  async function attendancePartnership(milestones: { ref: string; due: string; doneAt?: string }[]) {
    const p = t.db.prisma;
    const { id: partnershipId } = await p.partnership.create({ data: { slug: `digest-${randomBytes(4).toString("hex")}`, name: "Digest test partnership" } });
    const owner = await p.person.create({ data: { partnershipId, name: "Olive Owner" } });
    const sponsor = await p.person.create({ data: { partnershipId, name: "Sam Sponsor" } });
    await p.platformIdentity.create({ data: { personId: sponsor.id, platform: "slack", tenant: "T1", userId: `U-SAM-${partnershipId}` } });
    const plan = await p.plan.create({ data: { partnershipId, key: "cypp", title: "Children and Young People's Plan", kind: "children_and_young_peoples_plan" } });
    const priority = await p.priority.create({ data: { planId: plan.id, number: 1, title: "Improve attendance", refPrefix: "ATT" } });
    await p.priorityRole.create({ data: { priorityId: priority.id, personId: sponsor.id, role: "sponsor" } });
    const action = await p.action.create({ data: { planId: plan.id, priorityId: priority.id, ref: "ATT-1", title: "Ring every family on day one" } });
    await p.actionOwner.create({ data: { actionId: action.id, personId: owner.id } });
    for (const [i, m] of milestones.entries()) {
      await p.milestone.create({
        data: {
          actionId: action.id,
          ref: m.ref,
          position: i + 1,
          text: `Step ${i + 1}`,
          duePrecision: "day",
          dueStart: new Date(m.due),
          dueDate: new Date(m.due),
          ...(m.doneAt ? { doneAt: new Date(m.doneAt), doneById: owner.id, evidence: "signed off" } : {}),
        },
      });
    }
    const indicator = await p.indicator.create({ data: { partnershipId, priorityId: priority.id, code: "KI-7", name: "Primary attendance", unit: "%", polarity: "higher_is_better" } });
    await p.indicatorReading.create({ data: { indicatorId: indicator.id, period: "Q4 2025/26", periodEnd: new Date("2026-03-31"), value: 94.1, recordedAt: new Date("2026-04-20T10:00:00Z") } });
    await p.indicatorReading.create({ data: { indicatorId: indicator.id, period: "Q1 2026/27", periodEnd: new Date("2026-06-30"), value: 94.6, recordedAt: new Date("2026-07-20T10:00:00Z") } });
    const sent: { reply: Reply; at: Date }[] = [];
    const clock = { now: new Date(0) };
    const adapter: ChatAdapter = {
      platform: "slack",
      mount: () => undefined,
      close: async () => undefined,
      async sendToPerson(_personId, reply) {
        sent.push({ reply, at: clock.now });
        return { messageRef: `m${sent.length}` };
      },
    };
    const worker = new DeliveryWorker({ sql: t.db.sql, deps: { store: new PrismaStore(t.db), log: { info: () => undefined, error: () => undefined } }, adapters: [adapter], clock: () => clock.now, id: "w" });
    /** Runs the digest sweep and the worker at `at`; returns the digest sent then, if any. */
    const digestAt = async (at: string) => {
      clock.now = new Date(at);
      await runDigestSweep(jobStoreOf(t.db), partnershipId, clock.now);
      const before = sent.length;
      await worker.drain();
      return sent.slice(before)[0]?.reply;
    };
    return { partnershipId, indicator, digestAt, clock, worker, sent };
  }

  it("sends nothing in a week when nothing moved, though the priority's indicators have readings", async () => {
    const { partnershipId, indicator, digestAt } = await attendancePartnership([{ ref: "ATT-1.1", due: "2026-06-01", doneAt: "2026-06-01T10:00:00Z" }]);
    // Mondays in September 2026, 08:30 in London: the reading of July is old news.
    expect(await digestAt("2026-09-07T07:30:00Z")).toBeUndefined();
    expect(await digestAt("2026-09-14T07:30:00Z")).toBeUndefined();
    const cancelled = await t.db.sql.query<{ last_error: string }>(`SELECT last_error FROM delivery WHERE partnership_id = $1 AND kind = 'digest' AND status = 'cancelled'`, [partnershipId]);
    expect(cancelled.map((r) => r.last_error)).toEqual(["nothing to report: not sent", "nothing to report: not sent"]);

    // A reading recorded on Wednesday 16th is that week's movement.
    await t.db.prisma.indicatorReading.create({ data: { indicatorId: indicator.id, period: "Jul 2026", periodEnd: new Date("2026-07-31"), value: 95.2, recordedAt: new Date("2026-09-16T11:00:00Z") } });
    const withReading = await digestAt("2026-09-21T07:30:00Z");
    expect(JSON.stringify(withReading)).toContain("95.2 (Jul 2026), from 94.6, better");
    expect(await digestAt("2026-09-28T07:30:00Z")).toBeUndefined();
  });

  it("writes a digest due on a bank holiday on the next working day, so it tells of the work done that day", async () => {
    // Easter Monday, 6 April 2026: ATT-1.2 (due Friday 10th) is done at 15:00, after the default 08:30.
    const { partnershipId, digestAt } = await attendancePartnership([
      { ref: "ATT-1.1", due: "2026-04-01", doneAt: "2026-04-01T10:00:00Z" },
      { ref: "ATT-1.2", due: "2026-04-10", doneAt: "2026-04-06T14:00:00Z" },
      { ref: "ATT-1.3", due: "2026-04-17" },
    ]);
    expect(await digestAt("2026-04-06T07:30:00Z")).toBeUndefined();
    expect(await t.db.sql.query(`SELECT key FROM delivery WHERE partnership_id = $1 AND kind = 'digest'`, [partnershipId])).toEqual([]);
    // Tuesday 7th, 08:30 in London: written and sent, with ATT-1.2 done, not due.
    const tuesday = JSON.stringify(await digestAt("2026-04-07T07:30:00Z"));
    expect(tuesday).toContain("Done since 31 Mar 2026 (2)");
    expect(tuesday).toContain("ATT-1.2 · Step 2");
    expect(tuesday).toContain("Due in the next 14 days (1)");
    expect(tuesday).not.toMatch(/ATT-1\.2 · Step 2","detail":"due /);
    // Once that week.
    expect(await digestAt("2026-04-08T07:30:00Z")).toBeUndefined();
    // A Friday digest on Good Friday (26 March 2027) has no working day left that week: none is written.
    await t.db.prisma.person.updateMany({ where: { partnershipId, name: "Sam Sponsor" }, data: { digestWeekday: 5 } });
    expect(await digestAt("2027-03-26T08:30:00Z")).toBeUndefined();
    expect(await t.db.sql.query(`SELECT key FROM delivery WHERE partnership_id = $1 AND kind = 'digest' AND key LIKE '%:2027-03-22'`, [partnershipId])).toEqual([]);
    // A Sunday someone chose is kept: written that day, sent on their next working morning.
    await t.db.prisma.person.updateMany({ where: { partnershipId, name: "Sam Sponsor" }, data: { digestWeekday: 7, digestMinute: 18 * 60 } });
    expect(await digestAt("2027-04-04T17:00:00Z")).toBeUndefined();
    expect(await t.db.sql.query(`SELECT key FROM delivery WHERE partnership_id = $1 AND kind = 'digest' AND key LIKE '%:2027-03-29'`, [partnershipId])).toHaveLength(1);
  });

  it("writes the monthly report on the first working day where the reader is: 5 January 2027 in Scotland, 4 January in England", async () => {
    const england = await attendancePartnership([{ ref: "ATT-1.1", due: "2026-12-15" }]);
    const scotland = await attendancePartnership([{ ref: "ATT-1.1", due: "2026-12-15" }]);
    await t.db.prisma.partnership.update({ where: { id: scotland.partnershipId }, data: { region: "scotland" } });
    // The monthly report goes to coordinators and board members.
    for (const p of [england, scotland]) await t.db.prisma.person.updateMany({ where: { partnershipId: p.partnershipId, name: "Sam Sponsor" }, data: { roles: ["board_member"] } });
    const reports = async (partnershipId: number) =>
      (await t.db.sql.query<{ key: string }>(`SELECT key FROM delivery WHERE partnership_id = $1 AND kind = 'report'`, [partnershipId])).map((r) => r.key.replace(/:\d+:/, ":<id>:"));
    // Monday 4 January 2027, 09:30: New Year's Day was Friday; in Scotland 2 January, a Saturday, moves to today.
    for (const p of [england, scotland]) await p.digestAt("2027-01-04T09:30:00Z");
    expect(await reports(england.partnershipId)).toEqual(["report:person:<id>:2027-01"]);
    expect(await reports(scotland.partnershipId)).toEqual([]);
    for (const p of [england, scotland]) await p.digestAt("2027-01-05T09:30:00Z");
    expect(await reports(england.partnershipId)).toEqual(["report:person:<id>:2027-01"]);
    expect(await reports(scotland.partnershipId)).toEqual(["report:person:<id>:2027-01"]);
  });
});

