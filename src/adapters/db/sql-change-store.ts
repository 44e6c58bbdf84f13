import type { Region } from "../../domain/schedule/bank-holidays.ts";
import { Prisma } from "../../../generated/prisma/client.ts";
import type { ChangeContext, ChangeOutcome, ChangeStore, PersonSettings, PlatformIdentity } from "../../commands/store.ts";
import type { Due } from "../../domain/dates/due-phrase.ts";
import type { ActionState, ActionView, MilestoneView, Person, PersonRole, PriorityView } from "../../domain/model.ts";
import type { SqlTransaction } from "./sql-runner.ts";
import { changeInContext, writeAudit, type AuditSubject } from "./audit.ts";
import { lockMilestone, queryActions } from "./view-queries.ts";
import { CurveError } from "../../domain/errors.ts";
import { closedPlanRefusal } from "../../domain/plan-refresh.ts";

/**
 * The writes, in raw SQL inside the invocation's transaction: each change and its audit
 * event commit together or not at all. Rows are locked before they are read, so a
 * concurrent change waits and "before" in the audit is what really was.
 */
export class SqlChangeStore implements ChangeStore {
  constructor(
    private readonly tx: SqlTransaction,
    private readonly ctx: ChangeContext,
  ) {}

  private audit(event: string, subject: AuditSubject, before: unknown, after: unknown): Promise<void> {
    return writeAudit(this.tx, changeInContext(this.ctx, event, subject, before, after));
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
    const closed = await this.tx.query<{ id: number }>(`SELECT a.id FROM action a JOIN plan pl ON pl.id = a.plan_id WHERE a.id = $1 AND pl.closed_at IS NOT NULL`, [actionId]);
    if (closed.length > 0) await this.refuse(actionId);
  }

  /** Throws the refusal that names the plan this action's plan was refreshed into. */
  private async refuse(actionId: number): Promise<never> {
    const [view] = await queryActions(this.tx, Prisma.sql`a.id = ${actionId}`);
    throw new CurveError("not_permitted", closedPlanRefusal(view!) ?? "This plan is closed to changes.");
  }

  async markMilestoneDone(milestone: MilestoneView, evidence: string | null): Promise<ChangeOutcome<MilestoneView>> {
    const current = await this.lock(milestone.id);
    if (current.doneAt) return { applied: false, reason: "already_done" };
    const { at, actor } = this.ctx;
    await this.tx.query(`UPDATE milestone SET done_at = $2, done_by_id = $3, evidence = $4, updated_at = now() WHERE id = $1`, [current.id, at, actor.id, evidence]);
    await this.audit("milestone.done", subjectOf(current), { doneAt: null }, { doneAt: at.toISOString(), doneBy: actor.name, evidence });
    return { applied: true, value: { ...current, doneAt: at, doneBy: { id: actor.id, name: actor.name }, evidence } };
  }

  async reopenMilestone(milestone: MilestoneView): Promise<ChangeOutcome<MilestoneView>> {
    const current = await this.lock(milestone.id);
    if (!current.doneAt) return { applied: false, reason: "not_done" };
    await this.tx.query(`UPDATE milestone SET done_at = NULL, done_by_id = NULL, evidence = NULL, updated_at = now() WHERE id = $1`, [current.id]);
    await this.audit(
      "milestone.reopened",
      subjectOf(current),
      { doneAt: current.doneAt.toISOString(), doneBy: current.doneBy?.name ?? null, evidence: current.evidence },
      { doneAt: null },
    );
    return { applied: true, value: { ...current, doneAt: null, doneBy: null, evidence: null } };
  }

  async addMilestoneEvidence(milestone: MilestoneView, evidence: string): Promise<ChangeOutcome<MilestoneView>> {
    const current = await this.lock(milestone.id);
    const lines = current.evidence ? current.evidence.split("\n") : [];
    if (lines.includes(evidence)) return { applied: false, reason: "unchanged" };
    const combined = [...lines, evidence].join("\n");
    await this.tx.query(`UPDATE milestone SET evidence = $2, updated_at = now() WHERE id = $1`, [current.id, combined]);
    await this.audit("milestone.evidence", subjectOf(current), { evidence: current.evidence }, { evidence: combined });
    return { applied: true, value: { ...current, evidence: combined } };
  }

  async setMilestoneDue(milestone: MilestoneView, due: Due): Promise<ChangeOutcome<MilestoneView>> {
    const current = await this.lock(milestone.id);
    if (current.dueDate === due.due && current.precision === due.precision) return { applied: false, reason: "unchanged" };
    await this.tx.query(
      `UPDATE milestone SET due_precision = $2::due_precision, due_date = $3::date, due_start = $4::date, due_phrase = $5, updated_at = now() WHERE id = $1`,
      [current.id, due.precision, due.due, due.start, due.phrase],
    );
    await this.audit(
      "milestone.dated",
      subjectOf(current),
      { due: current.dueDate, start: current.dueStart, precision: current.precision, phrase: current.duePhrase },
      { due: due.due, start: due.start, precision: due.precision, phrase: due.phrase },
    );
    return { applied: true, value: { ...current, precision: due.precision, dueDate: due.due, dueStart: due.start, duePhrase: due.phrase } };
  }

