import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueInsightDeliveries } from "../../src/jobs/insight-deliveries.ts";
import type { RunningServer } from "../../src/bot/serve.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { FakeSlack, commandBody, interactionBody, postToSlackEndpoint, type RecordedCall } from "../support/fake-slack.ts";
import { SIGNING_SECRET, eventually, fixture, startSlackServer } from "../support/slack-server.ts";

type Json = Record<string, any>;
const PUBLIC_URL = "https://curve.test";

describe.each(kindsUnderTest())("pledge cards and charts in Slack on %s", (kind) => {
  const fake = new FakeSlack("T1");
  let server: RunningServer;
  let close: (() => Promise<void>) | undefined;
  const post = (body: string) => postToSlackEndpoint(server.url, body, { secret: SIGNING_SECRET });
  const slash = (user: string, command: string, textIn: string, trigger: string) =>
    post(commandBody({ ...fixture<Record<string, string>>("command.milestone"), user_id: user, command, text: textIn, channel_id: "C0PLEDGE", trigger_id: trigger, response_url: `${fake.url}/response/${trigger}` }));
  const press = (user: string, actionId: string, value: string, blockId: string, trigger: string) => {
    const base = fixture<Json>("block_actions.mark_done");
    return post(interactionBody({
      ...base,
      user: { ...base.user, id: user },
      trigger_id: trigger,
      container: { type: "message", message_ts: "1", channel_id: "C0PLEDGE", is_ephemeral: false },
      channel: { id: "C0PLEDGE", name: "attendance-pledge" },
      response_url: `${fake.url}/response/${trigger}`,
      actions: [{ ...base.actions[0], action_id: actionId, value, block_id: blockId }],
    }));
  };
  const cardPosts = () => fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "C0PLEDGE");
  const shown = (call: RecordedCall) => JSON.stringify(call.body.blocks);
  /** A pledge's card reference, waited for in the database: Curve saves it after Slack answers the post. */
  const savedCardRef = async (id: string): Promise<string> => {
    for (const started = Date.now(); Date.now() - started < 5000; await new Promise((resolve) => setTimeout(resolve, 20))) {
      const ref = (await server.runtime.db.prisma.pledge.findUniqueOrThrow({ where: { id: Number(id) } })).messageRef;
      if (ref) return ref;
    }
    throw new Error(`pledge ${id}'s card reference was never saved`);
  };

  beforeAll(async () => {
    await fake.start();
    for (const [user, email] of [["U-NIGEL", "nigel.richardson@example.org"], ["U1", "jancis.andrew@example.org"], ["U2", "sue.may@example.org"], ["U3", "mary.brittle@example.org"], ["U-JACKIE", "jackie.wilson@example.org"]]) fake.emails.set(user!, email!);
    ({ server, close } = await startSlackServer(kind, fake, { CURVE_PUBLIC_URL: PUBLIC_URL }));
  });
  afterAll(async () => {
    await close?.();
    await fake.close();
  });

  it("posts a sign-up card, updates it in place as three people sign, and registers their commitments", async () => {
    const created = (await slash("U-NIGEL", "/pledge", "new attendance Every day counts | We will help every child attend school every day", "3001.1.new")).json();
    expect(JSON.stringify(created.blocks)).toMatch(/Pledge P\d+ created/);
    const id = /Pledge P(\d+) created/.exec(JSON.stringify(created.blocks))![1]!;
    const card = await eventually(() => cardPosts()[0]);
    expect(shown(card)).toContain(`Attendance pledge: Every day counts`);
    // Saved only once Slack has answered the post, which may be after the post was seen here.
    const messageRef = await savedCardRef(id);
    expect(messageRef).toMatch(/^slack:C0PLEDGE:\d+\.\d+$/);
    const ts = messageRef.split(":")[2];

    // Sign from the card: the button opens a modal; the submission signs.
    const signButton = (card.body.blocks as Json[]).flatMap((b) => (b.type === "actions" ? b.elements.map((e: Json) => ({ ...e, block_id: b.block_id })) : [])).find((e: Json) => e.action_id === "pledge.sign");
    expect(signButton.value).toBe(`P${id}`);
    expect(signButton.block_id).toMatch(/^o:/); // the card carries its own query, so a press redraws it
    await press("U1", "pledge.sign", signButton.value, signButton.block_id, "3001.2.press");
    const modal = await eventually(() => fake.callsTo("views.open").find((c) => c.body.trigger_id === "3001.2.press"));
    const view = modal.body.view as Json;
    expect(view.blocks.filter((b: Json) => b.type === "input").map((b: Json) => b.block_id)).toEqual(["field:commitment", "field:public"]);
    // Whether to show the name is a choice, never typed: it cannot run into the commitment.
    const choice = view.blocks.find((b: Json) => b.block_id === "field:public").element;
    expect(choice.type).toBe("radio_buttons");
    expect(choice.options.map((o: Json) => o.value)).toEqual(["public", "private"]);
    const submission = fixture<Json>("view_submission.form");
    const submit = (viewId: string, publicInput: Json, commitment: string) => post(interactionBody({
      ...submission,
      user: { ...submission.user, id: "U1" },
      view: { ...submission.view, id: viewId, private_metadata: view.private_metadata, state: { values: { "field:public": { value: publicInput }, "field:commitment": { value: { type: "plain_text_input", value: commitment } } } } },
    }));
    // Anything but an offered choice (a garbled or forged submission) is answered under the field; nothing is signed.
    for (const [n, input] of [{ type: "radio_buttons", selected_option: { value: "no." } }, { type: "plain_text_input", value: "nah" }, { type: "radio_buttons", selected_option: null }].entries()) {
      const refused = await submit(`V-SIGN-0${n}`, input, "mentor two pupils");
      expect(refused.status).toBe(200);
      expect(refused.json()).toEqual({ response_action: "errors", errors: { "field:public": expect.stringMatching(/^Choose one of the answers offered/) } });
    }
    expect(await server.runtime.db.prisma.pledgeSignature.count({ where: { pledgeId: Number(id) } })).toBe(0);
    const submitted = await submit("V-SIGN-1", { type: "radio_buttons", selected_option: { text: { type: "plain_text", text: "Yes, show my name" }, value: "public" } }, "I will ring every family on the first morning");
    expect(submitted.status).toBe(200);
    await slash("U2", "/pledge", `sign P${id} private | for Parklands Primary: we will reward full attendance`, "3001.3.sign");
    await slash("U3", "/pledge", `sign P${id} public | I will raise attendance at every NEET review`, "3001.4.sign");

    const final = await eventually(() => fake.callsTo("chat.update").find((c) => c.body.ts === ts && shown(c).includes("*Signed*\\n3")), 8000);
    expect(final.body.channel).toBe("C0PLEDGE");
    expect(shown(final)).toContain("Latest: Mary Brittle, Jancis Andrew and 1 partner who chose not to be named.");
    // Never re-posted: one post, then updates of that message.
    await (server.adapters[0] as unknown as { idle(): Promise<void> }).idle();
    expect(cardPosts()).toHaveLength(1);
    expect(fake.callsTo("chat.update").every((c) => c.body.ts === ts)).toBe(true);

    const register = (await slash("U-NIGEL", "/pledge", `register P${id}`, "3001.5.register")).json();
    const text = JSON.stringify(register.blocks);
    expect(text).toContain("I will ring every family on the first morning");
    expect(text).toContain("we will reward full attendance");
    expect(text).toContain("I will raise attendance at every NEET review");
    expect(text).not.toContain("Parklands");
  });

  it("retries a rate-limited card update until it lands, however often Slack says wait, and the latest state wins", async () => {
    const inCards = (user: string, textIn: string, trigger: string) =>
      post(commandBody({ ...fixture<Record<string, string>>("command.milestone"), user_id: user, command: "/pledge", text: textIn, channel_id: "C0CARDS", trigger_id: trigger, response_url: `${fake.url}/response/${trigger}` }));
    const created = (await inCards("U-NIGEL", "new attendance Every lesson counts | We will help every child attend every lesson", "3101.1.new")).json();
    const id = /Pledge P(\d+) created/.exec(JSON.stringify(created.blocks))![1]!;
    await eventually(() => fake.callsTo("chat.postMessage").find((c) => c.body.channel === "C0CARDS"));
    const ts = (await savedCardRef(id)).split(":")[2];
    const updates = () => fake.callsTo("chat.update").filter((c) => c.body.ts === ts);
    const landed = () => updates().filter((c) => !c.rateLimited);

    // More refusals than a one-off send is allowed: the card update still lands.
    fake.rateLimits.set("chat.update", { times: 5, retryAfter: 1 });
    await inCards("U2", `sign P${id} public | I will check registers every morning`, "3101.2.sign");
    const first = await eventually(() => landed().find((c) => shown(c).includes("*Signed*\\n1")), 20_000);
    expect(updates().filter((c) => c.rateLimited).length).toBe(5);
    expect(shown(first)).toContain("Sue May");

    // Two quick changes while Slack is still saying wait: what lands last shows both.
    fake.rateLimits.set("chat.update", { times: 2, retryAfter: 1 });
    await inCards("U3", `sign P${id} public | I will raise attendance at every review`, "3101.3.sign");
    await inCards("U1", `sign P${id} public | I will ring every family`, "3101.4.sign");
    await eventually(() => landed().find((c) => shown(c).includes("*Signed*\\n3")), 20_000);
    await (server.adapters[0] as unknown as { idle(): Promise<void> }).idle();
    const last = landed().at(-1)!;
    expect(shown(last)).toContain("*Signed*\\n3");
    expect(shown(last)).toMatch(/Jancis Andrew|Mary Brittle/);
    expect(fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "C0CARDS")).toHaveLength(1);
  });

  it("removes its own copy of a card that another instance posted first, and keeps theirs", async () => {
    const theirs = "slack:C0DUP:1764500000.000100";
    const release = fake.hold("chat.postMessage");
    let id: string;
    try {
      const created = (await post(commandBody({ ...fixture<Record<string, string>>("command.milestone"), user_id: "U-NIGEL", command: "/pledge", text: "new attendance Every term counts | We will help every child attend every term", channel_id: "C0DUP", trigger_id: "3201.1.new", response_url: `${fake.url}/response/3201.1.new` }))).json();
      id = /Pledge P(\d+) created/.exec(JSON.stringify(created.blocks))![1]!;
      // This instance's post has reached Slack and waits for its answer; meanwhile another instance's card is saved.
      await eventually(() => fake.callsTo("chat.postMessage").find((c) => c.body.channel === "C0DUP"));
      await server.runtime.db.prisma.pledge.update({ where: { id: Number(id) }, data: { messageRef: theirs } });
    } finally {
      release();
    }
    const removed = await eventually(() => fake.callsTo("chat.delete").find((c) => c.body.channel === "C0DUP"));
    expect(removed.body.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(`slack:C0DUP:${String(removed.body.ts)}`).not.toBe(theirs);
    expect((await server.runtime.db.prisma.pledge.findUniqueOrThrow({ where: { id: Number(id) } })).messageRef).toBe(theirs);
    await (server.adapters[0] as unknown as { idle(): Promise<void> }).idle();
    expect(fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "C0DUP")).toHaveLength(1);
    expect(fake.callsTo("chat.delete").filter((c) => c.body.channel === "C0DUP")).toHaveLength(1);
  });

  it("asks the follow-up question with buttons and records the answer pressed", async () => {
    const pledge = await server.runtime.db.prisma.pledge.findFirstOrThrow({ where: { title: "Every day counts" }, orderBy: { id: "desc" } });
    const signature = await server.runtime.db.prisma.pledgeSignature.findFirstOrThrow({ where: { pledgeId: pledge.id, person: { name: "Jancis Andrew" } } });
    const later = new Date(signature.signedAt.getTime() + 31 * 86_400_000);
    const report = await enqueueInsightDeliveries(jobStoreOf(server.runtime.db), pledge.partnershipId, later);
    expect(report.followUps.map((f) => f.key)).toContain(`pledge-followup:${signature.id}:30`);
    const delivery = await server.runtime.db.prisma.delivery.findUniqueOrThrow({ where: { key: `pledge-followup:${signature.id}:30` } });
    const done = (delivery.payload as unknown as Reply).blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : [])).find((b) => b.actionId === "pledge.followup.done")!;
    await press("U1", done.actionId, done.value, "b1", "3002.1.done");
    const answered = await eventually(() => fake.responses.find((r) => r.id === "3002.1.done"));
    expect(JSON.stringify(answered.body)).toContain("Thank you: done");
    const row = await server.runtime.db.prisma.pledgeFollowUp.findFirstOrThrow({ where: { signatureId: signature.id, stage: 30 } });
    expect(row.answer).toBe("done");
  });

  it("shows the turn-the-curve chart as an image served at an unguessable address", async () => {
    const shownCard = (await slash("U-JACKIE", "/indicator", "show LAC", "3003.1.show")).json();
    const image = (shownCard.blocks as Json[]).find((b) => b.type === "image")!;
    expect(image.image_url).toMatch(/^https:\/\/curve\.test\/charts\/\d+\.\d+\.[A-Za-z0-9_-]{22}\.png\?v=[0-9a-f]{12}$/);
    const local = image.image_url.replace(PUBLIC_URL, server.url);
    const first = await fetch(local);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("image/png");
    const bytes = Buffer.from(await first.arrayBuffer());
    expect(bytes.subarray(1, 4).toString()).toBe("PNG");
    expect(Buffer.from(await (await fetch(local)).arrayBuffer()).equals(bytes)).toBe(true);
    // Guessing: another indicator's id with the same code, or no code at all, is not found.
    const guessed = local.replace(/\/charts\/(\d+)\.(\d+)\./, (_m: string, p: string, i: string) => `/charts/${p}.${Number(i) + 1}.`);
    expect((await fetch(guessed)).status).toBe(404);
    expect((await fetch(`${server.url}/charts/1.1.png`)).status).toBe(404);
  });

  it("exports a pledge's CSV through a short-lived signed link, formulas escaped", async () => {
    const pledge = await server.runtime.db.prisma.pledge.findFirstOrThrow({ where: { title: "Every day counts" }, orderBy: { id: "desc" } });
    await slash("U1", "/pledge", `sign P${pledge.id} =1+1 I will also read with my niece`, "3004.1.sign");
    const answer = (await slash("U-NIGEL", "/pledge", `export P${pledge.id}`, "3004.2.export")).json();
    const link = /https:\/\/curve\.test\/exports\/[^\s"\\|<>]+\.csv/.exec(JSON.stringify(answer.blocks))![0];
    const response = await fetch(link.replace(PUBLIC_URL, server.url));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toContain(`pledge-P${pledge.id}.csv`);
    const bytes = Buffer.from(await response.arrayBuffer());
    // A UTF-8 byte-order mark first, so Excel shows names like Siân as written.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = bytes.toString("utf8");
    expect(csv).toContain(`"'=1+1 I will also read with my niece"`);
    expect((await fetch(link.replace(PUBLIC_URL, server.url).replace(/\.(\d+)\.([^.]+)\.csv$/, ".$1.x$2.csv"))).status).toBe(404);
  });
});
