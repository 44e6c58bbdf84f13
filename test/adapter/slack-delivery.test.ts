import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { DeliveryWorker } from "../../src/bot/delivery-worker.ts";
import type { RunningServer } from "../../src/bot/serve.ts";
import { reply, text } from "../../src/domain/reply.ts";
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
    await runNudgeSweep(jobStoreOf(runtime.db), partnershipId, now);
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
    await runNudgeSweep(jobStoreOf(runtime.db), partnershipId, now);
    await worker.drain();
    expect(fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "U1")).toHaveLength(1);
    const updates = fake.callsTo("chat.update").filter((c) => c.body.channel === "U1");
    expect(updates).toHaveLength(1);
    expect(JSON.stringify(updates[0]!.body.blocks)).toContain("due tomorrow");
  });

  it("keeps to Slack's one message per second per channel when several reports for one channel fall due together", async () => {
    const { runtime, adapters } = server;
    const partnershipId = (await runtime.deps.store.partnerships())[0]!.id;
    const someone = await runtime.db.prisma.person.findFirstOrThrow({ where: { partnershipId } });
    const now = new Date("2011-10-03T09:00:00+01:00");
    const report = (n: number) => reply("info", `Report ${n}`, [text(`Report ${n} for the attendance priority.`)]) as object;
    await runtime.db.prisma.delivery.createMany({
      data: [1, 2, 3].map((n) => ({ partnershipId, personId: someone.id, key: `test:burst:${n}`, kind: "channel_report", payload: { channel: "slack:T1:C0BURST", reply: report(n) }, dueAt: now })),
    });
    fake.enforceChannelRate = true;
    const rejectedBefore = fake.rejectedForRate;
    try {
      await new DeliveryWorker({ sql: runtime.db.sql, deps: runtime.deps, adapters, clock: () => now }).drain();
    } finally {
      fake.enforceChannelRate = false;
    }
    const rows = await runtime.db.prisma.delivery.findMany({ where: { key: { startsWith: "test:burst:" } } });
    expect(rows.map((r) => r.status)).toEqual(["sent", "sent", "sent"]);
    expect(rows.map((r) => r.messageRef).filter((ref) => !/^C0BURST\/\d{10}\.\d{6}$/.test(ref ?? ""))).toEqual([]);
    const posts = fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "C0BURST");
    // Slack (the fake, with its limit on) refused none of them: Curve spaced them itself.
    expect(posts.filter((c) => c.rateLimited)).toEqual([]);
    expect(fake.rejectedForRate).toBe(rejectedBefore);
    expect(posts).toHaveLength(3);
    for (let i = 1; i < posts.length; i++) expect(posts[i]!.at - posts[i - 1]!.at).toBeGreaterThanOrEqual(1000);
  });
});
