import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/bot/serve.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { commandDriver } from "../support/invoke.ts";
import { eventually, startSlackServer } from "../support/slack-server.ts";

// A change's announcement is an outbox row written with the change, so it reaches the
// priority's channel even when nothing was listening as it was made: here a change made by
// another process (`curve shell`, a server killed after its ack) before `curve serve` starts.
describe.each(kindsUnderTest())("announcements through the outbox on %s", (kind) => {
  const fake = new FakeSlack("T1");
  let server: RunningServer;
  let close: () => Promise<void>;
  let partnership = 0;

  beforeAll(async () => {
    await fake.start();
    ({ server, close } = await startSlackServer(kind, fake, {}, async (db, partnershipId) => {
      partnership = partnershipId;
      await db.prisma.priority.updateMany({ where: { plan: { partnershipId }, refPrefix: "ATT" }, data: { channel: "slack:T1:C0ATTEND" } });
      const shell = commandDriver(db, partnershipId);
      await shell.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed at cluster chairs", "shell:before-serve");
      // The same request again: it was answered, so nothing more is written.
      await shell.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed at cluster chairs", "shell:before-serve");
    }));
  });
  afterAll(async () => {
    await close();
    await fake.close();
  });

  it("posts a change's announcement left in the outbox, once, as soon as curve serve runs", async () => {
    const posts = () => fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "C0ATTEND" && JSON.stringify(c.body).includes("marked ATT-4.1 done"));
    await eventually(() => posts().length > 0, 8000);
    // The row is settled once the post is sent: wait for that state, then read it.
    const sent = async () => server.runtime.db.prisma.delivery.findFirst({ where: { partnershipId: partnership, kind: "announcement", status: "sent" } });
    let row = await sent();
    for (const started = Date.now(); !row && Date.now() - started < 8000; row = await sent()) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(row?.key).toBe(`announcement:${partnership}:shell:before-serve:0`);
    expect(row?.messageRef).toMatch(/^C0ATTEND\//);
    expect(posts()).toHaveLength(1);
    expect(JSON.stringify(posts()[0]!.body)).toContain("Jancis Andrew marked ATT-4.1 done");
  });
});
