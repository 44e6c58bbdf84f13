import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/bot/serve.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { FakeSlack, commandBody, eventBody, interactionBody, postToSlackEndpoint } from "../support/fake-slack.ts";
import { SIGNING_SECRET, eventually, fixture as slackFixture, startSlackServer } from "../support/slack-server.ts";
import { partnershipState } from "../support/snapshot.ts";
import { cardText } from "../support/teams-cards.ts";
import { activity, startTeamsServer, type TeamsServer } from "../support/teams-server.ts";

type Json = Record<string, any>;

const SENTENCE = "That message arrived with broken characters (it is not valid UTF-8 text), so Curve did nothing; please retype it.";
const BROKEN = "XBROKENX";

// Invalid UTF-8 as Slack would send it in a form field: percent-escaped bytes that decode to no text.
const PERCENT_ESCAPED: [what: string, escaped: string][] = [
  ["a stray 0xFF byte", "%FF"],
  ["a surrogate written as UTF-8 bytes (CESU-8)", "%ED%A0%80"],
  ["a sequence cut short", "%E2%80"],
  ["an overlong encoding of '/'", "%C0%AF"],
  ["a code point beyond U+10FFFF", "%F4%90%80%80"],
  ["a lone continuation byte", "%80"],
];

// The same faults as bytes in a JSON body, and as JSON's own escapes.
const JSON_BYTES: [what: string, bytes: number[]][] = [
  ["a stray 0xFF byte", [0xff]],
  ["a surrogate written as UTF-8 bytes (CESU-8)", [0xed, 0xa0, 0x80]],
  ["a sequence cut short", [0xe2, 0x80]],
];
const LONE_SURROGATES: [what: string, text: string][] = [
  ["a lone high surrogate", "\ud800"],
  ["a lone low surrogate", "\udc00"],
  ["two high surrogates", "\ud83d\ud83d"],
];

/** A JSON or form body with BROKEN replaced by raw bytes. */
const withBytes = (body: string, bytes: number[]): Buffer => {
  const [before, after] = body.split(BROKEN) as [string, string];
  return Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
};

