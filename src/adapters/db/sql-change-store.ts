import type { Region } from "../../domain/schedule/bank-holidays.ts";
import type { ChangeContext, ChangeOutcome, ChangeStore, PersonSettings, PlatformIdentity, PrivacyAsRead } from "../../commands/store.ts";
import type { DetectorKind, GuardAction, GuardPolicy } from "../../domain/privacy/guard.ts";
import type { Publication, WebSection } from "../../domain/web/publishing.ts";
import type { Due } from "../../domain/dates/due-phrase.ts";
import type { ActionState, ActionView, MilestoneView, Person, PersonRole, PriorityView } from "../../domain/model.ts";
import { sql } from "kysely";
import type { SqlTransaction } from "./sql-runner.ts";
import { changedWithAudit, changeInContext, writeAudit, type AuditSubject, type ChangedRow } from "./audit.ts";
import { arrayOf, compileOnly as db, enumArray, runCompiled } from "./kysely.ts";
import { actionById, lockMilestone } from "./view-queries.ts";
import { guardedChange, OnePlannedChange } from "./change-planner.ts";
import { actionSubject, milestoneSubject, PlannedChanges, REPEATED_NOTE_MS, updateMilestone } from "./milestone-changes.ts";
import { PlannedSettingsChange, settingsAsReadFrom } from "./person-settings.ts";
import { PlannedChannelChange } from "./priority-channel.ts";
import { PlannedPrivacyChange } from "./privacy-policy.ts";
import { lockPublication, PlannedPublicationChange } from "./publication.ts";
import { teamNamedQuery } from "./team-changes.ts";
import { CurveError } from "../../domain/errors.ts";
import { closedPlanRefusal } from "../../domain/plan-refresh.ts";

/**
 * The writes, as typed queries (kysely.ts) run inside the invocation's raw transaction: each
 * change and its audit event commit together or not at all, and a renamed column fails the
 * type check. Rows are locked before they are read, so a concurrent change waits and "before"
 * in the audit is what really was. An update whose audit is known before it runs is one
 * statement with its audit event (`changedWithAudit`). A milestone's done, reopen and evidence
 * are usually made in one statement without a transaction (receipts.ts, `changedOnce`); they
 * come here when the milestone moved on after the command read it.
 */
export class SqlChangeStore implements ChangeStore {
  constructor(
    private readonly tx: SqlTransaction,
    private readonly ctx: ChangeContext,
  ) {}

  private audit(event: string, subject: AuditSubject, before: unknown, after: unknown): Promise<void> {
    return writeAudit(this.tx, changeInContext(this.ctx, event, subject, before, after));
  }

  /** Runs an update of one locked row together with its audit event: one statement. */
  private async changeAudited(changed: ChangedRow, event: string, subject: AuditSubject, before: unknown, after: unknown): Promise<void> {
    await runCompiled(this.tx, changedWithAudit(changed, changeInContext(this.ctx, event, subject, before, after)));
  }

  private async lock(id: number): Promise<MilestoneView> {
    const locked = await lockMilestone(this.tx, id);
    if (!locked) throw new Error(`milestone ${id} vanished`);
    if (locked.planClosed) await this.refuse(locked.milestone.actionId);
    return locked.milestone;
  }

  /**
   * The access rule refuses changes to a refreshed plan before the transaction; this catches a
   * refresh that committed in between (it locks the plan's actions and milestones while it copies them).
   */
  private async refuseClosed(actionId: number): Promise<void> {
    const closed = await runCompiled(
      this.tx,
      db.selectFrom("action as a").innerJoin("plan as pl", "pl.id", "a.plan_id").select("a.id").where("a.id", "=", actionId).where("pl.closed_at", "is not", null),
    );
    if (closed.length > 0) await this.refuse(actionId);
  }

  /** Throws the refusal that names the plan this action's plan was refreshed into. */
  private async refuse(actionId: number): Promise<never> {
    const view = await actionById(this.tx, actionId);
    throw new CurveError("not_permitted", closedPlanRefusal(view!) ?? "This plan is closed to changes.");
  }

  // The milestone changes decide as their one-statement plans do (milestone-changes.ts), from the locked row.
  async markMilestoneDone(milestone: MilestoneView, evidence: string | null): Promise<ChangeOutcome<MilestoneView>> {
    const current = await this.lock(milestone.id);
    return this.applyPlanned((planner) => planner.markMilestoneDone(current, evidence));
  }

