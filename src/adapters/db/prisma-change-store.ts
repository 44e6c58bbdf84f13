import type { Prisma } from "../../../generated/prisma/client.ts";
import type { ChangeContext, ChangeOutcome, ChangeStore } from "../../commands/store.ts";
import type { Due } from "../../domain/dates/due-phrase.ts";
import type { ActionState, ActionView, MilestoneView } from "../../domain/model.ts";
import { actionInclude, dateFromIso, milestoneInclude, toAction, toMilestone } from "./views.ts";

type Tx = Prisma.TransactionClient;

/** Writes inside one transaction; each change and its audit event commit together. */
export class PrismaChangeStore implements ChangeStore {
  constructor(
    private readonly tx: Tx,
    private readonly ctx: ChangeContext,
  ) {}

  private async audit(
    event: string,
    subject: { type: string; id: number; ref: string; actionId: number },
    before: unknown,
    after: unknown,
  ): Promise<void> {
    await this.tx.auditEvent.create({
      data: {
        partnershipId: this.ctx.partnershipId,
        actorId: this.ctx.actor.id,
        event,
        subjectType: subject.type,
        subjectId: subject.id,
        subjectRef: subject.ref,
        actionId: subject.actionId,
        before: before as Prisma.InputJsonValue,
        after: after as Prisma.InputJsonValue,
        origin: { platform: this.ctx.origin.platform, tenant: this.ctx.origin.tenant, channel: this.ctx.origin.channel },
        idempotencyKey: this.ctx.idempotencyKey,
        at: this.ctx.at,
      },
    });
  }

  // Row locks make a concurrent change wait, so "before" in the audit is what really was.
  private async lockMilestone(id: number) {
    await this.tx.$queryRaw`SELECT id FROM milestone WHERE id = ${id} FOR UPDATE`;
    return toMilestone(await this.tx.milestone.findUniqueOrThrow({ where: { id }, include: milestoneInclude }));
  }

  async markMilestoneDone(milestone: MilestoneView, evidence: string | null): Promise<ChangeOutcome<MilestoneView>> {
    const current = await this.lockMilestone(milestone.id);
    if (current.doneAt) return { applied: false, reason: "already_done" };
    const row = await this.tx.milestone.update({
      where: { id: milestone.id },
      data: { doneAt: this.ctx.at, doneById: this.ctx.actor.id, evidence },
      include: milestoneInclude,
    });
    await this.audit("milestone.done", subjectOf(current), { doneAt: null }, { doneAt: this.ctx.at.toISOString(), doneBy: this.ctx.actor.name, evidence });
    return { applied: true, value: toMilestone(row) };
  }

  async reopenMilestone(milestone: MilestoneView): Promise<ChangeOutcome<MilestoneView>> {
    const current = await this.lockMilestone(milestone.id);
    if (!current.doneAt) return { applied: false, reason: "not_done" };
    const row = await this.tx.milestone.update({
      where: { id: milestone.id },
      data: { doneAt: null, doneById: null, evidence: null },
      include: milestoneInclude,
    });
    await this.audit(
      "milestone.reopened",
      subjectOf(current),
      { doneAt: current.doneAt.toISOString(), doneBy: current.doneBy?.name ?? null, evidence: current.evidence },
      { doneAt: null },
    );
    return { applied: true, value: toMilestone(row) };
  }

  async addMilestoneEvidence(milestone: MilestoneView, evidence: string): Promise<ChangeOutcome<MilestoneView>> {
    const current = await this.lockMilestone(milestone.id);
    const lines = current.evidence ? current.evidence.split("\n") : [];
    if (lines.includes(evidence)) return { applied: false, reason: "unchanged" };
    const combined = [...lines, evidence].join("\n");
    const row = await this.tx.milestone.update({ where: { id: milestone.id }, data: { evidence: combined }, include: milestoneInclude });
    await this.audit("milestone.evidence", subjectOf(current), { evidence: current.evidence }, { evidence: combined });
    return { applied: true, value: toMilestone(row) };
  }

  async setMilestoneDue(milestone: MilestoneView, due: Due): Promise<ChangeOutcome<MilestoneView>> {
    const current = await this.lockMilestone(milestone.id);
    if (current.dueDate === due.due && current.precision === due.precision) return { applied: false, reason: "unchanged" };
    const row = await this.tx.milestone.update({
      where: { id: milestone.id },
      data: { duePrecision: due.precision, dueDate: dateFromIso(due.due), dueStart: dateFromIso(due.start), duePhrase: due.phrase },
      include: milestoneInclude,
    });
    await this.audit(
      "milestone.dated",
      subjectOf(current),
      { due: current.dueDate, precision: current.precision, phrase: current.duePhrase },
      { due: due.due, precision: due.precision, phrase: due.phrase },
    );
    return { applied: true, value: toMilestone(row) };
  }

  async setActionState(action: ActionView, state: ActionState, note: string | null): Promise<ChangeOutcome<ActionView>> {
    const [locked] = await this.tx.$queryRaw<{ state: ActionState }[]>`SELECT state::text AS state FROM action WHERE id = ${action.id} FOR UPDATE`;
    if (locked?.state === state && !note) return { applied: false, reason: "unchanged" };
    if (note) await this.tx.actionNote.create({ data: { actionId: action.id, authorId: this.ctx.actor.id, text: note, createdAt: this.ctx.at } });
    const row = await this.tx.action.update({ where: { id: action.id }, data: { state }, include: actionInclude });
    await this.audit("action.status", { type: "action", id: action.id, ref: action.ref, actionId: action.id }, { state: locked?.state }, { state, note });
    return { applied: true, value: toAction(row) };
  }

  async addActionNote(action: ActionView, text: string): Promise<void> {
    const note = await this.tx.actionNote.create({ data: { actionId: action.id, authorId: this.ctx.actor.id, text, createdAt: this.ctx.at } });
    await this.audit("action.note", { type: "action", id: action.id, ref: action.ref, actionId: action.id }, null, { noteId: note.id, text });
  }
}

const subjectOf = (m: MilestoneView) => ({ type: "milestone", id: m.id, ref: m.ref, actionId: m.actionId });
