import { sql, type Updateable } from "kysely";
import type { InsightChanges, NewAction, NewPledgeRow, RecordedAction, SignOutcome, WorkshopView } from "../../commands/insight-store.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { IndicatorView } from "../../domain/indicators/types.ts";
import type { NoteSection } from "../../domain/oba/workshop.ts";
import type { FollowUpAnswer, PledgeView, Signing } from "../../domain/pledges/pledge.ts";
import type { Reply } from "../../domain/reply.ts";
import { changeInContext, writeAudit, type AuditSubject } from "./audit.ts";
import { insertDeliveries } from "./deliveries.ts";
import { NOTE_COLUMNS, pledgeColumns, pledgeFromRow, signatureFromRow, signatureQuery, workshopFromRow, workshopQuery } from "./insight-queries.ts";
import { compileOnly as db, runCompiled, type DB } from "./kysely.ts";
import type { SqlTransaction } from "./sql-runner.ts";

/**
 * The writes for indicators, workshops and pledges, as typed Kysely statements (compiled on
 * `compileOnly`, run with `runCompiled`) inside the invocation's transaction. The row a change
 * depends on is locked first (the indicator, the plan whose refs are numbered, the pledge
 * whose count is reported), so concurrent changes queue.
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
   * "not known" for the period. `periodEnd` is a calendar date (YYYY-MM-DD).
   */
  async recordReading(indicator: IndicatorView, reading: { period: string; periodEnd: string; value: number | null; source: string | null }) {
    await runCompiled(this.tx, db.selectFrom("indicator").select("id").where("id", "=", indicator.id).forUpdate());
    const [existing] = await runCompiled(
      this.tx,
      db.selectFrom("indicator_reading").select(["period", "value", "source"]).where("indicator_id", "=", indicator.id).where("period", "=", reading.period),
    );
    const previous = existing ? (existing.value === null ? null : Number(existing.value)) : undefined;
    if (existing && previous === reading.value && (reading.source === null || existing.source === reading.source)) {
      return { applied: false, previous: previous ?? null, hadReading: true };
    }
    await runCompiled(
      this.tx,
      db
        .insertInto("indicator_reading")
        .values({
          indicator_id: indicator.id,
          period: reading.period,
          period_end: reading.periodEnd,
          value: reading.value,
          source: reading.source,
          recorded_by_id: this.ctx.actor.id,
          recorded_at: this.ctx.at,
        })
        .onConflict((oc) =>
          oc.columns(["indicator_id", "period"]).doUpdateSet((eb) => ({
            period_end: eb.ref("excluded.period_end"),
            value: eb.ref("excluded.value"),
            // A correction without a source keeps the source already recorded.
            source: eb.fn.coalesce("excluded.source", "indicator_reading.source"),
            recorded_by_id: eb.ref("excluded.recorded_by_id"),
            recorded_at: eb.ref("excluded.recorded_at"),
          })),
        ),
    );
    await this.audit(
      "indicator.reading",
      { type: "indicator", id: indicator.id, ref: indicator.code, actionId: null },
      existing ? { period: existing.period, value: previous ?? null, source: existing.source } : null,
      reading,
    );
    return { applied: true, previous: previous ?? null, hadReading: existing !== undefined };
  }

  /** Logs a workshop on the indicator, held on `heldOn` (YYYY-MM-DD), with no actions yet; returns its id. */
  async createWorkshop(indicator: IndicatorView, heldOn: string, notes: Partial<Record<NoteSection, string>>): Promise<number> {
    const [row] = await runCompiled(
      this.tx,
      db
        .insertInto("oba_workshop")
        .values({
          partnership_id: this.ctx.partnershipId,
          indicator_id: indicator.id,
          held_on: heldOn,
          how_we_are_doing: notes.how ?? null,
          story_behind_baseline: notes.story ?? null,
          partners: notes.partners ?? null,
          what_works: notes.works ?? null,
          information_gaps: notes.gaps ?? null,
          proposed_actions: sql<unknown>`cast('[]' as jsonb)`,
          created_by_id: this.ctx.actor.id,
          created_at: this.ctx.at,
        })
        .returning("id"),
    );
    await this.audit("oba.logged", { type: "oba_workshop", id: row!.id, ref: indicator.code, actionId: null }, null, { heldOn, ...notes });
    return row!.id;
  }

  /** The workshop in this partnership, locked until the transaction ends when `lock`. Throws when it is not there. */
  async readWorkshop(workshopId: number, lock = false): Promise<WorkshopView> {
    const query = workshopQuery().where("w.id", "=", workshopId).where("w.partnership_id", "=", this.ctx.partnershipId);
    const [row] = await runCompiled(this.tx, lock ? query.forUpdate("w") : query);
    if (!row) throw new Error(`workshop ${workshopId} vanished`);
    return workshopFromRow(row);
  }

  async addWorkshopNotes(workshopId: number, notes: Partial<Record<NoteSection, string>>): Promise<WorkshopView> {
    const before = await this.readWorkshop(workshopId, true);
    const sections = (Object.keys(notes) as NoteSection[]).filter((s) => notes[s]);
    if (sections.length === 0) return before;
    const merged: Partial<Record<NoteSection, string>> = {};
    for (const s of sections) merged[s] = before.notes[s] ? `${before.notes[s]}; ${notes[s]}` : notes[s]!;
    const set: Updateable<DB["oba_workshop"]> = {};
    for (const s of sections) set[NOTE_COLUMNS[s]] = merged[s];
    await runCompiled(this.tx, db.updateTable("oba_workshop").set(set).where("id", "=", workshopId));
    await this.audit("oba.notes", { type: "oba_workshop", id: workshopId, ref: before.indicatorCode, actionId: null }, pick(before.notes, sections), merged);
    return { ...before, notes: { ...before.notes, ...merged } };
  }

  async createAction(workshopId: number, action: NewAction): Promise<RecordedAction> {
    const { priority, owner, firstMilestone } = action;
    // The plan row is the lock for numbering its refs: two workshops never take the same one.
    await runCompiled(this.tx, db.selectFrom("plan").select("id").where("id", "=", priority.planId).forUpdate());
    const prefix = (priority.refPrefix ?? "OBA").toUpperCase();
    const taken = await runCompiled(
      this.tx,
      db
        .selectFrom("action")
        .select("ref")
        .where("plan_id", "=", priority.planId)
        .where((eb) => eb(eb.fn<string>("upper", ["ref"]), "like", `${prefix}-%`)),
    );
    const highest = taken.map((t) => Number(/^[A-Z0-9]+-(\d+)/i.exec(t.ref)?.[1] ?? 0)).reduce((a, b) => Math.max(a, b), 0);
    const ref = `${prefix}-${highest + 1}`;
    const at = this.ctx.at;
    const [row] = await runCompiled(
      this.tx,
      db
        .insertInto("action")
        .values({
          plan_id: priority.planId,
          priority_id: priority.id,
          ref,
          section: `Turning the curve: ${action.indicatorCode}`,
          title: action.title,
          owner_text: owner.name,
          source_note: action.sourceNote,
          created_at: at,
          updated_at: at,
        })
        .returning("id"),
    );
    const actionId = row!.id;
    await runCompiled(this.tx, db.insertInto("action_owner").values({ action_id: actionId, person_id: owner.id, position: 0 }));
    await runCompiled(
      this.tx,
      db.insertInto("milestone").values({
        action_id: actionId,
        ref: `${ref}.1`,
        position: 1,
        text: firstMilestone.text,
        kind: "milestone",
        due_precision: firstMilestone.due.precision,
        due_start: firstMilestone.due.start,
        due_date: firstMilestone.due.due,
        due_phrase: firstMilestone.due.phrase,
        created_at: at,
        updated_at: at,
      }),
    );
    const recorded: RecordedAction = { ref, actionId, owner: owner.name, ownerId: owner.id, title: action.title, firstMilestone: firstMilestone.text };
    await runCompiled(
      this.tx,
      db
        .updateTable("oba_workshop")
        .set((eb) => ({ proposed_actions: eb(eb.ref("proposed_actions"), "||", eb.cast(eb.val(JSON.stringify([recorded])), "jsonb")) }))
        .where("id", "=", workshopId),
    );
    await this.audit("action.created", { type: "action", id: actionId, ref, actionId }, null, { ...recorded, workshopId, indicator: action.indicatorCode });
    return recorded;
  }

  async createPledge(pledge: NewPledgeRow): Promise<PledgeView> {
    const [row] = await runCompiled(
      this.tx,
      db
        .insertInto("pledge")
        .values({
          partnership_id: this.ctx.partnershipId,
          kind: pledge.kind,
          title: pledge.title,
          text: pledge.text,
          opens_at: pledge.opensAt,
          closes_at: pledge.closesAt,
          channel: pledge.channel,
          created_by_id: this.ctx.actor.id,
          created_at: this.ctx.at,
        })
        .returning(pledgeColumns),
    );
    const created = pledgeFromRow(row!);
    await this.audit("pledge.created", { type: "pledge", id: created.id, ref: `P${created.id}`, actionId: null }, null, pledge);
    return created;
  }

  async sign(pledge: PledgeView, signing: Signing) {
    const { actor, at } = this.ctx;
    await runCompiled(this.tx, lockPledge(pledge.id));
    const [row] = await runCompiled(
      this.tx,
      signatureQuery().where("s.pledge_id", "=", pledge.id).where("s.person_id", "=", actor.id).where("s.on_behalf_of", "=", signing.onBehalfOf).forUpdate("s"),
    );
    const existing = row ? signatureFromRow(row) : null;
    let outcome: SignOutcome;
    let id: number;
    if (!existing) {
      const [inserted] = await runCompiled(
        this.tx,
        db
          .insertInto("pledge_signature")
          .values({ pledge_id: pledge.id, person_id: actor.id, on_behalf_of: signing.onBehalfOf, commitment: signing.commitment, is_public: signing.isPublic ?? false, signed_at: at })
          .returning("id"),
      );
      [outcome, id] = ["signed", inserted!.id];
    } else {
      id = existing.id;
      const isPublic = signing.isPublic ?? existing.isPublic;
      if (existing.withdrawnAt) {
        // Signing again starts the 30- and 90-day follow-through afresh.
        await runCompiled(this.tx, db.deleteFrom("pledge_follow_up").where("signature_id", "=", id));
        await runCompiled(this.tx, db.updateTable("pledge_signature").set({ withdrawn_at: null, commitment: signing.commitment, is_public: isPublic, signed_at: at }).where("id", "=", id));
        outcome = "signed_again";
      } else if (existing.commitment === signing.commitment && existing.isPublic === isPublic) {
        outcome = "unchanged";
      } else {
        await runCompiled(this.tx, db.updateTable("pledge_signature").set({ commitment: signing.commitment, is_public: isPublic }).where("id", "=", id));
        outcome = "updated";
      }
    }
    const [count] = await runCompiled(this.tx, signedCount(pledge.id));
    const [fresh] = await runCompiled(this.tx, signatureQuery().where("s.id", "=", id));
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
    await runCompiled(this.tx, lockPledge(pledge.id));
    const rows = await runCompiled(
      this.tx,
      db
        .updateTable("pledge_signature")
        .set({ withdrawn_at: this.ctx.at })
        .where("pledge_id", "=", pledge.id)
        .where("person_id", "=", this.ctx.actor.id)
        .where("withdrawn_at", "is", null)
        .returning(["id", "on_behalf_of"]),
    );
    for (const row of rows) {
      // Nobody is asked how a withdrawn pledge is going.
      await runCompiled(
        this.tx,
        db.updateTable("delivery").set({ status: "cancelled", last_error: "pledge withdrawn" }).where("key", "like", `pledge-followup:${row.id}:%`).where("status", "=", "pending"),
      );
    }
    const [count] = await runCompiled(this.tx, signedCount(pledge.id));
    if (rows.length) {
      await this.audit("pledge.withdrawn", { type: "pledge", id: pledge.id, ref: `P${pledge.id}`, actionId: null }, { signatures: rows.map((r) => r.id) }, { withdrawnAt: this.ctx.at.toISOString() });
    }
    return { withdrawn: rows.length, count: Number(count!.n) };
  }

  async answerFollowUp(signatureId: number, stage: number, answer: FollowUpAnswer) {
    const [row] = await runCompiled(
      this.tx,
      db
        .selectFrom("pledge_follow_up as f")
        .innerJoin("pledge_signature as s", "s.id", "f.signature_id")
        .innerJoin("pledge as p", "p.id", "s.pledge_id")
        .select(["f.id", "f.answer", "f.asked_at", "s.person_id", "s.pledge_id"])
        .where("f.signature_id", "=", signatureId)
        .where("f.stage", "=", stage)
        .where("p.partnership_id", "=", this.ctx.partnershipId)
        .forUpdate("f"),
    );
    if (!row || row.asked_at === null) return "not_asked" as const;
    if (row.person_id !== this.ctx.actor.id) return "not_yours" as const;
    if (row.answer === answer) return "unchanged" as const;
    await runCompiled(this.tx, db.updateTable("pledge_follow_up").set({ answer, answered_at: this.ctx.at }).where("id", "=", row.id));
    await this.audit("pledge.followup", { type: "pledge", id: row.pledge_id, ref: `P${row.pledge_id}`, actionId: null }, { answer: row.answer }, { stage, answer });
    return "answered" as const;
  }

  async enqueueDelivery(delivery: { personId: number; key: string; kind: string; payload: Reply; dueAt: Date }): Promise<boolean> {
    return (await insertDeliveries(this.tx, [{ partnershipId: this.ctx.partnershipId, ...delivery }])).length === 1;
  }
}

/** Locks the pledge's row until the transaction ends: its signatures' count is then exact. */
const lockPledge = (pledgeId: number) => db.selectFrom("pledge").select("id").where("id", "=", pledgeId).forUpdate();

/** The pledge's signatures not withdrawn, as `n` (a bigint: the driver may give text). */
const signedCount = (pledgeId: number) =>
  db
    .selectFrom("pledge_signature")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("pledge_id", "=", pledgeId)
    .where("withdrawn_at", "is", null);

function pick<T extends object>(from: T, keys: (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out;
}