  async reopenMilestone(milestone: MilestoneView): Promise<ChangeOutcome<MilestoneView>> {
    const current = await this.lock(milestone.id);
    return this.applyPlanned((planner) => planner.reopenMilestone(current));
  }

  async addMilestoneEvidence(milestone: MilestoneView, evidence: string): Promise<ChangeOutcome<MilestoneView>> {
    const current = await this.lock(milestone.id);
    return this.applyPlanned((planner) => planner.addMilestoneEvidence(current, evidence));
  }

  /** Runs the change a planner decided on, with its audit event, as one statement; its guard holds, as the row is locked. */
  private async applyPlanned<T>(decide: (planner: PlannedChanges) => Promise<ChangeOutcome<T>>): Promise<ChangeOutcome<T>> {
    return this.applyPlan(new PlannedChanges(this.ctx), decide);
  }

  /** `applyPlanned`, with the planner named after the data (person-settings.ts, priority-channel.ts, privacy-policy.ts, publication.ts). */
  private async applyPlan<P extends OnePlannedChange, T>(planner: P, decide: (planner: P) => Promise<ChangeOutcome<T>>): Promise<ChangeOutcome<T>> {
    const outcome = await decide(planner);
    if (planner.planned) await runCompiled(this.tx, changedWithAudit(guardedChange(planner.planned.changed, sql<boolean>`true`), planner.planned.audit));
    return outcome;
  }

  async setMilestoneDue(milestone: MilestoneView, due: Due): Promise<ChangeOutcome<MilestoneView>> {
    const current = await this.lock(milestone.id);
    if (current.dueDate === due.due && current.precision === due.precision) return { applied: false, reason: "unchanged" };
    await this.changeAudited(
      updateMilestone(current.id, { due_precision: due.precision, due_date: due.due, due_start: due.start, due_phrase: due.phrase }),
      "milestone.dated",
      milestoneSubject(current),
      { due: current.dueDate, start: current.dueStart, precision: current.precision, phrase: current.duePhrase },
      { due: due.due, start: due.start, precision: due.precision, phrase: due.phrase },
    );
    return { applied: true, value: { ...current, precision: due.precision, dueDate: due.due, dueStart: due.start, duePhrase: due.phrase } };
  }

  async setActionState(action: ActionView, state: ActionState, note: string | null): Promise<ChangeOutcome<{ action: ActionView; was: ActionState }>> {
    const [locked] = await runCompiled(this.tx, db.selectFrom("action").select("state").where("id", "=", action.id).forUpdate());
    await this.refuseClosed(action.id);
    if (locked?.state === state && (!note || (await this.repeatsLatestNote(action.id, note)))) return { applied: false, reason: "unchanged" };
    if (note) await this.insertNote(action, note);
    await this.changeAudited(
      db.updateTable("action").set({ state, updated_at: sql<Date>`now()` }).where("id", "=", action.id).returning("id"),
      "action.status",
      actionSubject(action),
      { state: locked?.state },
      { state, note },
    );
    const updated = await actionById(this.tx, action.id);
    return { applied: true, value: { action: updated!, was: locked?.state ?? action.state } };
  }

  async addActionNote(action: ActionView, text: string): Promise<ChangeOutcome<null>> {
    await this.refuseClosed(action.id);
    // Two copies of one note take turns on the action, so the second sees the first.
    await runCompiled(this.tx, db.selectFrom("action").select("id").where("id", "=", action.id).forUpdate());
    if (await this.repeatsLatestNote(action.id, text)) return { applied: false, reason: "unchanged" };
    const noteId = await this.insertNote(action, text);
    // As its one-statement plan does (milestone-changes.ts): a note touches its action.
    await this.changeAudited(
      db.updateTable("action").set({ updated_at: sql<Date>`now()` }).where("id", "=", action.id).returning("id"),
      "action.note",
      actionSubject(action),
      null,
      { noteId, text },
    );
    return { applied: true, value: null };
  }

  // Decided on the account's locked row, whomever the command read it as linked to (identity-link.ts plans it from that read).
  async linkIdentity(person: Person, identity: PlatformIdentity): Promise<boolean> {
    const [existing] = await runCompiled(
      this.tx,
      db
        .selectFrom("platform_identity")
        .select("person_id")
        .where("platform", "=", identity.platform)
        .where("tenant", "=", identity.tenant)
        .where("user_id", "=", identity.userId)
        .forUpdate(),
    );
    if (existing?.person_id === person.id) return false;
    await runCompiled(
      this.tx,
      db
        .insertInto("platform_identity")
        .values({ person_id: person.id, platform: identity.platform, tenant: identity.tenant, user_id: identity.userId })
        .onConflict((oc) => oc.columns(["platform", "tenant", "user_id"]).doUpdateSet((eb) => ({ person_id: eb.ref("excluded.person_id"), conversation: null }))),
    );
    await this.audit(
      "identity.linked",
      { type: "person", id: person.id, ref: person.name, actionId: null },
      existing ? { personId: existing.person_id } : null,
      { ...identity, personId: person.id },
    );
    return true;
  }

