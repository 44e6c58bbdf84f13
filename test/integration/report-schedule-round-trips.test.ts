import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readInvocation } from "../../src/adapters/db/invocation-reads.ts";
import { createBoardStore } from "../../src/adapters/db/risks.ts";
import type { CalendarAsRead } from "../../src/commands/report-deps.ts";
import type { ChangeContext } from "../../src/commands/store.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// DESIGN "One round trip per change": /report schedule (and its reschedule and off forms),
// counted at the driver from identifying the sender to the reply, as the risk register's are
// (risk-change-round-trips.test.ts).
describe.each(kindsUnderTest())("round trips per reporting calendar change on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  const NOW = new Date("2011-09-12T10:00:00Z");
  const SCHEDULE = "/report schedule monthly first-working-day 09:00 to #ctb-board";
  const RESCHEDULE = "/report schedule monthly last-working-day 16:00 to #ctb-board";

  /** Whole commands as Nigel Richardson (a coordinator) sends them, by person id as the shell does. */
  async function commands() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, () => NOW);
    const nigel = await driver.personId("Nigel Richardson");
    const run = (line: string, key?: string) => driver.counted(nigel, line, key);
    const audit = async () =>
      (
        await t.db.kysely
          .selectFrom("audit_event")
          .select(["event", "subject_type", "subject_id", "subject_ref", "before", "after"])
          .where("partnership_id", "=", partnershipId)
          .where("event", "like", "report.%")
          .orderBy("id")
          .execute()
      ).map((e) => [e.event, e.subject_type, e.subject_id, e.subject_ref, e.before, e.after]);
    const schedules = () =>
      t.db.kysely.selectFrom("report_schedule").select(["id", "plan_key", "kind", "rule", "minute", "channel", "channel_name", "created_by_id"]).where("partnership_id", "=", partnershipId).orderBy("id").execute();
    const ctx = (): ChangeContext => ({
      partnershipId,
      actor: { id: nigel, name: "Nigel Richardson" } as ChangeContext["actor"],
      origin: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" },
      idempotencyKey: randomUUID(),
      at: NOW,
    });
    /** What /report schedule reads ahead, read now. */
    const calendarRead = async () => (await readInvocation(t.db.sql, partnershipId, { personId: nigel }, { reportCalendar: true }, null)).calendar!;
    return { partnershipId, driver, nigel, run, audit, schedules, ctx, calendarRead, board: createBoardStore(t.db.prisma, t.db.sql) };
  }

  const ok = (heading: string) => ({ tone: "success", heading, blocks: [] }) as unknown as Reply;

  /** A schedule's audit facts as Prisma's row gave them before. */
  const facts = (row: { id: number; plan_key: string; kind: string; rule: string; minute: number; channel: string; channel_name: string; created_by_id: number }) => ({
    id: row.id,
    planKey: row.plan_key,
    kind: row.kind,
    rule: row.rule,
    minute: row.minute,
    channel: row.channel,
    channelName: row.channel_name,
    createdById: row.created_by_id,
  });

  it("costs 2 round trips to schedule a report, with its audit event; 1 for a retry, the stored reply", async () => {
    const c = await commands();
    const key = randomUUID();
    const heading = "Scheduled: the monthly report, first-working-day at 09:00, to #ctb-board";
    const first = await c.run(SCHEDULE, key);
    expect(first).toEqual({ trips: 2, heading: expect.stringMatching(/^Scheduled: the monthly report/), replayed: false });
    expect(await c.run(SCHEDULE, key)).toEqual({ trips: 1, heading: first.heading, replayed: true });
    // The reply is the one the transaction gave before.
    expect(first.heading).toBe(heading);
    const [row] = await c.schedules();
    expect(row).toMatchObject({ plan_key: "", kind: "monthly", rule: "first-working-day", minute: 540, channel: "slack:*:#ctb-board", channel_name: "#ctb-board", created_by_id: c.nigel });
    expect(await c.audit()).toEqual([["report.scheduled", "report_schedule", row!.id, "monthly", null, facts(row!)]]);
    // Nothing more written by the retry.
    expect(await c.schedules()).toHaveLength(1);
  });

  it("costs 2 round trips to reschedule and to take a report off, with the schedule before and after in the audit", async () => {
    const c = await commands();
    await c.run(SCHEDULE);
    const [before] = await c.schedules();
    const key = randomUUID();
    const moved = await c.run(RESCHEDULE, key);
    expect(moved).toEqual({ trips: 2, heading: "Rescheduled: the monthly report, last-working-day at 16:00, to #ctb-board", replayed: false });
    expect(await c.run(RESCHEDULE, key)).toEqual({ trips: 1, heading: moved.heading, replayed: true });
    const [after] = await c.schedules();
    expect(after).toMatchObject({ id: before!.id, rule: "last-working-day", minute: 960 });
    expect((await c.audit()).at(-1)).toEqual(["report.scheduled", "report_schedule", before!.id, "monthly", facts(before!), facts(after!)]);
    const off = randomUUID();
    expect(await c.run("/report schedule off monthly", off)).toEqual({ trips: 2, heading: "The monthly report is off the calendar", replayed: false });
    expect(await c.schedules()).toHaveLength(0);
    expect((await c.audit()).at(-1)).toEqual(["report.unscheduled", "report_schedule", before!.id, "monthly", facts(after!), null]);
    // Its retry: the stored reply, in 1 round trip, not "nothing on the calendar".
    expect(await c.run("/report schedule off monthly", off)).toEqual({ trips: 1, heading: "The monthly report is off the calendar", replayed: true });
    // A report on a plan, and the calendar listed: no change, from the read alone.
    expect((await c.run("/report schedule quarterly cypp-2011-15 28th 08:30 to #ctb-board")).trips).toBe(2);
    expect((await c.run("/report schedule")).trips).toBe(1);
    expect((await c.audit()).length).toBe(4);
  });

  it("says which monthly report went off, for every plan or on one, and names the one that stays, in 2 round trips", async () => {
    const c = await commands();
    expect((await c.run(SCHEDULE)).trips).toBe(2);
    expect((await c.run("/report schedule monthly piap-2015 last-working-day 16:00 to #ctb-board")).trips).toBe(2);
    const off = await c.driver.run("Nigel Richardson", "/report schedule off monthly");
    expect(off.heading).toBe("The monthly report for every plan is off the calendar");
    expect(off.rendered).toContain("Still on it: the monthly report on piap-2015 (/report schedule off monthly piap-2015).");
    expect((await c.schedules()).map((s) => s.plan_key)).toEqual(["piap-2015"]);
    // Sent again: nothing for every plan is left, and the one on piap-2015 is named, not hidden.
    const again = await c.driver.run("Nigel Richardson", "/report schedule off monthly");
    expect(again).toMatchObject({ tone: "error", code: "unknown_ref" });
    expect(again.heading).toBe("No monthly report for every plan is on the calendar. On it: the monthly report on piap-2015 (/report schedule off monthly piap-2015).");
    expect(await c.run("/report schedule off monthly piap-2015")).toMatchObject({ trips: 2, heading: "The monthly report on piap-2015 is off the calendar" });
    expect(await c.schedules()).toEqual([]);
  });

  it("decides a reschedule again in a transaction when the calendar changed since it was read, auditing what it really held", async () => {
    const c = await commands();
    await c.run(SCHEDULE);
    const stale = await c.calendarRead();
    // Someone else's reschedule lands between this one's read and its statement.
    expect((await c.run("/report schedule monthly 28th 10:00 to #ctb-board")).trips).toBe(2);
    const between = (await c.schedules())[0]!;
    const before = t.db.roundTrips.count;
    let saved: { created: boolean } | null = null;
    await c.board.once(
      c.ctx(),
      async (tx) => {
        saved = await tx.saveSchedule({ planKey: "", kind: "monthly", rule: "last-working-day", minute: 960, channel: "slack:*:#ctb-board", channelName: "#ctb-board" });
        return ok("rescheduled");
      },
      stale,
    );
    expect(t.db.roundTrips.count - before).toBeGreaterThan(2);
    expect(saved!).toMatchObject({ created: false });
    const now = (await c.schedules())[0]!;
    expect(now).toMatchObject({ rule: "last-working-day", minute: 960 });
    // The "before" is the 28th's schedule the transaction found, not the first working day read.
    expect((await c.audit()).at(-1)).toEqual(["report.scheduled", "report_schedule", now.id, "monthly", facts(between), facts(now)]);
    // On a current read, the same change is one statement.
    const current = await c.calendarRead();
    const trips = t.db.roundTrips.count;
    await c.board.once(c.ctx(), async (tx) => (await tx.saveSchedule({ planKey: "", kind: "monthly", rule: "first-working-day", minute: 540, channel: "slack:*:#ctb-board", channelName: "#ctb-board" }), ok("rescheduled")), current);
    expect(t.db.roundTrips.count - trips).toBe(1);
  });

  it("decides a new schedule again when a twin scheduled the same report since the read: one row, rescheduled", async () => {
    const c = await commands();
    const stale = await c.calendarRead();
    await c.run(SCHEDULE);
    const [first] = await c.schedules();
    let saved: { created: boolean } | null = null;
    await c.board.once(
      c.ctx(),
      async (tx) => ((saved = await tx.saveSchedule({ planKey: "", kind: "monthly", rule: "last-working-day", minute: 960, channel: "slack:*:#ctb-board", channelName: "#ctb-board" })), ok("saved")),
      stale,
    );
    expect(saved!).toMatchObject({ created: false });
    const rows = await c.schedules();
    expect(rows).toHaveLength(1);
    expect((await c.audit()).at(-1)).toEqual(["report.scheduled", "report_schedule", first!.id, "monthly", facts(first!), facts(rows[0]!)]);
  });

  it("decides taking a report off again when it was rescheduled or taken off since the read", async () => {
    const c = await commands();
    await c.run(SCHEDULE);
    const stale = (await c.calendarRead()) as CalendarAsRead;
    await c.run(RESCHEDULE);
    const [moved] = await c.schedules();
    await c.board.once(c.ctx(), async (tx) => (await tx.removeSchedule(stale.schedules[0]!), ok("off")), stale);
    expect(await c.schedules()).toHaveLength(0);
    // Its "before" is the schedule as it was taken off, not as read.
    expect((await c.audit()).at(-1)).toEqual(["report.unscheduled", "report_schedule", moved!.id, "monthly", facts(moved!), null]);
    const events = (await c.audit()).length;
    // Taken off again from the same stale read: it is no longer there, and nothing is written.
    await expect(c.board.once(c.ctx(), async (tx) => (await tx.removeSchedule(stale.schedules[0]!), ok("off")), stale)).rejects.toThrow(/No monthly report is on the calendar/);
    expect((await c.audit()).length).toBe(events);
  });
});