describe.each(kindsUnderTest())("invalid UTF-8 and lone surrogates from Slack, refused whole, on %s", (kind) => {
  const fake = new FakeSlack("T1");
  let server: RunningServer;
  let close: () => Promise<void>;
  let partnershipId: number;
  const post = (body: string | Buffer, contentType?: string) => postToSlackEndpoint(server.url, body, { secret: SIGNING_SECRET, ...(contentType ? { contentType } : {}) });
  const command = (overrides: Record<string, string>) =>
    commandBody({ ...slackFixture<Record<string, string>>("command.milestone"), response_url: `${fake.url}/response/cmd`, ...overrides });
  const state = () => partnershipState(server.runtime.db, partnershipId);
  const milestone = (ref: string) => server.runtime.db.prisma.milestone.findFirstOrThrow({ where: { ref, action: { plan: { partnershipId } } } });
  let trigger = 0;
  const nextTrigger = () => `9${++trigger}.1.broken`;

  beforeAll(async () => {
    await fake.start();
    fake.emails.set("U1", "jancis.andrew@example.org");
    ({ server, close } = await startSlackServer(kind, fake));
    partnershipId = (await server.runtime.db.prisma.partnership.findFirstOrThrow()).id;
  });
  afterAll(async () => {
    await close();
    await fake.close();
  });

  /** A slash command's answer: one ephemeral sentence, the same on every path. */
  function expectRefusal(response: { status: number; json(): Json }) {
    expect(response.status).toBe(200);
    const ack = response.json();
    expect(ack.response_type).toBe("ephemeral");
    expect(ack.text).toBe(SENTENCE);
    expect(JSON.stringify(ack.blocks)).toContain(SENTENCE);
  }

  it.each(PERCENT_ESCAPED)("refuses a slash command whose text holds %s, changing nothing", async (_what, escaped) => {
    const before = await state();
    const body = command({ text: `evidence ATT-4.1 agreed ${BROKEN} today`, trigger_id: nextTrigger() }).replace(BROKEN, escaped);
    expectRefusal(await post(body));
    expect(await state()).toEqual(before);
  });

  it.each(PERCENT_ESCAPED)("refuses a slash command with %s in a field other than its text", async (_what, escaped) => {
    const before = await state();
    const body = command({ user_name: `jancis${BROKEN}`, text: "done ATT-4.1 model agreed", trigger_id: nextTrigger() }).replace(BROKEN, escaped);
    expectRefusal(await post(body));
    expect((await milestone("ATT-4.1")).doneAt).toBeNull();
    expect(await state()).toEqual(before);
  });

  it.each(JSON_BYTES)("refuses a slash command sent and signed with %s as a raw byte", async (_what, bytes) => {
    const before = await state();
    expectRefusal(await post(withBytes(command({ text: `done ATT-4.1 ${BROKEN}`, trigger_id: nextTrigger() }), bytes)));
    expect(await state()).toEqual(before);
  });

  it("still takes accented letters and emoji, sent as valid UTF-8", async () => {
    const reply = (await post(command({ text: "evidence ATT-4.2 café in Hyde Park 😀 agreed", trigger_id: nextTrigger() }))).json();
    expect(JSON.stringify(reply.blocks)).not.toContain("broken characters");
    expect((await milestone("ATT-4.2")).evidence).toBe("café in Hyde Park 😀 agreed");
  });

  it.each([...LONE_SURROGATES.map(([what, text]) => [what, (payload: Json) => interactionBody({ ...payload, user: { ...payload.user, name: `jancis${text}` } })] as const),
    ["a percent-escaped 0xFF byte", (payload: Json) => interactionBody({ ...payload, user: { ...payload.user, name: `jancis${BROKEN}` } }).replace(BROKEN, "%FF")] as const,
  ])("answers a button press carrying %s with the sentence, and runs nothing", async (_what, encode) => {
    const press = slackFixture<Json>("block_actions.mark_done");
    const id = nextTrigger();
    const payload = { ...press, trigger_id: id, response_url: `${fake.url}/response/${id}`, actions: [{ ...press.actions[0], value: "ATT-4.1" }] };
    const before = await state();
    expect((await post(encode(payload))).status).toBe(200);
    const answer = await eventually(() => fake.responses.find((r) => r.id === id));
    expect(answer.body).toMatchObject({ response_type: "ephemeral", replace_original: false, text: SENTENCE });
    expect(fake.callsTo("views.open").filter((c) => c.body.trigger_id === id)).toHaveLength(0);
    expect(await state()).toEqual(before);

    // The same press, well formed, opens the evidence form: the refusal was the text's doing.
    const good = nextTrigger();
    await post(interactionBody({ ...payload, trigger_id: good, response_url: `${fake.url}/response/${good}` }));
    await eventually(() => fake.callsTo("views.open").find((c) => c.body.trigger_id === good));
  });

  it.each(LONE_SURROGATES)("shows a modal's evidence with %s as an error under the field, and marks nothing done", async (_what, text) => {
    const opened = nextTrigger();
    await post(command({ text: "done ATT-5.1", trigger_id: opened }));
    const view = (await eventually(() => fake.callsTo("views.open").find((c) => c.body.trigger_id === opened))).body.view as Json;
    const payload = slackFixture<Json>("view_submission.form");
    const submit = (evidence: string, id: string) =>
      interactionBody({ ...payload, trigger_id: nextTrigger(), view: { ...payload.view, id, private_metadata: view.private_metadata, state: { values: { "field:evidence": { value: { type: "plain_text_input", value: evidence } } } } } });
    const before = await state();
    const refused = await post(submit(`script agreed ${text}`, `V-${opened}`));
    expect(refused.json()).toEqual({ response_action: "errors", errors: { "field:evidence": SENTENCE } });
    expect((await milestone("ATT-5.1")).doneAt).toBeNull();
    expect(await state()).toEqual(before);

    const accepted = await post(submit("script agreed", `V-${opened}-b`));
    expect(accepted.status).toBe(200);
    expect((await milestone("ATT-5.1")).evidence).toBe("script agreed");
    await post(command({ text: "undo ATT-5.1", trigger_id: nextTrigger() }));
  });

  it("acknowledges an Events API callback holding a lone surrogate, and acts on none of it", async () => {
    const home = slackFixture<Json>("event_callback.app_home_opened");
    const published = () => fake.callsTo("views.publish").length;
    const before = published();
    const broken = eventBody({ ...home, event_id: "Ev0BROKEN1", event: { ...home.event, user: "U1", channel: "D0HOME\ud800" } });
    expect((await post(broken, "application/json")).status).toBe(200);
    const rawBroken = withBytes(eventBody({ ...home, event_id: "Ev0BROKEN2", event: { ...home.event, channel: `D0HOME${BROKEN}` } }), [0xed, 0xa0, 0x80]);
    expect((await post(rawBroken, "application/json")).status).toBe(200);
    // A well-formed one after them is acted on; only it.
    expect((await post(eventBody({ ...home, event_id: "Ev0GOOD1" }), "application/json")).status).toBe(200);
    await eventually(() => published() > before);
    expect(published()).toBe(before + 1);
  });

  it("still answers a forged request with broken bytes 401, not with a sentence", async () => {
    const body = withBytes(command({ text: `done ATT-4.1 ${BROKEN}`, trigger_id: nextTrigger() }), [0xff]);
    const forged = await postToSlackEndpoint(server.url, body, { secret: "not-the-secret" });
    expect(forged.status).toBe(401);
    const escaped = command({ text: `done ATT-4.1 ${BROKEN}`, trigger_id: nextTrigger() }).replace(BROKEN, "%FF");
    expect((await postToSlackEndpoint(server.url, escaped, { secret: "not-the-secret" })).status).toBe(401);
  });
});

