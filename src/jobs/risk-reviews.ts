import { riskReviewMessage } from "../commands/reminder-messages.ts";
import type { RiskReviewStore } from "./ports.ts";

/**
 * Review reminders: on or after a risk's review date, its owner is asked through the outbox
 * to review it, once per review date (key `risk-review:<risk>:<date>:<owner>`); reviewing it
 * sets the next date, and so the next reminder. `today` is an ISO date (Europe/London).
 * Returns the keys enqueued by this run.
 */
export async function enqueueRiskReviews(store: RiskReviewStore, partnershipId: number, now: Date, today: string): Promise<string[]> {
  const rows = (await store.risksDueForReview(partnershipId, today)).map((risk) => ({
    partnershipId,
    personId: risk.owner.id,
    key: `risk-review:${risk.id}:${risk.reviewDate}:${risk.owner.id}`,
    kind: "risk_review",
    dueAt: now,
    payload: riskReviewMessage(risk, today),
  }));
  if (rows.length === 0) return [];
  const added = new Set((await store.enqueue(rows)).map((d) => d.key));
  return rows.filter((r) => added.has(r.key)).map((r) => r.key);
}
