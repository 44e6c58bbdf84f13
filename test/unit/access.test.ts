import { describe, expect, it } from "vitest";
import {
  CAPABILITIES,
  escalationRecipients,
  may,
  nudgeRecipients,
  requirePermission,
  rolesGranting,
  type Actor,
  type Capability,
  type MilestoneParties,
  type Standing,
  type Subjects,
} from "../../src/domain/access.ts";
import { CurveError } from "../../src/domain/errors.ts";

// One cast of people, each with exactly one standing towards the subjects below.
const CAST = {
  owner: { id: 1, roles: [] },
  team_member: { id: 7, roles: [], teamIds: [9] },
  sponsor: { id: 2, roles: [] },
  lead: { id: 3, roles: [] },
  indicator_owner: { id: 4, roles: [] },
  creator: { id: 5, roles: [] },
  coordinator: { id: 20, roles: ["coordinator"] },
  admin: { id: 21, roles: ["admin"] },
  ambassador: { id: 22, roles: ["ambassador"] },
  board_member: { id: 23, roles: ["board_member"] },
  stranger: { id: 99, roles: [] },
} satisfies Record<string, Actor>;
type Who = keyof typeof CAST;

const priority = { sponsors: [{ id: 2, name: "Tony Adlard" }], leads: [{ id: 3, name: "Simon Flowers" }] };
const indicator = { code: "ATT1", owner: { id: 4, name: "Ruth Terry" }, priority };

const SUBJECTS: { [C in Capability]: Subjects[C] } = {
  "action.change": {
    ref: "ATT-4",
    owners: [{ kind: "person", person: { id: 1, name: "Jancis Andrew" } }, { kind: "team", id: 9, name: "Cluster chairs", memberIds: [] }],
    priority,
  },
  "priority.channel": priority,
  "indicator.record": indicator,
  "workshop.log": { indicator, creator: { id: 5, name: "Mary Brittle" } },
  "pledge.create": null,
  "pledge.manage": { createdById: 5 },
  "account.link": null,
  "digest.monthly": null,
  "digest.undelivered": null,
  "web.publish": null,
  "scorecard.link": { sponsorIds: [2] },
  "deliveries.list": null,
  "partnership.calendar": null,
  "privacy.settings": null,
  "indicator.tune": indicator,
  "risk.change": { what: "review R3", owner: { id: 1, name: "Jancis Andrew" }, priority },
  "report.schedule": null,
  "report.board_pack": null,
  "team.manage": null,
  "person.add": null,
  "person.role": null,
};

const ask = (who: Who, capability: Capability) =>
  (may as (actor: Actor, c: Capability, subject?: unknown) => ReturnType<typeof may>)(CAST[who], capability, SUBJECTS[capability] ?? undefined);

// Who may do what: the standing each person is allowed by, or "-" for a refusal.
// Columns: owner, team member, sponsor, lead, indicator owner, creator, coordinator, admin, ambassador, board member, stranger.
const WHO: Who[] = ["owner", "team_member", "sponsor", "lead", "indicator_owner", "creator", "coordinator", "admin", "ambassador", "board_member", "stranger"];
const TABLE: Record<Capability, (Standing | "-")[]> = {
  "action.change":      ["owner", "team_member", "sponsor", "lead", "-", "-", "coordinator", "admin", "-", "-", "-"],
  "priority.channel":   ["-", "-", "sponsor", "lead", "-", "-", "coordinator", "admin", "-", "-", "-"],
  "indicator.record":   ["-", "-", "-", "lead", "indicator_owner", "-", "coordinator", "admin", "-", "-", "-"],
  "workshop.log":       ["-", "-", "sponsor", "lead", "indicator_owner", "creator", "coordinator", "admin", "-", "-", "-"],
  "pledge.create":      ["-", "-", "-", "-", "-", "-", "coordinator", "admin", "ambassador", "-", "-"],
  "pledge.manage":      ["-", "-", "-", "-", "-", "creator", "coordinator", "admin", "-", "-", "-"],
  "account.link":       ["-", "-", "-", "-", "-", "-", "coordinator", "admin", "-", "-", "-"],
  "digest.monthly":     ["-", "-", "-", "-", "-", "-", "coordinator", "-", "-", "board_member", "-"],
  "digest.undelivered": ["-", "-", "-", "-", "-", "-", "coordinator", "-", "-", "-", "-"],
  "web.publish":        ["-", "-", "-", "-", "-", "-", "coordinator", "admin", "-", "-", "-"],
  "scorecard.link":     ["-", "-", "sponsor", "-", "-", "-", "coordinator", "admin", "-", "-", "-"],
  "deliveries.list":    ["-", "-", "-", "-", "-", "-", "coordinator", "admin", "-", "-", "-"],
  "partnership.calendar": ["-", "-", "-", "-", "-", "-", "coordinator", "admin", "-", "-", "-"],
  "privacy.settings":   ["-", "-", "-", "-", "-", "-", "coordinator", "admin", "-", "-", "-"],
  "indicator.tune":     ["-", "-", "-", "lead", "indicator_owner", "-", "coordinator", "admin", "-", "-", "-"],
  "risk.change":        ["owner", "-", "sponsor", "lead", "-", "-", "coordinator", "admin", "-", "-", "-"],
  "report.schedule":    ["-", "-", "-", "-", "-", "-", "coordinator", "admin", "-", "-", "-"],
  "report.board_pack":  ["-", "-", "-", "-", "-", "-", "coordinator", "admin", "-", "board_member", "-"],
  "team.manage":        ["-", "-", "-", "-", "-", "-", "coordinator", "admin", "-", "-", "-"],
  "person.add":         ["-", "-", "-", "-", "-", "-", "coordinator", "admin", "-", "-", "-"],
  "person.role":        ["-", "-", "-", "-", "-", "-", "-", "admin", "-", "-", "-"],
};

