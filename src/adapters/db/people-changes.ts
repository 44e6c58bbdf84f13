import { sql } from "kysely";
import type { ChangeContext, ChangeOutcome } from "../../commands/store.ts";
import type { Person, PersonRole } from "../../domain/model.ts";
import { changeInContext, type AuditSubject } from "./audit.ts";
import { arrayOf, compileOnly as db, enumArray } from "./kysely.ts";
import type { ChangePlanner } from "./change-planner.ts";

const personSubject = (p: { id: number; name: string }): AuditSubject => ({ type: "person", id: p.id, ref: p.name, actionId: null });

/** The person's roles, as text in a fixed order, so roles as read compare with the row's whatever their order. */
const rolesText = (roles: readonly PersonRole[]) => [...roles].sort().join(",");

/** Where the person's roles are still `roles` (in any order): the guard of a role change planned from them. */
const rolesStill = (roles: readonly PersonRole[]) =>
  sql<boolean>`coalesce((select string_agg(r, ',' order by r) from unnest(${enumArray<PersonRole>("p.roles")}) as r), '') = ${rolesText(roles)}`;

/**
 * `/curve role`'s change (by `ctx`) planned on `planner` from the person as the command read them (their
 * roles), as receipts.ts's `changedOnce` sends it: one update of their roles, guarded by the
 * roles as read (the audit's "before"), with its audit event "person.role". Giving a role they
 * have, or taking one they do not, changes nothing and stands on the roles as read. When the
 * roles moved on since, the statement changes nothing and the change is decided again on the
 * locked row (sql-change-store.ts). Returns what `ChangeStore.setRole` returns. Pure: nothing runs.
 */
export function planRole(planner: ChangePlanner, ctx: ChangeContext, person: Person, role: PersonRole, on: boolean): boolean {
  const roles = person.roles;
  if (roles.includes(role) === on) {
    planner.unchangedAsRead = db.selectFrom("person as p").select("p.id").where("p.id", "=", person.id).where(rolesStill(roles));
    return false;
  }
  const next = on ? [...roles, role] : roles.filter((r) => r !== role);
  planner.planned = {
    changed: db.updateTable("person as p").set({ roles: arrayOf(next, "person_role") }).where("p.id", "=", person.id).where(rolesStill(roles)).returning("p.id"),
    audit: changeInContext(ctx, "person.role", personSubject(person), { roles }, { roles: next, role, on }),
  };
  return true;
}

/**
 * `/curve person add`'s change (by `ctx`) planned on `planner`: one insert of the person, with its audit
 * event "person.added" about the row inserted (its id is the insert's). An email the
 * partnership already has inserts nothing (ON CONFLICT DO NOTHING), so the change is decided
 * again in a transaction, which says so ("exists"). Returns what `ChangeStore.addPerson`
 * returns when it is made, with id 0: the insert's id is not known before it runs, and no
 * reply shows it. Pure: nothing runs.
 */
export function planNewPerson(planner: ChangePlanner, ctx: ChangeContext, person: { name: string; email: string }): ChangeOutcome<{ id: number; name: string }> {
  const { partnershipId } = ctx;
  planner.planned = {
    changed: (alsoWhere) =>
      db
        .insertInto("person")
        .columns(["partnership_id", "name", "email"])
        .expression(db.selectNoFrom((eb) => [eb.val(partnershipId).as("partnership_id"), eb.val(person.name).as("name"), eb.val(person.email).as("email")]).where(alsoWhere))
        .onConflict((oc) => oc.columns(["partnership_id", "email"]).doNothing())
        .returning("id"),
    audit: changeInContext(ctx, "person.added", personSubject({ id: 0, name: person.name }), null, { name: person.name, email: person.email }),
    auditSubjectIsChanged: true,
  };
  return { applied: true, value: { id: 0, name: person.name } };
}
