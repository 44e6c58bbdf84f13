import { readingDueMessage } from "../commands/reminder-messages.ts";
import { localDate } from "../domain/dates/calendar.ts";
import { buildReportCard } from "../domain/indicators/report-card.ts";
import type { InsightReminderStore } from "./ports.ts";

// Whose day it is when deciding that a reading is due: the partnership's, not the server's.
const PARTNERSHIP_ZONE = "Europe/London";

/**
 * Reminds the people who record an indicator's figures (its owner, else its priority's
 * leads) that a reading is due and missing, keyed
 * `indicator-data-due:<indicator id>:<period end>:<person id>`, so once per period each.
 * Returns the rows added.
 */
export async function enqueueReadingReminders(store: InsightReminderStore, partnershipId: number, now: Date): Promise<{ key: string; personId: number }[]> {
  const added: { key: string; personId: number }[] = [];
  const today = localDate(now, PARTNERSHIP_ZONE);
  for (const indicator of await store.indicatorsExpectingReadings(partnershipId)) {
    const card = buildReportCard(indicator, today);
    if (!card.due) continue;
    const people = indicator.owner ? [indicator.owner] : (indicator.priority?.leads ?? []);
    const { period, dueSince } = card.due;
    for (const person of people) {
      const key = `indicator-data-due:${indicator.id}:${period.end}:${person.id}`;
      const payload = readingDueMessage(indicator, period, dueSince);
      const [row] = await store.enqueue([{ partnershipId, personId: person.id, key, kind: "indicator.data_due", payload, dueAt: now }]);
      if (row) added.push({ key, personId: person.id });
    }
  }
  return added;
}
