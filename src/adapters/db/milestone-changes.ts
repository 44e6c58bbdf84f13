import { sql, type ExpressionBuilder, type Updateable } from "kysely";
import type { ChangeOutcome, ChangeStore } from "../../commands/store.ts";
import type { Due } from "../../domain/dates/due-phrase.ts";
import type { ActionState, ActionView, MilestoneView, Person, PersonRole } from "../../domain/model.ts";
import { planRole } from "./people-changes.ts";
import { PlannedTeamsAndPeople } from "./team-changes.ts";
import { changeInContext, type AuditSubject, type WithChanged } from "./audit.ts";
import { OnePlannedChange, transactionOnly, type PlannedChange, type RowAsRead } from "./change-planner.ts";
import { compileOnly as db, type DB } from "./kysely.ts";

/** An update of one milestone that stamps `updated_at` and returns its id, for `changedWithAudit`. */
export const updateMilestone = (id: number, set: Updateable<DB["milestone"]>) =>
  db.updateTable("milestone").set({ ...set, updated_at: sql<Date>`now()` }).where("id", "=", id).returning("id");

export const milestoneSubject = (m: MilestoneView): AuditSubject => ({ type: "milestone", id: m.id, ref: m.ref, actionId: m.actionId });
export const actionSubject = (a: ActionView): AuditSubject => ({ type: "action", id: a.id, ref: a.ref, actionId: a.id });

/**
 * The action (by the id in `actionId`) is in an open plan, for an update's WHERE: its plan row
 * is share-locked. A refresh locks the plan first and closes it last, so a change that comes
 * while one runs waits for it and then reads the plan as committed: closed, so the update
 * changes nothing and the change is refused in its transaction. (A plain subquery would read
 * the plan as it was when the statement began and let the change land on the closed plan.)
 */
const planOpen = (eb: ExpressionBuilder<any, any>, actionId: string) =>
  eb.exists(db.selectFrom("action as pa").innerJoin("plan as pl", "pl.id", "pa.plan_id").select("pl.id").whereRef("pa.id", "=", sql.ref(actionId)).where("pl.closed_at", "is", null).forShare("pl"));

/** The same, for a read that only answers (`rowAsRead`): no lock. */
const planOpenAsRead = (eb: ExpressionBuilder<any, any>, actionId: string) =>
  eb.not(eb.exists(db.selectFrom("action as pa").innerJoin("plan as pl", "pl.id", "pa.plan_id").select("pa.id").whereRef("pa.id", "=", sql.ref(actionId)).where("pl.closed_at", "is not", null)));

/**
 * The changes a command can make in one statement, planned from the milestone as the command
 * read it (receipts.ts, `changedOnce`). Nothing runs here: each method answers from the row as
 * read. A change is recorded as its update and audit event, and the update's WHERE holds what
 * the answer assumed (the row as read, its plan open), so when the row moved on meanwhile the
 * statement changes nothing and the change is made again in a transaction that locks the row.
 * An answer that changes nothing ("already done") stands on the read alone, as the reply shows
 * the row as read. A role, a person added (with their organisation), a team member and a new
 * team with its first member are planned likewise (people-changes.ts, team-changes.ts). A
 * second call, and every other kind of change, throws `NeedsTransaction`.
 */
export class PlannedChanges extends OnePlannedChange implements ChangeStore {
  private plan(m: MilestoneView, set: Updateable<DB["milestone"]>, guard: Updateable<DB["milestone"]>, event: string, before: unknown, after: unknown, alongside?: PlannedChange["alongside"]): void {
    let changed = db
      .updateTable("milestone as m")
      .set({ ...set, updated_at: sql<Date>`now()` })
      .where("m.id", "=", m.id)
      // A refresh that closed the plan since it was read: the transaction names the plan to use.
      .where((eb) => planOpen(eb, "m.action_id"));
    for (const [column, value] of Object.entries(guard) as [keyof typeof guard & string, unknown][]) {
      changed = value === null ? changed.where(`m.${column}`, "is", null) : changed.where(`m.${column}`, "=", value as never);
    }
    this.planned = { changed: changed.returning("m.id"), audit: changeInContext(this.ctx, event, milestoneSubject(m), before, after), alongside };
  }

