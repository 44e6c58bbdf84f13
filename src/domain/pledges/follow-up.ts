/**
 * Follow-through: 30 and 90 days after signing, a signer is asked "did you do what you
 * pledged?". Each stage is asked once. A sweep that comes late (the server was down)
 * asks only the latest stage that is due, and records the earlier one as skipped, so
 * nobody gets two questions at once.
 */
export const FOLLOW_UP_STAGES = [30, 90] as const;
export type FollowUpStage = (typeof FOLLOW_UP_STAGES)[number];

const DAY_MS = 86_400_000;

export interface SignatureForFollowUp {
  id: number;
  signedAt: Date;
  withdrawnAt: Date | null;
  /** Stages already asked or skipped. */
  stages: readonly number[];
}

export interface FollowUpDue {
  signatureId: number;
  stage: FollowUpStage;
  dueAt: Date;
  /** Earlier stages passed over because a later one is due too. */
  skipped: FollowUpStage[];
}

export const followUpDueAt = (signedAt: Date, stage: FollowUpStage): Date => new Date(signedAt.getTime() + stage * DAY_MS);

export function followUpsDue(signatures: readonly SignatureForFollowUp[], now: Date): FollowUpDue[] {
  const due: FollowUpDue[] = [];
  for (const s of signatures) {
    if (s.withdrawnAt) continue;
    const open = FOLLOW_UP_STAGES.filter((stage) => !s.stages.includes(stage) && followUpDueAt(s.signedAt, stage) <= now);
    const latest = open[open.length - 1];
    if (latest === undefined) continue;
    due.push({ signatureId: s.id, stage: latest, dueAt: followUpDueAt(s.signedAt, latest), skipped: open.slice(0, -1) });
  }
  return due;
}

/** "57.30" on a button: signature 57, the 30-day question. */
export function readFollowUpRef(value: string): { signatureId: number; stage: FollowUpStage } | null {
  const m = /^(\d{1,9})\.(30|90)$/.exec(value.trim());
  return m ? { signatureId: Number(m[1]), stage: Number(m[2]) as FollowUpStage } : null;
}
