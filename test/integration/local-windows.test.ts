import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDigestSweep } from "../../src/jobs/digests.ts";
import { runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { addDays, localDate, shortDate } from "../../src/domain/dates/calendar.ts";
import type { Block, Reply } from "../../src/domain/reply.ts";
import { localMoment } from "../../src/domain/schedule/zoned-time.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// Moments when the person's own date is not the UTC date: a day ahead east of the date
// line's far side, a day behind far west. Each is inside working hours where the person is.
const ZONES: [zone: string, now: string][] = [
  ["Pacific/Auckland", "2011-09-25T21:30:00Z"], // Monday 26 September, 10:30 NZDT; Sunday in UTC
  ["Pacific/Kiritimati", "2011-09-25T20:00:00Z"], // Monday 10:00 (UTC+14)
  ["Asia/Tokyo", "2011-09-26T23:30:00Z"], // Tuesday 27 September, 08:30; Monday in UTC
  ["America/Los_Angeles", "2011-09-27T00:30:00Z"], // Monday 26 September, 17:30 PDT; Tuesday in UTC
  ["Pacific/Honolulu", "2011-09-27T03:00:00Z"], // Monday 17:00 HST
];

/** A digest's sections as { heading: refs }, from its blocks (a text heading, then its list). */
function sections(reply: Reply): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let heading = "";
  for (const block of reply.blocks as Block[]) {
    if (block.type === "text") heading = block.text.replace(/ \(\d+\)$/, "");
    if (block.type === "list") out[heading] = [...(out[heading] ?? []), ...block.items.map((i) => i.text.split(" · ")[0]!)];
  }
  return out;
}