  async markMilestoneDone(milestone: MilestoneView, evidence: string | null): Promise<ChangeOutcome<MilestoneView>> {
    this.once();
    if (milestone.doneAt) {
      this.unchangedAsRead = rowAsRead(milestone, { done_at: milestone.doneAt });
      return { applied: false, reason: "already_done" };
    }
    const { at, actor } = this.ctx;
    this.plan(
      milestone,
      { done_at: at, done_by_id: actor.id, evidence },
      { done_at: null },
      "milestone.done",
      { doneAt: null },
      { doneAt: at.toISOString(), doneBy: actor.name, evidence },
    );
    return { applied: true, value: { ...milestone, doneAt: at, doneBy: { id: actor.id, name: actor.name }, evidence } };
  }

  async reopenMilestone(milestone: MilestoneView): Promise<ChangeOutcome<MilestoneView>> {
    this.once();
    if (!milestone.doneAt) {
      this.unchangedAsRead = rowAsRead(milestone, { done_at: null });
      return { applied: false, reason: "not_done" };
    }
    this.plan(
      milestone,
      { done_at: null, done_by_id: null, evidence: null },
      // The audit's "before" is the row as read, so the row must still be that.
      { done_at: milestone.doneAt, done_by_id: milestone.doneBy?.id ?? null, evidence: milestone.evidence },
      "milestone.reopened",
      { doneAt: milestone.doneAt.toISOString(), doneBy: milestone.doneBy?.name ?? null, evidence: milestone.evidence },
      { doneAt: null },
    );
    return { applied: true, value: { ...milestone, doneAt: null, doneBy: null, evidence: null } };
  }

  async addMilestoneEvidence(milestone: MilestoneView, evidence: string): Promise<ChangeOutcome<MilestoneView>> {
    this.once();
    const lines = milestone.evidence ? milestone.evidence.split("\n") : [];
    if (lines.includes(evidence)) {
      this.unchangedAsRead = rowAsRead(milestone, { evidence: milestone.evidence });
      return { applied: false, reason: "unchanged" };
    }
    const combined = [...lines, evidence].join("\n");
    this.plan(milestone, { evidence: combined }, { evidence: milestone.evidence }, "milestone.evidence", { evidence: milestone.evidence }, { evidence: combined });
    return { applied: true, value: { ...milestone, evidence: combined } };
  }

  async setMilestoneDue(milestone: MilestoneView, due: Due): Promise<ChangeOutcome<MilestoneView>> {
    this.once();
    const asRead = { due_date: milestone.dueDate, due_start: milestone.dueStart, due_precision: milestone.precision, due_phrase: milestone.duePhrase };
    if (milestone.dueDate === due.due && milestone.precision === due.precision) {
      this.unchangedAsRead = rowAsRead(milestone, asRead);
      return { applied: false, reason: "unchanged" };
    }
    this.plan(
      milestone,
      { due_precision: due.precision, due_date: due.due, due_start: due.start, due_phrase: due.phrase },
      // The audit's "before" is the date as read, so the row must still have it.
      asRead,
      "milestone.dated",
      { due: milestone.dueDate, start: milestone.dueStart, precision: milestone.precision, phrase: milestone.duePhrase },
      { due: due.due, start: due.start, precision: due.precision, phrase: due.phrase },
    );
    return { applied: true, value: { ...milestone, precision: due.precision, dueDate: due.due, dueStart: due.start, duePhrase: due.phrase } };
  }

  async setActionState(action: ActionView, state: ActionState, note: string | null): Promise<ChangeOutcome<{ action: ActionView; was: ActionState }>> {
    this.once();
    const asRead = db
      .selectFrom("action as a")
      .select("a.id")
      .where("a.id", "=", action.id)
      .where("a.state", "=", action.state)
      .where((eb) => planOpenAsRead(eb, "a.id"));
    if (action.state === state && !note) {
      this.unchangedAsRead = asRead;
      return { applied: false, reason: "unchanged" };
    }
    const { actor, at } = this.ctx;
    this.planned = {
      // Guarded by the state as read (the audit's "before") and the plan still open.
      changed: db
        .updateTable("action as a")
        .set({ state, updated_at: sql<Date>`now()` })
        .where("a.id", "=", action.id)
        .where("a.state", "=", action.state)
        .where((eb) => planOpen(eb, "a.id"))
        // The same state with the note it already ends on is nothing new.
        .where((eb) => (note && action.state === state ? eb.not(latestNoteSays(eb, note, this.ctx.actor.id, this.ctx.at)) : eb.lit(true)))
        .returning("a.id"),
      audit: changeInContext(this.ctx, "action.status", actionSubject(action), { state: action.state }, { state, note }),
      alongside: note ? (cte) => noteFromChanged(cte, actor.id, note, at) : undefined,
    };
    return { applied: true, value: { action: { ...action, state }, was: action.state } };
  }