  async setActionState(action: ActionView, state: ActionState, note: string | null): Promise<ChangeOutcome<ActionView>> {
    const [locked] = await this.tx.query<{ state: ActionState }>(`SELECT state::text AS state FROM action WHERE id = $1 FOR UPDATE`, [action.id]);
    await this.refuseClosed(action.id);
    if (locked?.state === state && !note) return { applied: false, reason: "unchanged" };
    if (note) await this.insertNote(action, note);
    await this.tx.query(`UPDATE action SET state = $2::action_state, updated_at = now() WHERE id = $1`, [action.id, state]);
    await this.audit("action.status", actionSubject(action), { state: locked?.state }, { state, note });
    const [updated] = await queryActions(this.tx, Prisma.sql`a.id = ${action.id}`);
    return { applied: true, value: updated! };
  }

  async addActionNote(action: ActionView, text: string): Promise<void> {
    await this.refuseClosed(action.id);
    const noteId = await this.insertNote(action, text);
    await this.audit("action.note", actionSubject(action), null, { noteId, text });
  }

  async linkIdentity(person: Person, identity: PlatformIdentity): Promise<boolean> {
    const [existing] = await this.tx.query<{ person_id: number }>(
      `SELECT person_id FROM platform_identity WHERE platform = $1::platform AND tenant = $2 AND user_id = $3 FOR UPDATE`,
      [identity.platform, identity.tenant, identity.userId],
    );
    if (existing?.person_id === person.id) return false;
    await this.tx.query(
      `INSERT INTO platform_identity (person_id, platform, tenant, user_id) VALUES ($1, $2::platform, $3, $4)
       ON CONFLICT (platform, tenant, user_id) DO UPDATE SET person_id = EXCLUDED.person_id, conversation = NULL`,
      [person.id, identity.platform, identity.tenant, identity.userId],
    );
    await this.audit(
      "identity.linked",
      { type: "person", id: person.id, ref: person.name, actionId: null },
      existing ? { personId: existing.person_id } : null,
      { ...identity, personId: person.id },
    );
    return true;
  }

  async setPriorityChannel(priority: PriorityView, channel: string | null): Promise<ChangeOutcome<PriorityView>> {
    const [locked] = await this.tx.query<{ channel: string | null }>(`SELECT channel FROM priority WHERE id = $1 FOR UPDATE`, [priority.id]);
    if ((locked?.channel ?? null) === channel) return { applied: false, reason: "unchanged" };
    await this.tx.query(`UPDATE priority SET channel = $2 WHERE id = $1`, [priority.id, channel]);
    await this.audit("priority.channel", { type: "priority", id: priority.id, ref: priority.title, actionId: null }, { channel: locked?.channel ?? null }, { channel });
    return { applied: true, value: { ...priority, channel } };
  }

  async snoozeMilestone(milestone: MilestoneView, until: Date, reason: string): Promise<ChangeOutcome<{ count: number }>> {
    const current = await this.lock(milestone.id);
    if (current.doneAt) return { applied: false, reason: "already_done" };
    const [row] = await this.tx.query<{ snooze_count: number; before: Date | null }>(
      `UPDATE milestone m SET snoozed_until = $2, snooze_count = m.snooze_count + 1, updated_at = now()
       FROM (SELECT snoozed_until FROM milestone WHERE id = $1) old WHERE m.id = $1 RETURNING m.snooze_count, old.snoozed_until AS before`,
      [current.id, until],
    );
    await this.tx.query(`INSERT INTO snooze (milestone_id, person_id, until, reason, created_at) VALUES ($1, $2, $3, $4, $5)`, [current.id, this.ctx.actor.id, until, reason, this.ctx.at]);
    await this.audit("milestone.snoozed", subjectOf(current), { snoozedUntil: row?.before ?? null }, { snoozedUntil: until.toISOString(), reason, count: row!.snooze_count });
    return { applied: true, value: { count: row!.snooze_count } };
  }

  async updateSettings(person: Person, settings: PersonSettings): Promise<ChangeOutcome<PersonSettings>> {
    const columns: [string, unknown][] = [
      ["time_zone", settings.timeZone],
      ["quiet_start_minute", settings.quietStartMinute],
      ["quiet_end_minute", settings.quietEndMinute],
      ["digest_weekday", settings.digestWeekday],
      ["digest_minute", settings.digestMinute],
      ["region", settings.region],
    ].filter(([, value]) => value !== undefined) as [string, unknown][];
    if (columns.length === 0) return { applied: false, reason: "unchanged" };
    const [before] = await this.tx.query<Record<string, unknown>>(`SELECT ${columns.map(([c]) => c).join(", ")} FROM person WHERE id = $1 FOR UPDATE`, [person.id]);
    await this.tx.query(`UPDATE person SET ${columns.map(([c], i) => `${c} = $${i + 2}`).join(", ")} WHERE id = $1`, [person.id, ...columns.map(([, v]) => v)]);
    await this.audit("person.settings", { type: "person", id: person.id, ref: person.name, actionId: null }, before ?? null, Object.fromEntries(columns));
    return { applied: true, value: settings };
  }

