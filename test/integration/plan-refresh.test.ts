import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshPlan, type RefreshRequest } from "../../src/adapters/db/plan-refresh.ts";
import { previewNudgeSweep } from "../../src/jobs/nudge-sweep.ts";
import { previewDigest } from "../../src/jobs/digests.ts";
import { renderText } from "../../src/adapters/shell/render-text.ts";
import { loadReportFacts } from "../../src/adapters/db/reports.ts";
import { SqlChangeStore } from "../../src/adapters/db/sql-change-store.ts";
import { actionsByRef, queryActions } from "../../src/adapters/db/view-queries.ts";
import { CurveError } from "../../src/domain/errors.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

// Seed 003: CYPP 2011-15 was refreshed into CYPP 2015-19 from 1 April 2015.
const APRIL_2015 = new Date("2015-04-01T09:00:00+01:00");
const SENTENCE = "Children and Young People's Plan 2011-15 was refreshed into cypp-2015-19 on 1 Apr 2015; ATT-4 is carried over as ATT-4 there.";

describe.each(kindsUnderTest())("curve plan refresh on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  }, 60_000);
  afterAll(async () => t.close());

  /** The demo with some work done in 2011: two milestones and two actions closed, a reading recorded. */
  async function demoWithProgress() {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId, () => new Date("2011-09-26T08:00:00Z"));
    for (const line of [
      "/milestone done ATT-4.1 model agreed at the attendance board",
      "/milestone done ATT-1.1 project brief signed off",
      "/action status ATT-3 done folded into the 60-70% project",
      "/action status NEET-2 dropped replaced by the NEET strategy",
    ]) {
      const reply = await driver.run("Nigel Richardson", line);
      expect(reply.tone, reply.rendered).toBe("success");
    }
    expect((await driver.run("Nigel Richardson", "/indicator record LAC 1420 2011-03 children's social care return")).tone).toBe("success");
    const request = (over: Partial<RefreshRequest> = {}): RefreshRequest => ({
      partnershipId,
      from: "cypp-2011-15",
      to: "cypp-2015-19",
      period: "2015-19",
      dryRun: false,
      now: APRIL_2015,
      ...over,
    });
    /** Everything a refresh could write, counted. */
    const counts = async () => ({
      plans: await t.db.prisma.plan.count({ where: { partnershipId } }),
      closed: await t.db.prisma.plan.count({ where: { partnershipId, closedAt: { not: null } } }),
      outcomes: await t.db.prisma.outcome.count({ where: { plan: { partnershipId } } }),
      priorities: await t.db.prisma.priority.count({ where: { plan: { partnershipId } } }),
      actions: await t.db.prisma.action.count({ where: { plan: { partnershipId } } }),
      milestones: await t.db.prisma.milestone.count({ where: { action: { plan: { partnershipId } } } }),
      readings: await t.db.prisma.indicatorReading.count({ where: { indicator: { partnershipId } } }),
      audit: await t.db.prisma.auditEvent.count({ where: { partnershipId } }),
      indicatorPriorities: (await t.db.prisma.indicator.findMany({ where: { partnershipId }, select: { priorityId: true }, orderBy: { id: "asc" } })).map((i) => i.priorityId),
    });
    return { partnershipId, ...driver, request, counts };
  }

  it("carries the open actions, open milestones, priorities and indicators over, and closes the old plan", async () => {
    const p = await demoWithProgress();
    const old = await t.db.prisma.plan.findFirstOrThrow({ where: { partnershipId: p.partnershipId, key: "cypp-2011-15" } });
    const oldActions = await t.db.prisma.action.findMany({ where: { planId: old.id }, include: { owners: true, contributors: true, milestones: true }, orderBy: { id: "asc" } });
    const open = oldActions.filter((a) => a.state !== "done" && a.state !== "dropped");
    expect(oldActions.length - open.length).toBe(2);
    const before = await p.counts();

    const report = await refreshPlan(t.db.prisma, p.request());

    expect(report.carried.map((c) => c.ref)).toEqual(open.map((a) => a.ref));
    expect(report.leftBehind.sort()).toEqual(["ATT-3", "NEET-2"]);
    const plan = await t.db.prisma.plan.findFirstOrThrow({ where: { partnershipId: p.partnershipId, key: "cypp-2015-19" } });
    expect(plan.title).toBe("Children and Young People's Plan 2015-19");
    expect([plan.periodStart?.toISOString().slice(0, 10), plan.periodEnd?.toISOString().slice(0, 10)]).toEqual(["2015-04-01", "2019-03-31"]);
    const closed = await t.db.prisma.plan.findUniqueOrThrow({ where: { id: old.id } });
    expect(closed.closedAt?.toISOString()).toBe(APRIL_2015.toISOString());
    expect(closed.refreshedIntoId).toBe(plan.id);

    const carried = await t.db.prisma.action.findMany({ where: { planId: plan.id }, include: { owners: true, contributors: true, milestones: true, priority: true }, orderBy: { id: "asc" } });
    expect(carried.map((a) => [a.ref, a.carriedFromActionId])).toEqual(open.map((a) => [a.ref, a.id]));
    for (const [i, a] of carried.entries()) {
      const from = open[i]!;
      expect(a.owners.map((o) => [o.personId, o.teamId])).toEqual(from.owners.map((o) => [o.personId, o.teamId]));
      expect(a.contributors.map((c) => [c.personId, c.teamId])).toEqual(from.contributors.map((c) => [c.personId, c.teamId]));
      expect(a.milestones.map((m) => m.ref).sort()).toEqual(from.milestones.filter((m) => !m.doneAt).map((m) => m.ref).sort());
      if (from.priorityId !== null) expect(a.priority?.planId).toBe(plan.id);
    }
    // ATT-4.1 was done before the refresh: only ATT-4.2 goes on.
    expect(carried.find((a) => a.ref === "ATT-4")!.milestones.map((m) => m.ref)).toEqual(["ATT-4.2"]);

    const after = await p.counts();
    expect(after.plans).toBe(before.plans + 1);
    expect(after.outcomes).toBe(before.outcomes * 2 - (await t.db.prisma.outcome.count({ where: { plan: { partnershipId: p.partnershipId, key: "piap-2015" } } })));
    expect(after.actions).toBe(before.actions + open.length);
    expect(after.readings).toBe(before.readings);
    expect(after.audit).toBe(before.audit + open.length + 1);
    // Sponsors and leads came along with each priority.
    const roles = await t.db.prisma.priorityRole.count({ where: { priority: { planId: plan.id } } });
    expect(roles).toBe(await t.db.prisma.priorityRole.count({ where: { priority: { planId: old.id } } }));
    expect(roles).toBeGreaterThan(0);

    // Indicators moved to the new plan's priority, their readings with them, nothing copied.
    const lac = await t.db.prisma.indicator.findFirstOrThrow({ where: { partnershipId: p.partnershipId, code: "LAC" }, include: { priority: true, readings: true } });
    expect(lac.priority?.planId).toBe(plan.id);
    expect(lac.readings.map((r) => r.value)).toEqual([1420]);
    const card = await p.run("Mary Brittle", "/indicator show LAC");
    expect(card.rendered).toContain("1,420");
    expect(card.rendered).toContain(`Priority: ${lac.priority!.number}. ${lac.priority!.title}`);
    const newPlan = await p.run("Mary Brittle", "/plan show cypp-2015-19");
    expect(newPlan.rendered).toContain("indicators: ");
    expect(newPlan.rendered).toContain("LAC");
  });

  it("keeps the old plan readable, refuses changes to it in one sentence, and lets the carried action change", async () => {
    const p = await demoWithProgress();
    await refreshPlan(t.db.prisma, p.request());

    const oldPlan = await p.run("Mary Brittle", "/plan show cypp-2011-15");
    expect(oldPlan.tone).toBe("info");
    expect(oldPlan.heading).toBe("Children and Young People's Plan 2011-15");
    expect(oldPlan.rendered).toContain("Children and Young People's Plan 2011-15 was refreshed into cypp-2015-19 on 1 Apr 2015; it is kept for reading and closed to changes.");
    expect((await p.run("Mary Brittle", "/plan show")).rendered).toContain("closed: refreshed into cypp-2015-19");
    const oldAction = await p.run("Mary Brittle", "/action show cypp-2011-15:ATT-4");
    expect(oldAction.rendered).toContain(SENTENCE);

    const before = await p.counts();
    for (const line of [
      "/milestone done cypp-2011-15:ATT-4.2 implemented in Inner East",
      "/milestone date cypp-2011-15:ATT-4.2 March 2016",
      "/milestone evidence cypp-2011-15:ATT-4.2 cluster report",
      "/milestone snooze cypp-2011-15:ATT-4.2 7d waiting for the data",
      "/milestone undo cypp-2011-15:ATT-4.1",
      "/action status cypp-2011-15:ATT-4 at risk",
      "/action note cypp-2011-15:ATT-4 anything",
    ]) {
      const refused = await p.run("Nigel Richardson", line);
      expect(refused.tone, line).toBe("error");
      expect(refused.rendered, line).toContain(SENTENCE);
    }
    const risk = await p.run("Nigel Richardson", "/risk add cypp-2011-15 | Clusters may not share their data");
    expect(risk.tone).toBe("error");
    expect(risk.rendered).toContain("Children and Young People's Plan 2011-15 was refreshed into cypp-2015-19 on 1 Apr 2015; add the risk there instead.");
    expect(await p.counts()).toEqual(before);

    // A bare ref means the live, carried-over action.
    const done = await p.run("Jancis Andrew", "/milestone done ATT-4.2 implemented in Inner East");
    expect(done.tone, done.rendered).toBe("success");
    const carried = await t.db.prisma.milestone.findFirstOrThrow({ where: { ref: "ATT-4.2", action: { plan: { partnershipId: p.partnershipId, key: "cypp-2015-19" } } } });
    expect(carried.evidence).toBe("implemented in Inner East");
    const stillOpen = await t.db.prisma.milestone.findFirstOrThrow({ where: { ref: "ATT-4.2", action: { plan: { partnershipId: p.partnershipId, key: "cypp-2011-15" } } } });
    expect(stillOpen.doneAt).toBeNull();

    // Lists show the live plan's items once: not the closed plan's copies too.
    const mine = await p.run("Jancis Andrew", "/milestone list mine");
    expect(mine.rendered.match(/ATT-3\.1\b/g)).toBeNull(); // ATT-3 was done: it stayed behind
    const listed = await p.run("Jancis Andrew", "/action mine");
    expect(listed.rendered.match(/ATT-4 ·/g)).toHaveLength(1);
    expect(listed.rendered).not.toContain("ATT-3 ·");
    const shown = await p.run("Mary Brittle", "/action show ATT-4");
    expect(shown.rendered).toContain("Carried over from Children and Young People's Plan 2011-15 (ATT-4)");
    const history = await p.run("Mary Brittle", "/action history ATT-4");
    const lines = history.rendered;
    // The old action's history (before the refresh) comes first, then the carry-over.
    expect(lines).toContain('Nigel Richardson marked ATT-4.1 done: "model agreed at the attendance board"');
    expect(lines).toContain("Curve carried ATT-4 over from Children and Young People's Plan 2011-15 into Children and Young People's Plan 2015-19 as ATT-4");
    expect(lines.indexOf("marked ATT-4.1 done")).toBeLessThan(lines.indexOf("carried ATT-4 over"));
  });

  it("leaves the closed plan out of the nudge sweep: the same people are nudged about the same refs, once", async () => {
    const p = await demoWithProgress();
    const at = new Date("2011-10-03T09:00:00+01:00");
    const sweep = async () =>
      (await previewNudgeSweep(jobStoreOf(t.db), p.partnershipId, at)).deliveries.map((d) => `${d.person}: ${[...d.refs].sort().join(",")}`).sort();
    const before = await sweep();
    expect(before.length).toBeGreaterThan(0);
    await refreshPlan(t.db.prisma, p.request({ now: new Date("2011-10-01T09:00:00+01:00") }));
    expect(await sweep()).toEqual(before);
    const oldIds = new Set(
      (await t.db.prisma.milestone.findMany({ where: { action: { plan: { partnershipId: p.partnershipId, key: "cypp-2011-15" } } }, select: { id: true } })).map((m) => m.id),
    );
    const keys = (await previewNudgeSweep(jobStoreOf(t.db), p.partnershipId, at)).deliveries.map((d) => d.key).join(" ");
    for (const id of oldIds) expect(keys).not.toMatch(new RegExp(`milestone:${id}:`));
  });

  it("leaves the closed plan out of /curve whoami: the same actions owned, open milestones and priorities, once each", async () => {
    const p = await demoWithProgress();
    const whoami = async (name: string) => (await p.run(name, "/curve whoami")).rendered;
    const before = { simon: await whoami("Simon Whitehead"), jancis: await whoami("Jancis Andrew") };
    expect(before.simon).toMatch(/CTB sponsor: \d+\. /);
    expect(before.jancis).toMatch(/Actions owned: [1-9]\d* \([1-9]\d* open milestones?\)/);
    await refreshPlan(t.db.prisma, p.request());
    // The sponsor's priorities were carried over: listed once, as before.
    expect(await whoami("Simon Whitehead")).toEqual(before.simon);
    // The owner's work is counted in the plan that replaced the old one, not in both.
    const personId = await p.personId("Jancis Andrew");
    const ownedBy = { some: { OR: [{ personId }, { team: { members: { some: { personId } } } }] } };
    const inNewPlan = { plan: { partnershipId: p.partnershipId, key: "cypp-2015-19" }, owners: ownedBy };
    const actions = await t.db.prisma.action.count({ where: inNewPlan });
    const open = await t.db.prisma.milestone.count({ where: { doneAt: null, action: inNewPlan } });
    expect(actions).toBeGreaterThan(0);
    expect(await whoami("Jancis Andrew")).toContain(`Actions owned: ${actions} (${open} open milestone${open === 1 ? "" : "s"})`);
  });

  it("leaves the closed plan out of a sponsor's digest: each open milestone is listed once, under the new plan", async () => {
    const p = await demoWithProgress();
    const at = new Date("2011-12-19T08:30:00Z");
    const simon = await p.personId("Simon Whitehead");
    const digest = async () => renderText((await previewDigest(jobStoreOf(t.db), p.partnershipId, simon, at))!);
    const before = await digest();
    const openRefs = (before.match(/\b(?:ATT|LAC|NEET)-\d+b?\.\d+\b/g) ?? []).sort();
    expect(openRefs.length).toBeGreaterThan(0);
    await refreshPlan(t.db.prisma, p.request({ now: new Date("2011-12-01T09:00:00Z") }));
    const after = await digest();
    const refsAfter = (after.match(/\b(?:ATT|LAC|NEET)-\d+b?\.\d+\b/g) ?? []).sort();
    expect(refsAfter).toEqual(openRefs);
  });

  it("leaves a plan refreshed before a report's period out of a report on every plan, and reports it when named", async () => {
    const p = await demoWithProgress();
    await refreshPlan(t.db.prisma, p.request());
    const may2015 = [new Date("2015-05-01T00:00:00Z"), new Date("2015-05-31T23:59:59Z")] as const;
    const every = (await loadReportFacts(t.db.prisma, p.partnershipId, null, ...may2015))!;
    const plansOf = (facts: typeof every) => [...new Set(facts.actions.map((a) => a.planKey))].sort();
    expect(plansOf(every)).toEqual(["cypp-2015-19", "piap-2015"]);
    const refs = every.actions.filter((a) => a.planKey === "cypp-2015-19").map((a) => a.ref);
    expect(new Set(refs).size).toBe(refs.length);
    const named = (await loadReportFacts(t.db.prisma, p.partnershipId, "cypp-2011-15", ...may2015))!;
    expect(plansOf(named)).toEqual(["cypp-2011-15"]);
    // A period that began before the refresh still covers the old plan.
    const march = (await loadReportFacts(t.db.prisma, p.partnershipId, null, new Date("2015-03-01T00:00:00Z"), new Date("2015-03-31T23:59:59Z")))!;
    expect(plansOf(march)).toContain("cypp-2011-15");
  });

  it("refuses, inside its transaction, a change that read the old plan before a refresh committed", async () => {
    const p = await demoWithProgress();
    const [stale] = await queryActions(t.db.sql, actionsByRef(p.partnershipId, "ATT-4"));
    expect(stale!.closedPlan).toBeNull();
    await refreshPlan(t.db.prisma, p.request());
    const nigel = await t.db.prisma.person.findFirstOrThrow({ where: { partnershipId: p.partnershipId, name: "Nigel Richardson" } });
    const attempt = t.db.sql.transaction((tx) =>
      new SqlChangeStore(tx, {
        partnershipId: p.partnershipId,
        actor: { id: nigel.id, name: nigel.name, roles: ["coordinator"] } as never,
        origin: { platform: "shell", tenant: "T", channel: "C" },
        idempotencyKey: "late-change",
        at: APRIL_2015,
      }).markMilestoneDone(stale!.milestones.find((m) => m.ref === "ATT-4.2")!, "too late"),
    );
    await expect(attempt).rejects.toMatchObject({ code: "not_permitted", userMessage: SENTENCE });
    const old = await t.db.prisma.milestone.findUniqueOrThrow({ where: { id: stale!.milestones.find((m) => m.ref === "ATT-4.2")!.id } });
    expect(old.doneAt).toBeNull();
  });

  // A change sent while a refresh runs must wait for it and then be refused, not land on the
  // closed plan. Holding the refresh open needs a second connection: PostgreSQL only.
  it.runIf(kind === "postgresql")("refuses changes sent while a refresh runs once it commits, leaving the old plan's rows as they were", async () => {
    const p = await demoWithProgress();
    const driver = commandDriver(t.db, p.partnershipId, () => new Date("2011-09-26T08:00:00Z"));
    const [att4, att5, att6] = await Promise.all(["ATT-4", "ATT-5", "ATT-6"].map(async (ref) => (await queryActions(t.db.sql, actionsByRef(p.partnershipId, ref)))[0]!));
    const open = (a: typeof att4) => a!.milestones.find((m) => !m.doneAt)!;
    const lines = [
      `/action status ATT-5 at risk`,
      `/action note ATT-5 reviewed at the attendance board`,
      `/milestone date ${open(att5).ref} end of March 2016`,
      `/milestone snooze ${open(att6).ref} 2w waiting for the data`,
      `/milestone done ${open(att4).ref} agreed at the board`,
    ];
    const rowsOf = async () => ({
      actions: await t.db.kysely.selectFrom("action").select(["id", "state"]).where("id", "in", [att4!.id, att5!.id, att6!.id]).orderBy("id").execute(),
      milestones: await t.db.kysely.selectFrom("milestone").select(["id", "done_at", "due_date", "snooze_count"]).where("action_id", "in", [att4!.id, att5!.id, att6!.id]).orderBy("id").execute(),
      notes: await t.db.kysely.selectFrom("action_note").select("id").where("action_id", "in", [att4!.id, att5!.id, att6!.id]).execute(),
    });
    const before = await rowsOf();
    const waiting = async () =>
      (await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0]!.n;
    const until = async (n: number) => {
      while ((await waiting()) < n) await new Promise((resolve) => setImmediate(resolve));
    };
    // The refresh stops on the partnership's indicators, held here, after it has locked the old plan.
    let release!: () => void;
    let held!: () => void;
    const heldNow = new Promise<void>((resolve) => (held = resolve));
    const holder = t.db.sql.transaction(async (tx) => {
      await tx.query(`SELECT id FROM indicator WHERE partnership_id = $1 FOR UPDATE`, [p.partnershipId]);
      held();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await heldNow;
    const refresh = refreshPlan(t.db.prisma, p.request());
    await until(1);
    const replies = lines.map((line) => driver.run("Nigel Richardson", line));
    await until(1 + lines.length);
    release();
    await holder;
    await refresh;
    for (const [i, reply] of (await Promise.all(replies)).entries()) {
      expect(reply.tone, lines[i]).not.toBe("success");
      expect(reply.rendered, lines[i]).toContain("was refreshed into cypp-2015-19");
    }
    expect(await rowsOf()).toEqual(before);
  }, 60_000);

  it("lets only one of two refreshes at the same time through; the other says the plan exists", async () => {
    const p = await demoWithProgress();
    const results = await Promise.allSettled([refreshPlan(t.db.prisma, p.request()), refreshPlan(t.db.prisma, p.request())]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === "rejected")!.reason as CurveError;
    expect(refused).toBeInstanceOf(CurveError);
    expect(refused.userMessage).toBe("Children and Young People's Plan 2011-15 was already refreshed into cypp-2015-19; nothing changed.");
    expect(await t.db.prisma.plan.count({ where: { partnershipId: p.partnershipId, key: "cypp-2015-19" } })).toBe(1);
  });

  it("changes nothing on a dry run, on a second run, or on bad input", async () => {
    const p = await demoWithProgress();
    const start = await p.counts();
    const dry = await refreshPlan(t.db.prisma, p.request({ dryRun: true }));
    expect(dry.dryRun).toBe(true);
    expect(dry.carried.length).toBeGreaterThan(30);
    expect(await p.counts()).toEqual(start);

    const refusal = async (over: Partial<RefreshRequest>) => {
      const error = await refreshPlan(t.db.prisma, p.request(over)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CurveError);
      return error as CurveError;
    };
    expect((await refusal({ from: "cypp-2099" })).userMessage).toBe('There is no plan "cypp-2099"; the plans are cypp-2011-15, piap-2015.');
    expect((await refusal({ period: "2015" })).userMessage).toBe('"2015" is not a plan period; give its years, e.g. --period 2015-19.');
    expect((await refusal({ period: "2019-15" })).code).toBe("bad_date");
    // A successor must run on after the plan it replaces (CYPP 2011-15 ends 31 March 2015).
    expect((await refusal({ period: "2010-14" })).userMessage).toBe(
      "2010-14 ends on 31 March 2014, no later than Children and Young People's Plan 2011-15 (31 March 2015): the plan that replaces it must run on after it, e.g. --period 2015-19.",
    );
    expect((await refusal({ period: "2011-15" })).code).toBe("bad_date");
    expect((await refusal({ period: "2009-16" })).userMessage).toBe(
      "2009-16 starts on 1 April 2009, before Children and Young People's Plan 2011-15 began (1 April 2011): give the years the new plan runs.",
    );
    expect((await refusal({ to: "piap-2015" })).userMessage).toBe("There is already a plan piap-2015; choose another key with --to.");
    expect((await refusal({ to: "new plan!" })).code).toBe("usage");
    expect(await p.counts()).toEqual(start);

    await refreshPlan(t.db.prisma, p.request());
    const once = await p.counts();
    expect((await refusal({})).userMessage).toBe("Children and Young People's Plan 2011-15 was already refreshed into cypp-2015-19; nothing changed.");
    expect((await refusal({ to: "cypp-2015-20" })).userMessage).toContain("was already refreshed into cypp-2015-19");
    expect(await p.counts()).toEqual(once);
  });
});
