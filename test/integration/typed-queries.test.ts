import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arrayOf, enumArray } from "../../src/adapters/db/kysely.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";

describe.each(kindsUnderTest())("typed queries through Prisma Client on %s", (kind) => {
  let t: TestDatabase;
  let partnershipId: number;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    partnershipId = await loadDemo(t.db);
  });
  afterAll(async () => t.close());

  it("reads rows with the database's types: dates as Date, enums as text, enum arrays as arrays, JSON parsed", async () => {
    const milestone = await t.db.kysely
      .selectFrom("milestone as m")
      .innerJoin("action as a", "a.id", "m.action_id")
      .innerJoin("plan as pl", "pl.id", "a.plan_id")
      .select(["m.id", "m.ref", "m.due_date", "m.due_precision", "a.state"])
      .where("pl.partnership_id", "=", partnershipId)
      .where("m.ref", "=", "ATT-5.1")
      .executeTakeFirstOrThrow();
    expect(milestone.ref).toBe("ATT-5.1");
    expect(typeof milestone.id).toBe("number");
    expect(milestone.due_date).toBeInstanceOf(Date);
    expect(["day", "month", "term", "season", "year", "tbc"]).toContain(milestone.due_precision);
    expect(milestone.state).toBe("not_started");

    const coordinator = await t.db.kysely
      .selectFrom("person")
      .select(["id", enumArray<string>("roles").as("roles")])
      .where("partnership_id", "=", partnershipId)
      .where("roles", "@>", arrayOf(["coordinator"], "person_role"))
      .executeTakeFirst();
    expect(coordinator?.roles).toContain("coordinator");
  });

  it("runs inside a Prisma transaction: committed together, or rolled back together", async () => {
    const before = t.db.roundTrips.count;
    const insertEvent = (event: string) => ({
      partnership_id: partnershipId,
      event,
      subject_type: "test",
      subject_id: 1,
      after: JSON.stringify({ n: 1 }),
    });
    await t.db.transaction(async (tx) => {
      await tx.insertInto("audit_event").values(insertEvent("typed.commit")).execute();
      await tx.insertInto("audit_event").values(insertEvent("typed.commit")).execute();
    });
    // BEGIN, two inserts, COMMIT
    expect(t.db.roundTrips.count - before).toBe(4);

    await expect(
      t.db.transaction(async (tx) => {
        await tx.insertInto("audit_event").values(insertEvent("typed.rollback")).execute();
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");

    const counts = await t.db.kysely
      .selectFrom("audit_event")
      .select(["event", (eb) => eb.fn.countAll<number>().as("n")])
      .where("partnership_id", "=", partnershipId)
      .where("event", "like", "typed.%")
      .groupBy("event")
      .execute();
    expect(counts.map((c) => [c.event, Number(c.n)])).toEqual([["typed.commit", 2]]);
    const after = await t.db.kysely.selectFrom("audit_event").select("after").where("event", "=", "typed.commit").executeTakeFirstOrThrow();
    expect(after.after).toEqual({ n: 1 });
  });

  it("counts one round trip for one statement, however much it does (a data-modifying CTE)", async () => {
    const before = t.db.roundTrips.count;
    const row = await t.db.kysely
      .with("noted", (db) =>
        db
          .insertInto("audit_event")
          .values({ partnership_id: partnershipId, event: "typed.cte", subject_type: "test", subject_id: 2 })
          .returning("id"),
      )
      .insertInto("command_receipt")
      .columns(["partnership_id", "idempotency_key", "reply"])
      .expression((eb) =>
        eb
          .selectFrom("noted")
          .select((n) => [
            n.cast<number>(n.val(partnershipId), "integer").as("partnership_id"),
            sql<string>`${"typed-cte:"} || noted.id`.as("idempotency_key"),
            n.cast<unknown>(n.val(JSON.stringify({ ok: true })), "jsonb").as("reply"),
          ]),
      )
      .returning(["idempotency_key", "reply"])
      .executeTakeFirstOrThrow();
    expect(t.db.roundTrips.count - before).toBe(1);
    expect(row.idempotency_key).toMatch(/^typed-cte:\d+$/);
    expect(row.reply).toEqual({ ok: true });
  });
});
