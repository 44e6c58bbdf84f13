import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importPartnership } from "../../src/adapters/db/import-plans.ts";
import { readDemo } from "../../src/bot/demo.ts";
import { collectStatus } from "../../src/bot/status.ts";
import { kindsUnderTest, openTestDatabase, uniqueName, type TestDatabase } from "../support/databases.ts";

describe.each(kindsUnderTest())("loading the demo on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function everything(partnershipId: number) {
    const p = t.db.prisma;
    return {
      people: await p.person.findMany({ where: { partnershipId }, orderBy: { id: "asc" } }),
      actions: await p.action.findMany({ where: { plan: { partnershipId } }, orderBy: { id: "asc" } }),
      milestones: await p.milestone.findMany({ where: { action: { plan: { partnershipId } } }, orderBy: { id: "asc" } }),
      roles: await p.priorityRole.findMany({ where: { person: { partnershipId } }, orderBy: [{ priorityId: "asc" }, { personId: "asc" }, { role: "asc" }] }),
      indicators: await p.indicator.findMany({ where: { partnershipId }, orderBy: { id: "asc" } }),
      teams: await p.team.findMany({ where: { partnershipId }, orderBy: { id: "asc" } }),
    };
  }

  it("loads the plans, people and indicators with dated milestones", async () => {
    const { partnership, plans } = readDemo();
    const slug = uniqueName("leeds").replace(/_/g, "-");
    const report = await importPartnership(t.db.prisma, { ...partnership, slug }, plans);
    expect(report.createdPlans).toEqual(["cypp-2011-15", "piap-2015"]);
    const p = t.db.prisma;
    const att1 = await p.milestone.findMany({ where: { action: { ref: "ATT-1", plan: { partnershipId: report.partnershipId } } }, orderBy: { position: "asc" } });
    expect(att1.map((m) => [m.ref, m.text, m.duePrecision, m.dueDate?.toISOString().slice(0, 10)])).toEqual([
      ["ATT-1.1", "Project Brief March 2011", "month", "2011-03-31"],
      ["ATT-1.2", "Delivery Summer term 2011", "term", "2011-07-31"],
    ]);
    const neet1 = await p.milestone.findMany({ where: { action: { ref: "NEET-1", plan: { partnershipId: report.partnershipId } } } });
    expect(neet1.every((m) => m.duePrecision === "tbc" && m.dueDate === null)).toBe(true);
    const nigel = await p.person.findFirstOrThrow({ where: { partnershipId: report.partnershipId, email: "nigel.richardson@example.org" } });
    expect(nigel.roles).toContain("coordinator");
    expect(nigel.timeZone).toBe("Europe/London");
    const lacSponsors = await p.priorityRole.findMany({
      where: { role: "sponsor", priority: { obsession: "Looked after children", plan: { partnershipId: report.partnershipId } } },
      include: { person: true },
      orderBy: { position: "asc" },
    });
    expect(lacSponsors.map((r) => r.person.name)).toEqual(["Jane Held", "Bridget Emery"]);
  });

  it("changes nothing when loaded twice, even after people have used it", async () => {
    const { partnership, plans } = readDemo();
    const slug = uniqueName("leeds").replace(/_/g, "-");
    const { partnershipId } = await importPartnership(t.db.prisma, { ...partnership, slug }, plans);
    await t.db.prisma.milestone.updateMany({ where: { ref: "ATT-5.1", action: { plan: { partnershipId } } }, data: { doneAt: new Date(), evidence: "done" } });
    const before = await everything(partnershipId);
    const again = await importPartnership(t.db.prisma, { ...partnership, slug }, plans);
    expect(again.createdPlans).toEqual([]);
    expect(again.skippedPlans).toEqual(["cypp-2011-15", "piap-2015"]);
    expect(await everything(partnershipId)).toEqual(before);
  });

  it("reports counts in status", async () => {
    const status = await collectStatus(t.db, "test");
    expect(status.database.kind).toBe(kind);
    expect(status.migrations.pending).toEqual([]);
    expect(status.counts.indicators).toBeGreaterThanOrEqual(15);
    const cypp = status.plans.find((p) => p.key === "cypp-2011-15")!;
    expect(cypp.actions).toBe(42);
    // Each plan's counts are its own, as numbers; a partnership's plans in period order, then by key.
    for (const plan of status.plans) {
      const where = { key: plan.key, partnership: { slug: plan.partnership } };
      expect(plan.actions).toBe(await t.db.prisma.action.count({ where: { plan: where } }));
      expect(plan.milestones).toBe(await t.db.prisma.milestone.count({ where: { action: { plan: where } } }));
    }
    expect(cypp.milestones).toBeGreaterThan(0);
    const slug = cypp.partnership;
    const inOrder = await t.db.prisma.plan.findMany({ where: { partnership: { slug } }, orderBy: [{ periodStart: { sort: "asc", nulls: "last" } }, { key: "asc" }], select: { key: true } });
    expect(status.plans.filter((p) => p.partnership === slug).map((p) => p.key)).toEqual(inOrder.map((p) => p.key));
  });
});
