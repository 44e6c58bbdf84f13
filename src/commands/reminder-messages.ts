import type { RiskView } from "./report-deps.ts";
import { shortDate } from "../domain/dates/calendar.ts";
import type { IndicatorPeriod } from "../domain/indicators/periods.ts";
import { context, reply, text, type Reply } from "../domain/reply.ts";

/** The reminder to record an indicator's missing reading for `period`, due since `dueSince` (ISO date). */
export function readingDueMessage(indicator: { code: string; name: string }, period: IndicatorPeriod, dueSince: string): Reply {
  return reply("info", `${indicator.code}: the reading for ${period.label} is due`, [
    text(`${indicator.name}: the figure for ${period.label} (ending ${shortDate(period.end)}) has been due since ${shortDate(dueSince)}.`),
    context(`Record it: /indicator record ${indicator.code} <value> ${period.label} [source]`),
    { type: "buttons", buttons: [{ actionId: "indicator.show", label: "Report card", value: indicator.code }] },
  ]);
}

/** The reminder to a risk's owner that its review is due `today` (ISO date) or overdue. */
export function riskReviewMessage(risk: RiskView, today: string): Reply {
  const score = risk.likelihood * risk.impact;
  const overdue = risk.reviewDate < today ? `was due for review on ${shortDate(risk.reviewDate)}` : "is due for review today";
  return {
    tone: "warning",
    heading: `R${risk.number} ${overdue}`,
    blocks: [
      { type: "text", text: risk.description },
      { type: "fields", fields: [{ label: "Score", value: `${score} (likelihood ${risk.likelihood} × impact ${risk.impact})` }, { label: "Mitigation", value: risk.mitigation ?? "none recorded" }] },
      { type: "context", text: `Review it with /risk review R${risk.number} likelihood: 1-5 | impact: 1-5 | next: <date>, or close it with /risk close R${risk.number} <reason>.` },
    ],
    visibility: "ephemeral",
  };
}
