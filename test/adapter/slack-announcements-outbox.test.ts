import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/bot/serve.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { FakeSlack, commandBody, postToSlackEndpoint } from "../support/fake-slack.ts";
import { commandDriver } from "../support/invoke.ts";
import { SIGNING_SECRET, eventually, fixture, startSlackServer } from "../support/slack-server.ts";

// A change's announcement is an outbox row written with the change, so it reaches the
// priority's channel even when nothing was listening as it was made: here a change made by
// another process (`curve shell`, a server killed after its ack) before `curve serve` starts.
describe.each(kindsUnderTest())("announcements through the outbox on %s", (kind) => {
  const fake = new FakeSlack("T1");
  let server: RunningServer;
  let close: () => Promise<void>;
  let partnership = 0;

  const slash = (user: string, command: string, text: string, channel: string, trigger: string) =>
    postToSlackEndpoint(
      server.url,
      commandBody({ ...fixture<Record<string, string>>("command.milestone"), user_id: user, command, text, channel_id: channel, trigger_id: trigger, response_url: `${fake.url}/response/${trigger}` }),
      { secret: SIGNING_SECRET },
    );
  const rows = (kind: string) => server.runtime.db.prisma.delivery.findMany({ where: { partnershipId: partnership, kind }, orderBy: { id: "asc" } });
  /** Waits for the outbox to reach a state (the worker runs beside the test), reading it every 20 ms for up to 10 s. */
  async function until<T>(probe: () => Promise<T | null | undefined | false>): Promise<T> {
    for (const started = Date.now(); Date.now() - started < 10_000; await new Promise((resolve) => setTimeout(resolve, 20))) {
      const found = await probe();
      if (found) return found;
    }
    throw new Error("the outbox never reached the state waited for");
  }

  beforeAll(async () => {
    await fake.start();
    fake.emails.set("U1", "jancis.andrew@example.org");
    fake.emails.set("U-NIGEL", "nigel.richardson@example.org");
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

  it("keeps a channel's posts in order when Slack turns one away for now", async () => {
    const text = (row: { payload: unknown }) => (row.payload as { text: string }).text;
    fake.refusals.set("chat.postMessage", { times: 1, error: "internal_error", channel: "C0ATTEND" });
    await slash("U1", "/milestone", "done ATT-4.2 one cluster live", "C0ATTEND", "order.1");
    // Turned away: tried again later, not marked sent.
    const first = await until(async () => (await rows("announcement")).find((r) => text(r).includes("ATT-4.2") && r.attempts === 1 && r.status === "pending"));
    expect(first.lastError).toContain("internal_error");
    await slash("U1", "/milestone", "done ATT-5.1 script agreed", "C0ATTEND", "order.2");
    const second = await until(async () => (await rows("announcement")).find((r) => text(r).includes("ATT-5.1")));
    // The first falls due again (its retry time passes); both then go, the first first.
    await server.runtime.db.prisma.delivery.update({ where: { id: first.id }, data: { dueAt: new Date(second.dueAt.getTime() - 1) } });
    await until(async () => (await rows("announcement")).filter((r) => r.status === "sent").length === 3);
    const posted = fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "C0ATTEND" && !c.refused).map((c) => JSON.stringify(c.body));
    const at = (ref: string) => posted.findIndex((body) => body.includes(`marked ${ref} done`));
    expect(at("ATT-4.2")).toBeGreaterThan(-1);
    expect(at("ATT-5.1")).toBeGreaterThan(at("ATT-4.2"));
    expect(posted.filter((body) => body.includes("marked ATT-4.2 done"))).toHaveLength(1);
  });

  it("tries a pledge card again when Slack fails to post it, rather than marking it sent", async () => {
    fake.refusals.set("chat.postMessage", { times: 1, error: "internal_error", channel: "C0PLEDGE" });
    const created = (await slash("U-NIGEL", "/pledge", "new attendance Every day counts | We will help every child attend school every day", "C0PLEDGE", "card.1")).json();
    const id = Number(/Pledge P(\d+) created/.exec(JSON.stringify(created.blocks))![1]);
    const card = await until(async () => (await rows("channel_card")).find((r) => r.attempts === 1 && r.status !== "sending"));
    expect([card.status, card.lastError]).toEqual(["pending", expect.stringContaining("internal_error")]);
    expect((await server.runtime.db.prisma.pledge.findUniqueOrThrow({ where: { id } })).messageRef).toBeNull();
    // Its retry time passes: the card is posted, once, and its place kept.
    await server.runtime.db.prisma.delivery.update({ where: { id: card.id }, data: { dueAt: new Date(0) } });
    const ref = await until(async () => (await server.runtime.db.prisma.pledge.findUniqueOrThrow({ where: { id } })).messageRef);
    expect(ref).toMatch(/^slack:C0PLEDGE:/);
    expect(fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "C0PLEDGE" && !c.refused)).toHaveLength(1);
    // The card's row is settled after the pledge keeps its place: wait for it to settle, then it must be sent.
    const settled = await until(async () => (await rows("channel_card")).find((r) => r.status !== "sending"));
    expect(settled.status).toBe("sent");
  });
});