  // As its one-statement plan decides (priority-channel.ts), on the locked row.
  async setPriorityChannel(priority: PriorityView, channel: string | null): Promise<ChangeOutcome<PriorityView>> {
    const [locked] = await runCompiled(this.tx, db.selectFrom("priority").select("channel").where("id", "=", priority.id).forUpdate());
    return this.applyPlan(new PlannedChannelChange(this.ctx), (planner) => planner.setPriorityChannel({ ...priority, channel: locked?.channel ?? null }, channel));
  }

  async snoozeMilestone(milestone: MilestoneView, until: Date, reason: string): Promise<ChangeOutcome<{ count: number }>> {
    const current = await this.lock(milestone.id);
    if (current.doneAt) return { applied: false, reason: "already_done" };
    if (current.snoozedUntil?.getTime() === until.getTime()) return { applied: false, reason: "unchanged" };
    const [row] = await runCompiled(
      this.tx,
      db
        .updateTable("milestone as m")
        .from(db.selectFrom("milestone").select("snoozed_until").where("id", "=", current.id).as("old"))
        .set((eb) => ({ snoozed_until: until, snooze_count: eb("m.snooze_count", "+", 1), updated_at: sql<Date>`now()` }))
        .where("m.id", "=", current.id)
        .returning(["m.snooze_count", "old.snoozed_until as before"]),
    );
    await runCompiled(
      this.tx,
      db.insertInto("snooze").values({ milestone_id: current.id, person_id: this.ctx.actor.id, until, reason, created_at: this.ctx.at }),
    );
    await this.audit("milestone.snoozed", milestoneSubject(current), { snoozedUntil: row?.before ?? null }, { snoozedUntil: until.toISOString(), reason, count: row!.snooze_count });
    return { applied: true, value: { count: row!.snooze_count } };
  }

  // As its one-statement plan decides (person-settings.ts), on the locked row.
  async updateSettings(person: Person, settings: PersonSettings): Promise<ChangeOutcome<Required<PersonSettings>>> {
    const [row] = await runCompiled(
      this.tx,
      db.selectFrom("person").select(["time_zone", "quiet_start_minute", "quiet_end_minute", "digest_weekday", "digest_minute", "region"]).where("id", "=", person.id).forUpdate(),
    );
    if (!row) throw new Error(`person ${person.id} vanished`);
    const { partnershipRegion: _, ...locked } = settingsAsReadFrom({ ...row, partnership_region: null });
    return this.applyPlan(new PlannedSettingsChange(this.ctx), (planner) => planner.updateSettings(person, settings, locked));
  }

  // As its one-statement plan decides (privacy-policy.ts), on the locked row.
  async setPrivacyPolicy(kind: DetectorKind, action: GuardAction, _asRead: PrivacyAsRead["stored"]): Promise<ChangeOutcome<GuardPolicy>> {
    const [locked] = await runCompiled(this.tx, db.selectFrom("partnership").select(sql<PrivacyAsRead["stored"]>`privacy_policy`.as("stored")).where("id", "=", this.ctx.partnershipId).forUpdate());
    return this.applyPlan(new PlannedPrivacyChange(this.ctx), (planner) => planner.setPrivacyPolicy(kind, action, locked?.stored ?? null));
  }

  // As its one-statement plan decides (publication.ts), on the locked row, made first if there was none.
  async setSectionPublished(section: WebSection, on: boolean, _asRead: Publication | null): Promise<ChangeOutcome<Publication>> {
    const locked = await lockPublication(this.tx, this.ctx.partnershipId);
    return this.applyPlan(new PlannedPublicationChange(this.ctx), (planner) => planner.setSectionPublished(section, on, locked));
  }

