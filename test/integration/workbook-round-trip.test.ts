import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { exportSheets } from "../../src/adapters/db/workbook-export.ts";
import { importWorkbook, type WorkbookImportReport } from "../../src/adapters/db/workbook-import.ts";
import { readWorkbookFile } from "../../src/adapters/files/read-workbook.ts";
import { writeWorkbook } from "../../src/adapters/files/write-workbook.ts";
import { DEFAULT_GUARD_POLICY } from "../../src/domain/privacy/guard.ts";
import { findHeldCells } from "../../src/domain/workbook/held-cells.ts";
import { readPartnershipWorkbook } from "../../src/domain/workbook/read-partnership.ts";
import { kindsUnderTest, loadDemo, openTestDatabase, uniqueName, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

const NOW = new Date("2011-09-26T08:00:00Z");

async function counts(prisma: PrismaClient, partnershipId: number) {
  return {
    plans: await prisma.plan.count({ where: { partnershipId } }),
    actions: await prisma.action.count({ where: { plan: { partnershipId } } }),
    milestones: await prisma.milestone.count({ where: { action: { plan: { partnershipId } } } }),
    people: await prisma.person.count({ where: { partnershipId } }),
    teams: await prisma.team.count({ where: { partnershipId } }),
    memberships: await prisma.teamMember.count({ where: { team: { partnershipId } } }),
    indicators: await prisma.indicator.count({ where: { partnershipId } }),
    priorityRoles: await prisma.priorityRole.count({ where: { person: { partnershipId } } }),
    readings: await prisma.indicatorReading.count({ where: { indicator: { partnershipId } } }),
  };
}

/** Every reading of the partnership, as /indicator history would show it, by indicator and period. */
async function readingsOf(prisma: PrismaClient, partnershipId: number) {
  const rows = await prisma.indicatorReading.findMany({
    where: { indicator: { partnershipId } },
    include: { indicator: { select: { code: true } }, recordedBy: { select: { name: true } } },
  });
  return rows
    .map((r) => ({ code: r.indicator.code, period: r.period, periodEnd: r.periodEnd.toISOString().slice(0, 10), value: r.value, source: r.source, recordedBy: r.recordedBy?.name ?? null, recordedAt: r.recordedAt.toISOString() }))
    .sort((a, b) => `${a.code} ${a.periodEnd} ${a.period}`.localeCompare(`${b.code} ${b.periodEnd} ${b.period}`));
}

async function importFile(t: TestDatabase, file: string, options: { dryRun?: boolean; partnership?: string } = {}): Promise<WorkbookImportReport> {
  const reading = readPartnershipWorkbook(await readWorkbookFile(file), { fileName: path.basename(file) });
  return importWorkbook(t.db.prisma, reading, { fileName: path.basename(file), dryRun: options.dryRun ?? false, partnership: options.partnership ?? null, now: NOW, timeZone: "Europe/London" });
}

describe.each(kindsUnderTest())("exporting the Leeds demo and importing it into an empty database, on %s", (kind) => {
  let source: TestDatabase;
  let target: TestDatabase;
  let dir: string;
  let sourceId: number;
  let file: string;
  const slug = uniqueName("leeds").replace(/_/g, "-");

  beforeAll(async () => {
    [source, target] = await Promise.all([openTestDatabase(kind), openTestDatabase(kind)]);
    dir = mkdtempSync(path.join(tmpdir(), "curve-export-"));
    sourceId = await loadDemo(source.db, slug);
    // Work people did in chat must survive the round trip: a milestone done with evidence, a date set.
    const chat = commandDriver(source.db, sourceId, () => NOW);
    expect((await chat.run("Jancis Andrew", "/milestone done ATT-5.1 script agreed at cluster chairs")).tone).toBe("success");
    expect((await chat.run("Nigel Richardson", "/milestone date NEET-1.1 end of March 2012")).tone).toBe("success");
    expect((await chat.run("Nigel Richardson", "/action status LAC-14 at-risk recruitment slower than planned")).tone).toBe("success");
    // Readings recorded in chat, beside the demo's own: a figure with its source, a not known, and a
    // financial year on an academic-year indicator (where a bare "2010/11" would read as the school year).
    expect((await chat.run("Nigel Richardson", "/indicator record NEET 8.1 Aug 2011 Connexions monthly return")).tone).toBe("success");
    expect((await chat.run("Nigel Richardson", "/indicator record NEET not known Jul 2011")).tone).toBe("success");
    expect((await chat.run("Nigel Richardson", "/indicator record ATT-PRI 94.6 financial year 2010/11 DfE")).tone).toBe("success");
    file = path.join(dir, "leeds.xlsx");
    await writeWorkbook(file, await exportSheets(source.db.prisma, sourceId, null));
  }, 120_000);
  afterAll(async () => {
    await Promise.all([source?.close(), target?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes the personal-data guard untouched: every free-text cell of the demo, even with no one exempt", async () => {
    const reading = readPartnershipWorkbook(await readWorkbookFile(file), { fileName: path.basename(file) });
    expect(reading.freeText.length).toBeGreaterThan(300);
    expect(new Set(reading.freeText.map((c) => c.sheet))).toEqual(new Set(["Plans", "Outcomes", "Priorities", "Actions", "Milestones", "Indicators", "Readings"]));
    expect(findHeldCells(reading.freeText, { names: [], emails: new Set() }, DEFAULT_GUARD_POLICY)).toEqual([]);
  });

  it("reproduces the plans, actions, milestones, people, teams and indicators, and every /action show", async () => {
    const dry = await importFile(target, file, { dryRun: true });
    expect(dry.problems).toEqual([]);
    expect(dry.held).toEqual([]);
    expect(dry.applied).toBe(false);
    expect(await target.db.prisma.partnership.count()).toBe(0);

    const report = await importFile(target, file);
    expect(report.problems).toEqual([]);
    expect(report.applied).toBe(true);
    expect(report.partnership).toMatchObject({ slug, created: true });
    const targetId = (await target.db.prisma.partnership.findUniqueOrThrow({ where: { slug } })).id;
    expect(await counts(target.db.prisma, targetId)).toEqual(await counts(source.db.prisma, sourceId));

    const before = commandDriver(source.db, sourceId, () => NOW);
    const after = commandDriver(target.db, targetId, () => NOW);
    const actions = await source.db.prisma.action.findMany({ where: { plan: { partnershipId: sourceId } }, include: { plan: true } });
    expect(actions.length).toBeGreaterThan(50);
    for (const a of actions) {
      const line = `/action show ${a.plan.key}:${a.ref}`;
      const [was, now] = [await before.run("Nigel Richardson", line), await after.run("Nigel Richardson", line)];
      expect(was.tone, a.ref).toBe("info");
      expect(now.rendered, a.ref).toBe(was.rendered);
    }
    expect((await after.run("Nigel Richardson", "/action show ATT-5")).rendered).toContain("evidence: script agreed at cluster chairs");
  });

  it("reproduces every indicator's readings: periods, values, not knowns, sources, who recorded them and when", async () => {
    const targetId = (await target.db.prisma.partnership.findUniqueOrThrow({ where: { slug } })).id;
    const readings = await readingsOf(source.db.prisma, sourceId);
    expect(readings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: "ATT-PRI", period: "half terms 1-5 2009/10", value: 94.4 }),
        expect.objectContaining({ code: "ATT-PRI", period: "2010/11", periodEnd: "2011-03-31", value: 94.6, source: "DfE", recordedBy: "Nigel Richardson" }),
        expect.objectContaining({ code: "NEET", period: "Aug 2011", value: 8.1, source: "Connexions monthly return" }),
        expect.objectContaining({ code: "NEET", period: "Jul 2011", value: null }),
      ]),
    );
    expect(await readingsOf(target.db.prisma, targetId)).toEqual(readings);
    const before = commandDriver(source.db, sourceId, () => NOW);
    const after = commandDriver(target.db, targetId, () => NOW);
    for (const code of ["NEET", "ATT-PRI"]) {
      const line = `/indicator history ${code}`;
      expect((await after.run("Nigel Richardson", line)).rendered, code).toBe((await before.run("Nigel Richardson", line)).rendered);
    }
  });

  it("changes nothing, and records nothing, when the same file is imported again", async () => {
    const targetId = (await target.db.prisma.partnership.findUniqueOrThrow({ where: { slug } })).id;
    const audits = await target.db.prisma.auditEvent.count({ where: { partnershipId: targetId } });
    const before = await counts(target.db.prisma, targetId);
    const again = await importFile(target, file);
    expect(again.problems).toEqual([]);
    expect(again.changes.filter((c) => c.kind !== "keep")).toEqual([]);
    expect(await counts(target.db.prisma, targetId)).toEqual(before);
    expect(await target.db.prisma.auditEvent.count({ where: { partnershipId: targetId } })).toBe(audits);
  });

  it("changes nothing when imported back into the database it came from", async () => {
    // An action with no section after one with a section, in another priority, stays without one.
    const report = await importFile(source, file, { dryRun: true, partnership: slug });
    expect(report.problems).toEqual([]);
    expect(report.changes.filter((c) => c.kind !== "keep")).toEqual([]);
  });

  it("audits the first import as coming from the file", async () => {
    const targetId = (await target.db.prisma.partnership.findUniqueOrThrow({ where: { slug } })).id;
    const event = await target.db.prisma.auditEvent.findFirstOrThrow({ where: { partnershipId: targetId, subjectRef: "ATT-5", event: "action.imported" } });
    expect(event.origin).toEqual({ platform: "import", file: "leeds.xlsx" });
    const history = await commandDriver(target.db, targetId, () => NOW).run("Nigel Richardson", "/action history ATT-5");
    expect(history.rendered).toContain("via import");
  });
});
