import { sql, type ExpressionBuilder } from "kysely";
import type { BoardChanges, NewRisk, RiskAsRead, RiskHome, RiskReview, RiskView } from "../../commands/report-deps.ts";
import type { ChangeContext } from "../../commands/store.ts";
import { sameRiskWords } from "../../domain/typed-text.ts";
import { changeInContext, writeAudit, type AuditSubject } from "./audit.ts";
import { compileOnly as db, runCompiled } from "./kysely.ts";
import { NeedsTransaction, OnePlannedChange } from "./change-planner.ts";
import { risksWhere } from "./risk-reads.ts";
import type { Queryable } from "./sql-runner.ts";

const RISK_COLUMNS = ["partnership_id", "plan_id", "priority_id", "number", "description", "owner_id", "likelihood", "impact", "mitigation", "review_date", "created_at"] as const;

/**
 * A new risk's row for an INSERT's SELECT, in `RISK_COLUMNS` order, numbered the next in the
 * partnership (`nextNumber`, as the statement sees the register). `at` is the invocation's
 * time, as its closing is, so a report on a past month knows whether the risk was open then.
 */
function newRiskRow(partnershipId: number, risk: NewRisk, at: Date) {
  return db.selectFrom(nextNumber(partnershipId).as("next")).select((eb) => [
    eb.val(partnershipId).as("partnership_id"),
    eb.val(risk.planId).as("plan_id"),
    eb.val(risk.priorityId).as("priority_id"),
    "next.number",
    eb.val(risk.description).as("description"),
    eb.val(risk.ownerId).as("owner_id"),
    eb.val(risk.likelihood).as("likelihood"),
    eb.val(risk.impact).as("impact"),
    eb.val(risk.mitigation).as("mitigation"),
    eb.val(risk.reviewDate).as("review_date"),
    eb.val(at).as("created_at"),
  ]);
}

// The risk register's changes: planned as one statement from the risk as read with the person
// asking (`PlannedRiskChanges`, for receipts.ts's `changedOnce`), or made in a transaction on the
// locked rows (`riskChanges`), each with its audit event. Both answer alike.

type RiskChanges = Pick<BoardChanges, "addRisk" | "reviewRisk" | "closeRisk">;

const riskSubject = (risk: { id: number; number: number }): AuditSubject => ({ type: "risk", id: risk.id, ref: `R${risk.number}` });

/** What a risk's audit event says of it. */
const riskFacts = (r: Pick<RiskView, "description" | "likelihood" | "impact" | "mitigation" | "reviewDate"> & { owner?: { name: string } }) => ({
  description: r.description,
  likelihood: r.likelihood,
  impact: r.impact,
  score: r.likelihood * r.impact,
  mitigation: r.mitigation,
  reviewDate: r.reviewDate,
  ...(r.owner ? { owner: r.owner.name } : {}),
});

/** A new risk's audit event's "after": its facts, plan and priority. */
const addedFacts = (view: RiskView) => ({ ...riskFacts(view), plan: view.planKey, priority: view.priority?.label ?? null });

/** A review's audit event: the risk before, and after with the note. */
const reviewedFacts = (current: RiskView, review: RiskReview) => ({ before: riskFacts(current), after: { ...riskFacts({ ...current, ...review }), note: review.note } });

/** The risk's plan (by the id in `planId`) is open, for a WHERE: its plan row share-locked, as milestone-changes.ts's `planOpen` locks it. */
const planOpen = (eb: ExpressionBuilder<any, any>, planId: number) =>
  eb.exists(db.selectFrom("plan as pl").select("pl.id").where("pl.id", "=", planId).where("pl.closed_at", "is", null).forShare("pl"));

/** The partnership's next risk number, as the statement that takes it computes it. */
const nextNumber = (partnershipId: number) =>
  db
    .selectFrom("risk as rn")
    .select(sql<number>`coalesce(max(rn.number), 0) + 1`.as("number"))
    .where("rn.partnership_id", "=", partnershipId);

/**
 * Risk changes in the transaction `tx` (a raw driver transaction, or Prisma's through
 * `prismaQueryable`), each on its locked rows with its audit event: an add waits for any other
 * add in the partnership (numbers are the partnership's own, and a twin must see this one).
 */
