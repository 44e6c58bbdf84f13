import { sql, type InsertQueryBuilder, type RawBuilder } from "kysely";
import type { ChangeContext, ChangeOutcome } from "../../commands/store.ts";
import type { Person } from "../../domain/model.ts";
import { auditEachRowOf, changeInContext, type AuditSubject, type ChangedRow, type WithChanged } from "./audit.ts";
import { compileOnly as db, type DB } from "./kysely.ts";
import { NeedsTransaction, type ChangePlanner, type PlannedChange, type RowAsRead } from "./change-planner.ts";
import { planNewPerson } from "./people-changes.ts";
import { followedName } from "./receipts.ts";

const teamSubject = (team: { id: number; name: string }): AuditSubject => ({ type: "team", id: team.id, ref: team.name, actionId: null });

/** The team's membership row for the person, as a query returning the team's id (none when they are not a member). */
const membership = (teamId: number, personId: number) =>
  db.selectFrom("team_member as tm").select("tm.team_id as id").where("tm.team_id", "=", teamId).where("tm.person_id", "=", personId);

/**
 * `/team add|remove`'s change (by `ctx`) planned on `planner` from the person as the command
 * read them (the teams they were in, `Person.teamIds`), as receipts.ts's `changedOnce` sends
 * it: one insert of their membership (ON CONFLICT DO NOTHING) or one delete of it, each
 * returning the team's id, with its audit event ("team.member_added" or "team.member_removed")
 * about the team. Adding a member already in it, or taking off one not in it, changes nothing
 * and stands on the membership as read. When a twin got there first, the statement changes
 * nothing and the change is decided again in a transaction (sql-change-store.ts). Returns what
 * `ChangeStore.setTeamMember` returns. Pure: nothing runs.
 */
export function planTeamMember(planner: ChangePlanner, ctx: ChangeContext, team: { id: number; name: string }, person: Person, member: boolean): boolean {
  const wasMember = person.teamIds.includes(team.id);
  if (wasMember === member) {
    planner.unchangedAsRead = member
      ? membership(team.id, person.id)
      : db.selectFrom("team as t").select("t.id").where("t.id", "=", team.id).where((eb) => eb.not(eb.exists(membership(team.id, person.id))));
    return false;
  }
  const changed = member
    ? (alsoWhere: RawBuilder<boolean>) =>
        db
          .insertInto("team_member")
          .columns(["team_id", "person_id"])
          .expression(db.selectNoFrom((eb) => [eb.val(team.id).as("team_id"), eb.val(person.id).as("person_id")]).where(alsoWhere))
          .onConflict((oc) => oc.doNothing())
          .returning("team_id as id")
      : // A delete is guarded as an update is, by its WHERE, and returns the team's id as one does.
        (db.deleteFrom("team_member as tm").where("tm.team_id", "=", team.id).where("tm.person_id", "=", person.id).returning("tm.team_id as id") as unknown as ChangedRow);
  planner.planned = {
    changed,
    audit: changeInContext(ctx, member ? "team.member_added" : "team.member_removed", teamSubject(team), null, { person: person.name }),
  };
  return true;
}

/** The partnership's team or organisation named `name` in any case: a new one of that name is not made. */
export const teamNamedQuery = (partnershipId: number, name: string) =>
  db
    .selectFrom("team as named")
    .select("named.id")
    .where("named.partnership_id", "=", partnershipId)
    .where((eb) => eb(eb.fn("lower", ["named.name"]), "=", eb.fn("lower", [eb.val(name)])));

/** The id a row made by the planned statement has until it runs: its insert's, which no reply shows. */
const NOT_MADE_YET = 0;

/**
 * The changes to teams and people planned as ONE statement (receipts.ts, `changedOnce`), from
 * the teams and people as the command read them: a member added or taken off (`planTeamMember`),
 * a person added (`planNewPerson`), and a new row with the rows it brings:
 *
 * - a new team (`createTeam` first): the team inserted while no team has its name in any case,
 *   audited "team.created", then its first member (`setTeamMember` on the team it returned),
 *   audited "team.member_added";
 * - a new person (`addPerson` first) in an organisation: one the partnership has, or a new one
 *   (`createTeam(name, "organisation")`) inserted with them, audited "team.created", the person
 *   inserted only while no team has its name, then their membership, audited "team.member_added".
 *
 * The new rows' ids are their inserts' (0 in what the methods return, which no reply shows).
 * When a team of that name, or the email, appeared since the read, the statement writes nothing;
 * when a twin made the organisation at the same moment, it undoes itself (`inFull`); either
 * way the change is decided again in a transaction (sql-change-store.ts). Any other sequence
 * throws `NeedsTransaction`. Pure: nothing runs.
 */
export class PlannedTeamsAndPeople implements ChangePlanner {
  planned: PlannedChange | null = null;
  unchangedAsRead: RowAsRead | null = null;
  /** What the first change asked for made: a team (by name) or a person (by name); null for a membership. */
  private made: { team: string } | { person: string } | null = null;
  /** The `followedBy` index of the organisation made with a new person. */
  private organisation: { name: string; at: number } | null = null;
  private asked = 0;
  private joined = false;

  constructor(private readonly ctx: ChangeContext) {}

