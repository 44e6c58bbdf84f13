import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoStart } from "../../src/bot/clock.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

describe.each(kindsUnderTest())("the demo on its own clock, on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t?.close());

  it("/milestone list due 14d lists what falls due in those 14 days, and counts the overdue apart", async () => {
    const id = await loadDemo(t.db);
    const start = demoStart()!.start;
    const chat = commandDriver(t.db, id, () => start);
    const reply = await chat.run("Nigel Richardson", "/milestone list due 14d");
    const listed = [...reply.rendered.matchAll(/- ([A-Z]+-\d+[a-z]?\.\d+) ·/g)].map((m) => m[1]).sort();
    const window = await t.db.prisma.milestone.findMany({
      where: { action: { plan: { partnershipId: id } }, doneAt: null, dueDate: { gte: new Date("2011-09-26T00:00:00Z"), lte: new Date("2011-10-10T00:00:00Z") } },
      select: { ref: true },
    });
    expect(window.length).toBeGreaterThan(0);
    expect(listed).toEqual(window.map((m) => m.ref).sort());
    const overdue = await t.db.prisma.milestone.count({ where: { action: { plan: { partnershipId: id } }, doneAt: null, dueDate: { lt: new Date("2011-09-26T00:00:00Z") } } });
    expect(reply.rendered).toContain(`Also ${overdue} milestones overdue: /milestone list overdue`);
  });
});