export function riskChanges(tx: Queryable, ctx: ChangeContext): RiskChanges {
  const audit = (event: string, subject: AuditSubject, before: unknown, after: unknown) => writeAudit(tx, changeInContext(ctx, event, subject, before, after));
  const lockRisk = async (id: number) => {
    const [current] = await risksWhere(tx, (q) => q.where("r.id", "=", id), true);
    if (!current) throw new Error(`risk ${id} vanished`);
    return current;
  };
  return {
    async addRisk(risk) {
      // One add at a time per partnership: numbers are the partnership's own, and a twin sent at
      // the same moment (a double-submitted form, the command sent again) must see this one.
      await runCompiled(tx, db.updateTable("partnership").set((eb) => ({ id: eb.ref("partnership.id") })).where("id", "=", ctx.partnershipId));
      const open = await risksWhere(tx, (q) =>
        q
          .where("r.partnership_id", "=", ctx.partnershipId)
          .where("r.plan_id", "=", risk.planId)
          .where((eb) => (risk.priorityId === null ? eb("r.priority_id", "is", null) : eb("r.priority_id", "=", risk.priorityId)))
          .where("r.closed_at", "is", null),
      );
      const same = open.find((r) => sameRiskWords(r.description, risk.description));
      if (same) return { risk: same, created: false };
      const [row] = await runCompiled(
        tx,
        db.insertInto("risk").columns(RISK_COLUMNS).expression(newRiskRow(ctx.partnershipId, risk, ctx.at)).returning("id"),
      );
      const view = await lockRisk(row!.id);
      await audit("risk.added", riskSubject(view), null, addedFacts(view));
      return { risk: view, created: true };
    },
    async reviewRisk(risk, review) {
      const current = await lockRisk(risk.id);
      await runCompiled(
        tx,
        db
          .updateTable("risk")
          .set({ likelihood: review.likelihood, impact: review.impact, mitigation: review.mitigation, review_date: review.reviewDate, updated_at: sql<Date>`now()` })
          .where("id", "=", risk.id),
      );
      const facts = reviewedFacts(current, review);
      await audit("risk.reviewed", riskSubject(risk), facts.before, facts.after);
      return { ...current, ...review };
    },
    async closeRisk(risk, reason) {
      const current = await lockRisk(risk.id);
      if (current.closedAt) return false;
      await runCompiled(tx, db.updateTable("risk").set({ closed_at: ctx.at, closed_reason: reason, updated_at: sql<Date>`now()` }).where("id", "=", risk.id));
      await audit("risk.closed", riskSubject(risk), { closedAt: null }, { closedAt: ctx.at.toISOString(), reason });
      return true;
    },
  };
}

/**
 * A risk's change planned as one statement from what the invocation read ahead (`RiskAsRead`;
 * receipts.ts, `changedOnce`), as `riskChanges` would make it: nothing runs here.
 *
 * - An add, read with where it goes, the risks open there and the partnership's highest number:
 *   a risk that says the same as an open one is that one (stands on it still being open);
 *   otherwise the insert numbers it as the statement computes max + 1, guarded by that being the
 *   number read + 1 and by its plan being open, and does nothing on a clash of numbers (a twin's
 *   add committed first). Then the change is decided again in a transaction.
 * - A review or a closing, read with the risk: an update guarded by the risk as read (the
 *   audit's "before" and the reply's old score); a closed risk's closing stands on it still closed.
 *
 * A second change, a risk or home not read ahead, an owner whose name was not read, and the
 * reporting calendar's changes throw `NeedsTransaction`.
 */
export class PlannedRiskChanges extends OnePlannedChange implements BoardChanges {
  constructor(
    ctx: ChangeContext,
    private readonly read: RiskAsRead,
  ) {
    super(ctx);
  }

  /** The risk as read, when `risk` is it; else a transaction decides. */
  private riskAsRead(risk: RiskView): RiskView {
    if (!("risk" in this.read) || this.read.risk?.id !== risk.id) throw new NeedsTransaction("a risk not read ahead");
    return this.read.risk;
  }

  /** A query that finds the risk only while it is still open (`closedAt` null) or closed at `closedAt`, as read. */
  private stillAsRead(id: number, closedAt: Date | null) {
    return db
      .selectFrom("risk as r")
      .select("r.id")
      .where("r.id", "=", id)
      .where((eb) => (closedAt === null ? eb("r.closed_at", "is", null) : eb("r.closed_at", "=", closedAt)));
  }

