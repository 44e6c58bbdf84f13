import { sql, type ExpressionBuilder } from "kysely";
import type { InsightReadAhead, NewPledgeRow, PledgeAsRead, SignOutcome } from "../../commands/insight-store.ts";
import type { ChangeContext } from "../../commands/store.ts";
import type { FollowUpAnswer, PledgeView, SignatureView, Signing } from "../../domain/pledges/pledge.ts";
import { changeInContext, type WithChanged } from "./audit.ts";
import { compileOnly as db, type DB } from "./kysely.ts";
import { NeedsTransaction } from "./change-planner.ts";
import { InsightChangesPlanner } from "./insight-planner.ts";
import { openAt, partnershipVersion, partnershipWritten, pledgeSubject, pledgeVersion, signedCount, titled } from "./pledges.ts";

/**
 * The pledge changes a command can make in one statement, planned from the pledge as read with
 * the person asking (`PledgeAsRead`; receipts.ts, `changedOnce`). Nothing runs here: each method
 * answers from the read, as pledges.ts's transaction would, and records the change as an update
 * of the pledge's row guarded by the pledge as read (its version, its count, the signer's
 * signature as read, for a signature still open for signing) with the signature's own write
 * alongside. A pledge that moved on meanwhile (anyone's signature made, changed or withdrawn
 * gives it a new version) is then not found, and the change is decided again in a transaction
 * that locks it, so the count the reply gives is always exact. An answer to a follow-up question
 * is planned likewise from the question as read, guarded by its answer as read. A new pledge is
 * planned from the pledges of its title as read, with the id drawn for it then
 * (`NewPledgeAsRead`): see `createPledge`. A second call, a subject not read ahead, a question
 * not asked, and every other kind of change, throw `NeedsTransaction`.
 */
export class PlannedPledgeChanges extends InsightChangesPlanner {
  constructor(
    ctx: ChangeContext,
    private readonly ahead: InsightReadAhead,
  ) {
    super(ctx);
  }

  /** The pledge as read, for its one change: a pledge not read ahead, or a second change, needs a transaction. */
  private asRead(pledge: PledgeView): PledgeAsRead {
    const read = this.ahead.pledge;
    if (!read || pledge.id !== read.pledge.id) throw new NeedsTransaction("a pledge not read ahead");
    this.once();
    return read;
  }

  /** The pledge's row written as it is, while it is still as read: the change's `changed`, and its lock. */
  private pledgeAsRead(read: PledgeAsRead, open: boolean) {
    const { pledge, version, count } = read;
    const { at } = this.ctx;
    return db
      .updateTable("pledge")
      .set((eb) => ({ kind: eb.ref("kind") }))
      .where("pledge.id", "=", pledge.id)
      .where("pledge.partnership_id", "=", this.ctx.partnershipId)
      .where(sql<boolean>`${pledgeVersion} = ${version}`)
      .where(sql<boolean>`(${signedCount(sql<number>`pledge.id`)}) = ${count}`)
      // Still open for signing at the change's moment (signingState), when it is a signature.
      .$if(open, (q) => q.where((eb) => eb.and([eb.or([eb("pledge.opens_at", "is", null), eb("pledge.opens_at", "<=", at)]), eb.or([eb("pledge.closes_at", "is", null), eb("pledge.closes_at", ">=", at)])])))
      .returning("pledge.id");
  }

