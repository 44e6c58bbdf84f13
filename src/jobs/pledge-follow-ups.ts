import { followUpQuestion } from "../domain/pledges/card.ts";
import { followUpsDue } from "../domain/pledges/follow-up.ts";
import type { InsightReminderStore } from "./ports.ts";

const DAY = 86_400_000;

/**
 * Puts pledge follow-ups ("did you do what you pledged?", 30 and 90 days after signing) in
 * the outbox, keyed `pledge-followup:<signature id>:<30|90>`, each with its record of being
 * asked. Returns the rows added: none when run again at once.
 */
export async function enqueuePledgeFollowUps(store: InsightReminderStore, partnershipId: number, now: Date): Promise<{ key: string; personId: number }[]> {
  const added: { key: string; personId: number }[] = [];
  const signatures = await store.signaturesAwaitingFollowUp(partnershipId, new Date(now.getTime() - 30 * DAY));
  const byId = new Map(signatures.map((s) => [s.id, s]));
  const due = followUpsDue(signatures.map((s) => ({ id: s.id, signedAt: s.signedAt, withdrawnAt: null, stages: s.stages })), now);
  for (const item of due) {
    const s = byId.get(item.signatureId)!;
    const key = `pledge-followup:${s.id}:${item.stage}`;
    const payload = followUpQuestion({ title: s.title }, { id: s.id, commitment: s.commitment, onBehalfOf: s.onBehalfOf }, item.stage);
    // The question and its record go together: both or neither, whatever else is running.
    const asked = await store.askFollowUp(
      { signatureId: s.id, stage: item.stage, skipped: item.skipped, now },
      { partnershipId, personId: s.personId, key, kind: "pledge.followup", payload, dueAt: item.dueAt },
    );
    if (asked) added.push({ key, personId: s.personId });
  }
  return added;
}