describe("who may do what", () => {
  it("has a row for every capability", () => {
    expect(Object.keys(TABLE).sort()).toEqual([...CAPABILITIES].sort());
  });

  for (const capability of CAPABILITIES) {
    for (const [column, who] of WHO.entries()) {
      const expected = TABLE[capability][column]!;
      it(`${capability}: ${who} ${expected === "-" ? "is refused" : `may, as ${expected}`}`, () => {
        const decision = ask(who, capability);
        if (expected === "-") {
          expect(decision.allowed).toBe(false);
          if (!decision.allowed) expect(decision.message).toMatch(/^You can't .+\. .+ (by|to) .+\.$/);
        } else {
          expect(decision).toEqual({ allowed: true, because: expected });
        }
      });
    }
  }
});

describe("the roles that grant a capability with no subject", () => {
  it("are the roles its rule grants, asked of the rule itself", () => {
    expect(rolesGranting("pledge.create").sort()).toEqual(["admin", "ambassador", "coordinator"]);
    expect(rolesGranting("person.role")).toEqual(["admin"]);
    for (const name of rolesGranting("team.manage")) expect(may({ id: 7, roles: [name] }, "team.manage").allowed).toBe(true);
    expect(may({ id: 7, roles: ["board_member"] }, "pledge.create").allowed).toBe(false);
  });
});

describe("refusals say who can", () => {
  it("names an action's owners, owning teams, sponsor and lead, then the roles", () => {
    const decision = ask("stranger", "action.change");
    expect(decision).toMatchObject({
      allowed: false,
      message:
        "You can't change ATT-4. ATT-4 can be changed by its owners (Jancis Andrew and members of Cluster chairs), the priority's CTB sponsor (Tony Adlard), its lead (Simon Flowers), a coordinator or an admin.",
    });
  });

  it("leaves out standings nobody holds, and pluralises those several hold", () => {
    const bare = may(CAST.stranger, "action.change", { ref: "LAC-2", owners: [], priority: null });
    expect(bare).toMatchObject({ whoCan: "LAC-2 can be changed by a coordinator or an admin." });
    const two = may(CAST.stranger, "indicator.record", { code: "NEET", owner: null, priority: { sponsors: [], leads: [{ id: 3, name: "A" }, { id: 6, name: "B" }] } });
    expect(two).toMatchObject({ message: "You can't record NEET's readings. They can be recorded by its priority's leads (A and B), a coordinator or an admin." });
  });

  it("names roles for partnership-wide capabilities", () => {
    expect(may(CAST.board_member, "pledge.create")).toMatchObject({
      message: "You can't create pledges. Pledges can be created by a coordinator, an admin or a Child Friendly City ambassador.",
    });
  });

  it("requirePermission throws the same sentence as a not_permitted error, and returns the standing otherwise", () => {
    expect(requirePermission(CAST.sponsor, "priority.channel", priority)).toBe("sponsor");
    try {
      requirePermission(CAST.ambassador, "account.link");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CurveError);
      expect(error).toMatchObject({ code: "not_permitted", userMessage: "You can't link accounts. Accounts can be linked by a coordinator or an admin." });
    }
  });

  it("counts a team member by the team's members or by the person's teams", () => {
    const action = { ref: "ATT-4", owners: [{ kind: "team" as const, id: 9, name: "Cluster chairs", memberIds: [8] }], priority: null };
    expect(may({ id: 8, roles: [] }, "action.change", action)).toEqual({ allowed: true, because: "team_member" });
    expect(may({ id: 11, roles: [], teamIds: [9] }, "action.change", action)).toEqual({ allowed: true, because: "team_member" });
    expect(may({ id: 11, roles: [], teamIds: [10] }, "action.change", action).allowed).toBe(false);
  });

  it("refuses a change to an action of a refreshed plan to everyone, saying where the work went", () => {
    const action = { ...SUBJECTS["action.change"], closedPlan: { title: "CYPP 2011-15", closedOn: "2015-04-01", into: "cypp-2015-19", carriedRef: "ATT-4" } };
    const sentence = "CYPP 2011-15 was refreshed into cypp-2015-19 on 1 Apr 2015; ATT-4 is carried over as ATT-4 there.";
    for (const who of ["owner", "coordinator", "admin"] as const) {
      expect(may(CAST[who], "action.change", action)).toEqual({ allowed: false, whoCan: sentence, message: sentence });
    }
    expect(may(CAST.owner, "action.change", { ...action, closedPlan: null })).toEqual({ allowed: true, because: "owner" });
  });
});

