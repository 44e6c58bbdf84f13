import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changedWithAudit, writeAudit, type AuditChange } from "../../src/adapters/db/audit.ts";
import { compileOnly, runCompiled } from "../../src/adapters/db/kysely.ts";
import { loadReportFacts } from "../../src/adapters/db/reports.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

const AT = new Date("2011-09-26T08:00:00Z");

describe.each(kindsUnderTest())("the one audit writer on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  }, 60_000);
  afterAll(async () => t.close());

  async function demo() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId);
    const action = await t.db.kysely
      .selectFrom("action as a")
      .innerJoin("plan as pl", "pl.id", "a.plan_id")
      .select(["a.id", "a.ref"])
      .where("pl.partnership_id", "=", partnershipId)
      .where("a.ref", "=", "ATT-4")
      .executeTakeFirstOrThrow();
    const milestone = await t.db.kysely.selectFrom("milestone").select(["id", "ref"]).where("action_id", "=", action.id).where("ref", "=", "ATT-4.1").executeTakeFirstOrThrow();
    const jancis = await driver.personId("Jancis Andrew");
    return { partnershipId, driver, action, milestone, jancis };
  }

  it("writes a change of each origin, through each kind of transaction handle, and /action history reads them all back", async () => {
    const { partnershipId, driver, action, milestone, jancis } = await demo();
    // A conversation's change, through a raw driver transaction (the change stores' handle).
    await t.db.sql.transaction((tx) =>
      writeAudit(tx, {
        partnershipId,
        actorId: jancis,
        event: "milestone.done",
        subject: { type: "milestone", id: milestone.id, ref: milestone.ref, actionId: action.id },
        before: { doneAt: null },
        after: { doneAt: AT.toISOString(), doneBy: "Jancis Andrew", evidence: "model agreed" },
        origin: { platform: "slack", tenant: "T1", channel: "C1" },
        idempotencyKey: "audit-writer-1",
        at: AT,
      }),
    );
    // A CLI verb's change, through a Prisma interactive transaction.
    await t.db.prisma.$transaction((tx) =>
      writeAudit(tx, {
        partnershipId,
        actorId: null,
        event: "action.carried",
        subject: { type: "action", id: action.id, ref: action.ref, actionId: action.id },
        before: null,
        after: { fromPlan: "CYPP 2007-10", fromRef: "ATT-9", toPlan: "CYPP 2011-15", openMilestones: [] },
        origin: { platform: "cli", channel: "curve plan refresh" },
        at: new Date(AT.getTime() + 60_000),
      }),
    );
    // An import's change, through the typed handle.
    await t.db.transaction((tx) =>
      writeAudit(tx, {
        partnershipId,
        actorId: null,
        event: "action.import_updated",
        subject: { type: "action", id: action.id, ref: action.ref, actionId: action.id },
        before: { title: "Old title" },
        after: { title: "New title" },
        origin: { platform: "import", file: "plans.xlsx" },
        at: new Date(AT.getTime() + 120_000),
      }),
    );

    const history = await driver.run("Jancis Andrew", `/action history ${action.ref}`);
    expect(history.rendered).toContain('Jancis Andrew marked ATT-4.1 done: "model agreed"');
    expect(history.rendered).toContain("26 Sep 2011 09:00 · via slack");
    expect(history.rendered).toContain("Curve carried ATT-9 over from CYPP 2007-10 into CYPP 2011-15 as ATT-4");
    expect(history.rendered).toContain("26 Sep 2011 09:01 · via cli");
    expect(history.rendered).toContain("26 Sep 2011 09:02 · via import");

    // The exports' reader sees the same events, with before and after as written.
    const facts = await loadReportFacts(t.db.prisma, partnershipId, null, AT, new Date(AT.getTime() + 180_000));
    expect(facts!.changes.map((c) => [c.event, c.ref, c.before, c.after, c.actor])).toEqual([
      ["milestone.done", "ATT-4.1", { doneAt: null }, { doneAt: AT.toISOString(), doneBy: "Jancis Andrew", evidence: "model agreed" }, "Jancis Andrew"],
      ["action.carried", "ATT-4", null, { fromPlan: "CYPP 2007-10", fromRef: "ATT-9", toPlan: "CYPP 2011-15", openMilestones: [] }, null],
      ["action.import_updated", "ATT-4", { title: "Old title" }, { title: "New title" }, null],
    ]);
  });

  it("stores the JSON as each caller always has: null as JSON null, a value left out as no value, the origin's own fields only", async () => {
    const { partnershipId, action, jancis } = await demo();
    const origin = { platform: "teams" as const, tenant: "T2", channel: "C2", stray: "not for the log" };
    await t.db.sql.transaction((tx) =>
      writeAudit(tx, [
        { partnershipId, actorId: jancis, event: "action.note", subject: { type: "action", id: action.id, ref: action.ref, actionId: action.id }, before: null, after: { text: "hello" }, origin, at: AT },
        { partnershipId, actorId: jancis, event: "privacy.held", subject: { type: "held_text", id: 1 }, after: { kinds: { phone: 1 } }, origin, at: AT },
      ]),
    );
    const rows = await t.db.sql.query<{ event: string; before_type: string | null; after: unknown; origin: unknown; subject_ref: string | null; action_id: number | null }>(
      `SELECT event, jsonb_typeof(before) AS before_type, after, origin, subject_ref, action_id FROM audit_event WHERE partnership_id = $1 ORDER BY id`,
      [partnershipId],
    );
    expect(rows.map((r) => [r.event, r.before_type, r.subject_ref, r.action_id])).toEqual([
      ["action.note", "null", "ATT-4", action.id],
      ["privacy.held", null, null, null],
    ]);
    for (const row of rows) {
      expect(typeof row.origin === "string" ? JSON.parse(row.origin) : row.origin).toEqual({ platform: "teams", tenant: "T2", channel: "C2" });
    }
  });

  it("writes many events in one statement per 250, and nothing for none", async () => {
    const { partnershipId, action } = await demo();
    const changes: AuditChange[] = Array.from({ length: 251 }, (_, i) => ({
      partnershipId,
      actorId: null,
      event: "action.import_updated",
      subject: { type: "action", id: action.id, ref: action.ref, actionId: action.id },
      after: { n: i },
      origin: { platform: "import", file: "many.xlsx" },
      at: AT,
    }));
    const before = t.db.roundTrips.count;
    await t.db.transaction((tx) => writeAudit(tx, changes));
    // BEGIN, 250 events, 1 event, COMMIT
    expect(t.db.roundTrips.count - before).toBe(4);
    const middle = t.db.roundTrips.count;
    await t.db.transaction((tx) => writeAudit(tx, []));
    expect(t.db.roundTrips.count - middle).toBe(2);
    const stored = await t.db.kysely.selectFrom("audit_event").select((eb) => eb.fn.countAll<string>().as("n")).where("partnership_id", "=", partnershipId).executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(251);
  });

  it("writes a change and its event as one statement, and no event when the change matched no row", async () => {
    const { partnershipId, action } = await demo();
    const statusChange = (id: number): AuditChange => ({
      partnershipId,
      actorId: null,
      event: "action.status",
      subject: { type: "action", id, ref: action.ref, actionId: action.id },
      before: { state: "not_started" },
      after: { state: "at_risk" },
      origin: { platform: "cli", channel: "curve test" },
      at: AT,
    });
    const setAtRisk = (id: number) => compileOnly.updateTable("action").set({ state: "at_risk" }).where("id", "=", id).returning("id");
    const before = t.db.roundTrips.count;
    await t.db.sql.transaction(async (tx) => {
      await runCompiled(tx, changedWithAudit(setAtRisk(action.id), statusChange(action.id)));
      await runCompiled(tx, changedWithAudit(setAtRisk(-1), statusChange(-1)));
    });
    // BEGIN, one statement per change, COMMIT
    expect(t.db.roundTrips.count - before).toBe(4);
    const events = await t.db.kysely.selectFrom("audit_event").select(["event", "subject_id", "before", "after", "origin", "at"]).where("partnership_id", "=", partnershipId).execute();
    expect(events).toEqual([
      { event: "action.status", subject_id: action.id, before: { state: "not_started" }, after: { state: "at_risk" }, origin: { platform: "cli", channel: "curve test" }, at: AT },
    ]);
    const state = await t.db.kysely.selectFrom("action").select("state").where("id", "=", action.id).executeTakeFirstOrThrow();
    expect(state.state).toBe("at_risk");
  });
});
