import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPublication } from "../../src/adapters/db/publication.ts";
import { filePath, signBoardToken } from "../../src/adapters/web/page-links.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { cardText } from "../support/teams-cards.ts";
import { DEMO_NOW, activity, startTeamsServer, type TeamsPerson, type TeamsServer } from "../support/teams-server.ts";

const PUBLIC_URL = "https://curve.leeds.example";

/** Every Action.OpenUrl address in a card, wherever it sits. */
function openUrls(card: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const o = node as Record<string, unknown>;
    if (o.type === "Action.OpenUrl" && typeof o.url === "string") found.push(o.url);
    Object.values(o).forEach(walk);
  };
  walk(card);
  return found;
}

describe.each(kindsUnderTest())("the board pack in Teams, on %s", (kind) => {
  let t: TeamsServer;
  beforeAll(async () => {
    t = await startTeamsServer(kind, { CURVE_TEAMS_ALLOW_UNAUTHENTICATED: "1", CURVE_PUBLIC_URL: PUBLIC_URL });
  });
  afterAll(async () => t?.close());

  /** Asks in a 1:1 chat; returns the card Curve answered with. */
  async function ask(as: TeamsPerson, text: string) {
    const message = activity("message.personal", t.fake, { as, text });
    expect((await t.post(message)).status).toBe(200);
    const answer = await t.fake.next((c) => c.replyToId === message.id, 60_000);
    return (answer.body.attachments as { content: unknown }[])[0]!.content;
  }

  /** The link's path on this server: the public address is the proxy's, the route is curve serve's. */
  const onServer = (url: string) => `${t.server.url}${url.slice(PUBLIC_URL.length)}`;

  it("gives a coordinator a signed download link on a card, which downloads the workbook with every sheet", async () => {
    const card = await ask("nigel", "/report board-pack cypp-2011-15 September 2011");
    expect(cardText(card)).toContain("Board pack: Monthly exception report, September 2011");
    expect(cardText(card)).toMatch(/works until \d{1,2} \w{3} 2011/);
    const [link] = openUrls(card).filter((u) => u.includes("/files/"));
    expect(link).toMatch(new RegExp(`^${PUBLIC_URL}/board/\\d+\\.\\d+\\.[\\w-]{22}/files/board-pack-cypp-2011-15-september-2011\\.xlsx\\?key=`));

    const response = await fetch(onServer(link!));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("spreadsheetml");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="board-pack-cypp-2011-15-september-2011.xlsx"');
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await response.arrayBuffer()) as ExcelJS.Buffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(["Cover", "Exceptions", "Indicators", "Actions", "Risks", "Changes"]);
    // The exceptions the chat report lists are in the file.
    const exceptions = JSON.stringify(workbook.getWorksheet("Exceptions")!.getSheetValues());
    expect(exceptions).toContain("ATT-1.1");
  });

  it("sends the PDF when asked, and 404s a link that is tampered with, expired, or names another format", async () => {
    const card = await ask("nigel", "/report board-pack cypp-2011-15 September 2011 pdf");
    const [link] = openUrls(card).filter((u) => u.includes("/files/"));
    const pdf = await fetch(onServer(link!));
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");

    const url = new URL(onServer(link!));
    const [, , token] = url.pathname.split("/");
    const tampered = url.href.replace(token!, `${token!.slice(0, -1)}${token!.endsWith("A") ? "B" : "A"}`);
    expect((await fetch(tampered)).status).toBe(404);
    expect((await fetch(url.href.replace(".pdf?", ".xlsx?"))).status).toBe(404);
    expect((await fetch(url.href.replace(/key=[^&]+/, "key=board-pack%7Cnope"))).status).toBe(404);
    // Every part of the key is checked: a key that boardPackKey could not have written is a file that does not exist.
    const asked = decodeURIComponent(url.searchParams.get("key")!).split("|");
    const withPart = (i: number, value: string) => asked.map((part, j) => (j === i ? value : part)).join("|");
    const badKeys = [
      withPart(4, "+275760-09-13T00:00:00Z"), withPart(4, "+275760-09-13T00:00:00.000Z"), withPart(4, "9999-12-31T23:59:59.999Z"), withPart(4, "2011-02-30T00:00:00.000Z"),
      withPart(4, "1969-12-31T00:00:00.000Z"), withPart(4, "2011-09-30"), withPart(4, "Sat, 01 Oct 2011 00:00:00 GMT"), withPart(4, "2011-09-30T24:00:00.000Z"),
      withPart(1, "cypp\u00002011"), withPart(1, "CYPP-2011-15"), withPart(1, "x".repeat(200)), withPart(2, "September\u00002011"), withPart(2, "y".repeat(200)),
      withPart(3, "PDF"), `${asked.join("|")}|extra`, asked.slice(0, 4).join("|"), withPart(0, "board-pack "),
    ];
    for (const bad of badKeys) {
      const answer = await fetch(url.href.replace(/key=[^&]+/, `key=${encodeURIComponent(bad)}`));
      expect(answer.status, bad).toBe(404);
      expect(await answer.text(), bad).toContain("Page not found");
    }

    const { linkKey } = await readPublication(t.server.runtime.db.kysely, t.partnershipId);
    const key = decodeURIComponent(url.searchParams.get("key")!);
    const expired = filePath(signBoardToken(linkKey, t.partnershipId, new Date(DEMO_NOW.getTime() - 1000)), { key, filename: "board-pack.pdf", title: "x" });
    const answer = await fetch(`${t.server.url}${expired}`);
    expect(answer.status).toBe(404);
    expect(await answer.text()).not.toMatch(/at .*\.ts:\d+/);
  });

  it("sends the link only to the 1:1 chat when asked in a channel, with a note in the thread", async () => {
    const before = t.fake.calls.length;
    const message = activity("message.channel-mention", t.fake, { as: "nigel", text: "<at>Curve</at> report board-pack cypp-2011-15 September 2011" });
    expect((await t.post(message)).status).toBe(200);
    const inThread = await t.fake.next((c) => c.replyToId === message.id, 60_000);
    const thread = (inThread.body.attachments as { content: unknown }[])[0]!.content;
    expect(cardText(thread)).toContain("Sent to you privately");
    expect(openUrls(thread)).toEqual([]);
    const privately = await t.fake.next((c) => t.fake.calls.indexOf(c) >= before && c !== inThread && String(c.conversationId).startsWith("a:"), 60_000);
    expect(openUrls(privately.body).some((u) => u.includes("/files/board-pack-"))).toBe(true);
  });

  it("refuses a board pack to someone who is not a coordinator, admin or board member, with no link", async () => {
    const card = await ask("sue", "/report board-pack");
    expect(cardText(card)).toContain("You can't take the board pack. It goes to a coordinator, an admin or a board member.");
    expect(openUrls(card)).toEqual([]);
  });
});
