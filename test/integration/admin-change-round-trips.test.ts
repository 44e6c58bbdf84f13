import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { handleInvocation, readsOf } from "../../src/commands/dispatch.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// DESIGN "One round trip per change", for the coordinators' and admins' changes: a role, a team
// member, a person added. 2 round trips (the person asking with what the change reads and any
// stored reply; then the change with its audit event and receipt), 1 for a retry.
describe.each(kindsUnderTest())("round trips per admin change on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function demo() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId);
    // The demo has no admin: Mary Brittle gives and takes roles.
    await t.db.kysely.updateTable("person").set({ roles: sql`'{admin}'::person_role[]` }).where("partnership_id", "=", partnershipId).where("name", "=", "Mary Brittle").execute();
    const admin = await driver.personId("Mary Brittle");
    const coordinator = await driver.personId("Nigel Richardson");
    const events = (prefix: string) =>
      t.db.kysely.selectFrom("audit_event").select(["event", "subject_id", "subject_ref", "before", "after"]).where("partnership_id", "=", partnershipId).where("event", "like", `${prefix}%`).orderBy("id").execute();
    const receipts = async () => Number((await t.db.kysely.selectFrom("command_receipt").select((eb) => eb.fn.countAll().as("n")).where("partnership_id", "=", partnershipId).executeTakeFirstOrThrow()).n);
    const roles = async (name: string) => (await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId, name } })).roles;
    const members = async (team: string) =>
      (await t.db.prisma.team.findFirstOrThrow({ where: { partnershipId, name: team }, include: { members: { include: { person: true } } } })).members.map((m) => m.person.name).sort();
    /** `line` as `as` sends it, read (the person, with what the change reads) before `meanwhile` runs and changed after it. */
    const readThen = async (as: number, line: string, meanwhile: () => Promise<unknown>) => {
      const [command = "", ...rest] = line.replace(/^\//, "").split(" ");
      const asked = { partnershipId, actor: { personId: as }, place: { platform: "shell" as const, tenant: "T-TEST", channel: "C-TEST" }, command, text: rest.join(" "), idempotencyKey: randomUUID(), now: new Date("2011-09-12T10:00:00Z") };
      const read = readsOf(command, asked.text)!;
      const found = await driver.deps.store.readInvocation(partnershipId, { personId: as }, read.read, asked.idempotencyKey);
      await meanwhile();
      const before = t.db.roundTrips.count;
      const reply = await handleInvocation(driver.deps, { ...asked, actor: { person: found.person! } }, { read: read.read, found });
      return { trips: t.db.roundTrips.count - before, heading: reply.heading };
    };
    return { partnershipId, ...driver, admin, coordinator, events, receipts, roles, members, readThen };
  }

  it("gives and takes a role in 2 round trips, a retry in 1 with nothing new, and audits the roles before and after", async () => {
    const d = await demo();
    const key = randomUUID();
    expect(await d.counted(d.admin, "/curve role Jancis Andrew coordinator", key)).toEqual({ trips: 2, heading: "Jancis Andrew is now a coordinator", replayed: false });
    expect(await d.counted(d.admin, "/curve role Jancis Andrew coordinator", key)).toEqual({ trips: 1, heading: "Jancis Andrew is now a coordinator", replayed: true });
    expect(await d.roles("Jancis Andrew")).toEqual(["coordinator"]);
    // Already so: nothing changes, nothing is audited, still 2.
    expect(await d.counted(d.admin, "/curve role Jancis Andrew coordinator")).toMatchObject({ trips: 2, heading: "Jancis Andrew is already a coordinator" });
    expect(await d.counted(d.admin, "/curve role Jancis Andrew board member")).toMatchObject({ trips: 2, heading: "Jancis Andrew is now a board member" });
    expect(await d.counted(d.admin, "/curve role Jancis Andrew coordinator off")).toMatchObject({ trips: 2, heading: "Jancis Andrew is no longer a coordinator" });
    expect(await d.roles("Jancis Andrew")).toEqual(["board_member"]);
    const jancis = await d.personId("Jancis Andrew");
    expect(await d.events("person.role")).toEqual([
      { event: "person.role", subject_id: jancis, subject_ref: "Jancis Andrew", before: { roles: [] }, after: { roles: ["coordinator"], role: "coordinator", on: true } },
      { event: "person.role", subject_id: jancis, subject_ref: "Jancis Andrew", before: { roles: ["coordinator"] }, after: { roles: ["coordinator", "board_member"], role: "board_member", on: true } },
      { event: "person.role", subject_id: jancis, subject_ref: "Jancis Andrew", before: { roles: ["coordinator", "board_member"] }, after: { roles: ["board_member"], role: "coordinator", on: false } },
    ]);
  });

  it("decides a role change again on the locked row when the roles moved on after they were read, auditing the roles as they were", async () => {
    const d = await demo();
    const late = await d.readThen(d.admin, "/curve role Jancis Andrew coordinator", () => d.run("Mary Brittle", "/curve role Jancis Andrew ambassador"));
    expect(late.heading).toBe("Jancis Andrew is now a coordinator");
    expect(late.trips).toBeGreaterThan(2);
    expect([...(await d.roles("Jancis Andrew"))].sort()).toEqual(["ambassador", "coordinator"]);
    const [, second] = await d.events("person.role");
    expect(second!.before).toEqual({ roles: ["ambassador"] });
    expect(second!.after).toMatchObject({ roles: ["ambassador", "coordinator"] });
    // "Already a coordinator", read before the role was taken away: decided again, it is given.
    const stale = await d.readThen(d.admin, "/curve role Jancis Andrew coordinator", () => d.run("Mary Brittle", "/curve role Jancis Andrew coordinator off"));
    expect(stale.heading).toBe("Jancis Andrew is now a coordinator");
  });

  it("adds and takes off a team member in 2 round trips, a retry in 1, 'already in it' in 2 with no audit, and audits each change on the team", async () => {
    const d = await demo();
    const key = randomUUID();
    expect(await d.counted(d.coordinator, "/team add ICT Jancis Andrew", key)).toEqual({ trips: 2, heading: "Jancis Andrew added to ICT", replayed: false });
    expect(await d.counted(d.coordinator, "/team add ICT Jancis Andrew", key)).toEqual({ trips: 1, heading: "Jancis Andrew added to ICT", replayed: true });
    // By email and the team's name in another case: read the same way.
    const email = (await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId: d.partnershipId, name: "Jancis Andrew" } })).email!;
    expect(await d.counted(d.coordinator, `/team add ict ${email}`)).toMatchObject({ trips: 2, heading: "Jancis Andrew is already in ICT" });
    expect(await d.members("ICT")).toContain("Jancis Andrew");
    expect(await d.counted(d.coordinator, "/team remove ICT Jancis Andrew")).toMatchObject({ trips: 2, heading: "Jancis Andrew taken off ICT" });
    expect(await d.counted(d.coordinator, "/team remove ICT Jancis Andrew")).toMatchObject({ trips: 2, heading: "Jancis Andrew is not in ICT" });
    expect(await d.members("ICT")).not.toContain("Jancis Andrew");
    const ict = (await t.db.prisma.team.findFirstOrThrow({ where: { partnershipId: d.partnershipId, name: "ICT" } })).id;
    expect(await d.events("team.")).toEqual([
      { event: "team.member_added", subject_id: ict, subject_ref: "ICT", before: null, after: { person: "Jancis Andrew" } },
      { event: "team.member_removed", subject_id: ict, subject_ref: "ICT", before: null, after: { person: "Jancis Andrew" } },
    ]);
  });

  it("makes a new team with its first member in 2 round trips, a retry in 1 with nothing new, auditing both on the new team", async () => {
    const d = await demo();
    const key = randomUUID();
    const line = '/team add "Attendance task group" Jancis Andrew';
    expect(await d.counted(d.coordinator, line, key)).toEqual({ trips: 2, heading: "Jancis Andrew added to Attendance task group", replayed: false });
    const receipts = await d.receipts();
    expect(await d.counted(d.coordinator, line, key)).toEqual({ trips: 1, heading: "Jancis Andrew added to Attendance task group", replayed: true });
    expect(await d.receipts()).toBe(receipts);
    const made = await t.db.prisma.team.findMany({ where: { partnershipId: d.partnershipId, name: "Attendance task group" } });
    expect(made.map((team) => team.kind)).toEqual(["team"]);
    expect(await d.members("Attendance task group")).toEqual(["Jancis Andrew"]);
    const id = made[0]!.id;
    expect(await d.events("team.")).toEqual([
      { event: "team.created", subject_id: id, subject_ref: "Attendance task group", before: null, after: { name: "Attendance task group", kind: "team" } },
      { event: "team.member_added", subject_id: id, subject_ref: "Attendance task group", before: null, after: { person: "Jancis Andrew" } },
    ]);
    // The quoted name of a team there now (in another case) is that team: a member added to it.
    expect(await d.counted(d.coordinator, '/team add "attendance TASK group" Sue May')).toMatchObject({ trips: 2, heading: "Sue May added to Attendance task group" });
    expect(await t.db.prisma.team.count({ where: { partnershipId: d.partnershipId, name: { equals: "Attendance task group", mode: "insensitive" } } })).toBe(1);
  });

  it("makes no second team when a twin made it after the line was read: the change is decided again and says so", async () => {
    const d = await demo();
    const late = await d.readThen(d.coordinator, '/team add "Attendance task group" Jancis Andrew', () => d.run("Nigel Richardson", '/team add "Attendance task group" Sue May'));
    expect(late.heading).toBe('A team called "Attendance task group" was made just now; try again.');
    expect(await t.db.prisma.team.count({ where: { partnershipId: d.partnershipId, name: "Attendance task group" } })).toBe(1);
    expect(await d.members("Attendance task group")).toEqual(["Sue May"]);
    expect((await d.events("team.")).map((e) => e.event).sort()).toEqual(["team.created", "team.member_added"]);
    // Tried again, it is read as the team it now is.
    expect(await d.counted(d.coordinator, '/team add "Attendance task group" Jancis Andrew')).toMatchObject({ trips: 2, heading: "Jancis Andrew added to Attendance task group" });
  });

  it("decides a membership again when a twin changed it after it was read: nothing is added twice, nothing audited twice", async () => {
    const d = await demo();
    const late = await d.readThen(d.coordinator, "/team add ICT Jancis Andrew", () => d.run("Nigel Richardson", "/team add ICT Jancis Andrew"));
    expect(late.heading).toBe("Jancis Andrew is already in ICT");
    const gone = await d.readThen(d.coordinator, "/team add ICT Jancis Andrew", () => d.run("Nigel Richardson", "/team remove ICT Jancis Andrew"));
    // "Already in it" read before the removal stood on a row that is gone: decided again, added.
    expect(gone.heading).toBe("Jancis Andrew added to ICT");
    expect(gone.trips).toBeGreaterThan(2);
    expect(await d.members("ICT")).toContain("Jancis Andrew");
    expect((await d.events("team.")).map((e) => e.event)).toEqual(["team.member_added", "team.member_removed", "team.member_added"]);
  });

  it("adds a person in 2 round trips and a retry in 1, auditing the new person by their id; a taken email is refused with nothing written", async () => {
    const d = await demo();
    const key = randomUUID();
    expect(await d.counted(d.coordinator, "/curve person add Priya Shah Priya.Shah@leeds.example.org", key)).toEqual({ trips: 2, heading: "Priya Shah added", replayed: false });
    expect(await d.counted(d.coordinator, "/curve person add Priya Shah Priya.Shah@leeds.example.org", key)).toEqual({ trips: 1, heading: "Priya Shah added", replayed: true });
    const priya = await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId: d.partnershipId, name: "Priya Shah" } });
    expect(priya.email).toBe("priya.shah@leeds.example.org");
    expect(await d.events("person.added")).toEqual([
      { event: "person.added", subject_id: priya.id, subject_ref: "Priya Shah", before: null, after: { name: "Priya Shah", email: "priya.shah@leeds.example.org" } },
    ]);
    const receipts = await d.receipts();
    const taken = await d.run("Nigel Richardson", "/curve person add Priya Sharma priya.shah@leeds.example.org");
    expect(taken.tone).toBe("error");
    expect(taken.rendered).toContain("Someone in the partnership already has the email priya.shah@leeds.example.org.");
    expect(await d.events("person.added")).toHaveLength(1);
    expect(await t.db.prisma.person.count({ where: { partnershipId: d.partnershipId, name: "Priya Sharma" } })).toBe(0);
    expect(await d.receipts()).toBe(receipts);
  });

  it("adds a person with a new organisation in 2 round trips, a retry in 1 with nothing new, auditing the person, the organisation and the membership", async () => {
    const d = await demo();
    const key = randomUUID();
    const line = "/curve person add Ola Nwosu ola.nwosu@leeds.example.org Leeds Beckett University";
    expect(await d.counted(d.coordinator, line, key)).toEqual({ trips: 2, heading: "Ola Nwosu added (Leeds Beckett University)", replayed: false });
    const receipts = await d.receipts();
    expect(await d.counted(d.coordinator, line, key)).toEqual({ trips: 1, heading: "Ola Nwosu added (Leeds Beckett University)", replayed: true });
    expect(await d.receipts()).toBe(receipts);
    const ola = await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId: d.partnershipId, name: "Ola Nwosu" } });
    const organisations = await t.db.prisma.team.findMany({ where: { partnershipId: d.partnershipId, name: "Leeds Beckett University" } });
    expect(organisations.map((o) => o.kind)).toEqual(["organisation"]);
    expect(await d.members("Leeds Beckett University")).toEqual(["Ola Nwosu"]);
    const university = organisations[0]!.id;
    expect(await d.events("")).toEqual([
      { event: "person.added", subject_id: ola.id, subject_ref: "Ola Nwosu", before: null, after: { name: "Ola Nwosu", email: "ola.nwosu@leeds.example.org" } },
      { event: "team.created", subject_id: university, subject_ref: "Leeds Beckett University", before: null, after: { name: "Leeds Beckett University", kind: "organisation" } },
      { event: "team.member_added", subject_id: university, subject_ref: "Leeds Beckett University", before: null, after: { person: "Ola Nwosu" } },
    ]);
    // An organisation the partnership has (named in another case): joined, in 2, nothing made.
    expect(await d.counted(d.coordinator, "/curve person add Sam Okafor sam.okafor@leeds.example.org leeds beckett university")).toMatchObject({ trips: 2, heading: "Sam Okafor added (Leeds Beckett University)" });
    expect(await d.members("Leeds Beckett University")).toEqual(["Ola Nwosu", "Sam Okafor"]);
    expect((await d.events("team.created")).length).toBe(1);
    // A taken email with a new organisation: refused, and the organisation is not made.
    const taken = await d.run("Nigel Richardson", "/curve person add Ola Smith ola.nwosu@leeds.example.org Leeds Trinity University");
    expect(taken.heading).toBe("Someone in the partnership already has the email ola.nwosu@leeds.example.org.");
    expect(await t.db.prisma.team.count({ where: { partnershipId: d.partnershipId, name: "Leeds Trinity University" } })).toBe(0);
    expect(await d.events("team.created")).toHaveLength(1);
  });

  it("joins a person to the organisation a twin made after the line was read: one organisation, each audited once", async () => {
    const d = await demo();
    const late = await d.readThen(d.coordinator, "/curve person add Ola Nwosu ola.nwosu@leeds.example.org Leeds Beckett University", () =>
      d.run("Nigel Richardson", "/curve person add Sam Okafor sam.okafor@leeds.example.org Leeds Beckett University"),
    );
    expect(late.heading).toBe("Ola Nwosu added (Leeds Beckett University)");
    expect(late.trips).toBeGreaterThan(2);
    expect(await t.db.prisma.team.count({ where: { partnershipId: d.partnershipId, name: "Leeds Beckett University" } })).toBe(1);
    expect(await d.members("Leeds Beckett University")).toEqual(["Ola Nwosu", "Sam Okafor"]);
    expect((await d.events("team.")).map((e) => e.event).sort()).toEqual(["team.created", "team.member_added", "team.member_added"]);
    expect(await d.events("person.added")).toHaveLength(2);
  });

  // Two connections are needed to hold the organisation's new row while the statement runs: PostgreSQL only.
  it.runIf(kind === "postgresql")("undoes a person added with an organisation a twin makes while the statement runs, and joins them to the twin's in a transaction", async () => {
    const d = await demo();
    let commit!: () => void;
    let written!: () => void;
    const writtenNow = new Promise<void>((resolve) => (written = resolve));
    const twin = t.db.sql.transaction(async (tx) => {
      await tx.query(`INSERT INTO team (partnership_id, name, kind) VALUES ($1, 'Leeds Beckett University', 'organisation')`, [d.partnershipId]);
      written();
      await new Promise<void>((resolve) => (commit = resolve));
    });
    await writtenNow;
    const answer = d.counted(d.coordinator, "/curve person add Ola Nwosu ola.nwosu@leeds.example.org Leeds Beckett University");
    // The statement waits on the twin's uncommitted organisation (its name's unique key); commit only once it does.
    for (;;) {
      const [waiting] = await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'with "changed" as (insert into "person"%'`);
      if (waiting!.n > 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    commit();
    await twin;
    const late = await answer;
    expect(late.heading).toBe("Ola Nwosu added (Leeds Beckett University)");
    expect(late.trips).toBeGreaterThan(2);
    expect(await t.db.prisma.team.count({ where: { partnershipId: d.partnershipId, name: "Leeds Beckett University" } })).toBe(1);
    expect(await d.members("Leeds Beckett University")).toEqual(["Ola Nwosu"]);
    expect(await t.db.prisma.person.count({ where: { partnershipId: d.partnershipId, email: "ola.nwosu@leeds.example.org" } })).toBe(1);
    // The statement that found the organisation made meanwhile wrote nothing: one event each, from the transaction.
    expect((await d.events("person.added")).length).toBe(1);
    expect((await d.events("team.")).map((e) => e.event)).toEqual(["team.member_added"]);
  });
});