  async addRisk(risk: NewRisk): Promise<{ risk: RiskView; created: boolean }> {
    this.once();
    const read = this.read;
    if (!("home" in read) || !read.home || !sameHome(read.home, risk)) throw new NeedsTransaction("a risk's home not read ahead");
    const same = read.open.find((r) => sameRiskWords(r.description, risk.description));
    if (same) {
      this.unchangedAsRead = this.stillAsRead(same.id, null);
      return { risk: same, created: false };
    }
    const owner = risk.ownerId === this.ctx.actor.id ? this.ctx.actor : read.people.find((p) => p.id === risk.ownerId);
    if (!owner) throw new NeedsTransaction("an owner not read ahead");
    const number = read.last + 1;
    const { partnershipId, at } = this.ctx;
    const view: RiskView = {
      id: 0,
      number,
      planKey: read.home.planKey,
      priority: read.home.priority,
      description: risk.description,
      owner: { id: owner.id, name: owner.name },
      likelihood: risk.likelihood,
      impact: risk.impact,
      mitigation: risk.mitigation,
      reviewDate: risk.reviewDate,
      closedAt: null,
      closedReason: null,
    };
    this.planned = {
      changed: (alsoWhere) =>
        db
          .insertInto("risk")
          .columns(RISK_COLUMNS)
          .expression(
            newRiskRow(partnershipId, risk, at)
              // No risk added since the read: the number the reply gives, and no open twin it missed.
              .where("next.number", "=", number)
              .where((eb) => planOpen(eb, risk.planId))
              .where(alsoWhere),
          )
          // A twin's add that took the number first: nothing is written, and a transaction decides.
          .onConflict((oc) => oc.columns(["partnership_id", "number"]).doNothing())
          .returning("id"),
      audit: changeInContext(this.ctx, "risk.added", riskSubject(view), null, addedFacts(view)),
      auditSubjectIsChanged: true,
    };
    return { risk: view, created: true };
  }

  async reviewRisk(risk: RiskView, review: RiskReview): Promise<RiskView> {
    this.once();
    const current = this.riskAsRead(risk);
    const facts = reviewedFacts(current, review);
    this.planned = {
      // Guarded by the risk as read: the audit's "before", and the old score the reply gives.
      changed: db
        .updateTable("risk as r")
        .set({ likelihood: review.likelihood, impact: review.impact, mitigation: review.mitigation, review_date: review.reviewDate, updated_at: sql<Date>`now()` })
        .where("r.id", "=", current.id)
        .where("r.partnership_id", "=", this.ctx.partnershipId)
        .where("r.description", "=", current.description)
        .where("r.owner_id", "=", current.owner.id)
        .where("r.likelihood", "=", current.likelihood)
        .where("r.impact", "=", current.impact)
        .where((eb) => (current.mitigation === null ? eb("r.mitigation", "is", null) : eb("r.mitigation", "=", current.mitigation)))
        .where(sql<boolean>`r.review_date = cast(${current.reviewDate} as date)`)
        .where((eb) => (current.closedAt === null ? eb("r.closed_at", "is", null) : eb("r.closed_at", "=", current.closedAt)))
        .returning("r.id"),
      audit: changeInContext(this.ctx, "risk.reviewed", riskSubject(current), facts.before, facts.after),
    };
    return { ...current, ...review };
  }

  async closeRisk(risk: RiskView, reason: string): Promise<boolean> {
    this.once();
    const current = this.riskAsRead(risk);
    if (current.closedAt) {
      this.unchangedAsRead = this.stillAsRead(current.id, current.closedAt);
      return false;
    }
    const { at } = this.ctx;
    this.planned = {
      changed: db
        .updateTable("risk as r")
        .set({ closed_at: at, closed_reason: reason, updated_at: sql<Date>`now()` })
        .where("r.id", "=", current.id)
        .where("r.partnership_id", "=", this.ctx.partnershipId)
        .where("r.closed_at", "is", null)
        .returning("r.id"),
      audit: changeInContext(this.ctx, "risk.closed", riskSubject(current), { closedAt: null }, { closedAt: at.toISOString(), reason }),
    };
    return true;
  }

  async saveSchedule(): Promise<never> {
    throw new NeedsTransaction("a report's schedule");
  }

  async removeSchedule(): Promise<never> {
    throw new NeedsTransaction("a report's schedule");
  }
}

/** Whether a new risk goes where the read found: the same plan and priority. */
const sameHome = (home: RiskHome, risk: NewRisk) => home.planId === risk.planId && (home.priority?.id ?? null) === risk.priorityId;
