import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import { readsOf } from "../../src/commands/dispatch.ts";
import type { ChangeContext, ChangeStore } from "../../src/commands/store.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// DESIGN "One round trip per change", for the partnership's calendar and a linked account:
// 2 round trips (the person asking with the partnership's calendar, or with the person named and
// whom the account is linked to, and any stored reply; then the change with its audit event and
// receipt), 1 for a retry with the same key, which gets the stored reply.
describe.each(kindsUnderTest())("round trips for the partnership's region and a linked account on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  const NOW = new Date("2011-09-12T10:00:00Z");
  const SLACK = { platform: "slack" } as const;
  // Accounts are not the partnership's: each test links one of its own.
  const newAccount = () => ({ platform: "slack", tenant: "T-TEST", userId: `U0${randomUUID().slice(0, 8).toUpperCase()}` }) as const;

  async function demo() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, () => NOW);
    const store = new PrismaStore(t.db);
    const nigel = await driver.personId("Nigel Richardson");
    const events = (event: string) =>
      t.db.kysely.selectFrom("audit_event").select(["event", "subject_type", "subject_id", "subject_ref", "before", "after"]).where("partnership_id", "=", partnershipId).where("event", "=", event).orderBy("id").execute();
    const region = async () => (await t.db.kysely.selectFrom("partnership").select("region").where("id", "=", partnershipId).executeTakeFirstOrThrow()).region;
    const ACCOUNT = newAccount();
    const link = (to: string) => `/curve link <@${ACCOUNT.userId}> ${to}`;
    const holder = async () =>
      (await t.db.kysely.selectFrom("platform_identity").select(["person_id", "conversation"]).where("platform", "=", "slack").where("tenant", "=", "T-TEST").where("user_id", "=", ACCOUNT.userId).execute());
    /** One change made through the store as a command makes it (`Store.once`), with the round trips it cost. */
    async function once(change: (tx: ChangeStore) => Promise<unknown>): Promise<{ trips: number; answer: unknown }> {
      const actor = (await store.findPersonById(partnershipId, nigel))!;
      const ctx: ChangeContext = { partnershipId, actor, origin: { platform: "slack", tenant: "T-TEST", channel: "C-TEST" }, idempotencyKey: randomUUID(), at: NOW };
      let answer: unknown;
      const before = t.db.roundTrips.count;
      await store.once(ctx, async (tx): Promise<Reply> => {
        answer = await change(tx);
        return { tone: "success", heading: "ok", blocks: [] } as unknown as Reply;
      });
      return { trips: t.db.roundTrips.count - before, answer };
    }
    return { partnershipId, ...driver, store, nigel, events, region, holder, once, ACCOUNT, link };
  }

  describe("/curve settings region partnership", () => {
    it("costs 2 round trips, audited with the region as read; a retry 1, with the stored reply and nothing changed", async () => {
      const d = await demo();
      const slug = (await t.db.kysely.selectFrom("partnership").select("slug").where("id", "=", d.partnershipId).executeTakeFirstOrThrow()).slug;
      const key = randomUUID();
      expect(await d.counted(d.nigel, "/curve settings region partnership scotland", key)).toEqual({ trips: 2, heading: "Partnership calendar saved", replayed: false });
      expect(await d.counted(d.nigel, "/curve settings region partnership scotland", key)).toEqual({ trips: 1, heading: "Partnership calendar saved", replayed: true });
      expect(await d.region()).toBe("scotland");
      const saved = [{ event: "partnership.region", subject_type: "partnership", subject_id: d.partnershipId, subject_ref: slug, before: { region: "england-and-wales" }, after: { region: "scotland" } }];
      expect(await d.events("partnership.region")).toEqual(saved);
      // The reply as it was.
      expect((await d.run("Nigel Richardson", "/curve settings region partnership scotland", key)).rendered).toContain("Nudges and quiet time now follow Scotland's bank holidays, except for people who set their own.");
      // Already so: answered from the read in 2, unaudited.
      const again = await d.run("Nigel Richardson", "/curve settings region partnership scotland");
      expect(again.heading).toBe("Nothing changed");
      expect(again.rendered).toContain("The partnership already follows Scotland's bank holidays.");
      expect(await d.counted(d.nigel, "/curve settings region partnership scotland")).toMatchObject({ trips: 2, heading: "Nothing changed" });
      expect(await d.events("partnership.region")).toEqual(saved);
      // Someone who may not change it is refused, as before.
      expect((await d.run("Jancis Andrew", "/curve settings region partnership wales")).tone).toBe("error");
    });

    it("decides a change read before the region moved on again on the locked row, auditing the region it really had", async () => {
      const d = await demo();
      const asRead = (await d.store.partnershipCalendarOf(d.partnershipId))!;
      expect(asRead.region).toBe("england-and-wales");
      expect((await d.run("Nigel Richardson", "/curve settings region partnership northern ireland")).heading).toBe("Partnership calendar saved");
      const stale = await d.once((tx) => tx.setPartnershipRegion("scotland", asRead));
      expect(stale.answer).toEqual({ applied: true, value: { region: "scotland" } });
      expect(stale.trips).toBeGreaterThan(2);
      expect((await d.events("partnership.region")).map((e) => [e.before, e.after])).toEqual([
        [{ region: "england-and-wales" }, { region: "northern-ireland" }],
        [{ region: "northern-ireland" }, { region: "scotland" }],
      ]);
      // "Already so", read before it moved on, is decided again too: it differs now, so it changes.
      const stillStale = await d.once((tx) => tx.setPartnershipRegion("england-and-wales", asRead));
      expect(stillStale.answer).toEqual({ applied: true, value: { region: "england-and-wales" } });
      expect(await d.region()).toBe("england-and-wales");
      // On a current read it is one statement.
      expect(await d.once(async (tx) => tx.setPartnershipRegion("scotland", (await d.store.partnershipCalendarOf(d.partnershipId))!))).toEqual({ trips: 2, answer: { applied: true, value: { region: "scotland" } } });
    });
  });

  describe("/curve link", () => {
    it("links an account in 2 round trips, audited; a retry 1, with the stored reply and nothing changed; linked again, 'already linked' in 2", async () => {
      const d = await demo();
      expect((await d.run("Nigel Richardson", "/curve person add Priya Shah priya.shah@leeds.example.org")).heading).toBe("Priya Shah added");
      const priya = await d.personId("Priya Shah");
      const key = randomUUID();
      expect(await d.counted(d.nigel, d.link("Priya Shah"), key, SLACK)).toEqual({ trips: 2, heading: "Linked to Priya Shah", replayed: false });
      expect(await d.counted(d.nigel, d.link("Priya Shah"), key, SLACK)).toEqual({ trips: 1, heading: "Linked to Priya Shah", replayed: true });
      expect(await d.holder()).toEqual([{ person_id: priya, conversation: null }]);
      const linked = { event: "identity.linked", subject_type: "person", subject_id: priya, subject_ref: "Priya Shah", before: null, after: { ...d.ACCOUNT, personId: priya } };
      expect(await d.events("identity.linked")).toEqual([linked]);
      expect((await d.run("Nigel Richardson", d.link("Priya Shah"), key, SLACK)).rendered).toContain("Curve will now know that account as Priya Shah (priya.shah@leeds.example.org).");
      // Already theirs: answered from the read, unaudited.
      expect(await d.counted(d.nigel, d.link("priya.shah@leeds.example.org"), randomUUID(), SLACK)).toEqual({ trips: 2, heading: "That account is already linked to Priya Shah", replayed: false });
      expect(await d.events("identity.linked")).toEqual([linked]);
      // The account now knows its sender.
      expect(await d.store.findPersonByIdentity(d.partnershipId, d.ACCOUNT)).toMatchObject({ id: priya });
    });

    it("moves an account linked to someone else in 2 round trips, clearing its conversation and auditing whose it was", async () => {
      const d = await demo();
      const jancis = await d.personId("Jancis Andrew");
      const tony = await d.personId("Tony Adlard");
      await t.db.kysely.insertInto("platform_identity").values({ person_id: jancis, platform: "slack", tenant: "T-TEST", user_id: d.ACCOUNT.userId, conversation: JSON.stringify({ channel: "D1" }) }).execute();
      expect(await d.counted(d.nigel, d.link("Tony Adlard"), randomUUID(), SLACK)).toEqual({ trips: 2, heading: "Linked to Tony Adlard", replayed: false });
      expect(await d.holder()).toEqual([{ person_id: tony, conversation: null }]);
      expect(await d.events("identity.linked")).toEqual([{ event: "identity.linked", subject_type: "person", subject_id: tony, subject_ref: "Tony Adlard", before: { personId: jancis }, after: { ...d.ACCOUNT, personId: tony } }]);
    });

    it("says in the shell that accounts are linked from Slack or Teams, however the line is written, and only to those who may link", async () => {
      const d = await demo();
      for (const line of ["/curve link", "/curve link @sue Sue May", d.link("Sue May")]) {
        const refused = await d.run("Nigel Richardson", line);
        expect(refused.code, line).toBe("usage");
        expect(refused.heading, line).toBe("Link Slack or Teams accounts from Slack or Teams: the shell has no accounts to link.");
      }
      expect((await d.run("Sue May", "/curve link @sue Sue May")).code).toBe("not_permitted");
      expect(await d.holder()).toEqual([]);
      expect(await d.events("identity.linked")).toEqual([]);
    });

    it("answers a name two people share, or no one has, as before, changing nothing", async () => {
      const d = await demo();
      await d.run("Nigel Richardson", "/curve person add Sam Lee sam.lee@leeds.example.org");
      await d.run("Nigel Richardson", "/curve person add another Sam Lee sam.lee2@leeds.example.org");
      const twice = await d.run("Nigel Richardson", d.link("Sam Lee"), randomUUID(), SLACK);
      expect(twice.heading).toBe('2 people are called "Sam Lee". Give the email of the one you mean instead.');
      const nobody = await d.run("Nigel Richardson", d.link("Zed Nobody"), randomUUID(), SLACK);
      expect(nobody.heading).toBe('No one called "Zed Nobody" is in the partnership.');
      expect(await d.holder()).toEqual([]);
      // The email tells them apart: 2 round trips.
      expect(await d.counted(d.nigel, d.link("sam.lee2@leeds.example.org"), randomUUID(), SLACK)).toMatchObject({ trips: 2, heading: "Linked to Sam Lee" });
      expect(await d.events("identity.linked")).toHaveLength(1);
    });

    it("decides a link read before the account was linked meanwhile again on the locked row, auditing whose it really was", async () => {
      const d = await demo();
      const jancis = (await d.store.findPersonById(d.partnershipId, await d.personId("Jancis Andrew")))!;
      const tony = (await d.store.findPersonById(d.partnershipId, await d.personId("Tony Adlard")))!;
      const asRead = await d.store.accountHolderOf(d.ACCOUNT);
      expect(asRead).toBeNull();
      expect((await d.run("Nigel Richardson", d.link("Jancis Andrew"), randomUUID(), SLACK)).heading).toBe("Linked to Jancis Andrew");
      const stale = await d.once((tx) => tx.linkIdentity(tony, d.ACCOUNT, asRead));
      expect(stale.answer).toBe(true);
      expect(stale.trips).toBeGreaterThan(2);
      expect((await d.holder()).map((h) => h.person_id)).toEqual([tony.id]);
      expect((await d.events("identity.linked")).map((e) => e.before)).toEqual([null, { personId: jancis.id }]);
      // Read as Jancis's, now Tony's: "already linked" is not said; it is decided again, and moves it to her.
      const notAlready = await d.once((tx) => tx.linkIdentity(jancis, d.ACCOUNT, jancis.id));
      expect(notAlready.answer).toBe(true);
      expect(notAlready.trips).toBeGreaterThan(2);
      expect((await d.holder()).map((h) => h.person_id)).toEqual([jancis.id]);
      // On a current read it is one statement.
      expect(await d.once(async (tx) => tx.linkIdentity(tony, d.ACCOUNT, await d.store.accountHolderOf(d.ACCOUNT)))).toEqual({ trips: 2, answer: true });
      expect((await d.events("identity.linked")).map((e) => e.before)).toEqual([null, { personId: jancis.id }, { personId: tony.id }, { personId: jancis.id }]);
    });

    it("reads a decoded mention's account with the person asking", () => {
      const ACCOUNT = { platform: "slack", tenant: "T-TEST", userId: "U0PRIYA" } as const;
      const sent = { platform: "slack" as const, tenant: "T-TEST", parts: [{ kind: "mention" as const, text: "@priya", userId: "U0PRIYA" }] };
      expect(readsOf("curve", "link @priya Priya Shah", undefined, sent)).toEqual({ read: { person: "Priya Shah", account: ACCOUNT }, changes: true });
      expect(readsOf("curve", "link <@U0PRIYA> Priya Shah", undefined, { ...sent, parts: [] })).toEqual({ read: { person: "Priya Shah", account: ACCOUNT }, changes: true });
      // From the shell, or without knowing where it was sent, nothing is read for it.
      expect(readsOf("curve", "link <@U0PRIYA> Priya Shah", undefined, { ...sent, platform: "shell" })).toEqual({ read: null, changes: true });
      expect(readsOf("curve", "link <@U0PRIYA> Priya Shah")).toEqual({ read: null, changes: true });
    });
  });
});