  async setPartnershipRegion(region: Region): Promise<ChangeOutcome<{ region: Region }>> {
    const [before] = await this.tx.query<{ id: number; slug: string; region: string }>(`SELECT id, slug, region FROM partnership WHERE id = $1 FOR UPDATE`, [this.ctx.partnershipId]);
    if (!before || before.region === region) return { applied: false, reason: "unchanged" };
    await this.tx.query(`UPDATE partnership SET region = $2 WHERE id = $1`, [before.id, region]);
    await this.audit("partnership.region", { type: "partnership", id: before.id, ref: before.slug, actionId: null }, { region: before.region }, { region });
    return { applied: true, value: { region } };
  }

  async createTeam(name: string, kind: "team" | "organisation"): Promise<ChangeOutcome<{ id: number; name: string }>> {
    const [existing] = await this.tx.query<{ id: number }>(`SELECT id FROM team WHERE partnership_id = $1 AND lower(name) = lower($2)`, [this.ctx.partnershipId, name]);
    if (existing) return { applied: false, reason: "exists" };
    const [row] = await this.tx.query<{ id: number }>(
      `INSERT INTO team (partnership_id, name, kind) VALUES ($1, $2, $3::team_kind) ON CONFLICT (partnership_id, name) DO NOTHING RETURNING id`,
      [this.ctx.partnershipId, name, kind],
    );
    if (!row) return { applied: false, reason: "exists" };
    await this.audit("team.created", { type: "team", id: row.id, ref: name, actionId: null }, null, { name, kind });
    return { applied: true, value: { id: row.id, name } };
  }

  async setTeamMember(team: { id: number; name: string }, person: Person, member: boolean): Promise<boolean> {
    const rows = member
      ? await this.tx.query(`INSERT INTO team_member (team_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING team_id`, [team.id, person.id])
      : await this.tx.query(`DELETE FROM team_member WHERE team_id = $1 AND person_id = $2 RETURNING team_id`, [team.id, person.id]);
    if (rows.length === 0) return false;
    await this.audit(member ? "team.member_added" : "team.member_removed", { type: "team", id: team.id, ref: team.name, actionId: null }, null, { person: person.name });
    return true;
  }

  async addPerson(person: { name: string; email: string }): Promise<ChangeOutcome<{ id: number; name: string }>> {
    const [row] = await this.tx.query<{ id: number }>(
      `INSERT INTO person (partnership_id, name, email) VALUES ($1, $2, $3) ON CONFLICT (partnership_id, email) DO NOTHING RETURNING id`,
      [this.ctx.partnershipId, person.name, person.email],
    );
    if (!row) return { applied: false, reason: "exists" };
    await this.audit("person.added", { type: "person", id: row.id, ref: person.name, actionId: null }, null, { name: person.name, email: person.email });
    return { applied: true, value: { id: row.id, name: person.name } };
  }

  async setRole(person: Person, role: PersonRole, on: boolean): Promise<boolean> {
    const [locked] = await this.tx.query<{ roles: string[] | string }>(`SELECT roles::text[] AS roles FROM person WHERE id = $1 FOR UPDATE`, [person.id]);
    const roles = parseRoles(locked?.roles);
    if (roles.includes(role) === on) return false;
    const next = on ? [...roles, role] : roles.filter((r) => r !== role);
    await this.tx.query(`UPDATE person SET roles = $2::text[]::person_role[] WHERE id = $1`, [person.id, next]);
    await this.audit("person.role", { type: "person", id: person.id, ref: person.name, actionId: null }, { roles }, { roles: next, role, on });
    return true;
  }

  private async insertNote(action: ActionView, text: string): Promise<number> {
    const [row] = await this.tx.query<{ id: number }>(
      `INSERT INTO action_note (action_id, author_id, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
      [action.id, this.ctx.actor.id, text, this.ctx.at],
    );
    return row!.id;
  }
}

/** A text[] as the driver gives it: an array, or PostgreSQL's "{a,b}" when it does not parse arrays. */
const parseRoles = (value: string[] | string | undefined): string[] =>
  Array.isArray(value) ? value : typeof value === "string" ? value.replace(/^\{|\}$/g, "").split(",").filter(Boolean) : [];

const subjectOf = (m: MilestoneView) => ({ type: "milestone", id: m.id, ref: m.ref, actionId: m.actionId });
const actionSubject = (a: ActionView) => ({ type: "action", id: a.id, ref: a.ref, actionId: a.id });
