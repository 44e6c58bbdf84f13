import type { InsightChanges, NewAction, NewPledgeRow, RecordedAction, SignOutcome, WorkshopView } from "../../commands/insight-store.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { IndicatorView } from "../../domain/indicators/types.ts";
import type { NoteSection } from "../../domain/oba/workshop.ts";
import type { FollowUpAnswer, PledgeView, Signing } from "../../domain/pledges/pledge.ts";
import type { Reply } from "../../domain/reply.ts";
import { insertDeliveries } from "./deliveries.ts";
import { NOTE_COLUMNS, PLEDGE_COLUMNS, SIGNATURE_SELECT, WORKSHOP_COLUMNS, WORKSHOP_FROM, pledgeFromRow, signatureFromRow, workshopFromRow, type PledgeRow, type SignatureRow } from "./insight-queries.ts";
import type { SqlTransaction } from "./sql-runner.ts";
import { changeInContext, writeAudit, type AuditSubject } from "./audit.ts";

/**
 * The writes for indicators, workshops and pledges, in raw SQL inside the invocation's
 * transaction. The row a change depends on is locked first (the indicator, the plan whose
 * refs are numbered, the pledge whose count is reported), so concurrent changes queue.
 */
export class SqlInsightChanges implements InsightChanges {
  constructor(
    private readonly tx: SqlTransaction,
    private readonly ctx: ChangeContext,
  ) {}

  private audit(event: string, subject: AuditSubject, before: unknown, after: unknown): Promise<void> {
    return writeAudit(this.tx, changeInContext(this.ctx, event, subject, before, after));
  }

  /**
   * Records (or corrects) the reading for one period, named by its label: readings for different
   * periods never replace each other, even when they end on the same day. A null value records
   * "not known" for the period.
   */
  async recordReading(indicator: IndicatorView, reading: { period: string; periodEnd: string; value: number | null; source: string | null }) {
    await this.tx.query(`SELECT id FROM indicator WHERE id = $1 FOR UPDATE`, [indicator.id]);
    const [existing] = await this.tx.query<{ period: string; value: number | null; source: string | null }>(
      `SELECT period, value, source FROM indicator_reading WHERE indicator_id = $1 AND period = $2`,
      [indicator.id, reading.period],
    );
    const previous = existing ? (existing.value === null ? null : Number(existing.value)) : undefined;
    if (existing && previous === reading.value && (reading.source === null || existing.source === reading.source)) {
      return { applied: false, previous: previous ?? null, hadReading: true };
    }
    await this.tx.query(
      `INSERT INTO indicator_reading (indicator_id, period, period_end, value, source, recorded_by_id, recorded_at) VALUES ($1, $2, $3::date, $4, $5, $6, $7)
       ON CONFLICT (indicator_id, period) DO UPDATE SET period_end = EXCLUDED.period_end, value = EXCLUDED.value,
         source = coalesce(EXCLUDED.source, indicator_reading.source), recorded_by_id = EXCLUDED.recorded_by_id, recorded_at = EXCLUDED.recorded_at`,
      [indicator.id, reading.period, reading.periodEnd, reading.value, reading.source, this.ctx.actor.id, this.ctx.at],
    );
    await this.audit(
      "indicator.reading",
      { type: "indicator", id: indicator.id, ref: indicator.code, actionId: null },
      existing ? { period: existing.period, value: previous ?? null, source: existing.source } : null,
      reading,
    );
    return { applied: true, previous: previous ?? null, hadReading: existing !== undefined };
  }

  async createWorkshop(indicator: IndicatorView, heldOn: string, notes: Partial<Record<NoteSection, string>>): Promise<number> {
    const [row] = await this.tx.query<{ id: number }>(
      `INSERT INTO oba_workshop (partnership_id, indicator_id, held_on, how_we_are_doing, story_behind_baseline, partners, what_works, information_gaps,
         proposed_actions, created_by_id, created_at)
       VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8, '[]'::jsonb, $9, $10) RETURNING id`,
      [this.ctx.partnershipId, indicator.id, heldOn, notes.how ?? null, notes.story ?? null, notes.partners ?? null, notes.works ?? null, notes.gaps ?? null, this.ctx.actor.id, this.ctx.at],
    );
    await this.audit("oba.logged", { type: "oba_workshop", id: row!.id, ref: indicator.code, actionId: null }, null, { heldOn, ...notes });
    return row!.id;
  }

  async readWorkshop(workshopId: number, lock = false): Promise<WorkshopView> {
    const [row] = await this.tx.query<Parameters<typeof workshopFromRow>[0]>(
      `SELECT ${WORKSHOP_COLUMNS} FROM ${WORKSHOP_FROM} WHERE w.id = $1 AND w.partnership_id = $2${lock ? " FOR UPDATE OF w" : ""}`,
      [workshopId, this.ctx.partnershipId],
    );
    if (!row) throw new Error(`workshop ${workshopId} vanished`);
    return workshopFromRow(row);
  }

