import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { enqueueBoardDeliveries } from "../../src/jobs/board-deliveries.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

describe.each(kindsUnderTest())("the reporting calendar's sweep on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function fresh(start: string) {
    const partnershipId = await loadDemo(t.db);
    let now = new Date(start);
    const driver = commandDriver(t.db, partnershipId, () => now);
    const sweep = async (at: string) => {
      now = new Date(at);
      return (await enqueueBoardDeliveries(jobStoreOf(t.db), driver.deps.reports!.store, partnershipId, now)).reports;
    };
    const heading = async (key: string) => {
      const row = await t.db.prisma.delivery.findUniqueOrThrow({ where: { key }, select: { payload: true } });
      return (row.payload as { reply: { heading: string } }).reply.heading;
    };
    const scheduleKey = async () => (await t.db.prisma.reportSchedule.findFirstOrThrow({ where: { partnershipId }, select: { id: true } })).id;
    return { partnershipId, ...driver, sweep, heading, scheduleKey, at: (iso: string) => (now = new Date(iso)) };
  }

  it("sends the Friday tracker of Easter week on the Tuesday after, not never", async () => {
    const p = await fresh("2012-03-01T10:00:00Z");
    expect((await p.run("Nigel Richardson", "/report schedule obsessions friday 09:00 to #ctb-board")).tone).toBe("success");
    p.at("2012-04-03T11:00:00+01:00");
    expect((await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed at cluster chairs")).tone).toBe("success");
    // Good Friday 6 April 2012 and Easter Monday 9 April were bank holidays.
    expect(await p.sweep("2012-04-06T10:00:00+01:00")).toEqual([]);
    expect(await p.sweep("2012-04-09T10:00:00+01:00")).toEqual([]);
    expect(await p.sweep("2012-04-10T08:59:00+01:00")).toEqual([]);
    expect(await p.sweep("2012-04-10T09:00:00+01:00")).toEqual(["obsessions:2012-04-02:sent"]);
    expect(await p.heading(`report:schedule:${await p.scheduleKey()}:2012-04-02`)).toBe("Weekly Obsession Tracker, week commencing 2 Apr 2012");
    expect(await p.sweep("2012-04-10T09:30:00+01:00")).toEqual([]);
    // The week after Easter goes on its own Friday, as ever.
    expect(await p.sweep("2012-04-13T09:00:00+01:00")).toEqual(["obsessions:2012-04-09:empty"]);
  });

  it("keeps the partnership's own bank holidays: in Scotland, November's last working day in 2015 is Friday the 27th (St Andrew's Day is Monday the 30th)", async () => {
    const england = await fresh("2015-11-02T10:00:00Z");
    const scotland = await fresh("2015-11-02T10:00:00Z");
    await t.db.prisma.partnership.update({ where: { id: scotland.partnershipId }, data: { region: "scotland" } });
    for (const p of [england, scotland]) expect((await p.run("Nigel Richardson", "/report schedule monthly cypp-2011-15 last-working-day 09:00 to #ctb-board")).tone).toBe("success");
    expect((await scotland.run("Nigel Richardson", "/report schedule")).rendered).toContain("next 27 Nov 2015");
    expect((await england.run("Nigel Richardson", "/report schedule")).rendered).toContain("next 30 Nov 2015");
    expect(await scotland.sweep("2015-11-27T09:00:00Z")).toEqual(["monthly:2015-11:sent"]);
    expect(await england.sweep("2015-11-27T09:00:00Z")).toEqual([]);
    expect(await scotland.sweep("2015-11-30T09:00:00Z")).toEqual([]);
    expect(await england.sweep("2015-11-30T09:00:00Z")).toEqual(["monthly:2015-11:sent"]);
  });

  it("sends February's report on the 28th, moved past a weekend into March, once, about January", async () => {
    const p = await fresh("2015-01-05T10:00:00Z");
    expect((await p.run("Nigel Richardson", "/report schedule monthly cypp-2011-15 28th 09:00 to #ctb-board")).tone).toBe("success");
    expect(await p.sweep("2015-01-28T09:00:00Z")).toEqual(["monthly:2015-01:sent"]);
    expect(await p.heading(`report:schedule:${await p.scheduleKey()}:2015-01`)).toBe("Monthly exception report, December 2014");
    // Saturday 28 February 2015: the next working day is Monday 2 March.
    expect(await p.sweep("2015-02-28T09:00:00Z")).toEqual([]);
    expect(await p.sweep("2015-03-02T09:00:00Z")).toEqual(["monthly:2015-02:sent"]);
    expect(await p.heading(`report:schedule:${await p.scheduleKey()}:2015-02`)).toBe("Monthly exception report, January 2015");
    expect(await p.sweep("2015-03-02T09:05:00Z")).toEqual([]);
    // Saturday 28 March 2015: Monday 30 March, about February.
    expect(await p.sweep("2015-03-30T09:00:00+01:00")).toEqual(["monthly:2015-03:sent"]);
    expect(await p.heading(`report:schedule:${await p.scheduleKey()}:2015-03`)).toBe("Monthly exception report, February 2015");
  });

  it("sends nothing for a period whose day came before the report was put on the calendar", async () => {
    // Set on Monday 2 March 2015: February's day (moved to that morning) had not passed at 08:00, so it goes at 09:00.
    const p = await fresh("2015-03-02T08:00:00Z");
    expect((await p.run("Nigel Richardson", "/report schedule monthly cypp-2011-15 28th 09:00 to #ctb-board")).tone).toBe("success");
    expect(await p.sweep("2015-03-02T09:00:00Z")).toEqual(["monthly:2015-02:sent"]);
    // Set on Tuesday 3 March: February's moved day had gone.
    const q = await fresh("2015-03-03T08:00:00Z");
    expect((await q.run("Nigel Richardson", "/report schedule monthly cypp-2011-15 28th 09:00 to #ctb-board")).tone).toBe("success");
    expect(await q.sweep("2015-03-03T09:00:00Z")).toEqual([]);
  });
});
