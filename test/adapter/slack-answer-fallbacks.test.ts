import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/bot/serve.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { FakeSlack, commandBody, interactionBody, postToSlackEndpoint } from "../support/fake-slack.ts";
import { SIGNING_SECRET, eventually, fixture, startSlackServer } from "../support/slack-server.ts";
import { captureLog } from "../support/log-capture.ts";

type Json = Record<string, any>;

/**
 * A Slack answer that could not go the usual way still reaches the person: a response_url
 * Slack no longer takes (30 minutes, 5 uses) or a form Slack would not open. What reaches
 * them is what the fake Web API and response_url endpoints receive.
 */
describe.each(kindsUnderTest())("Slack answers that cannot go the usual way, on %s", (kind) => {
  const fake = new FakeSlack("T1");
  let server: RunningServer;
  let close: () => Promise<void>;
  let log: ReturnType<typeof captureLog>;
  const post = (body: string) => postToSlackEndpoint(server.url, body, { secret: SIGNING_SECRET });
  const command = (responseId: string, overrides: Record<string, string>) =>
    commandBody({ ...fixture<Record<string, string>>("command.milestone"), response_url: `${fake.url}/response/${responseId}`, ...overrides });
  const submission = (view: Json, evidence: string) => {
    const payload = fixture<Json>("view_submission.form");
    return interactionBody({ ...payload, view: { ...payload.view, id: view.id, private_metadata: view.private_metadata, state: { values: { "field:evidence": { value: { type: "plain_text_input", value: evidence } } } } } });
  };
  const milestone = (ref: string) => server.runtime.db.prisma.milestone.findFirstOrThrow({ where: { ref } });
  const ephemeralTo = (user: string, shows: string) =>
    fake.callsTo("chat.postEphemeral").find((c) => c.body.user === user && JSON.stringify(c.body).includes(shows) && !c.refused);
  /** Opens the evidence form for `ref` with a /milestone done whose response_url has expired. */
  const openExpiredForm = async (ref: string, responseId: string, trigger: string, channel = "C0ATTEND") => {
    fake.expiredResponseUrls.add(responseId);
    const ack = await post(command(responseId, { text: `done ${ref}`, trigger_id: trigger, channel_id: channel }));
    expect(ack.status).toBe(200);
    const open = await eventually(() => fake.callsTo("views.open").find((c) => c.body.trigger_id === trigger));
    return open.body.view as Json;
  };
  const secretsIn = (text: string) => ["xoxb-test-token", SIGNING_SECRET, "/response/"].filter((s) => text.includes(s));
  /** Holds a milestone's row from a second connection (PostgreSQL) until `release`, so a change to it waits past Slack's 3 seconds. */
  const holdMilestone = async (ref: string) => {
    let release!: () => void;
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const held = server.runtime.db.sql.transaction(async (tx) => {
      await tx.query(`SELECT id FROM milestone WHERE ref = $1 FOR UPDATE`, [ref]);
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await lockTaken;
    return { release: () => (release(), held) };
  };

  beforeAll(async () => {
    await fake.start();
    fake.emails.set("U1", "jancis.andrew@example.org");
    log = captureLog();
    ({ server, close } = await startSlackServer(kind, fake, { LOG_LEVEL: "info" }));
  });
  afterAll(async () => {
    log.restore();
    await close();
    await fake.close();
  });

  it("posts a form's personal-data hold in the channel when the command's response_url has expired, and logs why without the URL", async () => {
    const view = await openExpiredForm("ATT-7.1", "expired-hold", "5001.1.hold");
    const submitted = await post(submission({ id: "V-HOLD", private_metadata: view.private_metadata }, "launch event at community centre LS6 2AB"));
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe("");

    const held = await eventually(() => ephemeralTo("U1", "a home postcode"));
    expect(held.body.channel).toBe("C0ATTEND");
    const shown = JSON.stringify(held.body.blocks);
    expect(shown).toContain("privacy.remove");
    expect(shown).not.toContain("LS6 2AB");
    expect(fake.refusedResponses.filter((r) => r.id === "expired-hold")).toHaveLength(1);
    expect((await milestone("ATT-7.1")).doneAt).toBeNull();

    const logged = await eventually(() => log.lines.find((l) => l.message === "slack response_url refused"));
    expect(logged).toMatchObject({ level: "warn", status: 404, reason: "expired_url", fallback: "chat.postEphemeral" });
    expect(secretsIn(log.raw.join(""))).toEqual([]);
  });

  it("posts a form's confirmation in the channel when the response_url has expired", async () => {
    const view = await openExpiredForm("ATT-7.2", "expired-done", "5002.1.done");
    expect((await post(submission({ id: "V-DONE", private_metadata: view.private_metadata }, "registers checked at the launch"))).status).toBe(200);
    const done = await eventually(() => ephemeralTo("U1", "ATT-7.2 done"));
    expect(done.body.channel).toBe("C0ATTEND");
    expect((await milestone("ATT-7.2")).evidence).toBe("registers checked at the launch");
  });

  it("sends the answer as a direct message when Slack refuses it in the channel too", async () => {
    const view = await openExpiredForm("ATT-5.1", "expired-private", "5003.1.private", "G0PRIVATE");
    // Curve is not in that channel, so Slack will not show an ephemeral message there.
    fake.refusals.set("chat.postEphemeral", { times: 1, error: "channel_not_found", channel: "G0PRIVATE" });
    expect((await post(submission({ id: "V-PRIVATE", private_metadata: view.private_metadata }, "plan agreed by the board"))).status).toBe(200);
    const dm = await eventually(() => fake.callsTo("chat.postMessage").find((c) => c.body.channel === "U1" && JSON.stringify(c.body).includes("ATT-5.1 done")));
    expect(dm.body.blocks).toBeDefined();
    expect(fake.callsTo("chat.postEphemeral").filter((c) => c.body.channel === "G0PRIVATE").map((c) => c.refused)).toEqual(["channel_not_found"]);
    expect(log.lines).toContainEqual(expect.objectContaining({ message: "slack ephemeral answer refused", error: "channel_not_found", fallback: "direct message" }));
  });

  it("answers a button press whose response_url has expired in the channel", async () => {
    const press = fixture<Json>("block_actions.mark_done");
    const before = fake.callsTo("chat.postEphemeral").length;
    fake.expiredResponseUrls.add("expired-press");
    const payload = { ...press, trigger_id: "5004.1.press", response_url: `${fake.url}/response/expired-press`, actions: [{ ...press.actions[0], action_id: "action.show", value: "ATT-7" }] };
    expect((await post(interactionBody(payload))).status).toBe(200);
    const shown = await eventually(() => fake.callsTo("chat.postEphemeral").slice(before).find((c) => c.body.user === "U1"));
    expect(shown.body.channel).toBe(press.channel.id);
    expect(JSON.stringify(shown.body.blocks)).toContain("ATT-7");
    expect(fake.refusedResponses.filter((r) => r.id === "expired-press")).toHaveLength(1);
  });

  it("tells someone what to type when Slack will not open the form a slash command asked for", async () => {
    fake.refusals.set("views.open", { times: 1, error: "expired_trigger_id" });
    const ack = await post(command("no-form", { text: "done ATT-7.1", trigger_id: "5005.1.noform" }));
    expect(ack.status).toBe(200);
    const told = await eventually(() => fake.responses.find((r) => r.id === "no-form"));
    expect(told.body).toMatchObject({ response_type: "ephemeral" });
    expect(JSON.stringify(told.body.blocks)).toContain("Curve couldn't open the form; type /milestone done ATT-7.1 <evidence>");
    expect(fake.callsTo("views.open").find((c) => c.body.trigger_id === "5005.1.noform")?.refused).toBe("expired_trigger_id");
    expect(log.lines).toContainEqual(expect.objectContaining({ level: "warn", message: "slack form could not be opened", form: "milestone.done", error: "expired_trigger_id" }));
    expect((await milestone("ATT-7.1")).doneAt).toBeNull();
  });

  it("tells them in the channel when the form would not open and the response_url has expired too", async () => {
    fake.refusals.set("views.open", { times: 1, error: "expired_trigger_id" });
    fake.expiredResponseUrls.add("no-form-expired");
    expect((await post(command("no-form-expired", { text: "done ATT-7.1", trigger_id: "5006.1.noform" }))).status).toBe(200);
    const told = await eventually(() => ephemeralTo("U1", "Curve couldn't open the form"));
    expect(told.body.channel).toBe("C0ATTEND");
  });

  it("tells someone what to type when Slack will not open the form a button asked for", async () => {
    fake.refusals.set("views.open", { times: 1, error: "expired_trigger_id" });
    const press = fixture<Json>("block_actions.mark_done");
    const payload = { ...press, trigger_id: "5007.1.button", response_url: `${fake.url}/response/no-form-button`, actions: [{ ...press.actions[0], value: "ATT-4.1" }] };
    expect((await post(interactionBody(payload))).status).toBe(200);
    const told = await eventually(() => fake.responses.find((r) => r.id === "no-form-button"));
    expect(JSON.stringify(told.body.blocks)).toContain("Curve couldn't open the form; type /milestone done ATT-4.1 <evidence>");
  });

  it("logs an answer that nothing could deliver, the second try included", async () => {
    const view = await openExpiredForm("ATT-4.2", "expired-nowhere", "5008.1.nowhere");
    // The channel and the direct message refuse it too, for the answer and for its coded failure.
    fake.refusals.set("chat.postEphemeral", { times: 2, error: "channel_not_found", channel: "C0ATTEND" });
    fake.refusals.set("chat.postMessage", { times: 2, error: "cannot_dm_bot", channel: "U1" });
    try {
      expect((await post(submission({ id: "V-NOWHERE", private_metadata: view.private_metadata }, "attendance panel met"))).status).toBe(200);
      const undelivered = await eventually(() => log.lines.find((l) => l.message === "answer not delivered"));
      expect(undelivered).toMatchObject({ level: "error", platform: "slack", step: "answer", error: expect.stringContaining("cannot_dm_bot") });
      expect(log.lines).toContainEqual(expect.objectContaining({ message: "request failed", step: "answer", reference: expect.stringMatching(/^[0-9a-f]{8}$/) }));
      expect(fake.refusedResponses.filter((r) => r.id === "expired-nowhere")).toHaveLength(2);
    } finally {
      fake.refusals.delete("chat.postEphemeral");
      fake.refusals.delete("chat.postMessage");
    }
    // The change was made, though its answer never arrived.
    expect((await milestone("ATT-4.2")).evidence).toBe("attendance panel met");
    expect(secretsIn(log.raw.join(""))).toEqual([]);
  });

  // A second connection holds the milestone's row while Slack's 3 seconds pass: PostgreSQL only.
  it.runIf(kind === "postgresql")("sends the answer of a change that took longer than Slack's 3 seconds through the response_url, once", async () => {
    const logFrom = log.lines.length;
    const held = await holdMilestone("ATT-4.1");
    // Slack is told nothing within its 3 seconds: the request is closed unanswered.
    const closed = await post(command("late-done", { text: "done ATT-4.1 model agreed late", trigger_id: "5001.1.late" }));
    expect(closed.status).toBe(404);
    await held.release();
    const answered = await eventually(() => fake.responses.find((r) => r.id === "late-done"));
    expect(JSON.stringify(answered.body)).toContain("ATT-4.1 done");
    expect(fake.responses.filter((r) => r.id === "late-done")).toHaveLength(1);
    expect((await milestone("ATT-4.1")).doneAt).not.toBeNull();
    const logged = log.lines.slice(logFrom);
    expect(logged.filter((l) => l.message === "request failed" || l.level === "error")).toEqual([]);
    expect(logged.find((l) => String(l.message).startsWith("slack request not answered within 3 seconds"))).toMatchObject({ level: "warn" });
    expect(logged.find((l) => String(l.message).startsWith("slack answer came after the request was closed"))).toMatchObject({ level: "warn", command: "milestone" });
  });

  it.runIf(kind === "postgresql")("sends the answer of a form that took longer than Slack's 3 seconds to the person, once", async () => {
    const logFrom = log.lines.length;
    const opened = await post(command("late-form", { text: "done ATT-7.1", trigger_id: "5004.1.late" }));
    expect(opened.status).toBe(200);
    const view = (await eventually(() => fake.callsTo("views.open").find((c) => c.body.trigger_id === "5004.1.late"))).body.view as Json;
    const held = await holdMilestone("ATT-7.1");
    const closed = await post(submission({ id: "V-LATE", private_metadata: view.private_metadata }, "signed off late"));
    expect(closed.status).toBe(404);
    await held.release();
    const answered = await eventually(() => fake.responses.find((r) => r.id === "late-form" && JSON.stringify(r.body).includes("ATT-7.1 done")));
    expect(answered).toBeDefined();
    expect((await milestone("ATT-7.1")).evidence).toBe("signed off late");
    expect(log.lines.slice(logFrom).filter((l) => l.level === "error")).toEqual([]);
  });
});