  async addWorkshopNotes(workshopId: number, notes: Partial<Record<NoteSection, string>>): Promise<WorkshopView> {
    const before = await this.readWorkshop(workshopId, true);
    const sections = (Object.keys(notes) as NoteSection[]).filter((s) => notes[s]);
    if (sections.length === 0) return before;
    const merged: Partial<Record<NoteSection, string>> = {};
    for (const s of sections) merged[s] = before.notes[s] ? `${before.notes[s]}; ${notes[s]}` : notes[s]!;
    const assignments = sections.map((s, i) => `${NOTE_COLUMNS[s]} = $${i + 2}`).join(", ");
    await this.tx.query(`UPDATE oba_workshop SET ${assignments} WHERE id = $1`, [workshopId, ...sections.map((s) => merged[s])]);
    await this.audit("oba.notes", { type: "oba_workshop", id: workshopId, ref: before.indicatorCode, actionId: null }, pick(before.notes, sections), merged);
    return { ...before, notes: { ...before.notes, ...merged } };
  }

  async createAction(workshopId: number, action: NewAction): Promise<RecordedAction> {
    const { priority, owner, firstMilestone } = action;
    // The plan row is the lock for numbering its refs: two workshops never take the same one.
    await this.tx.query(`SELECT id FROM plan WHERE id = $1 FOR UPDATE`, [priority.planId]);
    const prefix = (priority.refPrefix ?? "OBA").toUpperCase();
    const taken = await this.tx.query<{ ref: string }>(`SELECT ref FROM action WHERE plan_id = $1 AND upper(ref) LIKE $2`, [priority.planId, `${prefix}-%`]);
    const highest = taken.map((t) => Number(/^[A-Z0-9]+-(\d+)/i.exec(t.ref)?.[1] ?? 0)).reduce((a, b) => Math.max(a, b), 0);
    const ref = `${prefix}-${highest + 1}`;
    const at = this.ctx.at;
    const [row] = await this.tx.query<{ id: number }>(
      `INSERT INTO action (plan_id, priority_id, ref, section, title, owner_text, source_note, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
      [priority.planId, priority.id, ref, `Turning the curve: ${action.indicatorCode}`, action.title, owner.name, action.sourceNote, at],
    );
    const actionId = row!.id;
    await this.tx.query(`INSERT INTO action_owner (action_id, person_id, position) VALUES ($1, $2, 0)`, [actionId, owner.id]);
    await this.tx.query(
      `INSERT INTO milestone (action_id, ref, position, text, kind, due_precision, due_start, due_date, due_phrase, created_at, updated_at)
       VALUES ($1, $2, 1, $3, 'milestone', $4::due_precision, $5::date, $6::date, $7, $8, $8)`,
      [actionId, `${ref}.1`, firstMilestone.text, firstMilestone.due.precision, firstMilestone.due.start, firstMilestone.due.due, firstMilestone.due.phrase, at],
    );
    const recorded: RecordedAction = { ref, actionId, owner: owner.name, ownerId: owner.id, title: action.title, firstMilestone: firstMilestone.text };
    await this.tx.query(`UPDATE oba_workshop SET proposed_actions = proposed_actions || $2::jsonb WHERE id = $1`, [workshopId, JSON.stringify([recorded])]);
    await this.audit("action.created", { type: "action", id: actionId, ref, actionId }, null, { ...recorded, workshopId, indicator: action.indicatorCode });
    return recorded;
  }

  async createPledge(pledge: NewPledgeRow): Promise<PledgeView> {
    const [row] = await this.tx.query<PledgeRow>(
      `INSERT INTO pledge AS p (partnership_id, kind, title, text, opens_at, closes_at, channel, created_by_id, created_at)
       VALUES ($1, $2::pledge_kind, $3, $4, $5, $6, $7, $8, $9) RETURNING ${PLEDGE_COLUMNS}`,
      [this.ctx.partnershipId, pledge.kind, pledge.title, pledge.text, pledge.opensAt, pledge.closesAt, pledge.channel, this.ctx.actor.id, this.ctx.at],
    );
    const created = pledgeFromRow(row!);
    await this.audit("pledge.created", { type: "pledge", id: created.id, ref: `P${created.id}`, actionId: null }, null, pledge);
    return created;
  }

  async sign(pledge: PledgeView, signing: Signing) {
    const { actor, at } = this.ctx;
    await this.tx.query(`SELECT id FROM pledge WHERE id = $1 FOR UPDATE`, [pledge.id]);
    const [row] = await this.tx.query<SignatureRow>(
      `${SIGNATURE_SELECT} WHERE s.pledge_id = $1 AND s.person_id = $2 AND s.on_behalf_of = $3 FOR UPDATE OF s`,
      [pledge.id, actor.id, signing.onBehalfOf],
    );
    const existing = row ? signatureFromRow(row) : null;
    let outcome: SignOutcome;
    let id: number;
    if (!existing) {
      const [inserted] = await this.tx.query<{ id: number }>(
        `INSERT INTO pledge_signature (pledge_id, person_id, on_behalf_of, commitment, is_public, signed_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [pledge.id, actor.id, signing.onBehalfOf, signing.commitment, signing.isPublic ?? false, at],
      );
      [outcome, id] = ["signed", inserted!.id];
    } else {
      id = existing.id;
      const isPublic = signing.isPublic ?? existing.isPublic;
      if (existing.withdrawnAt) {
        // Signing again starts the 30- and 90-day follow-through afresh.
        await this.tx.query(`DELETE FROM pledge_follow_up WHERE signature_id = $1`, [id]);
        await this.tx.query(`UPDATE pledge_signature SET withdrawn_at = NULL, commitment = $2, is_public = $3, signed_at = $4 WHERE id = $1`, [id, signing.commitment, isPublic, at]);
        outcome = "signed_again";
      } else if (existing.commitment === signing.commitment && existing.isPublic === isPublic) {
        outcome = "unchanged";
      } else {
        await this.tx.query(`UPDATE pledge_signature SET commitment = $2, is_public = $3 WHERE id = $1`, [id, signing.commitment, isPublic]);
        outcome = "updated";
      }
    }
    const [count] = await this.tx.query<{ n: number | string }>(`SELECT count(*) AS n FROM pledge_signature WHERE pledge_id = $1 AND withdrawn_at IS NULL`, [pledge.id]);
    const [fresh] = await this.tx.query<SignatureRow>(`${SIGNATURE_SELECT} WHERE s.id = $1`, [id]);
    const signature = signatureFromRow(fresh!);
    if (outcome !== "unchanged") {
      await this.audit(
        outcome === "updated" ? "pledge.signature_changed" : "pledge.signed",
        { type: "pledge", id: pledge.id, ref: `P${pledge.id}`, actionId: null },
        existing ? { commitment: existing.commitment, isPublic: existing.isPublic, withdrawnAt: existing.withdrawnAt } : null,
        { signatureId: id, onBehalfOf: signature.onBehalfOf, commitment: signature.commitment, isPublic: signature.isPublic },
      );
    }
    return { outcome, signature, count: Number(count!.n) };
  }

