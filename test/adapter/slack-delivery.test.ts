import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNudgeSweep } from "../../src/adapters/db/outbox/nudge-sweep.ts";
import { DeliveryWorker } from "../../src/bot/delivery-worker.ts";
import type { RunningServer } from "../../src/bot/serve.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { FakeSlack, commandBody, postToSlackEndpoint } from "../support/fake-slack.ts";
import { SIGNING_SECRET, fixture, startSlackServer } from "../support/slack-server.ts";

describe.each(kindsUnderTest())("nudges delivered through Slack on %s", (kind) => {
  const fake = new FakeSlack("T1");
  let server: RunningServer;
  let close: () => Promise<void>;

  beforeAll(async () => {
    await fake.start();
    fake.emails.set("U1", "jancis.andrew@example.org");
    ({ server, close } = await startSlackServer(kind, fake));
    // Jancis has used Curve in Slack, so Curve knows her Slack account.
    await postToSlackEndpoint(server.url, commandBody({ ...fixture<Record<string, string>>("command.milestone"), text: "list mine", trigger_id: "3001.1.id" }), { secret: SIGNING_SECRET });
  });
  afterAll(async () => {
    await close();
    await fake.close();
  });

  it("sends Jancis one direct message listing her milestones, then updates it in place next time", async () => {
    const { runtime, adapters } = server;
    const partnershipId = (await runtime.deps.store.partnerships())[0]!.id;
    let now = new Date("2011-09-26T09:00:00+01:00");
    const worker = new DeliveryWorker({ sql: runtime.db.sql, deps: runtime.deps, adapters, clock: () => now });
    await runNudgeSweep(runtime.db.sql, partnershipId, now);
    await worker.drain();
    const dms = fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "U1");
    expect(dms).toHaveLength(1);
    const shown = JSON.stringify(dms[0]!.body.blocks);
    expect(shown).toContain("ATT-4.1");
    expect(shown).toContain("ATT-5.1");
    expect(shown).toContain("milestone.snooze");
    // People with no Slack account are recorded as failures, not dropped silently.
    const [failed] = await runtime.db.sql.query<{ n: number | string }>(`SELECT count(*) AS n FROM delivery WHERE status = 'failed' AND last_error LIKE 'no Slack or Teams account%'`);
    expect(Number(failed!.n)).toBeGreaterThan(0);

    now = new Date("2011-09-29T09:00:00+01:00");
    await runNudgeSweep(runtime.db.sql, partnershipId, now);
    await worker.drain();
    expect(fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "U1")).toHaveLength(1);
    const updates = fake.callsTo("chat.update").filter((c) => c.body.channel === "U1");
    expect(updates).toHaveLength(1);
    expect(JSON.stringify(updates[0]!.body.blocks)).toContain("due tomorrow");
  });
});
