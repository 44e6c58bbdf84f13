import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindsUnderTest } from "../support/databases.ts";
import { actionsIn, cardText, checkCard } from "../support/teams-cards.ts";
import { activity, PEOPLE, startTeamsServer, TENANT, type TeamsServer } from "../support/teams-server.ts";

type InvokeBody = { statusCode: number; type: string; value: Record<string, unknown> };

const OTHER_TENANT = "e0e0e0e0-1111-4222-8333-444455556666";

describe.each(kindsUnderTest())("Teams messages and card actions, on %s", (kind) => {
  let t: TeamsServer;
  beforeAll(async () => {
    // A single-tenant registration: its tenant alone is answered, whatever CURVE_TEAMS_TENANTS lists.
    t = await startTeamsServer(kind, {
      CURVE_TEAMS_ALLOW_UNAUTHENTICATED: "1",
      MICROSOFT_APP_TENANT_ID: TENANT,
      CURVE_TEAMS_TENANTS: `${TENANT},${OTHER_TENANT}`,
    });
  });
  afterAll(async () => t?.close());

  const milestone = (ref: string) =>
    t.server.runtime.db.prisma.milestone.findFirstOrThrow({ where: { ref, action: { plan: { partnershipId: t.partnershipId } } } });
  // Changes to the plans; a person's first message also links their account, audited apart.
  const auditCount = () => t.server.runtime.db.prisma.auditEvent.count({ where: { partnershipId: t.partnershipId, NOT: { event: "identity.linked" } } });

  /** Sends a message and returns the card Curve replied with. */
  async function say(name: string, change: Parameters<typeof activity>[2]) {
    const message = activity(name, t.fake, change);
    const response = await t.post(message);
    expect(response.status).toBe(200);
    const reply = await t.fake.next((c) => c.replyToId === message.id);
    const attachments = reply.body.attachments as { content: Record<string, unknown> }[];
    return { message, reply, card: attachments[0]!.content };
  }

  /** Presses a card button (Action.Execute) and returns the card that replaces it. */
  async function press(change: Parameters<typeof activity>[2]) {
    const invoke = activity("invoke.adaptiveCard-action", t.fake, change);
    const response = await t.post(invoke);
    expect(response.status).toBe(200);
    const body = response.body as InvokeBody;
    expect(body).toMatchObject({ statusCode: 200, type: "application/vnd.microsoft.card.adaptive" });
    return { invoke, card: body.value };
  }

  it("answers an @mention in a channel, slash or no slash, in the message's thread", async () => {
    const { message, reply, card } = await say("message.channel-mention", { as: "jancis" });
    expect(reply.conversationId).toBe((message.conversation as { id: string }).id);
    expect(cardText(card)).toContain("Your open milestones");
    expect(cardText(card)).toContain("ATT-5.1");
    // In a team, Teams looks the member up in the team's roster.
    expect(t.fake.calls.some((c) => c.kind === "member" && c.conversationId === "19:0f8e7d6c5b4a49388271605f4e3d2c1b@thread.tacv2")).toBe(true);

    const noSlash = await say("message.channel-mention", { as: "jancis", text: "<at>Curve</at>&nbsp;whoami" });
    expect(cardText(noSlash.card)).toContain("Jancis Andrew");
    const empty = await say("message.channel-mention", { as: "jancis", text: "<at>Curve</at>" });
    expect(cardText(empty.card)).toContain("Curve commands");
  });

  it("runs Mark done from a card: asks for evidence, then applies the form, replacing the card for whoever pressed it", async () => {
    const before = await auditCount();
    const asked = await press({ as: "jancis", verb: "milestone.done", data: { verb: "milestone.done", value: "ATT-4.2" } });
    expect(cardText(asked.card)).toContain("Mark ATT-4.2 done");
    const submit = actionsIn(asked.card).find((a) => (a.data as { verb?: string }).verb === "curve.form")!;
    expect(submit).toBeDefined();
    expect(asked.card.body).toContainEqual(expect.objectContaining({ type: "Input.Text", id: "field.evidence", label: "Evidence", isMultiline: true }));
    expect((await milestone("ATT-4.2")).doneAt).toBeNull();
    expect(await auditCount()).toBe(before);

    // Teams merges the inputs into the action's data.
    const done = await press({ as: "jancis", verb: "curve.form", data: { ...(submit.data as object), "field.evidence": "one cluster live\nwith evaluation" } });
    expect(cardText(done.card)).toContain("ATT-4.2 done");
    const row = await milestone("ATT-4.2");
    expect(row.doneAt).not.toBeNull();
    expect(row.evidence).toBe("one cluster live with evaluation");
    expect(actionsIn(done.card).map((a) => a.verb)).toEqual(["milestone.evidence", "milestone.undo", "action.show"]);
    // The answer travelled in the invoke response: nothing was posted to the conversation.
    expect(t.fake.calls.filter((c) => c.replyToId === asked.invoke.id || c.replyToId === done.invoke.id)).toEqual([]);

    const opened = await press({ as: "jancis", verb: "action.show", data: { verb: "action.show", value: "ATT-4" } });
    expect(cardText(opened.card)).toContain("Engage with Police Community Safety Officers");
  });

  it("asks the pledge form's public question as a choice, sent apart from the commitment; any other answer is refused in one line", async () => {
    const created = await say("message.personal", { as: "nigel", text: "pledge new cfc Walking buddies" });
    const id = /P(\d+)/.exec(cardText(created.card))![1];
    const signature = () => t.server.runtime.db.prisma.pledgeSignature.findFirst({ where: { pledgeId: Number(id), person: { name: "Mary Brittle" } } });
    await say("message.personal", { as: "mary", text: `pledge sign P${id} public | I will walk with two pupils` });
    expect(await signature()).toMatchObject({ isPublic: true });

    const asked = await press({ as: "mary", verb: "pledge.sign", data: { verb: "pledge.sign", value: `P${id}` } });
    expect(checkCard(asked.card).problems).toEqual([]);
    expect(asked.card.body).toContainEqual(expect.objectContaining({
      type: "Input.ChoiceSet",
      id: "field.public",
      isRequired: true,
      choices: [expect.objectContaining({ value: "public" }), expect.objectContaining({ value: "private" })],
    }));
    const submit = actionsIn(asked.card).find((a) => (a.data as { verb?: string }).verb === "curve.form")!;
    // What a garbled or forged submission might hold instead of a choice: refused, nothing saved.
    for (const answer of ["no.", "nah", "ok", "-", "0", "1", "yes", "", "public | x"]) {
      const refused = await press({ as: "mary", verb: "curve.form", data: { ...(submit.data as object), "field.public": answer, "field.commitment": "mentor two pupils" } });
      expect(cardText(refused.card), answer).toMatch(/Choose one of the answers offered/);
      expect(cardText(refused.card).split("\n").filter(Boolean).length, answer).toBeLessThanOrEqual(2);
    }
    expect(await signature()).toMatchObject({ commitment: "I will walk with two pupils", isPublic: true });

    // A commitment starting with "No" stays whole, and the choice made is the one kept.
    const signed = await press({ as: "mary", verb: "curve.form", data: { ...(submit.data as object), "field.public": "private", "field.commitment": "No pupil of mine will walk alone" } });
    expect(cardText(signed.card)).toContain("is updated");
    expect(await signature()).toMatchObject({ commitment: "No pupil of mine will walk alone", isPublic: false });
  });

  it("runs the command typed under a quoted reply, not the quoted sender and preview", async () => {
    const quote = (sender: string, preview: string) =>
      `<blockquote itemscope="" itemtype="http://schema.skype.com/Reply" itemid="1763459834291"><strong itemprop="mri" itemid="28:6d2a1c3e-0000-4000-8000-00000000c0de">${sender}</strong>` +
      `<span itemprop="time" itemid="1763459834291"></span><p itemprop="preview">${preview}</p></blockquote>`;
    const replied = await say("message.personal", { as: "jancis", text: `${quote("Curve", "Mark ATT-7.2 done")}<p>whoami</p>` });
    expect(cardText(replied.card)).not.toMatch(/has no "mark"|There is no \//);
    expect(cardText(replied.card)).toContain("Jancis Andrew");
    const own = await say("message.personal", { as: "jancis", text: `${quote("Jancis Andrew", "action show ATT-4")}<p>action show ATT-5</p>` });
    expect(cardText(own.card)).not.toContain("There is no /jancis command");
    expect(cardText(own.card)).toContain("Produce and promote across the city a common script");
  });

  it("takes an Action.Submit from a client without universal actions as the same command", async () => {
    const submit = activity("message.personal", t.fake, { as: "jancis", text: "" });
    delete submit.text;
    submit.value = { verb: "action.show", value: "ATT-5" };
    expect((await t.post(submit)).status).toBe(200);
    const reply = await t.fake.next((c) => c.replyToId === submit.id);
    expect(cardText((reply.body.attachments as { content: unknown }[])[0]!.content)).toContain("Produce and promote across the city a common script");
  });

  it("pages a long list behind More, which runs the same query again from where it stopped", async () => {
    const { card } = await say("message.personal", { as: "nigel", text: "/milestone list overdue" });
    const total = Number(/Showing 1–10 of (\d+)\./.exec(cardText(card))?.[1]);
    expect(total).toBeGreaterThan(10);
    expect(total).toBeLessThanOrEqual(20);
    const more = actionsIn(card).find((a) => a.title === "More")!;
    expect(more.data).toEqual({ verb: "curve.more", command: "milestone", text: "list overdue", from: 10 });
    const next = await press({ as: "nigel", verb: "curve.more", data: more.data as Record<string, unknown> });
    expect(cardText(next.card)).toContain(`Showing 11–${total} of ${total}.`);
    expect(actionsIn(next.card).some((a) => a.title === "More")).toBe(false);
    // Paging never repeats a change, whatever the data says.
    const forged = await press({ as: "nigel", verb: "curve.more", data: { verb: "curve.more", command: "milestone", text: "done ATT-5.1", from: 10 } });
    expect(cardText(forged.card)).toContain("That button isn't one Curve knows");
    expect((await milestone("ATT-5.1")).doneAt).toBeNull();
  });

  it("answers a retried Action.Execute again, with the change applied once", async () => {
    const data = { verb: "curve.form", form: { id: "milestone.done", command: "milestone", textPrefix: "done ATT-5.1", fields: ["evidence"] }, "field.evidence": "script agreed" };
    const before = await auditCount();
    const first = await press({ as: "jancis", id: "f:retried-invoke-0001", verb: "curve.form", data });
    const again = await press({ as: "jancis", id: "f:retried-invoke-0001", verb: "curve.form", data });
    expect(cardText(first.card)).toContain("ATT-5.1 done");
    expect(again.card).toEqual(first.card);
    expect(await auditCount()).toBe(before + 1);
  });

  it("keeps one receipt for a typed change, and answers its retried delivery nowhere, changing nothing", async () => {
    const receipts = () => t.server.runtime.db.prisma.commandReceipt.count({ where: { partnershipId: t.partnershipId } });
    const [beforeReceipts, beforeAudit] = [await receipts(), await auditCount()];
    const { message, card } = await say("message.personal", { as: "jancis", text: "milestone done ATT-3.1 agreed at cluster chairs" });
    expect(cardText(card)).toContain("ATT-3.1 done");
    expect(await receipts()).toBe(beforeReceipts + 1);
    expect(await auditCount()).toBe(beforeAudit + 1);

    // Teams delivers the same activity again: nothing is answered, stored or changed.
    const repliesBefore = t.fake.calls.filter((c) => c.replyToId === message.id).length;
    expect((await t.post(message)).status).toBe(200);
    const marker = await say("message.personal", { as: "jancis", text: "whoami" });
    expect(cardText(marker.card)).toContain("Jancis Andrew");
    expect(t.fake.calls.filter((c) => c.replyToId === message.id)).toHaveLength(repliesBefore);
    expect(await receipts()).toBe(beforeReceipts + 2); // the whoami's own sighting
    expect(await auditCount()).toBe(beforeAudit + 1);
    expect((await milestone("ATT-3.1")).doneAt).not.toBeNull();
  });

  it("adds a risk from a typed message once, however often Teams delivers it", async () => {
    const risks = () => t.server.runtime.db.prisma.risk.count({ where: { partnershipId: t.partnershipId } });
    const before = await risks();
    const { message, card } = await say("message.personal", { as: "nigel", text: "risk add NEET-2 | Funding for programmes ends | likelihood: 2 | impact: 3" });
    expect(cardText(card)).toMatch(/Risk R\d+ added/);
    expect(await risks()).toBe(before + 1);
    expect((await t.post(message)).status).toBe(200);
    const marker = await say("message.personal", { as: "nigel", text: "whoami" });
    expect(cardText(marker.card)).toContain("Nigel Richardson");
    expect(await risks()).toBe(before + 1);
  });

  it("refuses a person who is not an owner, by message and by button, and changes nothing", async () => {
    const before = await auditCount();
    const typed = await say("message.personal", { as: "mary", text: "milestone done ATT-4.1 done it myself" });
    expect(cardText(typed.card)).toContain("You can't change ATT-4.");
    const pressed = await press({ as: "mary", verb: "milestone.undo", data: { verb: "milestone.undo", value: "ATT-4.2" } });
    expect(cardText(pressed.card)).toContain("You can't change ATT-4.");
    expect((await milestone("ATT-4.1")).doneAt).toBeNull();
    expect((await milestone("ATT-4.2")).doneAt).not.toBeNull();
    expect(await auditCount()).toBe(before);
  });

  it("says in one line that an edited command is not acted on, and changes nothing; an edit in a channel not meant for Curve gets no answer", async () => {
    const before = { milestone: await milestone("ATT-4.1"), audit: await auditCount() };
    const inChannel = activity("messageUpdate.edit-channel", t.fake, { as: "jancis" });
    expect((await t.post(inChannel)).status).toBe(200);
    // The turn's replies are sent before Teams is answered: none was.
    expect(t.fake.calls.some((c) => c.replyToId === inChannel.id)).toBe(false);

    const { card } = await say("messageUpdate.edit-personal", { as: "jancis" });
    expect(cardText(card)).toContain("Curve doesn't act on edits");
    expect(cardText(card)).toContain("send the corrected command as a new message");
    expect(await milestone("ATT-4.1")).toEqual(before.milestone);
    expect(await auditCount()).toBe(before.audit);
  });

  it("tells someone the partnership doesn't know how to get linked", async () => {
    const { card } = await say("message.personal", { as: "stranger", text: "milestone list mine" });
    expect(cardText(card)).toContain("Curve doesn't know who you are yet");
    expect(cardText(card)).toContain(PEOPLE.stranger.email);
    expect(cardText(card)).toContain("/curve link @you");
  });

  it("refuses another organisation's tenant, looking nothing up and binding nothing", async () => {
    const message = activity("message.other-tenant", t.fake);
    expect((await t.post(message)).status).toBe(200);
    const reply = await t.fake.next((c) => c.replyToId === message.id);
    expect(cardText((reply.body.attachments as { content: unknown }[])[0]!.content)).toContain("Curve isn't available to your organisation");
    expect(t.fake.calls.some((c) => c.kind === "member" && c.path.includes("0a0a0a0a"))).toBe(false);
    expect(await t.server.runtime.db.prisma.platformTenant.count({ where: { tenant: OTHER_TENANT } })).toBe(0);
  });

  it("answers hidden characters in one line and changes nothing", async () => {
    const before = await auditCount();
    const { card } = await say("message.hidden-characters", { as: "jancis" });
    expect(cardText(card)).toContain("control characters");
    expect(JSON.stringify(card)).not.toMatch(/\n\s+at /);
    expect(await auditCount()).toBe(before);
  });

  it("refuses a forged card press that smuggles a second command", async () => {
    const before = await auditCount();
    const forged = activity("invoke.adaptiveCard-action.forged", t.fake);
    const response = await t.post(forged);
    expect(response.status).toBe(200);
    expect(cardText((response.body as InvokeBody).value)).toContain("That button isn't one Curve knows");
    const state = await t.server.runtime.db.prisma.action.findFirstOrThrow({ where: { ref: "ATT-4", plan: { partnershipId: t.partnershipId } } });
    expect(state.state).not.toBe("dropped");
    expect(await auditCount()).toBe(before);
  });

  it("answers requests that are not activities with 400 and one line, never a stack trace", async () => {
    const notJson = await t.post("{ this is not json", {});
    const notAnActivity = await t.post([1, 2, 3]);
    const { from: _from, ...noSender } = activity("message.personal", t.fake);
    const missingSender = await t.post(noSender);
    for (const response of [notJson, notAnActivity, missingSender]) {
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: expect.any(String) });
      expect(JSON.stringify(response.body)).not.toMatch(/\bat \S+:\d+/);
    }
  });

  it("links a colleague a coordinator @mentions, by their Azure AD id", async () => {
    const { card } = await say("message.channel-mention", { as: "nigel", text: "<at>Curve</at> curve link <at>Sue May</at> Sue May", mention: "sue" });
    expect(cardText(card)).toContain("Linked to Sue May");
    const linked = await t.server.runtime.db.prisma.platformIdentity.findFirstOrThrow({
      where: { platform: "teams", userId: PEOPLE.sue.aadObjectId, person: { partnershipId: t.partnershipId } },
      include: { person: true },
    });
    expect(linked).toMatchObject({ tenant: TENANT, person: { name: "Sue May" } });
  });

  // Teams sends what people type as HTML: decoded once, links kept as links, shown back as links.
  const HTML: [typed: string, stored: string, link?: string][] = [
    ["<p>Q&amp;A with heads agreed</p>", "Q&A with heads agreed"],
    ["a&nbsp;&lt;&nbsp;b &amp;&amp; c", "a < b && c"],
    ["&amp;lt; as typed", "&lt; as typed"],
    ['see <a href="https://example.org/minutes?a=1&amp;b=2">the minutes</a>', "see [the minutes](https://example.org/minutes?a=1&b=2)", "https://example.org/minutes?a=1&b=2"],
    ['<a href="https://example.org/report">https://example.org/report</a> agreed', "https://example.org/report agreed", "https://example.org/report"],
    ['<a href="javascript:alert(1)">click</a> here', "click here"],
    ["line one<br>line two<div>three</div>", "line one line two three"],
  ];

  it.each(HTML)("stores a note typed in Teams as %j as meant, and shows its link as a link", async (typed, stored, link) => {
    const { card } = await say("message.personal", { as: "tony", text: `action note ATT-7 ${typed}` });
    expect(cardText(card)).toContain("Note added to ATT-7");
    const [latest] = await t.server.runtime.db.prisma.actionNote.findMany({ where: { action: { ref: "ATT-7", plan: { partnershipId: t.partnershipId } } }, orderBy: { id: "desc" }, take: 1 });
    expect(latest!.text).toBe(stored);
    if (link) expect(JSON.stringify(card)).toContain(JSON.stringify({ type: "Action.OpenUrl", url: link }));
    else expect(JSON.stringify(card)).not.toContain("Action.OpenUrl");
  });

  it("sent only cards that Teams' adaptivecards library takes whole, within the size budget", () => {
    const cards = t.fake.cardsSent();
    expect(cards.length).toBeGreaterThan(5);
    for (const { card } of cards) expect(checkCard(card).problems).toEqual([]);
  });
});
