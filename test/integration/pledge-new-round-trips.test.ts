import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPledge } from "../../src/adapters/db/pledges.ts";
import { handleInvocation, readsOf } from "../../src/commands/dispatch.ts";
import type { ChangeContext } from "../../src/commands/store.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// DESIGN "One round trip per change": /pledge new, counted at the driver from identifying the
// sender to the reply, as the other changes are (change-round-trips.test.ts): the person with
// the pledges of that title, the partnership's row version and the new pledge's id, then the
// pledge with its audit event, its card and its receipt in one statement.
describe.each(kindsUnderTest())("round trips for /pledge new on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  const NOW = new Date("2011-09-12T10:00:00Z");
  const LINE = "/pledge new attendance Every day counts | We will help every child attend school every day | closes end of March 2012";

  /** /pledge new as Nigel Richardson (a coordinator) sends it in a Slack channel, by person id as the shell does. */
  async function pledges() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, () => NOW);
    const nigel = await driver.personId("Nigel Richardson");
    const run = (line: string, key?: string) => driver.counted(nigel, line, key, { platform: "slack" });
    const made = () => t.db.kysely.selectFrom("pledge").select(["id", "title", "created_by_id"]).where("partnership_id", "=", partnershipId).orderBy("id").execute();
    const created = () =>
      t.db.kysely
        .selectFrom("audit_event")
        .select(["subject_id", "subject_ref", "before", "after", "idempotency_key"])
        .where("partnership_id", "=", partnershipId)
        .where("event", "=", "pledge.created")
        .orderBy("id")
        .execute();
    const cards = () => t.db.kysely.selectFrom("delivery").select(["key", "payload"]).where("partnership_id", "=", partnershipId).where("kind", "=", "channel_card").orderBy("id").execute();
    const receipt = async (key: string) =>
      (await t.db.kysely.selectFrom("command_receipt").select("reply").where("partnership_id", "=", partnershipId).where("idempotency_key", "=", key).executeTakeFirstOrThrow()).reply as Reply & { request?: string };
    /** `line` read with Nigel (the pledges of its title, the id drawn) before `meanwhile` runs, and made after it. */
    const readThen = async (line: string, meanwhile: () => Promise<unknown>) => {
      const [command = "", ...rest] = line.replace(/^\//, "").split(" ");
      const asked = {
        partnershipId,
        actor: { personId: nigel },
        place: { platform: "slack" as const, tenant: "T-TEST", channel: "C-TEST" },
        command,
        text: rest.join(" "),
        idempotencyKey: randomUUID(),
        now: NOW,
      };
      const read = readsOf(asked.command, asked.text)!;
      const found = await driver.deps.store.readInvocation(partnershipId, asked.actor, read.read, asked.idempotencyKey);
      await meanwhile();
      const before = t.db.roundTrips.count;
      const reply = await handleInvocation(driver.deps, { ...asked, actor: { person: found.person! } }, { read: read.read, found });
      return { trips: t.db.roundTrips.count - before, heading: reply.heading, tone: reply.tone };
    };
    return { partnershipId, nigel, run, made, created, cards, receipt, readThen };
  }

  it("costs 2 round trips for /pledge new (the person with the pledges of that title and the new id, then the pledge with its audit, card and receipt) and 1 for a retry", async () => {
    const p = await pledges();
    const key = randomUUID();
    const first = await p.run(LINE, key);
    const [pledge] = await p.made();
    expect(first).toEqual({ trips: 2, heading: `Pledge P${pledge!.id} created`, replayed: false });
    expect(await p.run(LINE, key)).toEqual({ trips: 1, heading: `Pledge P${pledge!.id} created`, replayed: true });
    expect(await p.made()).toEqual([{ id: pledge!.id, title: "Every day counts", created_by_id: p.nigel }]);
    // The reply, as it was when the pledge was made in a transaction.
    const { request, ...reply } = await p.receipt(key);
    expect(request).toMatch(/^[0-9a-f]{32}$/);
    expect(reply).toEqual({
      tone: "success",
      heading: `Pledge P${pledge!.id} created`,
      blocks: [
        { type: "text", text: "Attendance pledge: Every day counts" },
        { type: "text", text: "We will help every child attend school every day" },
        { type: "fields", fields: [{ label: "Signed", value: "0" }, { label: "Closes", value: "31 Mar 2012" }] },
        { type: "context", text: "Its sign-up card is posted in this channel and updated as people sign." },
      ],
      card: { key: `pledge:${pledge!.id}`, channel: "slack:T-TEST:C-TEST" },
      visibility: "ephemeral",
    });
    expect(await p.created()).toEqual([
      {
        subject_id: pledge!.id,
        subject_ref: `P${pledge!.id}`,
        before: null,
        after: { kind: "attendance", title: "Every day counts", text: "We will help every child attend school every day", opensAt: null, closesAt: "2012-03-31T22:59:59.999Z", channel: "slack:T-TEST:C-TEST" },
        idempotency_key: key,
      },
    ]);
    // One card posted: the retry posts nothing.
    expect(await p.cards()).toEqual([{ key: `channel_card:${p.partnershipId}:${key}`, payload: { key: `pledge:${pledge!.id}`, channel: "slack:T-TEST:C-TEST" } }]);
  });

  it("spends no pledge number on a /pledge new from someone who may not make pledges: the next pledge takes the next number", async () => {
    const p = await pledges();
    const first = await p.run(LINE);
    const [made] = await p.made();
    expect(first.heading).toBe(`Pledge P${made!.id} created`);
    const driver = commandDriver(t.db, p.partnershipId, () => NOW);
    const sue = await driver.personId("Sue May");
    for (let i = 0; i < 3; i++) expect((await driver.counted(sue, `/pledge new custom Walk to school ${i} | We will walk`)).heading).toMatch(/can't|cannot/i);
    const next = await p.run("/pledge new custom Read together | We will read with a child every week");
    expect(next.heading).toBe(`Pledge P${made!.id + 1} created`);
  });

  it("answers the same /pledge new sent again (other case and spacing) in 2 round trips, making nothing and posting nothing, and 1 for its retry", async () => {
    const p = await pledges();
    await p.run(LINE);
    const [pledge] = await p.made();
    const key = randomUUID();
    const again = "/pledge new custom every  DAY counts | We will help | closes end of March 2012";
    expect(await p.run(again, key)).toEqual({ trips: 2, heading: `P${pledge!.id} · Every day counts is already open for signing`, replayed: false });
    expect(await p.run(again, key)).toEqual({ trips: 1, heading: `P${pledge!.id} · Every day counts is already open for signing`, replayed: true });
    expect((await p.made()).map((m) => m.id)).toEqual([pledge!.id]);
    expect(await p.created()).toHaveLength(1);
    expect(await p.cards()).toHaveLength(1);
  });

  it("makes one pledge of two identical /pledge new at the same moment, each under its own key: one audit event, one card", async () => {
    const p = await pledges();
    const twins = await Promise.all([1, 2].map(() => p.run(LINE)));
    const made = await p.made();
    expect(made).toHaveLength(1);
    expect(twins.map((r) => r.heading).sort()).toEqual([`P${made[0]!.id} · Every day counts is already open for signing`, `Pledge P${made[0]!.id} created`]);
    expect(await p.created()).toHaveLength(1);
    expect(await p.cards()).toHaveLength(1);
  });

  it("decides /pledge new again in a transaction when the same pledge was made since it was read: one pledge, no second card", async () => {
    const p = await pledges();
    const late = await p.readThen(LINE, () => p.run(LINE));
    const made = await p.made();
    expect(made).toHaveLength(1);
    expect(late.heading).toBe(`P${made[0]!.id} · Every day counts is already open for signing`);
    expect(late.trips).toBeGreaterThan(2);
    expect(await p.created()).toHaveLength(1);
    expect(await p.cards()).toHaveLength(1);
  });

  it("makes a pledge read before another pledge was made in a transaction, telling its own id", async () => {
    const p = await pledges();
    const late = await p.readThen(LINE, () => p.run("/pledge new custom Read every day | We will read with a child every day"));
    const made = await p.made();
    expect(made.map((m) => m.title)).toEqual(["Read every day", "Every day counts"]);
    expect(late).toMatchObject({ tone: "success", heading: `Pledge P${made[1]!.id} created` });
    expect(late.trips).toBeGreaterThan(2);
    expect((await p.created()).map((e) => e.subject_id)).toEqual(made.map((m) => m.id));
    expect((await p.cards()).map((c) => (c.payload as { key: string }).key)).toEqual(made.map((m) => `pledge:${m.id}`));
  });

  it("makes a new pledge of a title whose pledge has closed, in 2 round trips", async () => {
    const p = await pledges();
    await t.db.kysely
      .insertInto("pledge")
      .values({ partnership_id: p.partnershipId, kind: "custom", title: "Read every day", text: "We read", closes_at: new Date("2011-09-01T00:00:00Z"), created_at: new Date("2011-06-01T00:00:00Z") })
      .execute();
    const first = await p.run("/pledge new custom Read every day | We will read with a child every day");
    const made = await p.made();
    expect(made).toHaveLength(2);
    expect(first).toEqual({ trips: 2, heading: `Pledge P${made[1]!.id} created`, replayed: false });
  });

  // Two connections are needed to hold the partnership's row while the statement runs: PostgreSQL only.
  it.runIf(kind === "postgresql")("makes no second pledge when a twin making it holds the partnership's row while the statement runs: the statement waits, then finds the row moved on", async () => {
    const p = await pledges();
    let commit!: () => void;
    let written!: () => void;
    const writtenNow = new Promise<void>((resolve) => (written = resolve));
    const ctx: ChangeContext = { partnershipId: p.partnershipId, actor: { id: p.nigel, name: "Nigel Richardson" } as ChangeContext["actor"], origin: { platform: "slack", tenant: "T-TEST", channel: "C-TEST" }, idempotencyKey: randomUUID(), at: NOW };
    const twin = t.db.sql.transaction(async (tx) => {
      await createPledge(tx, ctx, { kind: "attendance", title: "Every day counts", text: "We will help", opensAt: null, closesAt: null, channel: null });
      written();
      await new Promise<void>((resolve) => (commit = resolve));
    });
    await writtenNow;
    const answer = p.run(LINE);
    // The statement waits on the twin's uncommitted write of the partnership's row; commit only once it does.
    for (;;) {
      const [waiting] = await t.db.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%partnership%'`,
      );
      if (waiting!.n > 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    commit();
    await twin;
    const made = await p.made();
    expect(made).toHaveLength(1);
    expect((await answer).heading).toBe(`P${made[0]!.id} · Every day counts is already open for signing`);
    expect(await p.created()).toHaveLength(1);
    expect(await p.cards()).toHaveLength(0);
  });
});