describe.each(kindsUnderTest())("every window from the person's own local date, on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function fresh() {
    const partnershipId = await loadDemo(t.db);
    const prisma = t.db.prisma;
    const person = (name: string) => prisma.person.findFirstOrThrow({ where: { name, partnershipId } });
    const setDue = async (ref: string, date: string) => {
      const m = await prisma.milestone.findFirstOrThrow({ where: { ref, action: { plan: { partnershipId } } } });
      await prisma.milestone.update({ where: { id: m.id }, data: { dueDate: new Date(`${date}T00:00:00Z`), doneAt: null } });
    };
    return { partnershipId, prisma, person, setDue };
  }

  it.each(ZONES)("a sponsor in %s gets the due-soon milestones of their own next 14 days in the weekly digest", async (zone, at) => {
    const now = new Date(at);
    const local = localMoment(now, zone);
    expect(local.date).not.toBe(at.slice(0, 10));
    const { partnershipId, prisma, person, setDue } = await fresh();
    const simon = await person("Simon Whitehead");
    await prisma.person.update({ where: { id: simon.id }, data: { timeZone: zone, digestWeekday: local.weekday, digestMinute: local.minute } });
    // Open milestones of a priority Simon sponsors.
    const open = await t.db.sql.query<{ ref: string }>(
      `SELECT m.ref FROM milestone m JOIN action a ON a.id = m.action_id JOIN plan pl ON pl.id = a.plan_id
       WHERE pl.partnership_id = $1 AND m.done_at IS NULL AND a.state NOT IN ('done', 'dropped')
         AND a.priority_id IN (SELECT priority_id FROM priority_role WHERE person_id = $2 AND role = 'sponsor') ORDER BY m.id LIMIT 4`,
      [partnershipId, simon.id],
    );
    expect(open).toHaveLength(4);
    const [today, lastDay, dayAfter, yesterday] = open.map((r) => r.ref) as [string, string, string, string];
    // Everything else of his moves out of the way, so each section holds only what the test put there.
    await t.db.sql.query(
      `UPDATE milestone SET due_date = '2030-01-01' WHERE done_at IS NULL AND action_id IN (SELECT a.id FROM action a JOIN plan pl ON pl.id = a.plan_id WHERE pl.partnership_id = $1)`,
      [partnershipId],
    );
    await setDue(today, local.date);
    await setDue(lastDay, addDays(local.date, 14));
    await setDue(dayAfter, addDays(local.date, 15));
    await setDue(yesterday, addDays(local.date, -1));

    expect((await runDigestSweep(jobStoreOf(t.db), partnershipId, now)).enqueued).toBeGreaterThan(0);
    const [row] = await t.db.sql.query<{ payload: Reply }>(`SELECT payload FROM delivery WHERE person_id = $1 AND kind = 'digest'`, [simon.id]);
    expect(row, `no digest for Simon at ${at} (${zone} ${local.date} ${local.minute})`).toBeDefined();
    const got = sections(row!.payload);
    expect(got["Due in the next 14 days"]).toEqual([today, lastDay]);
    expect(got["Overdue"]).toEqual([yesterday]);
    expect(JSON.stringify(row!.payload)).toContain(`As at ${shortDate(local.date)}.`);
  });

  it.each(ZONES)("an owner in %s is nudged 'due today' on their own date, not the UTC one", async (zone, at) => {
    const now = new Date(at);
    const today = localDate(now, zone);
    const { partnershipId, prisma, person, setDue } = await fresh();
    const jancis = await person("Jancis Andrew");
    await prisma.person.update({ where: { id: jancis.id }, data: { timeZone: zone } });
    await setDue("ATT-4.1", today);
    const sweep = await runNudgeSweep(jobStoreOf(t.db), partnershipId, now);
    expect(sweep.deliveries.find((d) => d.personId === jancis.id && d.kind === "nudge")?.refs).toContain("ATT-4.1");
    const stages = await t.db.sql.query<{ stage: string; stage_date: string }>(
      `SELECT mn.stage, mn.stage_date::text AS stage_date FROM milestone_nudge mn JOIN milestone m ON m.id = mn.milestone_id WHERE mn.person_id = $1 AND m.ref = 'ATT-4.1'`,
      [jancis.id],
    );
    expect(stages).toEqual([{ stage: "due", stage_date: today }]);
  });

  // 23:00 in Auckland and 04:00 in Los Angeles, while it is 11:00 in London: their quiet hours hold.
  const QUIET: [zone: string, now: string][] = [
    ["Pacific/Auckland", "2011-09-26T10:00:00Z"],
    ["America/Los_Angeles", "2011-09-26T11:00:00Z"],
    ["Asia/Tokyo", "2011-09-26T10:00:00Z"], // 19:00 in Tokyo
  ];

  it.each(QUIET)("an owner in %s is not nudged in their own quiet hours, though it is working hours in London", async (zone, at) => {
    const now = new Date(at);
    const { partnershipId, person, setDue } = await fresh();
    const jancis = await person("Jancis Andrew");
    await setDue("ATT-4.1", localDate(now, zone));
    const london = await runNudgeSweep(jobStoreOf(t.db), partnershipId, now);
    expect(london.deliveries.find((d) => d.personId === jancis.id)?.refs).toContain("ATT-4.1");

    const again = await fresh();
    const moved = await again.person("Jancis Andrew");
    await again.prisma.person.update({ where: { id: moved.id }, data: { timeZone: zone } });
    await again.setDue("ATT-4.1", localDate(now, zone));
    const sweep = await runNudgeSweep(jobStoreOf(t.db), again.partnershipId, now);
    expect(sweep.deliveries.find((d) => d.personId === moved.id)).toBeUndefined();
  });

  it.each(ZONES)("'today' in a command is the person's own date in %s", async (zone, at) => {
    const now = new Date(at);
    const today = localDate(now, zone);
    const { partnershipId, prisma, person } = await fresh();
    const jancis = await person("Jancis Andrew");
    await prisma.person.update({ where: { id: jancis.id }, data: { timeZone: zone } });
    const driver = commandDriver(t.db, partnershipId, () => now);
    const reply = await driver.run("Jancis Andrew", "/milestone date ATT-5.1 tomorrow");
    expect(reply.tone, reply.rendered).toBe("success");
    const m = await prisma.milestone.findFirstOrThrow({ where: { ref: "ATT-5.1", action: { plan: { partnershipId } } } });
    expect(m.dueDate?.toISOString().slice(0, 10)).toBe(addDays(today, 1));
  });
});
