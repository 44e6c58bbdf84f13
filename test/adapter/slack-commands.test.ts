import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { slackManifest } from "../../src/adapters/slack/manifest.ts";
import type { RunningServer } from "../../src/bot/serve.ts";
import { findFamily } from "../../src/commands/command-table.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { FakeSlack, commandBody, postToSlackEndpoint, slackSignature } from "../support/fake-slack.ts";
import { SIGNING_SECRET, fixture, startSlackServer } from "../support/slack-server.ts";

it("signs requests the way Slack's 'verifying requests' documentation does", () => {
  const body =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  expect(slackSignature(SIGNING_SECRET, 1531420618, body)).toBe("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
});

describe.each(kindsUnderTest())("Slack slash commands through curve serve on %s", (kind) => {
  const fake = new FakeSlack("T1");
  let server: RunningServer;
  let close: () => Promise<void>;
  const command = (overrides: Record<string, string>) =>
    commandBody({ ...fixture<Record<string, string>>("command.milestone"), response_url: `${fake.url}/response/cmd`, ...overrides });
  const post = (body: string, options: Partial<Parameters<typeof postToSlackEndpoint>[2]> = {}) =>
    postToSlackEndpoint(server.url, body, { secret: SIGNING_SECRET, ...options });
  const prisma = () => server.runtime.db.prisma;
  const milestone = (ref: string) => prisma().milestone.findFirstOrThrow({ where: { ref }, include: { doneBy: true } });
  const auditCount = () => prisma().auditEvent.count({ where: { event: { startsWith: "milestone." } } });

  beforeAll(async () => {
    await fake.start();
    fake.emails.set("U1", "jancis.andrew@example.org");
    fake.emails.set("U2", "mary.brittle@example.org");
    fake.emails.set("U3", "sue.may@example.org");
    fake.emails.set("U9", "someone.else@example.com");
    fake.emails.set("U5", "nigel.richardson@example.org");
    ({ server, close } = await startSlackServer(kind, fake));
  });
  afterAll(async () => {
    await close();
    await fake.close();
  });

  it("binds the bot token's own workspace to the partnership at start", async () => {
    expect(fake.callsTo("auth.test").length).toBeGreaterThan(0);
    expect(await prisma().platformTenant.findMany()).toMatchObject([{ platform: "slack", tenant: "T1" }]);
  });

  it("marks ATT-4.1 done from a signed /milestone done, once, even when Slack retries", async () => {
    const body = command({ text: "done ATT-4.1 model agreed", trigger_id: "1001.1.aaa" });
    const first = await post(body);
    expect(first.status).toBe(200);
    const ack = first.json();
    expect(ack.response_type).toBe("ephemeral");
    expect(JSON.stringify(ack.blocks)).toContain("ATT-4.1 done");
    expect(JSON.stringify(ack.blocks)).toContain("model agreed");

    const row = await milestone("ATT-4.1");
    expect(row.doneBy?.name).toBe("Jancis Andrew");
    expect(row.evidence).toBe("model agreed");
    expect(await auditCount()).toBe(1);
    expect(fake.callsTo("users.info").map((c) => c.body.user)).toEqual(["U1"]);

    const retry = await post(body, { retryNum: 1 });
    expect(retry.status).toBe(200);
    expect(retry.json().blocks).toEqual(ack.blocks);
    expect(await auditCount()).toBe(1);
    expect(fake.callsTo("users.info")).toHaveLength(1); // remembered as a platform identity
  });

  it("answers a retry whose words or sender differ from the first with a refusal, never the first one's reply", async () => {
    const first = (await post(command({ text: "done ATT-5.1 script agreed", trigger_id: "1002.1.alt" }))).json();
    expect(JSON.stringify(first.blocks)).toContain("ATT-5.1 done");
    const before = await auditCount();
    const alterations: Record<string, string>[] = [{ text: "done ATT-1.1 brief signed off" }, { user_id: "U5", text: "done ATT-5.1 script agreed" }];
    for (const altered of alterations) {
      const answer = await post(command({ ...altered, trigger_id: "1002.1.alt" }), { retryNum: 1 });
      expect(answer.status).toBe(200);
      const shown = JSON.stringify(answer.json().blocks);
      expect(shown).toContain("already answered a different request");
      expect(shown).not.toContain("script agreed");
    }
    expect((await milestone("ATT-1.1")).doneAt).toBeNull();
    expect(await auditCount()).toBe(before);
  });

  it("refuses forged, stale, future-dated and unsigned requests with 401, changing nothing", async () => {
    const before = await auditCount();
    const body = command({ text: "done ATT-7.1 launched", trigger_id: "1002.1.bbb" });
    const now = Math.floor(Date.now() / 1000);
    expect((await post(body, { signature: slackSignature("not-the-secret", now, body) })).status).toBe(401);
    expect((await post(body, { timestamp: now - 6 * 60 })).status).toBe(401);
    expect((await post(body, { timestamp: now + 6 * 60 })).status).toBe(401);
    expect((await post(body, { omitHeaders: true })).status).toBe(401);
    expect((await post(`${body}&text=tampered`, { signature: slackSignature(SIGNING_SECRET, now, body), timestamp: now })).status).toBe(401);
    expect((await milestone("ATT-7.1")).doneAt).toBeNull();
    expect(await auditCount()).toBe(before);
  });

  it("refuses a non-owner and says who can", async () => {
    const before = await auditCount();
    const reply = (await post(command({ user_id: "U2", text: "done ATT-7.1 launched", trigger_id: "1003.1.ccc" }))).json();
    expect(JSON.stringify(reply.blocks)).toContain("You can't change ATT-7");
    expect(JSON.stringify(reply.blocks)).toContain("Jancis Andrew");
    expect((await milestone("ATT-7.1")).doneAt).toBeNull();
    expect(await auditCount()).toBe(before);
  });

  it("tells someone whose Slack email is not in the plans how to get linked", async () => {
    const reply = (await post(command({ user_id: "U9", text: "list mine", trigger_id: "1004.1.ddd" }))).json();
    const shown = JSON.stringify(reply.blocks);
    expect(shown).toContain("someone.else@example.com");
    expect(shown).toContain("/curve link @you");
  });

  it("politely refuses a workspace that belongs to no partnership", async () => {
    const reply = (await post(command({ team_id: "T-OTHER", text: "list mine", trigger_id: "1005.1.eee" }))).json();
    expect(JSON.stringify(reply.blocks)).toContain("isn't connected to Curve");
  });

  it("escapes what people type, so no <!channel> reaches Slack, and a link stays the link it was", async () => {
    const body = commandBody({ ...fixture<Record<string, string>>("command.injection"), response_url: `${fake.url}/response/inj` });
    const reply = (await post(body)).json();
    const shown = JSON.stringify(reply.blocks);
    // Slack's special mention is decoded to harmless text, never sent back as a mention.
    expect(shown).not.toMatch(/<!channel>|<!here>|<!everyone>/);
    expect(shown).toContain("@channel");
    // A link keeps its own address and label, as the person typed it (decoded, then rendered once).
    expect(shown).toContain("<http://evil.example|the minutes>");
    expect(shown).toContain("&amp;");
  });

  // Slack's markup in what people type, decoded once before the command: stored as meant, shown once escaped.
  const MARKUP: [typed: string, stored: string, shown: string][] = [
    ["Q&amp;A with heads agreed", "Q&A with heads agreed", "Q&amp;A with heads agreed"],
    ["a &lt; b &amp;&amp; c &gt; d", "a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"],
    ["typed &amp;amp; literally", "typed &amp; literally", "typed &amp;amp; literally"],
    ["see <https://example.org/minutes?a=1&amp;b=2|the minutes>", "see [the minutes](https://example.org/minutes?a=1&b=2)", "see <https://example.org/minutes?a=1&amp;b=2|the minutes>"],
    ["see <https://example.org/report>", "see https://example.org/report", "see <https://example.org/report|https://example.org/report>"],
    ["sent to <mailto:sue.may@example.org|sue.may@example.org>", "sent to sue.may@example.org", "sent to sue.may@example.org"],
    ["agreed with <@U2|mary.brittle>", "agreed with @Mary Brittle", "agreed with @Mary Brittle"],
    ["agreed with <@U2>", "agreed with @Mary Brittle", "agreed with @Mary Brittle"],
    // A mention is named where it stands, and nowhere else: not in a longer id or label, not in words typed like it.
    ["agreed with <@U2|mary> and <@U77|mary.jones>", "agreed with @Mary Brittle and @mary.jones", "agreed with @Mary Brittle and @mary.jones"],
    ["agreed with <@U2> and <@U23>", "agreed with @Mary Brittle and @U23", "agreed with @Mary Brittle and @U23"],
    ["<@U2> agreed, then <@U2|mary> signed off", "@Mary Brittle agreed, then @Mary Brittle signed off", "@Mary Brittle agreed, then @Mary Brittle signed off"],
    ["<!subteam^S1|@mary> asked <@U2|mary>", "@mary asked @Mary Brittle", "@mary asked @Mary Brittle"],
    ["cc @mary in <#C0MARY|mary>, then <@U2|mary>", "cc @mary in #mary, then @Mary Brittle", "cc @mary in #mary, then @Mary Brittle"],
    ["posted in <#C0ATTEND|attendance-obsession>", "posted in #attendance-obsession", "posted in #attendance-obsession"],
    ["told <!here> and <!channel> and <!everyone>", "told @here and @channel and @everyone", "told @here and @channel and @everyone"],
  ];

  it.each(MARKUP)("stores a note typed as %j as meant, and shows it back escaped once", async (typed, stored, shown) => {
    // Mary has used Curve before, so her Slack id is a person Curve knows.
    await post(command({ user_id: "U2", text: "list mine", trigger_id: `1010.${typed.length}.known` }));
    // Each case's note ends on its own number: two that read the same would be one note sent twice.
    const end = ` (${MARKUP.findIndex((row) => row[0] === typed)})`;
    const ack = (await post(command({ command: "/action", text: `note ATT-4 ${typed}${end}`, trigger_id: `1010.${Buffer.from(typed).toString("hex").slice(-24)}.markup` }))).json();
    const blocks = JSON.stringify(ack.blocks);
    expect(blocks).toContain("Note added to ATT-4");
    expect(blocks, blocks).toContain(JSON.stringify(shown + end).slice(1, -1));
    expect(blocks).not.toMatch(/<!here>|<!channel>|<!everyone>/);
    if (!typed.includes("&amp;amp;")) expect(blocks).not.toContain("&amp;amp;");
    const [latest] = await prisma().actionNote.findMany({ where: { action: { ref: "ATT-4" } }, orderBy: { id: "desc" }, take: 1 });
    expect(latest!.text).toBe(stored + end);
  });

  it("links the Slack user a coordinator @mentions to the person named", async () => {
    const reply = (await post(command({ command: "/curve", user_id: "U5", text: "link <@U8|sue.may> Sue May", trigger_id: "1011.1.link" }))).json();
    expect(JSON.stringify(reply.blocks)).toContain("Linked to Sue May");
    const linked = await prisma().platformIdentity.findFirstOrThrow({ where: { platform: "slack", userId: "U8" }, include: { person: true } });
    expect(linked.person.name).toBe("Sue May");
  });

  // What Slack would send: the slash commands of the manifest `curve manifest slack` prints.
  const manifestCommands = (parse(slackManifest("https://curve.leeds.example")).features.slash_commands as { command: string }[]).map((c) => c.command);

  it.each(manifestCommands)("answers %s, as the app manifest names it, with its own command", async (slash) => {
    const family = findFamily(slash.slice(1));
    expect(family, `${slash} is in the manifest but not the command table`).toBeDefined();
    // A subcommand that only reads, so every command is asked the same harmless way.
    const reading = family!.subcommands.find((s) => s.changes !== true)!;
    const answer = await post(command({ command: slash, text: reading.name, trigger_id: `1020.${slash.slice(1)}.manifest` }));
    expect(answer.status).toBe(200);
    const reply = answer.json();
    expect(reply.response_type).toBe("ephemeral");
    expect(JSON.stringify(reply.blocks)).not.toMatch(/There is no \/|has no "/);
  });

  it("runs /team add and /team show from Slack", async () => {
    const added = (await post(command({ command: "/team", user_id: "U5", text: 'add "Attendance task group" Jancis Andrew', trigger_id: "1021.1.team" }))).json();
    expect(JSON.stringify(added.blocks)).toContain("Jancis Andrew added to Attendance task group");
    const shown = (await post(command({ command: "/team", text: 'show "Attendance task group"', trigger_id: "1021.2.team" }))).json();
    expect(JSON.stringify(shown.blocks)).toContain("Jancis Andrew");
    const team = await prisma().team.findFirstOrThrow({ where: { name: "Attendance task group" }, include: { members: { include: { person: true } } } });
    expect(team.members.map((m) => m.person.name)).toEqual(["Jancis Andrew"]);
  });

  it("answers a slash command Curve has no family for in one sentence, not with silence", async () => {
    // An app whose manifest is older or newer than this Curve, or a command renamed by an admin.
    const answer = await post(command({ command: "/curve-old", text: "list mine", trigger_id: "1022.1.unknown" }));
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.json().blocks)).toContain("There is no /curve-old command");
  });

  it("lists in /curve help only what can be typed in Slack, and says how to ask there", async () => {
    const help = JSON.stringify((await post(command({ command: "/curve", text: "help", trigger_id: "1023.1.help" }))).json().blocks);
    const listed = [...help.matchAll(/\*(\/[a-z-]+)\*/g)].map((m) => m[1]);
    expect(listed.length).toBeGreaterThan(0);
    expect([...listed].sort()).toEqual([...manifestCommands].sort());
    expect(help).toContain("/curve help milestone");
  });

  it("pages a long list behind a More button, and the button shows the next page", async () => {
    const first = (await post(command({ user_id: "U3", text: "list mine", trigger_id: "1006.1.fff" }))).json();
    const blocks = first.blocks as { type: string; elements?: { action_id: string; value: string }[] }[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    const more = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === "page.more");
    expect(more).toBeDefined();
    const press = fixture<Record<string, unknown>>("block_actions.mark_done");
    const payload = {
      ...press,
      user: { id: "U3", team_id: "T1" },
      trigger_id: "1006.2.fff",
      response_url: `${fake.url}/response/page2`,
      actions: [{ action_id: "page.more", block_id: "more", value: more!.value, type: "button", action_ts: "1" }],
    };
    const { interactionBody } = await import("../support/fake-slack.ts");
    expect((await post(interactionBody(payload))).status).toBe(200);
    const { eventually } = await import("../support/slack-server.ts");
    const page2 = await eventually(() => fake.responses.find((r) => r.id === "page2"));
    expect(page2.body.replace_original).toBe(true);
    expect(JSON.stringify(page2.body.blocks)).toMatch(/Showing 11–/);
  });
});