  async addActionNote(action: ActionView, text: string): Promise<ChangeOutcome<null>> {
    this.once();
    const { actor, at } = this.ctx;
    this.planned = {
      // A note is a change to its action: the action is touched, guarded by its plan being open.
      changed: db
        .updateTable("action as a")
        .set({ updated_at: sql<Date>`now()` })
        .where("a.id", "=", action.id)
        .where((eb) => planOpen(eb, "a.id"))
        .where((eb) => eb.not(latestNoteSays(eb, text, actor.id, at)))
        .returning("a.id"),
      audit: changeInContext(this.ctx, "action.note", actionSubject(action), null, { text }),
      alongside: (cte) => noteFromChanged(cte, actor.id, text, at).returning("id"),
      auditIdAs: "noteId",
    };
    return { applied: true, value: null };
  }

  // Planned by store-planner.ts's PlannedStoreChanges (priority-channel.ts, identity-link.ts); prototype methods, so its own are called.
  linkIdentity(..._: Parameters<ChangeStore["linkIdentity"]>): ReturnType<ChangeStore["linkIdentity"]> {
    return transactionOnly("a linked identity")();
  }
  setPriorityChannel(..._: Parameters<ChangeStore["setPriorityChannel"]>): ReturnType<ChangeStore["setPriorityChannel"]> {
    return transactionOnly("a priority's channel")();
  }
  async snoozeMilestone(milestone: MilestoneView, until: Date, reason: string): Promise<ChangeOutcome<{ count: number }>> {
    this.once();
    if (milestone.doneAt) {
      this.unchangedAsRead = rowAsRead(milestone, { done_at: milestone.doneAt });
      return { applied: false, reason: "already_done" };
    }
    // Quiet until that very moment already (a form submitted twice): not a second snooze.
    if (milestone.snoozedUntil?.getTime() === until.getTime()) {
      this.unchangedAsRead = rowAsRead(milestone, { done_at: null, snoozed_until: milestone.snoozedUntil });
      return { applied: false, reason: "unchanged" };
    }
    const count = milestone.snoozeCount + 1;
    const { actor, at } = this.ctx;
    this.plan(
      milestone,
      { snoozed_until: until, snooze_count: count },
      // The count the reply gives and the audit's "before" are the row as read.
      { done_at: null, snoozed_until: milestone.snoozedUntil, snooze_count: milestone.snoozeCount },
      "milestone.snoozed",
      { snoozedUntil: milestone.snoozedUntil?.toISOString() ?? null },
      { snoozedUntil: until.toISOString(), reason, count },
      // Each snooze is also a row of its own, with its reason (the lead and sponsors see them).
      (cte) =>
        cte
          .insertInto("snooze")
          .columns(["milestone_id", "person_id", "until", "reason", "created_at"])
          .expression((eb) => eb.selectFrom("changed").select((s) => [s.ref("changed.id").as("milestone_id"), s.val(actor.id).as("person_id"), s.val(until).as("until"), s.val(reason).as("reason"), s.val(at).as("created_at")])),
    );
    return { applied: true, value: { count } };
  }

  // Planned by store-planner.ts's PlannedStoreChanges (person-settings.ts, privacy-policy.ts, publication.ts, partnership-calendar.ts).
  updateSettings(..._: Parameters<ChangeStore["updateSettings"]>): ReturnType<ChangeStore["updateSettings"]> {
    return transactionOnly("a person's settings")();
  }
  setPrivacyPolicy(..._: Parameters<ChangeStore["setPrivacyPolicy"]>): ReturnType<ChangeStore["setPrivacyPolicy"]> {
    return transactionOnly("the personal-data guard's policy")();
  }
  setSectionPublished(..._: Parameters<ChangeStore["setSectionPublished"]>): ReturnType<ChangeStore["setSectionPublished"]> {
    return transactionOnly("a web section")();
  }
  setPartnershipRegion(..._: Parameters<ChangeStore["setPartnershipRegion"]>): ReturnType<ChangeStore["setPartnershipRegion"]> {
    return transactionOnly("the partnership's region")();
  }

