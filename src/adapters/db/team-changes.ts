import type { RawBuilder } from "kysely";
import type { ChangeContext } from "../../commands/store.ts";
import type { Person } from "../../domain/model.ts";
import { changeInContext, type AuditSubject, type ChangedRow } from "./audit.ts";
import { compileOnly as db } from "./kysely.ts";
import type { ChangePlanner } from "./milestone-changes.ts";

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
