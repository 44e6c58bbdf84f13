import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/adapters/db/migrator.ts";
import { openDatabase } from "../../src/adapters/db/open-database.ts";
import { readConfig } from "../../src/bot/config.ts";
import { startServer, type RunningServer } from "../../src/bot/serve.ts";
import { createLogger } from "../../src/bot/logger.ts";
import { axeViolations, launchChromium, screenshot, withoutJavaScript } from "../support/browser.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

const PUBLIC_URL = "https://scorecard.leeds.test";
const PRIVATE_SIGNER = "Priya Quinlan";
const PRIVATE_COMMITMENT = "we will reward full attendance every half term";
const EVIDENCE = "Minutes of cluster chairs, confidential item 4";
const NOTE = "Budget pressure discussed in closed session";
const OWNER_WITH_CONTACTS = "Fred Bloggs (fred.bloggs@gmail.com, 07700 900123)";

describe.each(kindsUnderTest())("the web scorecard in Chromium on %s", (kind) => {
  let server: RunningServer;
  let t: TestDatabase | undefined;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let partnershipId: number;
  let pledgeId: number;
  let now = new Date("2011-09-12T10:00:00Z");
  let driver: ReturnType<typeof commandDriver>;
  let seq = 0;
  const run = (as: string, line: string) => driver.run(as, line, `web-${++seq}`);
  const get = (pathname: string) => fetch(`${server.url}${pathname}`);
  const logged: string[] = [];

  beforeAll(async () => {
    let env: Record<string, string>;
    if (kind === "pglite") {
      const dataDir = mkdtempSync(path.join(tmpdir(), "curve-web-"));
      const db = await openDatabase({ dataDir });
      await migrate(db.sql);
      await loadDemo(db, "leeds");
      await db.close();
      env = { DATA_DIR: dataDir };
    } else {
      t = await openTestDatabase("postgresql");
      await loadDemo(t.db, "leeds");
      env = { DATABASE_URL: t.url! };
    }
    server = await startServer(readConfig({ ...env, PORT: "0", LOG_LEVEL: "silent", CURVE_PUBLIC_URL: PUBLIC_URL }), { clock: () => now, log: createLogger("info", (line) => void logged.push(line)) });
    const db = server.runtime.db;
    partnershipId = (await db.prisma.partnership.findFirstOrThrow({ where: { slug: "leeds" } })).id;
    driver = commandDriver(db, partnershipId, () => now);
    driver.deps.web = server.runtime.deps.web;
    // A partner who is named nowhere in the plans, so her name on any page could only come from her private signature.
    await db.prisma.person.create({ data: { partnershipId, name: PRIVATE_SIGNER, email: "priya.quinlan@example.org" } });
    // Figures, a pledge with a public and a private signer, evidence and a note: what the pages may and may not show.
    for (const [value, period] of [["1420", "2011-03"], ["1395", "2011-06"], ["1380", "2011-08"]]) {
      expect((await run("Nigel Richardson", `/indicator record LAC ${value} ${period} children's social care return`)).tone).toBe("success");
    }
    const created = await run("Nigel Richardson", "/pledge new attendance Every day counts <script>alert(1)</script> | We will help every child attend school every day");
    pledgeId = Number(/P(\d+)/.exec(created.rendered)![1]);
    await run("Jancis Andrew", `/pledge sign P${pledgeId} public | I will ring every family on the first morning of absence`);
    await run(PRIVATE_SIGNER, `/pledge sign P${pledgeId} private | for Parklands Primary: ${PRIVATE_COMMITMENT}`);
    await run("Mary Brittle", `/pledge sign P${pledgeId} private | I will talk about attendance at every NEET review`);
    const done = await run("Jancis Andrew", `/milestone done ATT-1.1 ${EVIDENCE}`);
    expect(done.tone).toBe("success");
    await run("Jancis Andrew", `/action note ATT-1 ${NOTE}`);
    // An owner cell as spreadsheets carry them, with contact details beside the name.
    await db.prisma.action.updateMany({ where: { ref: "ATT-6", plan: { partnershipId } }, data: { ownerText: OWNER_WITH_CONTACTS } });
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  /** Opens a page at a width, checks it with axe (WCAG 2.2 AA) and saves a screenshot. */
  async function openChecked(pathname: string, width: number, name: string): Promise<Page> {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width, height: 800 });
    const response = await page.goto(`${server.url}${pathname}`);
    expect(response?.status(), pathname).toBe(200);
    expect(await axeViolations(page), `${pathname} at ${width}px`).toEqual([]);
    // Nothing wider than the screen, so nothing needs scrolling sideways except a table's own region.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${pathname} at ${width}px scrolls sideways`).toBeLessThanOrEqual(0);
    await screenshot(page, `${kind}-${name}-${width}`);
    return page;
  }

  it("serves nothing until a coordinator publishes, and only coordinators may", async () => {
    for (const p of ["/", "/plans/cypp-2011-15", "/indicators/LAC", "/indicators/LAC/chart.svg", `/pledges/${pledgeId}`]) {
      expect((await get(p)).status, p).toBe(404);
    }
    const refused = await run("Jancis Andrew", "/curve publish indicators on");
    expect(refused.code).toBe("not_permitted");
    expect((await get("/indicators/LAC")).status).toBe(404);
    for (const section of ["indicators", "plans", "pledges"]) {
      const reply = await run("Nigel Richardson", `/curve publish ${section} on`);
      expect(reply.tone, reply.rendered).toBe("success");
    }
    expect((await run("Nigel Richardson", "/curve publish pledges on")).rendered).toContain("Nothing changed");
    const audit = await server.runtime.db.prisma.auditEvent.findMany({ where: { partnershipId, event: "web.published" } });
    expect(audit.map((a) => a.subjectRef).sort()).toEqual(["indicators", "plans", "pledges"]);
    expect((await run("Nigel Richardson", "/curve publish everything on")).code).toBe("usage");
  });

  it("renders the Leeds scorecard, an indicator page and a pledge register with no WCAG 2.2 AA violations, at 360 and 1280 px", async () => {
    for (const width of [1280, 360]) {
      const scorecard = await openChecked("/", width, "scorecard");
      const text = await scorecard.locator("main").innerText();
      expect(text).toContain("Children and Young People's Plan");
      expect(text).toContain("Help children to live in safe and supportive families");
      expect(text).toMatch(/On track\s*\d+/);
      expect(text).toContain("LAC · Number of looked after children");
      expect(await scorecard.locator("footer").innerText()).toMatch(/Last updated \d{1,2} \w{3} 2011/);
      await scorecard.close();

      const indicator = await openChecked("/indicators/LAC", width, "indicator-LAC");
      const chart = indicator.locator("img.chart");
      expect(await chart.getAttribute("alt")).toContain("Turn-the-curve chart for LAC");
      expect(await chart.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
      const rows = await indicator.locator("table").first().locator("tbody tr").allInnerTexts();
      expect(rows[0]).toMatch(/^Aug 2011\s+31 Aug 2011\s+1,380\s+−15/);
      expect(rows).toHaveLength(3);
      await indicator.close();

      const register = await openChecked(`/pledges/${pledgeId}`, width, "pledge");
      const shown = await register.locator("main").innerText();
      expect(shown).toContain("3 signatures in all");
      expect(shown).toContain("Jancis Andrew");
      expect(shown).toContain("I will ring every family on the first morning of absence");
      expect(shown).toContain("2 signers asked not to be named");
      expect(shown).not.toContain("Mary Brittle");
      expect(shown).not.toContain(PRIVATE_SIGNER);
      expect(shown).toContain("<script>alert(1)</script>"); // shown as text, never run
      expect(await register.locator("main script").count()).toBe(0);
      await register.close();
    }
  });

  it("pages a plan's actions and keeps the plan page accessible", async () => {
    const page = await openChecked("/plans/cypp-2011-15", 1280, "plan");
    expect(await page.locator("table.actions tbody tr").count()).toBe(42 > 50 ? 50 : 42);
    expect(await page.locator("main").innerText()).toContain("Showing 1 to 42 of 42 actions");
    expect((await get("/plans/cypp-2011-15?page=2")).status).toBe(404);
    expect((await get("/plans/cypp-2011-15?page=0")).status).toBe(404);
    expect((await get("/plans/cypp-2011-15?page=abc")).status).toBe(404);
    expect((await get("/plans/no-such-plan")).status).toBe(404);
    await page.close();
    const piap = await openChecked("/plans/piap-2015", 360, "plan-piap");
    await piap.close();
  });

  it("wraps long unbroken words people type, so no page scrolls sideways at 360 px and ordinary words stay whole", async () => {
    // What people type may be one long run of letters or an address: in a heading, a table cell, a card, the register.
    const LONG = "Wellbeing".repeat(16);
    const URL_TEXT = `https://www.leeds.gov.uk/childrens-services/${"attendance".repeat(12)}`;
    const db = server.runtime.db;
    const created = await run("Nigel Richardson", `/pledge new custom ${LONG.slice(0, 140)} | We will ${LONG} and read ${URL_TEXT}`);
    expect(created.tone, created.rendered).toBe("success");
    const longPledge = Number(/P(\d+)/.exec(created.rendered)![1]);
    expect((await run("Jancis Andrew", `/pledge sign P${longPledge} public | for ${LONG.slice(0, 90)}: I will ${URL_TEXT}`)).tone).toBe("success");
    expect((await run("Nigel Richardson", `/indicator record NEET 7.1 2011-08 ${URL_TEXT}`)).tone).toBe("success");
    const plan = await db.prisma.plan.findFirstOrThrow({ where: { partnershipId, key: "piap-2015" } });
    const action = await db.prisma.action.findFirstOrThrow({ where: { planId: plan.id }, orderBy: { id: "asc" }, include: { milestones: true } });
    await db.prisma.action.update({ where: { id: action.id }, data: { title: `Publish ${URL_TEXT}`, ownerText: LONG } });
    await db.prisma.milestone.updateMany({ where: { actionId: action.id, doneAt: null }, data: { text: LONG } });
    await db.prisma.priority.update({ where: { id: action.priorityId! }, data: { title: `Keep ${LONG} safe` } });
    const pages = [`/pledges/${longPledge}`, "/plans/piap-2015", "/indicators/NEET", "/"];
    for (const width of [360, 1280]) {
      for (const pathname of pages) {
        const page = await openChecked(pathname, width, `long-words-${pathname.replace(/\W+/g, "-")}`);
        const { long, broken } = await page.evaluate(() => {
          const walker = document.createTreeWalker(document.querySelector("main")!, NodeFilter.SHOW_TEXT);
          let long = 0;
          const broken: string[] = [];
          const lines = (range: Range) => new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const match of node.textContent!.matchAll(/\S+/g)) {
              const range = document.createRange();
              range.setStart(node, match.index!);
              range.setEnd(node, match.index! + match[0].length);
              if (match[0].length > 60) long += 1;
              // An ordinary word (a name, a state, a figure) is never cut in two; one with a dash or a slash may break after it.
              else if (!/[-/–]/.test(match[0]) && lines(range) > 1) broken.push(match[0]);
            }
          }
          return { long, broken };
        });
        expect(long, `${pathname} at ${width}px shows the long words`).toBeGreaterThan(0);
        expect(broken, `${pathname} at ${width}px`).toEqual([]);
        await page.close();
      }
    }
  });

  it("can be used with the keyboard alone: skip link first, then every link in order, each visibly focused", async () => {
    const page = await browser.context.newPage();
    await withoutJavaScript(page);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${server.url}/`);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to main content");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe("solid");
    await page.keyboard.press("Enter");
    // Following a link within the page is a navigation the browser finishes on its own time.
    await page.waitForURL(/#main$/);
    await page.keyboard.press("Tab");
    const first = await page.evaluate(() => (document.activeElement as HTMLAnchorElement).getAttribute("href"));
    expect(first).toBe("/plans/cypp-2011-15");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/plans\/cypp-2011-15$/);
    // The actions table scrolls on its own at small widths, so it can be reached and scrolled by keyboard.
    const regions = await page.locator(".table-wrap[tabindex='0']").count();
    expect(regions).toBeGreaterThan(0);
    await page.close();
  });

  it("counts each plan's actions and milestones, and the milestones done, on the scorecard", async () => {
    const db = server.runtime.db.prisma;
    const plans = await db.plan.findMany({ where: { partnershipId }, select: { key: true, id: true } });
    const body = await (await get("/")).text();
    for (const plan of plans) {
      const actions = await db.action.count({ where: { planId: plan.id } });
      const milestones = await db.milestone.count({ where: { action: { planId: plan.id } } });
      const done = await db.milestone.count({ where: { action: { planId: plan.id }, doneAt: { not: null } } });
      expect(milestones, plan.key).toBeGreaterThan(0);
      expect(body, plan.key).toContain(`${actions.toLocaleString("en-GB")} actions; ${done.toLocaleString("en-GB")} of ${milestones.toLocaleString("en-GB")} milestones done.`);
    }
    // ATT-1.1 was marked done above.
    expect(await db.milestone.count({ where: { doneAt: { not: null }, action: { plan: { partnershipId, key: "cypp-2011-15" } } } })).toBeGreaterThan(0);
  });

  it("takes a pledge's page by the name chat gives it, P3, to its one address", async () => {
    for (const [asked, to] of [
      [`/pledges/P${pledgeId}`, `/pledges/${pledgeId}`],
      [`/pledges/p${pledgeId}?page=1`, `/pledges/${pledgeId}?page=1`],
    ]) {
      const response = await fetch(`${server.url}${asked}`, { redirect: "manual" });
      expect(response.status, asked).toBe(301);
      expect(response.headers.get("location"), asked).toBe(to);
    }
    expect((await get("/pledges/Pabc")).status).toBe(404);
  });

  it("takes a plan's key or an indicator's code typed in another case to its one address, publicly and under a board link", async () => {
    const reply = await run("Jane Held", "/report link 7");
    const root = new URL(/https:\/\/\S+/.exec(reply.rendered)![0]).pathname;
    for (const base of ["/", root]) {
      for (const [asked, to] of [
        ["plans/CYPP-2011-15", "plans/cypp-2011-15"],
        ["plans/Piap-2015?page=1", "plans/piap-2015?page=1"],
        ["indicators/lac", "indicators/LAC"],
        ["indicators/Neet?x=1", "indicators/NEET?x=1"],
      ]) {
        const response = await fetch(`${server.url}${base}${asked}`, { redirect: "manual" });
        expect(response.status, `${base}${asked}`).toBe(301);
        expect(response.headers.get("location"), `${base}${asked}`).toBe(`${base}${to}`);
      }
      expect((await get(`${base}plans/CYPP-2011-16`)).status).toBe(404);
    }
    // Followed as a browser follows it, the page is the plan's own.
    const page = await openChecked("/plans/CYPP-2011-15", 360, "plan-wrong-case");
    expect(page.url()).toBe(`${server.url}/plans/cypp-2011-15`);
    expect(await page.locator("h1").innerText()).toContain("Children and Young People's Plan");
    await page.close();
  });

  it("tells people how to sign a pledge only while chat would take the signature, and before it opens says when", async () => {
    const closing = await run("Nigel Richardson", "/pledge new custom Half term push | We will call every family this half term | closes 20 September 2011");
    const opening = await run("Nigel Richardson", "/pledge new custom Spring push | We will call every family in spring | opens 1 October 2011");
    const [closingId, openingId] = [closing, opening].map((r) => Number(/P(\d+)/.exec(r.rendered)![1])) as [number, number];
    const instruction = async (id: number) => {
      const page = await openChecked(`/pledges/${id}`, 360, `pledge-${id}`);
      const main = await page.locator("main").innerText();
      await page.close();
      return main;
    };
    expect(await instruction(closingId)).toContain(`Partners sign in Slack, Teams or Curve's chat: /pledge sign P${closingId} public`);
    const notYet = await instruction(openingId);
    expect(notYet).toMatch(/Signing opens on 1 Oct 2011[^.]*\. From then, partners sign in Slack, Teams or Curve's chat: \/pledge sign P\d+ public/);
    expect((await run("Jancis Andrew", `/pledge sign P${openingId} public I will call`)).code).toBe("not_permitted");
    const before = now;
    now = new Date("2011-09-25T10:00:00Z");
    try {
      const closed = await instruction(closingId);
      expect(closed).toContain("Closed to new signatures on 20 Sep 2011");
      expect(closed).not.toContain("/pledge sign");
      expect(closed).not.toMatch(/sign in Slack/);
      expect((await run("Jancis Andrew", `/pledge sign P${closingId} public I will call`)).code).toBe("not_permitted");
    } finally {
      now = before;
    }
  });

  it("says an indicator's page changed when its target, forecast or tolerance changes, not only when a reading comes in", async () => {
    const updated = async () => /Last updated <time datetime="([^"]+)"/.exec(await (await get("/indicators/LAC")).text())![1];
    const before = now;
    try {
      const changes: [string, string][] = [
        ["2011-09-20T09:00:00.000Z", "/indicator target LAC 1300 by March 2013"],
        ["2011-09-21T09:00:00.000Z", "/indicator forecast LAC 1450 2011/12 1500 2012/13"],
        ["2011-09-22T09:00:00.000Z", "/indicator tolerance LAC 5"],
      ];
      for (const [at, line] of changes) {
        now = new Date(at);
        const reply = await run("Nigel Richardson", line);
        expect(reply.tone, reply.rendered).toBe("success");
        expect(await updated(), line).toBe(at);
      }
      // Another indicator's change is not this one's.
      now = new Date("2011-09-23T09:00:00.000Z");
      expect((await run("Nigel Richardson", "/indicator target NEET 6.5 by March 2013")).tone).toBe("success");
      expect(await updated()).toBe("2011-09-22T09:00:00.000Z");
    } finally {
      now = before;
    }
  });

  it("keeps the pledge count current on every load", async () => {
    const count = async () => /(\d+) signatures? in all/.exec(await (await get(`/pledges/${pledgeId}`)).text())![1];
    expect(await count()).toBe("3");
    await run("Cllr Blake", `/pledge sign P${pledgeId} private | I will tell every head teacher`);
    expect(await count()).toBe("4");
    await run("Cllr Blake", `/pledge withdraw P${pledgeId}`);
    expect(await count()).toBe("3");
  });

  it("never shows a private signer, evidence, a note or anyone's email on any page", async () => {
    const people = await server.runtime.db.prisma.person.findMany({ where: { partnershipId, email: { not: null } }, select: { email: true } });
    const forbidden = [PRIVATE_SIGNER, PRIVATE_COMMITMENT, "Parklands Primary", "NEET review", EVIDENCE, NOTE, "fred.bloggs@gmail.com", "07700 900123", ...people.map((p) => p.email!)];
    // Every page reachable from the scorecard, and the next page of each list.
    const seen = new Set<string>();
    const queue = ["/"];
    while (queue.length) {
      const next = queue.shift()!;
      if (seen.has(next)) continue;
      seen.add(next);
      const response = await get(next);
      expect(response.status, next).toBe(200);
      const body = await response.text();
      expect(body, next).not.toMatch(/<script/i);
      for (const secret of forbidden) expect(body.includes(secret), `${next} shows "${secret}"`).toBe(false);
      if (!response.headers.get("content-type")?.startsWith("text/html")) continue;
      for (const [, href] of body.matchAll(/href="(\/[^"#]*)"/g)) if (!seen.has(href!.replaceAll("&amp;", "&"))) queue.push(href!.replaceAll("&amp;", "&"));
      for (const [, src] of body.matchAll(/src="(\/[^"]*)"/g)) queue.push(src!);
    }
    expect(seen.size).toBeGreaterThan(15);
    // The owner is still named, without the contact details.
    expect(await (await get("/plans/cypp-2011-15")).text()).toMatch(/<td[^>]*>Fred Bloggs<\/td>/);
    expect([...seen]).toContain(`/pledges/${pledgeId}`);
  });

  it("gives coordinators and sponsors a signed, expiring link to the full scorecard, privately", async () => {
    expect((await run("Jancis Andrew", "/report link")).code).toBe("not_permitted");
    const reply = await run("Jane Held", "/report link 7"); // a CTB sponsor
    expect(reply.tone, reply.rendered).toBe("success");
    expect(reply.private).toBe(true);
    const url = new URL(/https:\/\/\S+/.exec(reply.rendered)![0]);
    expect(url.origin).toBe(PUBLIC_URL);
    const root = url.pathname;
    expect(root).toMatch(/^\/board\/\d+\.\d+\.[A-Za-z0-9_-]{22}\/$/);

    await run("Nigel Richardson", "/curve publish indicators off");
    expect((await get("/indicators/LAC")).status).toBe(404);
    const board = await openChecked(`${root}indicators/LAC`, 1280, "board-indicator");
    expect(await board.locator(".board-banner").innerText()).toContain("Private board view");
    expect(await board.locator("img.chart").evaluate((img: HTMLImageElement) => img.naturalWidth > 0)).toBe(true);
    await board.close();
    const boardResponse = await get(`${root}`);
    expect(boardResponse.headers.get("cache-control")).toBe("private, no-store");
    expect(boardResponse.headers.get("referrer-policy")).toBe("no-referrer");

    // A changed token, another partnership's id, or a link past its time: all the same 404.
    const [pid, expires, mac] = root.split("/")[2]!.split(".");
    const tampered = `${mac![0] === "A" ? "B" : "A"}${mac!.slice(1)}`;
    expect((await get(`/board/${pid}.${expires}.${tampered}/`)).status).toBe(404);
    expect((await get(`/board/${pid}.${Number(expires) + 86400}.${mac}/`)).status).toBe(404);
    expect((await get(`/board/${Number(pid) + 1}.${expires}.${mac}/`)).status).toBe(404);
    const before = now;
    now = new Date(Number(expires) * 1000 + 1000);
    try {
      expect((await get(root)).status).toBe(404);
    } finally {
      now = before;
    }
    await run("Nigel Richardson", "/curve publish indicators on");
  });

  it("answers every address with no page, malformed or not, with the site's HTML 404, publicly and under a board link", async () => {
    const reply = await run("Jane Held", "/report link 7");
    const root = new URL(/https:\/\/\S+/.exec(reply.rendered)![0]).pathname;
    const token = root.split("/")[2]!;
    const pagePaths = ["plans/cypp-2011-15", "indicators/LAC", "indicators/LAC/chart.svg", `pledges/${pledgeId}`];
    const malformed = [
      "plans/%00", "plans/cypp%00", "plans/cypp-2011-15%00", "indicators/%00", "indicators/LAC%00", "indicators/%00/chart.svg", "pledges/%00", "pledges/P%00",
      "plans/%01", "indicators/%7F", "plans/%E0%A4%A", "plans/%FF", "plans/%ED%A0%80", "indicators/%ED%B0%80/chart.svg", "pledges/%E0%A4%A", "plans/%",
      `plans/${"x".repeat(5000)}`, `indicators/${"L".repeat(300)}/chart.svg`, `pledges/${"9".repeat(300)}`,
      "plans/", "plans", "indicators/", "indicators", "pledges/", "pledges", "indicators/LAC/nothing", "plans/cypp-2011-15/x",
    ];
    for (const base of ["/", root]) {
      for (const p of pagePaths) expect((await get(`${base}${p}`)).status, `${base}${p}`).toBe(200);
      for (const p of base === root ? [...malformed, "files/%00?key=x", "files/%E0%A4%A?key=x", "nothing/here"] : malformed) {
        const response = await get(`${base}${p}`);
        const body = await response.text();
        expect(response.status, `${base}${p}`).toBe(404);
        expect(response.headers.get("content-type"), `${base}${p}`).toMatch(/^text\/html/);
        expect(body, `${base}${p}`).toContain("<h1>Page not found</h1>");
        expect(body, `${base}${p}`).not.toMatch(/URIError|at \w+ \(|node_modules|\.ts:\d+/);
      }
    }
    // Only the pages answer in HTML: the API's addresses keep their JSON answers.
    for (const p of ["/charts/%E0%A4%A.png", "/no/such/page", "/%00"]) expect(((await get(p)).headers.get("content-type")), p).toMatch(/^application\/json/);
    // A board link's token is never written to the log, whatever the address or the answer.
    const refused = await fetch(`${server.url}${root}plans/%E0%A4%A`, { method: "POST" });
    expect(refused.status).toBe(400);
    await fetch(`${server.url}/board/${token}%E0/plans/x`, { method: "POST" });
    const log = logged.join("");
    expect(log).toContain('"path":"/board/…/plans/%E0%A4%A"');
    expect(log).not.toContain(token);
    expect(log).not.toContain(token.split(".")[2]!);
  });

  it("answers a method other than GET or HEAD on a page's address with 405 and the methods allowed, in one line", async () => {
    const reply = await run("Jane Held", "/report link 7");
    const root = new URL(/https:\/\/\S+/.exec(reply.rendered)![0]).pathname;
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      for (const p of ["/", "/plans/cypp-2011-15", "/indicators/LAC", "/indicators/LAC/chart.svg", `/pledges/${pledgeId}`, "/plans/no-such-plan", `${root}plans/cypp-2011-15`]) {
        const response = await fetch(`${server.url}${p}`, { method, body: method === "DELETE" ? undefined : "page=2" });
        expect(response.status, `${method} ${p}`).toBe(405);
        expect(response.headers.get("allow"), `${method} ${p}`).toBe("GET, HEAD");
        expect(await response.text()).toBe("These pages can only be read (GET or HEAD).");
      }
    }
    // HEAD answers as GET does, without a body; the API's own addresses keep their answers.
    const head = await fetch(`${server.url}/plans/cypp-2011-15`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toMatch(/^text\/html/);
    expect((await fetch(`${server.url}/no/such/page`, { method: "POST" })).status).toBe(404);
    expect((await get("/indicators/LAC")).status).toBe(200);
  });

  it("links report cards to their page: the public page when published, otherwise a signed link sent privately", async () => {
    const open = await run("Jancis Andrew", "/indicator show LAC");
    expect(open.rendered).toContain(`${PUBLIC_URL}/indicators/LAC`);
    expect(open.private).toBeUndefined();
    await run("Nigel Richardson", "/curve publish indicators off");
    const closed = await run("Jancis Andrew", "/indicator show LAC");
    expect(closed.rendered).toMatch(new RegExp(`${PUBLIC_URL}/board/\\S+/indicators/LAC`));
    expect(closed.private).toBe(true);
    await run("Nigel Richardson", "/curve publish indicators on");
  });

  it("takes each page down when its section is unpublished (404), and the scorecard when nothing is public", async () => {
    const pages: [string, string[]][] = [
      ["indicators", ["/indicators/LAC", "/indicators/LAC/chart.svg"]],
      ["plans", ["/plans/cypp-2011-15"]],
      ["pledges", [`/pledges/${pledgeId}`]],
    ];
    for (const [section, paths] of pages) {
      for (const p of paths) expect((await get(p)).status, p).toBe(200);
      await run("Nigel Richardson", `/curve publish ${section} off`);
      for (const p of paths) expect((await get(p)).status, p).toBe(404);
    }
    expect((await get("/")).status).toBe(404);
    const notFound = await get("/indicators/LAC");
    expect(await notFound.text()).not.toContain("LAC");
  });
});
