import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { DeliveryWorker } from "../../src/bot/delivery-worker.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { cardText, checkCard } from "../support/teams-cards.ts";
import { activity, startTeamsServer, type TeamsServer } from "../support/teams-server.ts";

describe.each(kindsUnderTest())("nudges delivered through Teams on %s", (kind) => {
  let t: TeamsServer;
  beforeAll(async () => {
    t = await startTeamsServer(kind);
  });
  afterAll(async () => t?.close());

  it("sends Sue May her nudge as a card in her 1:1 chat with Curve", async () => {
    // Sue installs Curve in Teams, so Curve has her 1:1 chat.
    expect((await t.post(activity("installationUpdate.add", t.fake))).status).toBe(200);
    const now = new Date("2011-09-26T09:00:00+01:00");
    const { runtime, adapters } = t.server;
    await runNudgeSweep(jobStoreOf(runtime.db), t.partnershipId, now);
    const sue = await runtime.db.prisma.person.findFirstOrThrow({ where: { partnershipId: t.partnershipId, name: "Sue May" } });
    await new DeliveryWorker({ sql: runtime.db.sql, deps: runtime.deps, adapters, clock: () => now }).drain();
    const [row] = await runtime.db.sql.query<{ status: string; platform: string; message_ref: string }>(
      `SELECT status::text, platform::text, message_ref FROM delivery WHERE person_id = $1 AND kind = 'nudge'`,
      [sue.id],
    );
    expect(row).toMatchObject({ status: "sent", platform: "teams" });
    const sent = await t.fake.next((c) => c.id === row!.message_ref);
    const card = (sent.body.attachments as { content: Record<string, unknown> }[])[0]!.content;
    expect(checkCard(card).problems).toEqual([]);
    expect(cardText(card)).toContain("LAC-11.1");
    expect(JSON.stringify(card)).toContain("milestone.snooze");
  });
});
