import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import { identifyPlatformUser } from "../../src/commands/identify.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

describe.each(kindsUnderTest())("people on platforms, forms and channels, on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  it("matches a platform user by profile email once, remembers them, and audits the link", async () => {
    const partnershipId = await loadDemo(t.db);
    const store = new PrismaStore(t.db);
    let lookups = 0;
    const lookup = async () => {
      lookups += 1;
      return "Jancis.Andrew@example.org";
    };
    const identity = { platform: "slack" as const, tenant: "T1", userId: "U1" };
    const first = await identifyPlatformUser(store, partnershipId, identity, lookup, new Date());
    const second = await identifyPlatformUser(store, partnershipId, identity, lookup, new Date());
    expect(first.kind === "known" && first.person.name).toBe("Jancis Andrew");
    expect(second.kind === "known" && second.person.name).toBe("Jancis Andrew");
    expect(lookups).toBe(1);
    const events = await t.db.prisma.auditEvent.findMany({ where: { partnershipId, event: "identity.linked" } });
    expect(events).toHaveLength(1);
  });

  it("tells an unmatched user how to get linked, and changes nothing", async () => {
    const partnershipId = await loadDemo(t.db);
    const store = new PrismaStore(t.db);
    const result = await identifyPlatformUser(store, partnershipId, { platform: "teams", tenant: "X", userId: "aad-1" }, async () => "stranger@example.com", new Date());
    expect(result.kind).toBe("unknown");
    if (result.kind === "unknown") {
      expect(result.reply.blocks.map((b) => ("text" in b ? b.text : "")).join(" ")).toContain("stranger@example.com");
      expect(JSON.stringify(result.reply)).toContain("/curve link @you");
    }
    expect(await t.db.prisma.platformIdentity.count({ where: { person: { partnershipId } } })).toBe(0);
  });

  it("lets only a coordinator link an account", async () => {
    const partnershipId = await loadDemo(t.db);
    const p = commandDriver(t.db, partnershipId);
    const refused = await p.run("Jancis Andrew", "/curve link <@U777|sue> Sue May", undefined, { platform: "slack" });
    expect(refused.code).toBe("not_permitted");
    const linked = await p.run("Nigel Richardson", "/curve link <@U777|sue> Sue May", undefined, { platform: "slack" });
    expect(linked.heading).toBe("Linked to Sue May");
    const row = await t.db.prisma.platformIdentity.findFirstOrThrow({ where: { userId: "U777", person: { partnershipId } }, include: { person: true } });
    expect(row).toMatchObject({ platform: "slack", tenant: "T-TEST" });
    expect(row.person.name).toBe("Sue May");
    const again = await p.run("Nigel Richardson", "/curve link <@U777> Sue May", undefined, { platform: "slack" });
    expect(again.rendered).toContain("Nothing changed");
  });

  it("asks for evidence with a form where the platform has forms, and changes nothing until it is sent", async () => {
    const partnershipId = await loadDemo(t.db);
    const p = commandDriver(t.db, partnershipId);
    const reply = await p.run("Jancis Andrew", "/milestone done ATT-4.1", undefined, { platform: "slack", forms: true });
    expect(reply.form).toMatchObject({ id: "milestone.done", command: "milestone", textPrefix: "done ATT-4.1" });
    expect(reply.form!.fields.map((f) => f.id)).toEqual(["evidence"]);
    expect(await t.db.prisma.auditEvent.count({ where: { partnershipId } })).toBe(0);
    const refused = await p.run("Mary Brittle", "/milestone done ATT-4.1", undefined, { platform: "slack", forms: true });
    expect(refused.code).toBe("not_permitted");
    expect(refused.form).toBeUndefined();
  });

  it("announces progress in the priority's channel once a sponsor chooses it", async () => {
    const partnershipId = await loadDemo(t.db);
    const p = commandDriver(t.db, partnershipId);
    const before = await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed", undefined, { platform: "slack" });
    expect(before.announcements).toBeUndefined();
    expect((await p.run("Jancis Andrew", "/plan channel ATT-1 here", undefined, { platform: "slack" })).code).toBe("not_permitted");
    const set = await p.run("Tony Adlard", "/plan channel ATT-1 here", undefined, { platform: "slack" });
    expect(set.heading).toBe("Progress will be announced here");
    const after = await p.run("Jancis Andrew", "/milestone done ATT-4.2 one cluster live", undefined, { platform: "slack" });
    expect(after.announcements).toEqual([
      { channel: "slack:T-TEST:C-TEST", text: "Jancis Andrew marked ATT-4.2 done: By December 2011 implemented in 1 cluster with evaluation (evidence: one cluster live)" },
    ]);
    const off = await p.run("Nigel Richardson", "/plan channel ATT-1 off", undefined, { platform: "slack" });
    expect(off.heading).toBe("Progress will no longer be announced");
  });

  it("writes a change's announcement to the outbox with the change: once per request, never for one that changed nothing", async () => {
    const partnershipId = await loadDemo(t.db);
    const p = commandDriver(t.db, partnershipId);
    await t.db.prisma.priority.updateMany({ where: { plan: { partnershipId }, refPrefix: "ATT" }, data: { channel: "slack:T1:C0ATTEND" } });
    const announcements = () => t.db.prisma.delivery.findMany({ where: { partnershipId, kind: "announcement" }, orderBy: { id: "asc" } });
    const slack = { platform: "slack" as const };

    // One statement: the change, its audit, its receipt and its announcement.
    await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed", "key-done", slack);
    // The same request again (a platform's retry), and the same command again under a new key.
    const retried = await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed", "key-done", slack);
    const again = await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed", "key-again", slack);
    expect(retried.replayed).toBe(true);
    expect(again.heading).toBe("ATT-4.1 was already done");
    // An action's state: a second kind of change that announces.
    await p.run("Jancis Andrew", "/action status ATT-4 at_risk waiting for cluster data", "key-state", slack);
    const rows = await announcements();
    expect(rows.map((r) => [r.key, r.status, r.personId, (r.payload as { channel: string }).channel])).toEqual([
      [`announcement:${partnershipId}:key-done:0`, "pending", await p.personId("Jancis Andrew"), "slack:T1:C0ATTEND"],
      [`announcement:${partnershipId}:key-state:0`, "pending", await p.personId("Jancis Andrew"), "slack:T1:C0ATTEND"],
    ]);
    const milestone = await t.db.prisma.milestone.findFirstOrThrow({ where: { ref: "ATT-4.1", action: { plan: { partnershipId } } } });
    expect((rows[0]!.payload as { text: string }).text).toBe(`Jancis Andrew marked ATT-4.1 done: ${milestone.text} (evidence: model agreed)`);

    // A change refused (not permitted) and one outside the priority's channel announce nothing.
    await p.run("Mary Brittle", "/milestone done ATT-4.2 one cluster live", "key-refused", slack);
    await p.run("Jancis Andrew", "/milestone evidence ATT-4.1 minutes of cluster chairs", "key-evidence", slack);
    expect(await announcements()).toHaveLength(2);
  });

  it("writes an App Home refresh with a change only while someone in the partnership keeps an App Home", async () => {
    const partnershipId = await loadDemo(t.db);
    const p = commandDriver(t.db, partnershipId);
    const homes = () => t.db.prisma.delivery.findMany({ where: { partnershipId, kind: "app_home" }, orderBy: { id: "asc" } });
    // One statement (milestone done) and one transaction (a workshop's new action), with nobody keeping App Home.
    await p.run("Jancis Andrew", "/milestone done ATT-4.1 model agreed", "home-1", { platform: "slack" });
    expect(await homes()).toEqual([]);
    const jancis = await p.personId("Jancis Andrew");
    await t.db.prisma.platformIdentity.create({ data: { personId: jancis, platform: "slack", tenant: "T1", userId: "U-HOME", homeOpenedAt: new Date() } });
    await p.run("Jancis Andrew", "/milestone done ATT-4.2 one cluster live", "home-2", { platform: "slack" });
    await p.run("Simon Flowers", "/oba log ATT action: Jancis Andrew: first-day calling in two clusters; calling live by half term 2011", "home-3");
    const action = (ref: string) => t.db.prisma.action.findFirstOrThrow({ where: { ref, plan: { partnershipId } } });
    expect((await homes()).map((h) => [h.key, (h.payload as { actions: number[] }).actions])).toEqual([
      [`app_home:${partnershipId}:home-2`, [(await action("ATT-4")).id]],
      [`app_home:${partnershipId}:home-3`, [(await action("ATT-8")).id]],
    ]);
  });
});