  createTeam(name: string, kind: "team" | "organisation"): ChangeOutcome<{ id: number; name: string }> {
    const { partnershipId } = this.ctx;
    const subject = teamSubject({ id: NOT_MADE_YET, name });
    if (this.asked++ === 0) {
      this.made = { team: name };
      this.planned = {
        changed: (alsoWhere) =>
          db
            .insertInto("team")
            .columns(["partnership_id", "name", "kind"])
            .expression(
              db
                .selectNoFrom((eb) => [eb.val(partnershipId).as("partnership_id"), eb.val(name).as("name"), eb.val(kind).as("kind")])
                .where(alsoWhere)
                .where((eb) => eb.not(eb.exists(teamNamedQuery(partnershipId, name)))),
            )
            .onConflict((oc) => oc.columns(["partnership_id", "name"]).doNothing())
            .returning("id"),
        audit: changeInContext(this.ctx, "team.created", subject, null, { name, kind }),
        auditSubjectIsChanged: true,
      };
      return { applied: true, value: { id: NOT_MADE_YET, name } };
    }
    const planned = this.planned;
    if (!planned || !this.made || !("person" in this.made) || kind !== "organisation" || this.organisation || this.joined) throw new NeedsTransaction("a new team");
    // The person is inserted only while no team has the organisation's name: one made since the read is joined in a transaction.
    const person = planned.changed as Exclude<PlannedChange["changed"], ChangedRow>;
    planned.changed = (alsoWhere) => person(sql<boolean>`(${alsoWhere}) and not exists (${teamNamedQuery(partnershipId, name)})`);
    const at = (planned.followedBy ??= []).length;
    planned.followedBy.push(
      (cte) =>
        cte
          .insertInto("team")
          .columns(["partnership_id", "name", "kind"])
          .expression((eb) => eb.selectFrom("changed").select([eb.val(partnershipId).as("partnership_id"), eb.val(name).as("name"), eb.val(kind).as("kind")]))
          .onConflict((oc) => oc.columns(["partnership_id", "name"]).doNothing())
          .returning("id"),
      (cte) => auditEachRowOf(cte, followedName(at), changeInContext(this.ctx, "team.created", subject, null, { name, kind })),
    );
    planned.inFull = true;
    this.organisation = { name, at };
    return { applied: true, value: { id: NOT_MADE_YET, name } };
  }

  setTeamMember(team: { id: number; name: string }, person: Person, member: boolean): boolean {
    if (this.asked++ === 0) return planTeamMember(this, this.ctx, team, person, member);
    const planned = this.planned;
    if (!planned || !this.made || !member || this.joined) throw new NeedsTransaction("a second change");
    const membership = this.membershipOfMade(team, person);
    const at = (planned.followedBy ??= []).length;
    planned.followedBy.push(membership, (cte) => auditEachRowOf(cte, followedName(at), changeInContext(this.ctx, "team.member_added", teamSubject(team), null, { person: person.name })));
    planned.inFull = true;
    this.joined = true;
    return true;
  }

  /** The membership insert (returning the team's id) that joins a row the statement makes: the new team's first member, or the new person. */
  private membershipOfMade(team: { id: number; name: string }, person: Person): (cte: WithChanged) => InsertQueryBuilder<DB & { changed: { id: number } }, "team_member", { id: number }> {
    const made = this.made!;
    const insert = (cte: WithChanged) => cte.insertInto("team_member").columns(["team_id", "person_id"]);
    if ("team" in made && team.id === NOT_MADE_YET && team.name === made.team) {
      // The team `changed` made, with its first member.
      return (cte) => insert(cte).expression((eb) => eb.selectFrom("changed").select((s) => [s.ref("changed.id").as("team_id"), s.val(person.id).as("person_id")])).returning("team_id as id");
    }
    if (!("person" in made) || person.id !== NOT_MADE_YET || person.name !== made.person) throw new NeedsTransaction("a second change");
    const organisation = this.organisation;
    if (organisation && team.id === NOT_MADE_YET && team.name === organisation.name) {
      // The person `changed` made, in the organisation made with them.
      return (cte) =>
        insert(cte)
          .expression((eb) =>
            eb
              .selectFrom(sql.table(followedName(organisation.at)).as("made"))
              .innerJoin("changed", (join) => join.onTrue())
              .select([sql.ref<number>("made.id").as("team_id"), sql.ref<number>("changed.id").as("person_id")]),
          )
          .returning("team_id as id");
    }
    if (team.id === NOT_MADE_YET) throw new NeedsTransaction("a team not read");
    // The person `changed` made, in an organisation the partnership had, while it still has it.
    return (cte) =>
      insert(cte)
        .expression((eb) =>
          eb
            .selectFrom("changed")
            .select((s) => [s.val(team.id).as("team_id"), s.ref("changed.id").as("person_id")])
            .where((w) => w.exists(db.selectFrom("team as t").select("t.id").where("t.id", "=", team.id))),
        )
        .returning("team_id as id");
  }

  addPerson(person: { name: string; email: string }): ChangeOutcome<{ id: number; name: string }> {
    if (this.asked++ !== 0) throw new NeedsTransaction("a second change");
    this.made = { person: person.name };
    return planNewPerson(this, this.ctx, person);
  }
}
