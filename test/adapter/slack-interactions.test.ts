import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/bot/serve.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { FakeSlack, commandBody, eventBody, interactionBody, postToSlackEndpoint } from "../support/fake-slack.ts";
import { SIGNING_SECRET, eventually, fixture, startSlackServer } from "../support/slack-server.ts";

type Json = Record<string, any>;

describe.each(kindsUnderTest())("Slack buttons, modals, App Home and channel posts on %s", (kind) => {
  const fake = new FakeSlack("T1");
  let server: RunningServer;
  let close: () => Promise<void>;
  const post = (body: string) => postToSlackEndpoint(server.url, body, { secret: SIGNING_SECRET });
  const postEvent = (event: unknown) => postToSlackEndpoint(server.url, eventBody(event), { secret: SIGNING_SECRET, contentType: "application/json" });
  const command = (overrides: Record<string, string>) =>
    commandBody({ ...fixture<Record<string, string>>("command.milestone"), response_url: `${fake.url}/response/cmd`, ...overrides });
  const prisma = () => server.runtime.db.prisma;
  const milestone = (ref: string) => prisma().milestone.findFirstOrThrow({ where: { ref } });
  const submission = (view: Json, values: Json, trigger = "t") => {
    const payload = fixture<Json>("view_submission.form");
    return interactionBody({ ...payload, trigger_id: trigger, view: { ...payload.view, id: view.id ?? "V-FORM", private_metadata: view.private_metadata, state: { values } } });
  };

  beforeAll(async () => {
    await fake.start();
    fake.emails.set("U1", "jancis.andrew@example.org");
    fake.emails.set("U4", "tony.adlard@example.org");
    ({ server, close } = await startSlackServer(kind, fake));
  });
  afterAll(async () => {
    await close();
    await fake.close();
  });

  it("opens a modal for evidence, shows a bad answer inline, and marks done on a good one", async () => {
    const ack = await post(command({ text: "done ATT-5.1", trigger_id: "2001.1.modal" }));
    expect(ack.status).toBe(200);
    expect(ack.body).toBe("");
    const open = await eventually(() => fake.callsTo("views.open").find((c) => c.body.trigger_id === "2001.1.modal"));
    const view = open.body.view as Json;
    expect(view.type).toBe("modal");
    expect(view.title.text).toBe("Mark milestone done");
    const input = view.blocks.find((b: Json) => b.type === "input");
    expect(input.block_id).toBe("field:evidence");
    expect((await milestone("ATT-5.1")).doneAt).toBeNull();

    const bad = await post(submission({ id: "V-5-1", private_metadata: view.private_metadata }, { "field:evidence": { value: { type: "plain_text_input", value: "x".repeat(3001) } } }));
    expect(bad.json()).toMatchObject({ response_action: "errors", errors: { "field:evidence": expect.stringContaining("limit is 3,000") } });
    expect((await milestone("ATT-5.1")).doneAt).toBeNull();

    const good = await post(submission({ id: "V-5-1b", private_metadata: view.private_metadata }, { "field:evidence": { value: { type: "plain_text_input", value: "Script agreed with\ncluster chairs" } } }));
    expect(good.status).toBe(200);
    expect(good.body).toBe("");
    const row = await milestone("ATT-5.1");
    expect(row.evidence).toBe("Script agreed with; cluster chairs");
    const confirmation = await eventually(() => fake.responses.find((r) => r.id === "cmd" && JSON.stringify(r.body).includes("ATT-5.1 done")));
    expect(confirmation.body.replace_original).toBe(false);
  });

  it("acts on today's data when a button on an old message is pressed, and redraws that message", async () => {
    // An old list, drawn before ATT-7.1 was done elsewhere.
    const list = (await post(command({ text: "list action ATT-7", trigger_id: "2002.1.list" }))).json();
    const doneButton = (list.blocks as Json[]).flatMap((b) => (b.type === "actions" ? b.elements.map((e: Json) => ({ ...e, block_id: b.block_id })) : [])).find((e: Json) => e.action_id === "milestone.done" && e.value === "ATT-7.1");
    expect(doneButton.block_id).toMatch(/^o:/);
    await post(command({ text: "done ATT-7.1 launched at the September event", trigger_id: "2002.2.done" }));

    const press = fixture<Json>("block_actions.mark_done");
    const payload = { ...press, trigger_id: "2002.3.press", response_url: `${fake.url}/response/old`, actions: [{ ...press.actions[0], value: "ATT-7.1", block_id: doneButton.block_id }] };
    expect((await post(interactionBody(payload))).status).toBe(200);
    const redrawn = await eventually(() => fake.responses.find((r) => r.id === "old" && r.body.replace_original === true));
    expect(JSON.stringify(redrawn.body.blocks)).toMatch(/ATT-7\.1 · Initial launch September 2011\*\\ndone \d+ \w+ \d{4} [\d:]+ by Jancis Andrew/);
    const answer = await eventually(() => fake.responses.find((r) => r.id === "old" && r.body.replace_original === false));
    expect(JSON.stringify(answer.body.blocks)).toContain("ATT-7.1 was already done");
    expect(await prisma().auditEvent.count({ where: { subjectRef: "ATT-7.1" } })).toBe(1);
    expect(fake.callsTo("views.open").find((c) => c.body.trigger_id === "2002.3.press")).toBeUndefined();
  });

  it("answers a button it never drew in one sentence, and leaves a message whose button was refused where it was", async () => {
    const press = fixture<Json>("block_actions.mark_done");
    const unknown = { ...press, trigger_id: "2004.1.unknown", response_url: `${fake.url}/response/unknown`, actions: [{ ...press.actions[0], action_id: "milestone.explode", value: "ATT-4.1" }] };
    expect((await post(interactionBody(unknown))).status).toBe(200);
    const told = await eventually(() => fake.responses.find((r) => r.id === "unknown"));
    expect(told.body).toMatchObject({ response_type: "ephemeral", replace_original: false });
    expect(JSON.stringify(told.body)).toContain("That button isn't one Curve knows");
    expect((await milestone("ATT-4.1")).doneAt).toBeNull();

    // Someone who may not change ATT-4 presses its Mark done: the refusal goes beside the message, not over it.
    fake.emails.set("U9", "mary.brittle@example.org");
    const refused = { ...press, user: { ...press.user, id: "U9" }, trigger_id: "2004.2.refused", response_url: `${fake.url}/response/refused` };
    await post(interactionBody(refused));
    const answer = await eventually(() => fake.responses.find((r) => r.id === "refused"));
    expect(answer.body).toMatchObject({ response_type: "ephemeral", replace_original: false });
    expect(JSON.stringify(answer.body)).toContain("You can't change ATT-4");
    expect((await milestone("ATT-4.1")).doneAt).toBeNull();
  });

  it("ignores a button whose block id claims a change should be re-run", async () => {
    const forged = Buffer.from(JSON.stringify({ command: "milestone", text: "undo ATT-7.1", page: 1 })).toString("base64url");
    const press = fixture<Json>("block_actions.mark_done");
    const payload = { ...press, trigger_id: "2003.1.forged", response_url: `${fake.url}/response/forged`, actions: [{ ...press.actions[0], action_id: "action.show", value: "ATT-7", block_id: `o:${forged}:0` }] };
    await post(interactionBody(payload));
    await eventually(() => fake.responses.find((r) => r.id === "forged"));
    expect((await milestone("ATT-7.1")).doneAt).not.toBeNull();
  });

  it("publishes App Home on opening it, once per event even when Slack retries", async () => {
    // Someone Curve cannot match: each event Curve handles looks their email up once (users.info),
    // which no merging of App Home refreshes can hide, so a retry that slipped through would show.
    const user = "U-HOMELESS";
    const opened = (eventId: string) => ({ ...fixture<Json>("event_callback.app_home_opened"), event_id: eventId, event: { type: "app_home_opened", user, tab: "home", channel: "D9" } });
    const lookups = () => fake.callsTo("users.info").filter((c) => c.body.user === user).length;
    const publishes = () => fake.callsTo("views.publish").filter((c) => c.body.user_id === user);
    expect((await postEvent(opened("Ev-HOME-1"))).status).toBe(200);
    await eventually(() => publishes().length === 1);
    // Slack resends the same event twice (as it does when it thinks an ack was lost).
    expect((await postToSlackEndpoint(server.url, eventBody(opened("Ev-HOME-1")), { secret: SIGNING_SECRET, contentType: "application/json", retryNum: 1 })).status).toBe(200);
    expect((await postToSlackEndpoint(server.url, eventBody(opened("Ev-HOME-1")), { secret: SIGNING_SECRET, contentType: "application/json", retryNum: 2 })).status).toBe(200);
    // A new event for the same person, sent after the retries: once its App Home is published,
    // the retries (handled before it, with no Retry-After pause to wait for) have been too.
    expect((await postEvent(opened("Ev-HOME-2"))).status).toBe(200);
    await eventually(() => publishes().length === 2, 8000);
    expect(lookups()).toBe(2);
    expect(publishes()).toHaveLength(2);
  });

  it("tells someone Curve doesn't know, on App Home, that a coordinator can link them", async () => {
    const user = "U-STRANGER";
    fake.emails.set(user, "pat.stranger@example.com");
    await postEvent({ ...fixture<Json>("event_callback.app_home_opened"), event_id: "Ev-STRANGER", event: { type: "app_home_opened", user, tab: "home", channel: "D8" } });
    const published = await eventually(() => fake.callsTo("views.publish").find((c) => c.body.user_id === user));
    const view = published.body.view as Json;
    expect(view.type).toBe("home");
    const shown = JSON.stringify(view.blocks);
    expect(shown).toContain("Curve doesn't know who you are yet");
    expect(shown).toContain("A coordinator can link you: /curve link @you");
    expect(shown).not.toContain("whoami");
  });

  it("publishes App Home even when Slack rate-limits views.publish more often than a one-off send may be retried", async () => {
    const user = "U-THROTTLED";
    const publishes = () => fake.callsTo("views.publish").filter((c) => c.body.user_id === user);
    fake.rateLimits.set("views.publish", { times: 5, retryAfter: 1 });
    try {
      await postEvent({ ...fixture<Json>("event_callback.app_home_opened"), event_id: "Ev-THROTTLED", event: { type: "app_home_opened", user, tab: "home", channel: "D7" } });
      await eventually(() => publishes().some((c) => !c.rateLimited), 20_000);
    } finally {
      fake.rateLimits.delete("views.publish");
    }
    expect(publishes().filter((c) => c.rateLimited).length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(publishes().find((c) => !c.rateLimited)!.body.view)).toContain("A coordinator can link you");
  });

  it("shows a known person their open milestones on App Home", async () => {
    const before = fake.callsTo("views.publish").length;
    expect((await postEvent(fixture<Json>("event_callback.app_home_opened"))).status).toBe(200);
    const published = await eventually(() => fake.callsTo("views.publish").slice(before).find((c) => c.body.user_id === "U1"));
    const view = published.body.view as Json;
    expect(view.type).toBe("home");
    expect(JSON.stringify(view.blocks)).toContain("Your open milestones");
    expect(JSON.stringify(view.blocks)).toContain("ATT-1.1");
    expect(JSON.stringify(view.blocks)).not.toContain("doesn't know who you are");
  });

  it("shows a sponsor their priorities' actions by state on App Home", async () => {
    await post(command({ user_id: "U4", text: "list mine", trigger_id: "2004.0.id" })); // Tony Adlard, CTB sponsor for attendance
    const before = fake.callsTo("views.publish").length;
    await postEvent({ ...fixture<Json>("event_callback.app_home_opened"), event_id: "Ev-TONY", event: { type: "app_home_opened", user: "U4", tab: "home", channel: "D4" } });
    const published = await eventually(() => fake.callsTo("views.publish").slice(before).find((c) => c.body.user_id === "U4"));
    const shown = JSON.stringify(published.body.view);
    expect(shown).toContain("Actions under the priorities you sponsor or lead");
    expect(shown).toMatch(/not started · \d+/);
  });

  it("announces progress in the priority's channel, waiting out Slack's Retry-After", async () => {
    const set = (await post(command({ user_id: "U4", command: "/plan", channel_id: "C0ATTEND", text: "channel ATT-1 here", trigger_id: "2005.1.chan" }))).json();
    expect(JSON.stringify(set.blocks)).toContain("Progress will be announced here");
    fake.rateLimits.set("chat.postMessage", { times: 1, retryAfter: 1 });
    const started = Date.now();
    await post(command({ text: "done ATT-1.1 brief signed off", trigger_id: "2005.2.done" }));
    // The first attempt gets a 429; the second comes after Retry-After.
    const attempts = await eventually(() => {
      const sent = fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "C0ATTEND" && JSON.stringify(c.body).includes("ATT-1.1"));
      return sent.length >= 2 ? sent : null;
    }, 8000);
    const posted = attempts[1]!;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(JSON.stringify(posted.body)).toContain("Jancis Andrew marked ATT-1.1 done");
  });

  it("announces a change once when Slack retries the command", async () => {
    // The channel was chosen in the test above. Posts to one channel go out in order, so once
    // the later change's announcement has arrived, a repeat of the first would have too.
    const announced = (ref: string) => fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "C0ATTEND" && JSON.stringify(c.body).includes(`marked ${ref} done`));
    const body = command({ text: "done ATT-3.1 agreed at cluster chairs", trigger_id: "2007.1.retry" });
    const first = (await post(body)).json();
    await postToSlackEndpoint(server.url, body, { secret: SIGNING_SECRET, retryNum: 1 });
    const again = (await postToSlackEndpoint(server.url, body, { secret: SIGNING_SECRET, retryNum: 2 })).json();
    expect(again.blocks).toEqual(first.blocks);
    await post(command({ text: "done ATT-4.2 launched", trigger_id: "2007.2.marker" }));
    await eventually(() => (announced("ATT-4.2").length ? true : null), 8000);
    expect(announced("ATT-3.1")).toHaveLength(1);
    expect(announced("ATT-4.2")).toHaveLength(1);
  });

  it("announces a change once when it is sent again with a new trigger id, or its button is double-clicked", async () => {
    const announced = (ref: string) => fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "C0ATTEND" && JSON.stringify(c.body).includes(`marked ${ref} done`));
    // The same command typed twice: two trigger ids, so two requests; the second changes nothing.
    const first = (await post(command({ text: "done ATT-4.1 model agreed", trigger_id: "2008.1.typed" }))).json();
    const second = (await post(command({ text: "done ATT-4.1 model agreed", trigger_id: "2008.2.typed" }))).json();
    expect(JSON.stringify(first.blocks)).toContain("ATT-4.1 done");
    expect(JSON.stringify(second.blocks)).toContain("ATT-4.1 was already done");

    // A double click on "Mark done": two presses, two evidence forms, both submitted.
    const press = fixture<Json>("block_actions.mark_done");
    const click = (trigger: string) => interactionBody({ ...press, trigger_id: trigger, response_url: `${fake.url}/response/${trigger}`, actions: [{ ...press.actions[0], value: "ATT-7.2" }] });
    await Promise.all([post(click("2008.3.click")), post(click("2008.4.click"))]);
    const forms = await eventually(() => {
      const opened = fake.callsTo("views.open").filter((c) => ["2008.3.click", "2008.4.click"].includes(String(c.body.trigger_id)));
      return opened.length === 2 ? opened : null;
    });
    const submitted = await Promise.all(
      forms.map((form, i) =>
        post(submission({ id: `V-DOUBLE-${i}`, private_metadata: (form.body.view as Json).private_metadata }, { "field:evidence": { value: { type: "plain_text_input", value: "registers checked" } } })),
      ),
    );
    for (const answer of submitted) expect(answer.status).toBe(200);
    expect(await prisma().auditEvent.count({ where: { subjectRef: "ATT-7.2", event: "milestone.done" } })).toBe(1);

    // Posts to one channel go out in order: once a later change is announced, any repeat would have been too.
    await post(command({ command: "/action", text: "status ATT-5 at-risk waiting on the leaflet", trigger_id: "2008.5.marker" }));
    await eventually(() => (fake.callsTo("chat.postMessage").some((c) => c.body.channel === "C0ATTEND" && JSON.stringify(c.body).includes("set ATT-5")) ? true : null), 8000);
    expect(announced("ATT-4.1")).toHaveLength(1);
    expect(announced("ATT-7.2")).toHaveLength(1);
  });

  it("re-publishes App Home for the people a change touches", async () => {
    const before = fake.callsTo("views.publish").length;
    await post(command({ text: "done ATT-1.2 delivered in two clusters", trigger_id: "2006.1.done" }));
    const users = await eventually(() => {
      const published = fake.callsTo("views.publish").slice(before).map((c) => c.body.user_id);
      return published.includes("U1") && published.includes("U4") ? published : null;
    });
    expect(users).toEqual(expect.arrayContaining(["U1", "U4"]));
  });
});