  async withdraw(pledge: PledgeView) {
    await this.tx.query(`SELECT id FROM pledge WHERE id = $1 FOR UPDATE`, [pledge.id]);
    const rows = await this.tx.query<{ id: number; on_behalf_of: string }>(
      `UPDATE pledge_signature SET withdrawn_at = $3 WHERE pledge_id = $1 AND person_id = $2 AND withdrawn_at IS NULL RETURNING id, on_behalf_of`,
      [pledge.id, this.ctx.actor.id, this.ctx.at],
    );
    for (const row of rows) {
      // Nobody is asked how a withdrawn pledge is going.
      await this.tx.query(`UPDATE delivery SET status = 'cancelled', last_error = 'pledge withdrawn' WHERE key LIKE $1 AND status = 'pending'`, [`pledge-followup:${row.id}:%`]);
    }
    const [count] = await this.tx.query<{ n: number | string }>(`SELECT count(*) AS n FROM pledge_signature WHERE pledge_id = $1 AND withdrawn_at IS NULL`, [pledge.id]);
    if (rows.length) {
      await this.audit("pledge.withdrawn", { type: "pledge", id: pledge.id, ref: `P${pledge.id}`, actionId: null }, { signatures: rows.map((r) => r.id) }, { withdrawnAt: this.ctx.at.toISOString() });
    }
    return { withdrawn: rows.length, count: Number(count!.n) };
  }

  async answerFollowUp(signatureId: number, stage: number, answer: FollowUpAnswer) {
    const [row] = await this.tx.query<{ id: number; answer: string | null; asked_at: Date | null; person_id: number; pledge_id: number }>(
      `SELECT f.id, f.answer, f.asked_at, s.person_id, s.pledge_id FROM pledge_follow_up f JOIN pledge_signature s ON s.id = f.signature_id
       JOIN pledge p ON p.id = s.pledge_id WHERE f.signature_id = $1 AND f.stage = $2 AND p.partnership_id = $3 FOR UPDATE OF f`,
      [signatureId, stage, this.ctx.partnershipId],
    );
    if (!row || row.asked_at === null) return "not_asked" as const;
    if (row.person_id !== this.ctx.actor.id) return "not_yours" as const;
    if (row.answer === answer) return "unchanged" as const;
    await this.tx.query(`UPDATE pledge_follow_up SET answer = $2, answered_at = $3 WHERE id = $1`, [row.id, answer, this.ctx.at]);
    await this.audit("pledge.followup", { type: "pledge", id: row.pledge_id, ref: `P${row.pledge_id}`, actionId: null }, { answer: row.answer }, { stage, answer });
    return "answered" as const;
  }

  async enqueueDelivery(delivery: { personId: number; key: string; kind: string; payload: Reply; dueAt: Date }): Promise<boolean> {
    return (await insertDeliveries(this.tx, [{ partnershipId: this.ctx.partnershipId, ...delivery }])).length === 1;
  }
}

function pick<T extends object>(from: T, keys: (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out;
}