  // Decided on the locked partnership, whatever calendar the command read (partnership-calendar.ts plans it from that read).
  async setPartnershipRegion(region: Region): Promise<ChangeOutcome<{ region: Region }>> {
    const [before] = await runCompiled(this.tx, db.selectFrom("partnership").select(["id", "slug", "region"]).where("id", "=", this.ctx.partnershipId).forUpdate());
    if (!before || before.region === region) return { applied: false, reason: "unchanged" };
    await this.changeAudited(
      db.updateTable("partnership").set({ region }).where("id", "=", before.id).returning("id"),
      "partnership.region",
      { type: "partnership", id: before.id, ref: before.slug, actionId: null },
      { region: before.region },
      { region },
    );
    return { applied: true, value: { region } };
  }

  async createTeam(name: string, kind: "team" | "organisation"): Promise<ChangeOutcome<{ id: number; name: string }>> {
    const [existing] = await runCompiled(this.tx, teamNamedQuery(this.ctx.partnershipId, name));
    if (existing) return { applied: false, reason: "exists" };
    const [row] = await runCompiled(
      this.tx,
      db
        .insertInto("team")
        .values({ partnership_id: this.ctx.partnershipId, name, kind })
        .onConflict((oc) => oc.columns(["partnership_id", "name"]).doNothing())
        .returning("id"),
    );
    if (!row) return { applied: false, reason: "exists" };
    await this.audit("team.created", { type: "team", id: row.id, ref: name, actionId: null }, null, { name, kind });
    return { applied: true, value: { id: row.id, name } };
  }

  async teamNamed(name: string): Promise<{ id: number; name: string } | null> {
    const [row] = await runCompiled(this.tx, teamNamedQuery(this.ctx.partnershipId, name).select("named.name").orderBy("named.id").limit(1));
    return row ?? null;
  }

  async setTeamMember(team: { id: number; name: string }, person: Person, member: boolean): Promise<boolean> {
    const rows = member
      ? await runCompiled(this.tx, db.insertInto("team_member").values({ team_id: team.id, person_id: person.id }).onConflict((oc) => oc.doNothing()).returning("team_id"))
      : await runCompiled(this.tx, db.deleteFrom("team_member").where("team_id", "=", team.id).where("person_id", "=", person.id).returning("team_id"));
    if (rows.length === 0) return false;
    await this.audit(member ? "team.member_added" : "team.member_removed", { type: "team", id: team.id, ref: team.name, actionId: null }, null, { person: person.name });
    return true;
  }

  async addPerson(person: { name: string; email: string }): Promise<ChangeOutcome<{ id: number; name: string }>> {
    const [row] = await runCompiled(
      this.tx,
      db
        .insertInto("person")
        .values({ partnership_id: this.ctx.partnershipId, name: person.name, email: person.email })
        .onConflict((oc) => oc.columns(["partnership_id", "email"]).doNothing())
        .returning("id"),
    );
    if (!row) return { applied: false, reason: "exists" };
    await this.audit("person.added", { type: "person", id: row.id, ref: person.name, actionId: null }, null, { name: person.name, email: person.email });
    return { applied: true, value: { id: row.id, name: person.name } };
  }

  async setRole(person: Person, role: PersonRole, on: boolean): Promise<boolean> {
    const [locked] = await runCompiled(this.tx, db.selectFrom("person").select(enumArray<PersonRole>("roles").as("roles")).where("id", "=", person.id).forUpdate());
    const roles = locked?.roles ?? [];
    if (roles.includes(role) === on) return false;
    const next = on ? [...roles, role] : roles.filter((r) => r !== role);
    await this.changeAudited(
      db.updateTable("person").set({ roles: arrayOf(next, "person_role") }).where("id", "=", person.id).returning("id"),
      "person.role",
      { type: "person", id: person.id, ref: person.name, actionId: null },
      { roles },
      { roles: next, role, on },
    );
    return true;
  }

  /** Whether an action's latest note is `text` by this change's actor, written less than REPEATED_NOTE_MS ago: sending it again adds nothing. */
  private async repeatsLatestNote(actionId: number, text: string): Promise<boolean> {
    const [row] = await runCompiled(this.tx, db.selectFrom("action_note").select(["text", "author_id", "created_at"]).where("action_id", "=", actionId).orderBy("id", "desc").limit(1));
    return row?.text === text && row.author_id === this.ctx.actor.id && new Date(row.created_at).getTime() > this.ctx.at.getTime() - REPEATED_NOTE_MS;
  }

  private async insertNote(action: ActionView, text: string): Promise<number> {
    const [row] = await runCompiled(
      this.tx,
      db.insertInto("action_note").values({ action_id: action.id, author_id: this.ctx.actor.id, text, created_at: this.ctx.at }).returning("id"),
    );
    return row!.id;
  }
}
