import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

const NOW = new Date("2011-09-26T08:00:00Z");

describe.each(kindsUnderTest())("teams, people and roles in chat, on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  async function fresh() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, () => NOW);
    const events = (prefix: string) => t.db.prisma.auditEvent.findMany({ where: { partnershipId, event: { startsWith: prefix } }, orderBy: { id: "asc" } });
    const members = async (name: string) =>
      (await t.db.prisma.team.findFirstOrThrow({ where: { partnershipId, name }, include: { members: { include: { person: true } } } })).members.map((m) => m.person.name).sort();
    // The demo's coordinator and an admin to give roles.
    const coordinator = (await t.db.prisma.person.findMany({ where: { partnershipId }, orderBy: { id: "asc" } })).find((x) => x.roles.includes("coordinator"))!.name;
    await t.db.prisma.person.updateMany({ where: { partnershipId, name: "Mary Brittle" }, data: { roles: ["admin"] } });
    return { partnershipId, ...driver, events, members, coordinator };
  }

  it("asks for the email when two people have the name given, and takes the email", async () => {
    const p = await fresh();
    expect((await p.run(p.coordinator, "/curve person add another Sam Prince sam.prince2@leeds.example.org")).heading).toBe("Sam Prince added");
    const named = await p.run("Mary Brittle", "/curve role Sam Prince ambassador");
    expect(named.tone).toBe("error");
    expect(named.rendered).toContain('2 people are called "Sam Prince". Give the email of the one you mean instead.');
    expect((await p.run("Mary Brittle", "/curve role sam.prince2@leeds.example.org ambassador")).heading).toBe("Sam Prince is now a Child Friendly City ambassador");
    const roles = await t.db.prisma.person.findMany({ where: { partnershipId: p.partnershipId, name: "Sam Prince" }, orderBy: { id: "asc" }, select: { email: true, roles: true } });
    expect(roles.find((r) => r.email === "sam.prince2@leeds.example.org")!.roles).toEqual(["ambassador"]);
    expect(roles.filter((r) => r.roles.includes("ambassador"))).toHaveLength(1);
  });

  it("adds and removes team members by the team's name (with spaces), makes a quoted new team, and lists them; each change audited", async () => {
    const p = await fresh();
    const team = (await t.db.prisma.team.findFirstOrThrow({ where: { partnershipId: p.partnershipId, ownedActions: { some: {} } } })).name;
    const before = await p.members(team);
    const newcomer = (await t.db.prisma.person.findMany({ where: { partnershipId: p.partnershipId, name: { notIn: before } }, orderBy: { id: "asc" } })).find((x) => x.roles.length === 0)!.name;

    const added = await p.run(p.coordinator, `/team add ${team.toLowerCase()} ${newcomer}`);
    expect(added.heading).toBe(`${newcomer} added to ${team}`);
    expect(await p.members(team)).toEqual([...before, newcomer].sort());
    expect((await p.run(p.coordinator, `/team add ${team} ${newcomer}`)).tone).toBe("info");

    const shown = (await p.run(newcomer, `/team show ${team}`)).rendered;
    expect(shown).toContain(newcomer);
    expect(shown).toMatch(/Owns: [A-Z]+-\d/);

    expect((await p.run(p.coordinator, `/team remove ${team} ${newcomer}`)).heading).toBe(`${newcomer} taken off ${team}`);
    expect(await p.members(team)).toEqual(before);

    const made = await p.run(p.coordinator, `/team add "Attendance task group" ${newcomer}`);
    expect(made.heading).toBe(`${newcomer} added to Attendance task group`);
    expect(await p.members("Attendance task group")).toEqual([newcomer]);
    expect((await p.run(newcomer, "/team")).rendered).toContain("Attendance task group");

    // An apostrophe in a quoted name is part of it, in double quotes or single.
    expect((await p.run(p.coordinator, `/team add "St John's cluster" ${newcomer}`)).heading).toBe(`${newcomer} added to St John's cluster`);
    expect((await p.run(p.coordinator, `/team remove 'St John's cluster' ${newcomer}`)).heading).toBe(`${newcomer} taken off St John's cluster`);

    expect((await p.events("team.")).map((e) => e.event)).toEqual(["team.member_added", "team.member_removed", "team.created", "team.member_added", "team.created", "team.member_added", "team.member_removed"]);
    expect((await p.run(p.coordinator, `/action history ATT-4`)).rendered).not.toMatch(/team\.member/);
  });

  it("shows a team by the start of its name when only one team's name starts so, and names them all when several do", async () => {
    const p = await fresh();
    const teams = (await t.db.prisma.team.findMany({ where: { partnershipId: p.partnershipId }, select: { name: true } })).map((x) => x.name);
    // The demo's teams: a unique start, and a start that several share.
    const full = teams.find((n) => n.startsWith("Cluster chairs"))!;
    expect(full).toBe("Cluster chairs and managers");
    const shown = await p.run("Sue May", "/team show cluster CHAIRS");
    expect(shown.tone).toBe("info");
    expect(shown.heading).toBe(full);
    const several = teams.filter((n) => /^cluster /i.test(n)).sort();
    expect(several.length).toBeGreaterThan(1);
    const asked = await p.run("Sue May", "/team show Cluster");
    expect(asked.code).toBe("ambiguous_ref");
    for (const name of several) expect(asked.rendered).toContain(name);
    // A start that is not a whole word, or no team at all, is not guessed.
    expect((await p.run("Sue May", "/team show Cluster chai")).code).toBe("unknown_ref");
    const none = await p.run("Sue May", "/team show Nonexistent group");
    expect(none.rendered).toContain('No team is called "Nonexistent group"');
    // "list", as people type it for the other lists, is show.
    const listed = await p.run("Sue May", "/team list");
    expect(listed.heading).toBe("Teams and organisations");
    expect(listed.rendered).toBe((await p.run("Sue May", "/team show")).rendered);
    expect((await p.run("Sue May", "/plan list")).rendered).toBe((await p.run("Sue May", "/plan show")).rendered);
  });

  it("makes no new team whose name is a slip away from a team's, unless the line says 'new'", async () => {
    const p = await fresh();
    const count = () => t.db.prisma.team.count({ where: { partnershipId: p.partnershipId } });
    const before = await count();
    const slip = await p.run(p.coordinator, '/team add "Cluster leader" Sue May');
    expect(slip).toMatchObject({ tone: "error", code: "conflict" });
    expect(slip.rendered).toContain('"Cluster leader" is nearly the name of the team Cluster leaders');
    expect(slip.rendered).toContain("/team add Cluster leaders Sue May");
    expect(slip.rendered).toContain('/team add new "Cluster leader" Sue May');
    expect(await count()).toBe(before);
    expect(await p.members("Cluster leaders")).not.toContain("Sue May");
    // Meant: made, with its member.
    const made = await p.run(p.coordinator, '/team add new "Cluster leader" Sue May');
    expect(made.heading).toBe("Sue May added to Cluster leader");
    expect(await count()).toBe(before + 1);
    // A name far from every team's is made without "new"; one differing only in case or spacing is that team.
    expect((await p.run(p.coordinator, '/team add "Parenting forum" Sue May')).heading).toBe("Sue May added to Parenting forum");
    expect((await p.run(p.coordinator, '/team add "CLUSTER  leaders" Sue May')).heading).toBe("Sue May added to Cluster leaders");
    expect(await count()).toBe(before + 2);
  });

  it("holds a new team's name that names a child, and makes no team of what is left when the name is removed", async () => {
    const p = await fresh();
    const count = () => t.db.prisma.team.count({ where: { partnershipId: p.partnershipId } });
    const before = await count();
    const held = await p.run(p.coordinator, '/team add "Jayden Smith (7) foster placement" Sue May');
    expect(held.code).toBe("held_personal_data");
    expect(await count()).toBe(before);
    // What "remove and save" would run: refused, not a team called "[removed] foster placement".
    const removed = await p.run(p.coordinator, '/team add "[removed] foster placement" Sue May');
    expect(removed).toMatchObject({ tone: "error", code: "usage" });
    expect(await count()).toBe(before);
    // An existing team's name is not checked again, and an ordinary new name is made.
    expect((await p.run(p.coordinator, '/team add "Attendance task group" Sue May')).heading).toBe("Sue May added to Attendance task group");
  });

  it("refuses, changing nothing: a non-coordinator, a team that does not exist unquoted, someone unknown, a removal of a non-member", async () => {
    const p = await fresh();
    const team = (await t.db.prisma.team.findFirstOrThrow({ where: { partnershipId: p.partnershipId } })).name;
    const refusals: [string, string, RegExp][] = [
      ["Sue May", `/team add ${team} Sue May`, /You can't change who is in a team\. Teams can be changed by a coordinator or an admin\./],
      [p.coordinator, "/team add Nonexistent group Sue May", /"Nonexistent group Sue May" does not start with a team's full name/],
      [p.coordinator, `/team add ${team} Nobody Atall`, /No one called "Nobody Atall"/],
      [p.coordinator, `/team add ${team}`, /Which person/],
      [p.coordinator, `/team remove "Not a team" Sue May`, /There is no team called "Not a team"/],
      [p.coordinator, '/team add "   " Sue May', /Give the team a name/],
      [p.coordinator, '/team add "--" Sue May', /Give the team a name/],
    ];
    for (const [as, line, message] of refusals) {
      const answer = await p.run(as, line);
      expect(answer.tone, line).toBe("error");
      expect(answer.rendered, line).toMatch(message);
    }
    expect(await p.events("team.")).toEqual([]);
    expect(await t.db.prisma.team.count({ where: { partnershipId: p.partnershipId, name: "Not a team" } })).toBe(0);
  });

  it("adds a second person of a name already there only when the line says 'another', saying that commands naming them will ask for the email", async () => {
    const p = await fresh();
    const jancis = await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId: p.partnershipId, name: "Jancis Andrew" } });
    // In any case or spacing, the name is someone's already: asked, not added.
    const asked = await p.run(p.coordinator, "/curve person add jancis  ANDREW j.andrew@leeds-beckett.example.org");
    expect(asked).toMatchObject({ tone: "error", code: "conflict" });
    expect(asked.heading).toBe(`Jancis Andrew is already in the partnership (${jancis.email}). If this is someone else of that name, send: /curve person add another jancis ANDREW j.andrew@leeds-beckett.example.org`);
    expect(await t.db.prisma.person.count({ where: { partnershipId: p.partnershipId, name: { equals: "Jancis Andrew", mode: "insensitive" } } })).toBe(1);
    const namesake = await p.run(p.coordinator, "/curve person add another Jancis Andrew j.andrew@leeds-beckett.example.org");
    expect(namesake).toMatchObject({ tone: "success", heading: "Jancis Andrew added" });
    expect(namesake.rendered).toContain(`Someone else is also called Jancis Andrew (${jancis.email}): a command that names Jancis Andrew will ask for the email of the one meant.`);
    expect(await t.db.prisma.person.count({ where: { partnershipId: p.partnershipId, name: "Jancis Andrew" } })).toBe(2);
    // Quotes, as /team add teaches, are not part of a name.
    expect((await p.run(p.coordinator, '/curve person add "Rita Ray" rita.ray@x.org "Leeds Trinity University"')).heading).toBe("Rita Ray added (Leeds Trinity University)");
  });

  it("adds a person with their organisation, refuses a taken email or a bad one, and lets only an admin give and take roles", async () => {
    const p = await fresh();
    const added = await p.run(p.coordinator, "/curve person add Ola Nwosu Ola.Nwosu@leeds.example.org Leeds Beckett University");
    expect(added.heading).toBe("Ola Nwosu added (Leeds Beckett University)");
    const sam = await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId: p.partnershipId, name: "Ola Nwosu" } });
    expect(sam.email).toBe("ola.nwosu@leeds.example.org");
    expect(await p.members("Leeds Beckett University")).toEqual(["Ola Nwosu"]);
    expect((await t.db.prisma.team.findFirstOrThrow({ where: { partnershipId: p.partnershipId, name: "Leeds Beckett University" } })).kind).toBe("organisation");

    expect((await p.run(p.coordinator, "/curve person add Olaf Nwosu ola.nwosu@leeds.example.org")).rendered).toContain("already has the email");
    // The same person sent again (a new key): nothing changes, and the reply says so.
    const again = await p.run(p.coordinator, "/curve person add Ola Nwosu ola.nwosu@leeds.example.org");
    expect(again).toMatchObject({ tone: "info", heading: "Ola Nwosu is already in the partnership" });
    expect(again.rendered).toContain("Nothing changed.");
    expect(await t.db.prisma.person.count({ where: { partnershipId: p.partnershipId, email: "ola.nwosu@leeds.example.org" } })).toBe(1);
    expect((await p.run(p.coordinator, "/curve person add Ola Nwosu not-an-email")).tone).toBe("error");
    // An address with what came after it in a sentence, or a link's scheme, is not saved as typed.
    for (const typed of ["pat.doe@example.org,", "pat.doe@example.org;", "mailto:pat.doe@example.org", "pat.doe@example..org"]) {
      const answer = await p.run(p.coordinator, `/curve person add Pat Doe ${typed}`);
      expect(answer.rendered, typed).toMatch(/is not an email address/);
    }
    // /curve person only adds: any other word is refused, and no one is added.
    for (const line of ["/curve person remove Zed Zee zed.zee@x.org", "/curve person Ann Other ann@x.org Police"]) {
      expect((await p.run(p.coordinator, line)).heading, line).toBe("/curve person adds people: say add, then their full name and email.");
    }
    // A team given as the organisation is refused: joining it would let them change what it owns.
    const team = await p.run(p.coordinator, "/curve person add Connie Test connie@x.org connexions");
    expect(team.heading).toMatch(/^Connexions is a team \(it owns NEET-\d+.*\), not an organisation\. Add Connie Test without it, then \/team add Connexions Connie Test if they belong in it\.$/);
    expect(await t.db.prisma.person.count({ where: { partnershipId: p.partnershipId, name: { in: ["Zed Zee", "remove Zed Zee", "Ann Other", "Connie Test"] } } })).toBe(0);
    // What follows the email must be an organisation's name: not a second email, nor a paragraph, nor punctuation.
    for (const organisation of ["pat@other.org", "x".repeat(121), '""', "—"]) {
      const answer = await p.run(p.coordinator, `/curve person add Pat Doe pat.doe@example.org ${organisation}`);
      expect(answer.rendered, organisation).toMatch(/is not an organisation's name/);
    }
    expect((await p.run("Sue May", "/curve person add Pat Doe pat@example.org")).rendered).toMatch(/You can't add people/);
    expect(await t.db.prisma.person.count({ where: { partnershipId: p.partnershipId, name: { in: ["Olaf Nwosu", "Pat Doe"] } } })).toBe(0);

    // Only an admin: a coordinator is refused, saying who can.
    expect((await p.run(p.coordinator, "/curve role Ola Nwosu ambassador")).rendered).toMatch(/Roles can be given by an admin/);
    expect((await p.run("Mary Brittle", "/curve role Ola Nwosu ambassador")).heading).toBe("Ola Nwosu is now a Child Friendly City ambassador");
    expect((await p.run("Mary Brittle", "/curve role Ola Nwosu board member")).heading).toBe("Ola Nwosu is now a board member");
    expect((await t.db.prisma.person.findUniqueOrThrow({ where: { id: sam.id } })).roles.sort()).toEqual(["ambassador", "board_member"]);
    // An ambassador may start pledges (seed 002), and nothing else changes for them.
    expect((await p.run("Ola Nwosu", "/pledge new attendance Every day counts | We will get every child to school")).tone).toBe("success");
    expect((await p.run("Ola Nwosu", "/team add \"Ola's group\" Ola Nwosu")).tone).toBe("error");

    expect((await p.run("Mary Brittle", "/curve role Ola Nwosu ambassador off")).heading).toBe("Ola Nwosu is no longer a Child Friendly City ambassador");
    expect((await p.run("Mary Brittle", "/curve role Ola Nwosu ambassador off")).tone).toBe("info");
    expect((await p.run("Mary Brittle", "/curve role Ola Nwosu king")).rendered).toContain("Which role?");
    expect((await p.run("Mary Brittle", "/curve role Mary Brittle admin off")).rendered).toContain("your own admin role");
    expect((await p.events("person.")).map((e) => [e.event, e.subjectRef])).toEqual([
      ["person.added", "Ola Nwosu"],
      ["person.role", "Ola Nwosu"],
      ["person.role", "Ola Nwosu"],
      ["person.role", "Ola Nwosu"],
    ]);
  });
});