describe.each(kindsUnderTest())("invalid UTF-8 and lone surrogates from Teams, refused whole, on %s", (kind) => {
  let t: TeamsServer;
  beforeAll(async () => {
    t = await startTeamsServer(kind);
  });
  afterAll(async () => t?.close());

  const state = () => partnershipState(t.server.runtime.db, t.partnershipId);
  const milestone = (ref: string) => t.server.runtime.db.prisma.milestone.findFirstOrThrow({ where: { ref, action: { plan: { partnershipId: t.partnershipId } } } });
  const postBytes = async (body: Buffer) => {
    const response = await fetch(`${t.server.url}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: new Uint8Array(body) });
    return response.status;
  };
  /** The card Curve sent in reply to one message. */
  const replyTo = async (id: string) => {
    const call = await t.fake.next((c) => c.replyToId === id);
    return cardText((call.body.attachments as { content: unknown }[])[0]!.content);
  };

  it.each(LONE_SURROGATES)("answers a message whose text holds %s with the sentence, changing nothing", async (_what, text) => {
    const message = activity("message.personal", t.fake, { as: "jancis", text: `milestone done ATT-4.1 agreed ${text}` });
    const before = await state();
    expect((await t.post(message)).status).toBe(200);
    expect(await replyTo(message.id)).toContain(SENTENCE);
    expect((await milestone("ATT-4.1")).doneAt).toBeNull();
    expect(await state()).toEqual(before);
  });

  it.each(LONE_SURROGATES)("refuses a message with %s outside its text, in the sender's name", async (_what, text) => {
    const message = activity("message.personal", t.fake, { as: "jancis", text: "milestone done ATT-4.1 agreed" });
    (message.from as Json).name = `Jancis ${text}`;
    const before = await state();
    expect((await t.post(message)).status).toBe(200);
    expect(await replyTo(message.id)).toContain(SENTENCE);
    expect(await state()).toEqual(before);
  });

  it.each(JSON_BYTES)("answers a message sent with %s as raw bytes with the sentence, changing nothing", async (_what, bytes) => {
    const message = activity("message.personal", t.fake, { as: "jancis", text: `milestone done ATT-4.1 agreed ${BROKEN}` });
    const before = await state();
    expect(await postBytes(withBytes(JSON.stringify(message), bytes))).toBe(200);
    expect(await replyTo(message.id)).toContain(SENTENCE);
    expect(await state()).toEqual(before);
  });

  it.each(LONE_SURROGATES)("answers a card press whose data holds %s with the sentence as the card, changing nothing", async (_what, text) => {
    const invoke = activity("invoke.adaptiveCard-action", t.fake, { as: "jancis", verb: "milestone.done", data: { verb: "milestone.done", value: "ATT-4.2", evidence: `agreed ${text}` } });
    const before = await state();
    const response = await t.post(invoke);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ statusCode: 200, type: "application/vnd.microsoft.card.adaptive" });
    expect(cardText((response.body as Json).value)).toContain(SENTENCE);
    expect(await state()).toEqual(before);
  });

  it("still takes accented letters and emoji", async () => {
    const message = activity("message.personal", t.fake, { as: "jancis", text: "milestone evidence ATT-4.2 café agreed 😀" });
    expect((await t.post(message)).status).toBe(200);
    expect(await replyTo(message.id)).not.toContain("broken characters");
    expect((await milestone("ATT-4.2")).evidence).toBe("café agreed 😀");
  });
});
