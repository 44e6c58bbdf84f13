import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import type { ChangeContext, ChangeStore } from "../../src/commands/store.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// DESIGN "One round trip per change": a person's settings, a priority's channel, the
// personal-data guard's policy and what the web pages publish, each counted at the driver from
// identifying the sender to the reply: 2 for a change (the person with what it reads and any
// stored reply; then the change with its audit and receipt), 1 for a retry with the same key.
describe.each(kindsUnderTest())("round trips per setting on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  const NOW = new Date("2011-09-12T10:00:00Z");
  const SLACK = { platform: "slack" } as const;

  async function partnership() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, () => NOW);
    const store = new PrismaStore(t.db);
    const ids = { jancis: await driver.personId("Jancis Andrew"), nigel: await driver.personId("Nigel Richardson"), tony: await driver.personId("Tony Adlard") };
    const audit = async (prefix: string) =>
      (await t.db.kysely.selectFrom("audit_event").select(["event", "before", "after"]).where("partnership_id", "=", partnershipId).where("event", "like", `${prefix}%`).orderBy("id").execute()).map((e) => [e.event, e.before, e.after]);
    const outbox = async () => Number((await t.db.kysely.selectFrom("delivery").select((eb) => eb.fn.countAll<number>().as("n")).where("partnership_id", "=", partnershipId).executeTakeFirstOrThrow()).n);
    /** One change made through the store as a command makes it (`Store.once`), with the round trips it cost. */
    async function once(as: number, change: (tx: ChangeStore) => Promise<{ applied: boolean }>): Promise<{ trips: number; applied: boolean }> {
      const actor = (await store.findPersonById(partnershipId, as))!;
      const ctx: ChangeContext = { partnershipId, actor, origin: { platform: "shell", tenant: "T-TEST", channel: "C-TEST" }, idempotencyKey: randomUUID(), at: NOW };
      let applied = false;
      const before = t.db.roundTrips.count;
      await store.once(ctx, async (tx): Promise<Reply> => {
        applied = (await change(tx)).applied;
        return { tone: "success", heading: "ok", blocks: [] } as unknown as Reply;
      });
      return { trips: t.db.roundTrips.count - before, applied };
    }
    return { partnershipId, driver, store, ids, audit, outbox, once, run: driver.run, counted: driver.counted };
  }

  describe("/curve settings", () => {
    it("costs 2 round trips: the person with their settings and any stored reply, then the change with its audit and receipt; 1 for a retry, which gets the stored reply", async () => {
      const p = await partnership();
      const key = randomUUID();
      const before = await p.run("Jancis Andrew", "/curve settings");
      expect(await p.counted(p.ids.jancis, "/curve settings quiet 19:00-07:30", key)).toEqual({ trips: 2, heading: "Settings saved", replayed: false });
      expect(await p.counted(p.ids.jancis, "/curve settings quiet 19:00-07:30", key)).toEqual({ trips: 1, heading: "Settings saved", replayed: true });
      expect(await p.audit("person.settings")).toEqual([["person.settings", { quiet_start_minute: 1080, quiet_end_minute: 480 }, { quiet_start_minute: 1140, quiet_end_minute: 450 }]]);
      const row = await t.db.kysely.selectFrom("person").select(["quiet_start_minute", "quiet_end_minute"]).where("id", "=", p.ids.jancis).executeTakeFirstOrThrow();
      expect(row).toEqual({ quiet_start_minute: 1140, quiet_end_minute: 450 });
      // The reply shows the settings as saved, privately, as it did.
      const shown = await p.run("Jancis Andrew", "/curve settings quiet 19:00-07:30", key);
      expect(shown.private).toBe(true);
      expect(shown.rendered).toContain("19:00 to 07:30, and weekends and bank holidays");
      expect(before.rendered).toContain("18:00 to 08:00");
      expect(await p.outbox()).toBe(0);
    });

    it("answers settings already so from the read in 2 round trips, with no audit event; a retry 1", async () => {
      const p = await partnership();
      const key = randomUUID();
      expect(await p.counted(p.ids.jancis, "/curve settings quiet 18:00-08:00", key)).toEqual({ trips: 2, heading: "Nothing changed: your settings were already so", replayed: false });
      expect(await p.counted(p.ids.jancis, "/curve settings quiet 18:00-08:00", key)).toEqual({ trips: 1, heading: "Nothing changed: your settings were already so", replayed: true });
      expect(await p.audit("person.settings")).toEqual([]);
      // Showing them is 1.
      expect(await p.counted(p.ids.jancis, "/curve settings")).toEqual({ trips: 1, heading: "Your settings", replayed: false });
    });

    it("changes each setting in 2 round trips, and a time zone, digest and region reply as before", async () => {
      const p = await partnership();
      expect(await p.counted(p.ids.jancis, "/curve settings digest friday 14:00")).toMatchObject({ trips: 2, heading: "Settings saved" });
      expect(await p.counted(p.ids.jancis, "/curve settings timezone Europe/Paris")).toMatchObject({ trips: 2, heading: "Settings saved" });
      expect(await p.counted(p.ids.jancis, "/curve settings region scotland")).toMatchObject({ trips: 2, heading: "Settings saved" });
      expect(await p.counted(p.ids.jancis, "/curve settings quiet off")).toMatchObject({ trips: 2, heading: "Settings saved" });
      const shown = await p.run("Jancis Andrew", "/curve settings");
      expect(shown.rendered).toContain("Friday 14:00");
      expect(shown.rendered).toContain("Europe/Paris");
      expect(shown.rendered).toContain("Scotland (your setting");
      expect(shown.rendered).toContain("weekends and bank holidays only");
      expect((await p.audit("person.settings")).map(([, before, after]) => [before, after])).toEqual([
        [{ digest_weekday: 1, digest_minute: 510 }, { digest_weekday: 5, digest_minute: 840 }],
        [{ time_zone: "Europe/London" }, { time_zone: "Europe/Paris" }],
        [{ region: null }, { region: "scotland" }],
        [{ quiet_start_minute: 1080, quiet_end_minute: 480 }, { quiet_start_minute: 0, quiet_end_minute: 0 }],
      ]);
    });

    it("decides a change read before the settings moved on again on the locked row, auditing what they really were", async () => {
      const p = await partnership();
      const asRead = await p.store.settingsOf(p.ids.jancis);
      expect((await p.run("Jancis Andrew", "/curve settings quiet 20:00-07:00")).heading).toBe("Settings saved");
      const jancis = (await p.store.findPersonById(p.partnershipId, p.ids.jancis))!;
      const stale = await p.once(p.ids.jancis, (tx) => tx.updateSettings(jancis, { quietStartMinute: 1140, quietEndMinute: 450 }, asRead));
      expect(stale.applied).toBe(true);
      expect(stale.trips).toBeGreaterThan(2);
      expect((await p.audit("person.settings")).at(-1)).toEqual(["person.settings", { quiet_start_minute: 1200, quiet_end_minute: 420 }, { quiet_start_minute: 1140, quiet_end_minute: 450 }]);
      // "Already so", read before they moved on, is decided again too: they differ now, so it changes.
      const stillStale = await p.once(p.ids.jancis, (tx) => tx.updateSettings(jancis, { quietStartMinute: 1080, quietEndMinute: 480 }, asRead));
      expect(stillStale.applied).toBe(true);
      expect(await t.db.kysely.selectFrom("person").select(["quiet_start_minute", "quiet_end_minute"]).where("id", "=", p.ids.jancis).executeTakeFirstOrThrow()).toEqual({ quiet_start_minute: 1080, quiet_end_minute: 480 });
      // On a current read it is one statement.
      expect(await p.once(p.ids.jancis, async (tx) => tx.updateSettings(jancis, { digestWeekday: 2 }, await p.store.settingsOf(p.ids.jancis)))).toEqual({ trips: 2, applied: true });
    });
  });

  describe("/plan channel", () => {
    it("costs 2 round trips: the person with the action, its priority and any stored reply, then the channel with its audit and receipt; 1 for a retry", async () => {
      const p = await partnership();
      const key = randomUUID();
      expect(await p.counted(p.ids.tony, "/plan channel ATT-1 here", key, SLACK)).toEqual({ trips: 2, heading: "Progress will be announced here", replayed: false });
      expect(await p.counted(p.ids.tony, "/plan channel ATT-1 here", key, SLACK)).toEqual({ trips: 1, heading: "Progress will be announced here", replayed: true });
      expect(await p.counted(p.ids.tony, "/plan channel ATT-1 here", randomUUID(), SLACK)).toEqual({ trips: 2, heading: "Nothing changed", replayed: false });
      expect(await p.counted(p.ids.tony, "/plan channel ATT-1 off", randomUUID(), SLACK)).toEqual({ trips: 2, heading: "Progress will no longer be announced", replayed: false });
      const audit = await p.audit("priority.channel");
      expect(audit).toEqual([
        ["priority.channel", { channel: null }, { channel: "slack:T-TEST:C-TEST" }],
        ["priority.channel", { channel: "slack:T-TEST:C-TEST" }, { channel: null }],
      ]);
      expect(await p.outbox()).toBe(0);
      // Refusals are as before, and cost no change.
      expect((await p.run("Jancis Andrew", "/plan channel ATT-1 here", undefined, SLACK)).code).toBe("not_permitted");
      expect((await p.run("Tony Adlard", "/plan channel ATT-1 here")).code).toBe("usage");
    });

    it("decides a channel read before it moved on again on the locked row, auditing what it really was", async () => {
      const p = await partnership();
      const [action] = await p.store.findActionsByRef(p.partnershipId, "ATT-1");
      const priority = action!.priority!;
      expect(priority.channel).toBeNull();
      expect((await p.run("Tony Adlard", "/plan channel ATT-1 here", undefined, SLACK)).heading).toBe("Progress will be announced here");
      const stale = await p.once(p.ids.tony, (tx) => tx.setPriorityChannel(priority, "teams:T-TEST:C-OTHER"));
      expect(stale.applied).toBe(true);
      expect(stale.trips).toBeGreaterThan(2);
      expect((await p.audit("priority.channel")).at(-1)).toEqual(["priority.channel", { channel: "slack:T-TEST:C-TEST" }, { channel: "teams:T-TEST:C-OTHER" }]);
      // "Not announced" read before it was: decided again on the locked row, so it is turned off.
      expect((await p.once(p.ids.tony, (tx) => tx.setPriorityChannel(priority, null))).applied).toBe(true);
      expect((await t.db.kysely.selectFrom("priority").select("channel").where("id", "=", priority.id).executeTakeFirstOrThrow()).channel).toBeNull();
    });
  });

  describe("/curve privacy", () => {
    it("stores its reply under the key: a retry changes nothing twice, posts nothing, and gets the stored reply", async () => {
      const p = await partnership();
      const key = randomUUID();
      const first = await p.run("Nigel Richardson", "/curve privacy postcode off", key);
      expect(first.heading).toBe("Personal-data guard updated");
      // Someone else sets it back meanwhile: a retry of the first request must not set it again.
      await p.run("Nigel Richardson", "/curve privacy postcode ask");
      const retry = await p.run("Nigel Richardson", "/curve privacy postcode off", key);
      expect(retry.replayed).toBe(true);
      expect(retry.rendered).toBe(first.rendered);
      expect((await p.audit("privacy.policy")).map(([, before, after]) => [before, after])).toEqual([
        [{ postcode: "ask" }, { postcode: "off" }],
        [{ postcode: "off" }, { postcode: "ask" }],
      ]);
      const stored = await t.db.kysely.selectFrom("partnership").select("privacy_policy").where("id", "=", p.partnershipId).executeTakeFirstOrThrow();
      expect((stored.privacy_policy as Record<string, string>).postcode).toBe("ask");
      expect(await p.outbox()).toBe(0);
    });

    it("costs 2 round trips: the person with the policy, the held counts and any stored reply, then the policy with its audit and receipt; 1 for a retry", async () => {
      const p = await partnership();
      await p.run("Jancis Andrew", "/action note ATT-5 office LS2 8BB");
      const key = randomUUID();
      expect(await p.counted(p.ids.nigel, "/curve privacy postcode off", key)).toEqual({ trips: 2, heading: "Personal-data guard updated", replayed: false });
      expect(await p.counted(p.ids.nigel, "/curve privacy postcode off", key)).toEqual({ trips: 1, heading: "Personal-data guard updated", replayed: true });
      const shown = await p.run("Nigel Richardson", "/curve privacy postcode off", key);
      expect(shown.rendered).toContain("home postcode: 1 held");
      expect(shown.rendered).toMatch(/not checked \(changed\)/);
      // Set to what it already is: the same reply, no audit event.
      expect(await p.counted(p.ids.nigel, "/curve privacy postcode off")).toEqual({ trips: 2, heading: "Personal-data guard updated", replayed: false });
      expect(await p.audit("privacy.policy")).toHaveLength(1);
      // Showing it is 1; refusals are as before.
      expect(await p.counted(p.ids.nigel, "/curve privacy")).toEqual({ trips: 1, heading: "The personal-data guard", replayed: false });
      expect((await p.run("Jancis Andrew", "/curve privacy postcode off")).code).toBe("not_permitted");
    });

    it("decides a policy read before it moved on again on the locked row, auditing what it really was", async () => {
      const p = await partnership();
      expect((await p.run("Nigel Richardson", "/curve privacy postcode off")).tone).toBe("success");
      const stale = await p.once(p.ids.nigel, (tx) => tx.setPrivacyPolicy("postcode", "block", null));
      expect(stale.applied).toBe(true);
      expect(stale.trips).toBeGreaterThan(2);
      expect((await p.audit("privacy.policy")).at(-1)).toEqual(["privacy.policy", { postcode: "off" }, { postcode: "block" }]);
    });
  });

  describe("/curve publish", () => {
    it("costs 2 round trips: the person with the publication and any stored reply, then the section with its audit and receipt; 1 for a retry", async () => {
      const p = await partnership();
      const key = randomUUID();
      // The first publication makes the partnership's row, with its link key.
      expect(await p.counted(p.ids.nigel, "/curve publish indicators on", key)).toEqual({ trips: 2, heading: "The indicators pages are now public", replayed: false });
      expect(await p.counted(p.ids.nigel, "/curve publish indicators on", key)).toEqual({ trips: 1, heading: "The indicators pages are now public", replayed: true });
      expect(await p.counted(p.ids.nigel, "/curve publish indicators on")).toEqual({ trips: 2, heading: "The indicators pages are already public", replayed: false });
      expect(await p.counted(p.ids.nigel, "/curve publish plans on")).toEqual({ trips: 2, heading: "The plans pages are now public", replayed: false });
      expect(await p.counted(p.ids.nigel, "/curve publish indicators off")).toEqual({ trips: 2, heading: "The indicators pages are no longer public", replayed: false });
      expect(await p.counted(p.ids.nigel, "/curve publish")).toEqual({ trips: 1, heading: "What the web pages show", replayed: false });
      expect(await p.audit("web.")).toEqual([
        ["web.published", { indicators: false }, { indicators: true }],
        ["web.published", { plans: false }, { plans: true }],
        ["web.unpublished", { indicators: true }, { indicators: false }],
      ]);
      const row = await t.db.kysely.selectFrom("web_publication").select(["indicators_public", "plans_public", "pledges_public", "link_key", "updated_by_id"]).where("partnership_id", "=", p.partnershipId).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ indicators_public: false, plans_public: true, pledges_public: false, updated_by_id: p.ids.nigel });
      expect(Buffer.from(row.link_key, "base64url")).toHaveLength(32);
      const shown = await p.run("Nigel Richardson", "/curve publish plans on");
      expect(shown.rendered).toContain("plans: public");
      expect(shown.rendered).toContain("indicators: not public");
      expect(await p.outbox()).toBe(0);
    });

    it("answers a section already not public on a partnership with no publication yet without making one", async () => {
      const p = await partnership();
      expect(await p.counted(p.ids.nigel, "/curve publish pledges off")).toEqual({ trips: 2, heading: "The pledges pages are already not public", replayed: false });
      expect(await t.db.kysely.selectFrom("web_publication").select("partnership_id").where("partnership_id", "=", p.partnershipId).execute()).toEqual([]);
      expect((await p.run("Jancis Andrew", "/curve publish indicators on")).code).toBe("not_permitted");
    });

    it("decides a section read before the publication moved on again on the locked row, and publishes a first time only once", async () => {
      const p = await partnership();
      // Read with no row; another coordinator's publication makes it meanwhile.
      expect((await p.run("Nigel Richardson", "/curve publish plans on")).heading).toBe("The plans pages are now public");
      const stale = await p.once(p.ids.nigel, (tx) => tx.setSectionPublished("indicators", true, null));
      expect(stale).toMatchObject({ applied: true });
      expect(stale.trips).toBeGreaterThan(2);
      const stillStale = await p.once(p.ids.nigel, (tx) => tx.setSectionPublished("plans", true, { indicators: false, plans: false, pledges: false }));
      expect(stillStale.applied).toBe(false);
      expect(await p.audit("web.")).toEqual([
        ["web.published", { plans: false }, { plans: true }],
        ["web.published", { indicators: false }, { indicators: true }],
      ]);
      // Twins publishing a first time at once: one row, one event.
      const q = await partnership();
      const twins = await Promise.all([1, 2].map(() => q.run("Nigel Richardson", "/curve publish pledges on")));
      expect(twins.map((r) => r.heading).sort()).toEqual(["The pledges pages are already public", "The pledges pages are now public"]);
      expect(await q.audit("web.")).toHaveLength(1);
    });
  });
});
