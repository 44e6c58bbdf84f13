import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindsUnderTest } from "../support/databases.ts";
import { cardText, checkCard } from "../support/teams-cards.ts";
import { activity, startTeamsServer, type TeamsServer } from "../support/teams-server.ts";

type Element = Record<string, unknown> & { type: string };

/** Every element of a card, depth first. */
function elements(node: unknown): Element[] {
  if (!node || typeof node !== "object") return [];
  const own = "type" in (node as object) ? [node as Element] : [];
  return [...own, ...Object.values(node as object).flatMap((v) => (Array.isArray(v) ? v.flatMap(elements) : typeof v === "object" ? elements(v) : []))];
}

describe.each(kindsUnderTest())("indicators and pledges in Teams, on %s", (kind) => {
  let t: TeamsServer;
  beforeAll(async () => {
    t = await startTeamsServer(kind, { CURVE_TEAMS_ALLOW_UNAUTHENTICATED: "1", CURVE_PUBLIC_URL: "https://curve.test" });
  });
  afterAll(async () => t?.close());

  async function say(as: "jancis" | "nigel" | "mary", text: string) {
    const message = activity("message.personal", t.fake, { as, text });
    expect((await t.post(message)).status).toBe(200);
    const reply = await t.fake.next((c) => c.replyToId === message.id);
    return (reply.body.attachments as { content: Record<string, unknown> }[])[0]!.content;
  }

  it("shows the report card with the turn-the-curve chart as an Adaptive Card image Curve serves", async () => {
    const card = await say("jancis", "indicator show LAC");
    expect(checkCard(card).problems).toEqual([]);
    expect(cardText(card)).toContain("1,434 January 2011");
    const image = elements(card).find((e) => e.type === "Image")!;
    expect(String(image.url)).toMatch(/^https:\/\/curve\.test\/charts\/\d+\.\d+\.[A-Za-z0-9_-]{22}\.png\?v=[0-9a-f]{12}$/);
    expect(String(image.altText)).toContain("Turn-the-curve chart for LAC");
    const png = await fetch(String(image.url).replace("https://curve.test", t.server.url));
    expect(png.status).toBe(200);
    expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).toBe("PNG");
  });

  it("posts a pledge's sign-up card in the channel once and updates it in place as people sign", async () => {
    const inChannel = activity("message.channel-mention", t.fake, { as: "nigel", text: "<at>Curve</at> pledge new attendance Every day counts | We will help every child attend school every day" });
    expect((await t.post(inChannel)).status).toBe(200);
    const created = await t.fake.next((c) => c.kind === "create" && JSON.stringify(c.body).includes("Every day counts"));
    expect(created.body).toMatchObject({ isGroup: true, channelData: { channel: { id: "19:5b2c9b5e0d4b4e8a9f3c1d2e7a6b4c3d@thread.tacv2" } } });
    const root = (created.body.activity as { attachments: { content: Record<string, unknown> }[] }).attachments[0]!.content;
    expect(checkCard(root).problems).toEqual([]);
    const id = /P(\d+)/.exec(cardText(root))![1];
    for (const who of ["jancis", "mary", "nigel"] as const) await say(who, `pledge sign P${id} public | I will talk about attendance at every meeting`);
    // Each signature's card update is an outbox row the worker sends after the answer (one that
    // lands also settles those waiting behind it, since it shows their signatures): wait until all are sent.
    const cardRows = () => t.server.runtime.db.prisma.delivery.findMany({ where: { partnershipId: t.partnershipId, kind: "channel_card" } });
    for (const started = Date.now(); (await cardRows()).some((r) => r.status !== "sent"); await new Promise((resolve) => setTimeout(resolve, 20))) {
      if (Date.now() - started > 10_000) throw new Error("the card's outbox rows were never all sent");
    }
    const updates = t.fake.calls.filter((c) => c.kind === "update" && c.conversationId === created.id);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThanOrEqual(3);
    expect(updates.every((u) => u.path.endsWith(`/activities/${created.id!.split(";messageid=")[1]}`))).toBe(true);
    const latest = (updates.at(-1)!.body as { attachments: { content: Record<string, unknown> }[] }).attachments[0]!.content;
    expect(checkCard(latest).problems).toEqual([]);
    expect(cardText(latest)).toMatch(/Signed\D*3/);
    expect(t.fake.calls.filter((c) => c.kind === "create" && JSON.stringify(c.body).includes("Every day counts"))).toHaveLength(1);
  });

  it("signs a pledge by message and lists it on the register", async () => {
    const created = await say("nigel", "pledge new cfc Child friendly Leeds");
    const id = /P(\d+)/.exec(cardText(created))![1];
    await say("jancis", `pledge sign P${id} public | I will ask every young person I meet what would make Leeds better`);
    const register = await say("mary", `pledge register P${id}`);
    expect(cardText(register)).toContain("Jancis Andrew");
    expect(cardText(register)).toContain("I will ask every young person I meet what would make Leeds better");
  });
});