  async createTeam(name: string, kind: "team" | "organisation"): Promise<ChangeOutcome<{ id: number; name: string }>> {
    return this.byTeamsAndPeople((planner) => planner.createTeam(name, kind));
  }

  // Asked only when a team was made since the read: a transaction reads it.
  teamNamed = transactionOnly("a team made since the read");

  async setTeamMember(team: { id: number; name: string }, person: Person, member: boolean): Promise<boolean> {
    return this.byTeamsAndPeople((planner) => planner.setTeamMember(team, person, member));
  }

  async addPerson(person: { name: string; email: string }): Promise<ChangeOutcome<{ id: number; name: string }>> {
    return this.byTeamsAndPeople((planner) => planner.addPerson(person));
  }

  // A team's or a person's change, with the rows a new one brings (its first member, an organisation), planned by team-changes.ts as one.
  private teamsAndPeople: PlannedTeamsAndPeople | null = null;
  private byTeamsAndPeople<T>(decide: (planner: PlannedTeamsAndPeople) => T): T {
    if (!this.teamsAndPeople) {
      this.once();
      this.teamsAndPeople = new PlannedTeamsAndPeople(this.ctx);
    }
    const outcome = decide(this.teamsAndPeople);
    this.planned = this.teamsAndPeople.planned;
    this.unchangedAsRead = this.teamsAndPeople.unchangedAsRead;
    return outcome;
  }

  async setRole(person: Person, role: PersonRole, on: boolean): Promise<boolean> {
    this.once();
    return planRole(this, this.ctx, person, role, on);
  }
}

/** How long a note stays one its author may be sending again: a double submission, the same command retyped. */
export const REPEATED_NOTE_MS = 60 * 60 * 1000;

/**
 * Whether action `a`'s latest note is `text`, by `authorId`, written less than REPEATED_NOTE_MS
 * before `at`: a note sent again like that adds nothing, so its change is guarded by this not
 * holding, and is decided again in a transaction that says so (sql-change-store.ts).
 */
const latestNoteSays = (eb: ExpressionBuilder<DB & { a: DB["action"] }, "a">, text: string, authorId: number, at: Date) =>
  eb.exists(
    eb
      .selectFrom("action_note as n")
      .select("n.id")
      .whereRef("n.action_id", "=", "a.id")
      .where("n.text", "=", text)
      .where("n.author_id", "=", authorId)
      .where("n.created_at", ">", new Date(at.getTime() - REPEATED_NOTE_MS))
      .where((inner) => inner.not(inner.exists(inner.selectFrom("action_note as later").select("later.id").whereRef("later.action_id", "=", "a.id").whereRef("later.id", ">", "n.id")))),
  );

/** An action's note by `authorId`, inserted for the action the statement's `changed` CTE returns (none when it changed nothing). */
const noteFromChanged = (cte: WithChanged, authorId: number, text: string, at: Date) =>
  cte
    .insertInto("action_note")
    .columns(["action_id", "author_id", "text", "created_at"])
    .expression((eb) => eb.selectFrom("changed").select((s) => [s.ref("changed.id").as("action_id"), s.val(authorId).as("author_id"), s.val(text).as("text"), s.val(at).as("created_at")]));

/** The milestone `m`, found only while `guard`'s columns still hold what was read and its plan is open. */
function rowAsRead(m: MilestoneView, guard: Pick<Updateable<DB["milestone"]>, "done_at" | "evidence" | "due_date" | "due_start" | "due_precision" | "due_phrase" | "snoozed_until">): RowAsRead {
  let query = db
    .selectFrom("milestone as m")
    .select("m.id")
    .where("m.id", "=", m.id)
    .where((eb) => planOpenAsRead(eb, "m.action_id"));
  for (const [column, value] of Object.entries(guard) as [keyof typeof guard & string, unknown][]) {
    query = value === null ? query.where(`m.${column}`, "is", null) : query.where(`m.${column}`, "=", value as never);
  }
  return query;
}