  override async sign(pledge: PledgeView, signing: Signing): Promise<{ outcome: SignOutcome; signature: SignatureView; count: number }> {
    const read = this.asRead(pledge);
    const { actor, at } = this.ctx;
    const existing = read.mine.find((s) => s.onBehalfOf === signing.onBehalfOf) ?? null;
    const changed = this.pledgeAsRead(read, true);
    const subject = pledgeSubject(pledge.id);
    const after = (s: SignatureView) => ({ onBehalfOf: s.onBehalfOf, commitment: s.commitment, isPublic: s.isPublic });
    if (!existing) {
      // Its id is the row's, known once written (the audit event takes it from the insert): 0 here, which no reply shows.
      const signature: SignatureView = { id: 0, personId: actor.id, personName: actor.name, onBehalfOf: signing.onBehalfOf, commitment: signing.commitment, isPublic: signing.isPublic ?? false, signedAt: at, withdrawnAt: null };
      this.planned = {
        changed: changed.where((eb) =>
          eb.not(eb.exists(eb.selectFrom("pledge_signature as s").select("s.id").whereRef("s.pledge_id", "=", "pledge.id").where("s.person_id", "=", actor.id).where("s.on_behalf_of", "=", signing.onBehalfOf))),
        ),
        audit: changeInContext(this.ctx, "pledge.signed", subject, null, after(signature)),
        alongside: (cte: WithChanged) =>
          cte
            .insertInto("pledge_signature")
            .columns(["pledge_id", "person_id", "on_behalf_of", "commitment", "is_public", "signed_at"])
            .expression((eb) =>
              eb
                .selectFrom("changed")
                .select((s) => [s.ref("changed.id").as("pledge_id"), s.val(actor.id).as("person_id"), s.val(signing.onBehalfOf).as("on_behalf_of"), s.val(signing.commitment).as("commitment"), s.val(signature.isPublic).as("is_public"), s.val(at).as("signed_at")]),
            )
            .returning("id"),
        auditIdAs: "signatureId",
      };
      return { outcome: "signed", signature, count: read.count + 1 };
    }
    const isPublic = signing.isPublic ?? existing.isPublic;
    // The signature as read: the audit's "before", and what the write must still find.
    const asRead = (cte: WithChanged) =>
      cte
        .updateTable("pledge_signature as s")
        .where("s.id", "=", existing.id)
        .where("s.commitment", "=", existing.commitment)
        .where("s.is_public", "=", existing.isPublic)
        .where((eb) => (existing.withdrawnAt ? eb("s.withdrawn_at", "=", existing.withdrawnAt) : eb("s.withdrawn_at", "is", null)))
        .where((eb) => eb.exists(eb.selectFrom("changed").select("changed.id")));
    const before = { commitment: existing.commitment, isPublic: existing.isPublic, withdrawnAt: existing.withdrawnAt };
    if (existing.withdrawnAt) {
      const signature = { ...existing, commitment: signing.commitment, isPublic, signedAt: at, withdrawnAt: null };
      this.planned = {
        changed,
        audit: changeInContext(this.ctx, "pledge.signed", subject, before, { signatureId: existing.id, ...after(signature) }),
        alongside: (cte) => asRead(cte).set({ withdrawn_at: null, commitment: signing.commitment, is_public: isPublic, signed_at: at }).returning("s.id"),
        // Signing again starts the 30- and 90-day follow-through afresh.
        followedBy: [(cte) => cte.deleteFrom("pledge_follow_up").where("signature_id", "=", existing.id).where((eb) => eb.exists(eb.selectFrom("changed").select("changed.id")))],
      };
      return { outcome: "signed_again", signature, count: read.count + 1 };
    }
    if (existing.commitment === signing.commitment && existing.isPublic === isPublic) {
      // Nothing to write: the answer stands while the signature is as read and the pledge open.
      this.unchangedAsRead = db
        .selectFrom("pledge_signature as s")
        .innerJoin("pledge", "pledge.id", "s.pledge_id")
        .select("s.id")
        .where("s.id", "=", existing.id)
        .where("s.commitment", "=", existing.commitment)
        .where("s.is_public", "=", existing.isPublic)
        .where("s.withdrawn_at", "is", null)
        .where((eb) => eb.and([eb.or([eb("pledge.opens_at", "is", null), eb("pledge.opens_at", "<=", at)]), eb.or([eb("pledge.closes_at", "is", null), eb("pledge.closes_at", ">=", at)])]));
      return { outcome: "unchanged", signature: existing, count: read.count };
    }
    const signature = { ...existing, commitment: signing.commitment, isPublic };
    this.planned = {
      changed,
      audit: changeInContext(this.ctx, "pledge.signature_changed", subject, before, { signatureId: existing.id, ...after(signature) }),
      alongside: (cte) => asRead(cte).set({ commitment: signing.commitment, is_public: isPublic }).returning("s.id"),
    };
    return { outcome: "updated", signature, count: read.count };
  }

