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
    // A new team (a quoted name) is two changes: made in a transaction, as before.
    expect(await d.run("Nigel Richardson", '/team add "Attendance task group" Jancis Andrew')).toMatchObject({ heading: "Jancis Andrew added to Attendance task group" });
    expect(await d.members("Attendance task group")).toEqual(["Jancis Andrew"]);
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
});