describe("who hears about a milestone", () => {
  // Owner 1, team members 7 and 1 (the owner is in the team too), leads 3, sponsors 2, coordinators 20.
  const full: MilestoneParties = { ownerIds: [1], teamMemberIds: [7, 1], leadIds: [3], sponsorIds: [2], coordinatorIds: [20] };
  const hear = (list: { personId: number; because: string }[]) => list.map((h) => `${h.personId}:${h.because}`).join(" ") || "-";
  // Each row: the milestone's parties, who is nudged, who hears at lead level, who hears at sponsor level.
  const ROWS: [string, MilestoneParties, string, string, string][] = [
    ["owned by a person and a team", full, "1:owner 7:team_member", "3:lead", "2:sponsor"],
    ["owned by a team only", { ...full, ownerIds: [] }, "7:team_member 1:team_member", "3:lead", "2:sponsor"],
    ["with no owner, or only a team with no members yet", { ...full, ownerIds: [], teamMemberIds: [] }, "3:lead", "20:coordinator", "2:sponsor"],
    ["with no owner under a priority with no lead", { ...full, ownerIds: [], teamMemberIds: [], leadIds: [] }, "20:coordinator", "-", "2:sponsor"],
    ["owned, under a priority with no lead", { ...full, leadIds: [] }, "1:owner 7:team_member", "20:coordinator", "2:sponsor"],
    ["owned, under a priority with no lead or sponsor", { ...full, leadIds: [], sponsorIds: [] }, "1:owner 7:team_member", "20:coordinator", "-"],
    ["owned by its own lead", { ...full, ownerIds: [3], teamMemberIds: [] }, "3:owner", "20:coordinator", "2:sponsor"],
    ["with nobody at all", { ownerIds: [], teamMemberIds: [], leadIds: [], sponsorIds: [], coordinatorIds: [] }, "-", "-", "-"],
  ];
  for (const [what, parties, nudged, lead, sponsor] of ROWS) {
    it(`a milestone ${what}: nudges ${nudged}; raises with ${lead}, then ${sponsor}`, () => {
      expect(hear(nudgeRecipients(parties))).toBe(nudged);
      expect(hear(escalationRecipients("lead", parties))).toBe(lead);
      expect(hear(escalationRecipients("sponsor", parties))).toBe(sponsor);
    });
  }

  it("names each person once, however many times the plan names them", () => {
    expect(nudgeRecipients({ ...full, ownerIds: [1, 1], teamMemberIds: [7, 7] })).toEqual([
      { personId: 1, because: "owner" },
      { personId: 7, because: "team_member" },
    ]);
  });
});