  /**
   * A new pledge, or the pledge of its title still open at the change's moment, as pledges.ts's
   * `createPledge` answers, from /pledge new's read (`NewPledgeAsRead`). The new pledge takes the
   * id drawn in that read, so the reply, its audit event and its card, all built before the
   * statement, name the row the statement inserts. It is planned as the partnership's row written
   * as it is (the lock every new pledge takes), guarded by the version read and by no pledge of
   * that title open, with the pledge inserted alongside: a pledge made since the read (a twin at
   * the same moment waits on the row, then finds it at another version) means nothing is
   * written, and the change is decided again in a transaction. "Already open" stands on that
   * pledge still being open. Throws `NeedsTransaction` for a title not read ahead or no id drawn.
   */
  override async createPledge(pledge: NewPledgeRow): Promise<{ created: boolean; pledge: PledgeView }> {
    const read = this.ahead.newPledge;
    if (!read || read.title !== pledge.title) throw new NeedsTransaction("a pledge's title not read ahead");
    this.once();
    const { at, actor, partnershipId } = this.ctx;
    const open = read.same.find((p) => p.closesAt === null || p.closesAt > at);
    if (open) {
      this.unchangedAsRead = db.selectFrom("pledge").select("pledge.id").where("pledge.id", "=", open.id).where(titled(pledge.title)).where((eb) => openAt(eb, at));
      return { created: false, pledge: open };
    }
    if (read.nextId === null) throw new NeedsTransaction("a pledge without an id drawn");
    const id = read.nextId;
    const openSameTitle = db.selectFrom("pledge").select("pledge.id").where("pledge.partnership_id", "=", partnershipId).where(titled(pledge.title)).where((eb) => openAt(eb, at));
    this.planned = {
      changed: partnershipWritten(partnershipId)
        .where(sql<boolean>`${partnershipVersion} = ${read.version}`)
        .where((eb) => eb.not(eb.exists(openSameTitle)))
        .returning("partnership.id"),
      audit: changeInContext(this.ctx, "pledge.created", pledgeSubject(id), null, pledge),
      alongside: (cte: WithChanged) =>
        cte
          .insertInto("pledge")
          .columns(["id", "partnership_id", "kind", "title", "text", "opens_at", "closes_at", "channel", "created_by_id", "created_at"])
          .expression((eb) =>
            eb
              .selectFrom("changed")
              .select((s) => [
                s.val(id).as("id"),
                s.ref("changed.id").as("partnership_id"),
                s.val(pledge.kind).as("kind"),
                s.val(pledge.title).as("title"),
                s.val(pledge.text).as("text"),
                s.val(pledge.opensAt).as("opens_at"),
                s.val(pledge.closesAt).as("closes_at"),
                s.val(pledge.channel).as("channel"),
                s.val(actor.id).as("created_by_id"),
                s.val(at).as("created_at"),
              ]),
          )
          .returning("id"),
    };
    return { created: true, pledge: { id, ...pledge, createdById: actor.id } };
  }

  override async withdraw(pledge: PledgeView, onBehalfOf: string): Promise<{ withdrawn: number; count: number }> {
    const read = this.asRead(pledge);
    const signature = read.mine.find((s) => s.onBehalfOf === onBehalfOf && s.withdrawnAt === null);
    if (!signature) {
      // None to withdraw: the answer stands while the pledge is as read.
      this.unchangedAsRead = db.selectFrom("pledge").select("pledge.id").where("pledge.id", "=", pledge.id).where(sql<boolean>`${pledgeVersion} = ${read.version}`);
      return { withdrawn: 0, count: read.count };
    }
    const { at } = this.ctx;
    const whenChanged = (cte: WithChanged) => cte.selectFrom("changed").select("changed.id");
    this.planned = {
      changed: this.pledgeAsRead(read, false),
      audit: changeInContext(this.ctx, "pledge.withdrawn", pledgeSubject(pledge.id), { signatures: [signature.id] }, { withdrawnAt: at.toISOString() }),
      alongside: (cte) =>
        cte
          .updateTable("pledge_signature")
          .set({ withdrawn_at: at })
          .where("id", "=", signature.id)
          .where("withdrawn_at", "is", null)
          .where((eb) => eb.exists(whenChanged(cte)))
          .returning("id"),
      // Nobody is asked how a withdrawn pledge is going.
      followedBy: [
        (cte) =>
          cte
            .updateTable("delivery")
            .set({ status: "cancelled", last_error: "pledge withdrawn" })
            .where("key", "like", `pledge-followup:${signature.id}:%`)
            .where("status", "=", "pending")
            .where((eb) => eb.exists(whenChanged(cte))),
      ],
    };
    return { withdrawn: 1, count: read.count - 1 };
  }


  override async answerFollowUp(signatureId: number, stage: number, answer: FollowUpAnswer): Promise<"answered" | "unchanged" | "not_asked" | "not_yours"> {
    const asked = this.ahead.followUp;
    // A question not read ahead, or not asked (a refusal): the transaction decides it.
    if (!asked || asked.signatureId !== signatureId || asked.stage !== stage || asked.askedAt === null) throw new NeedsTransaction("a follow-up not read ahead");
    this.once();
    if (asked.personId !== this.ctx.actor.id) return "not_yours";
    const asRead = (eb: ExpressionBuilder<DB, "pledge_follow_up">) => (asked.answer === null ? eb("pledge_follow_up.answer", "is", null) : eb("pledge_follow_up.answer", "=", asked.answer));
    if (asked.answer === answer) {
      this.unchangedAsRead = db.selectFrom("pledge_follow_up").select("pledge_follow_up.id").where("pledge_follow_up.id", "=", asked.id).where(asRead);
      return "unchanged";
    }
    this.planned = {
      // Guarded by the answer as read (the audit's "before").
      changed: db.updateTable("pledge_follow_up").set({ answer, answered_at: this.ctx.at }).where("pledge_follow_up.id", "=", asked.id).where(asRead).returning("pledge_follow_up.id"),
      audit: changeInContext(this.ctx, "pledge.followup", pledgeSubject(asked.pledgeId), { answer: asked.answer }, { stage, answer }),
    };
    return "answered";
  }
}
