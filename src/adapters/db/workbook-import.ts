import type { PrismaClient } from "../../../generated/prisma/client.ts";
import { localDate } from "../../domain/dates/calendar.ts";
import { guardPolicyFrom, type KnownToPartnership } from "../../domain/privacy/guard.ts";
import { findHeldCells, settleHeldCells, type ConfirmedCell, type HeldCell } from "../../domain/workbook/held-cells.ts";
import type { WorkbookReading } from "../../domain/workbook/read-partnership.ts";
import { newPeopleNamed, resolveActionParties, type UnmatchedName } from "../../domain/workbook/resolve-names.ts";
import { slugOf } from "../../domain/workbook/read-sheets.ts";
import type { ImportProblem } from "../../domain/workbook/sheet.ts";
import { importActions, type MilestoneReading } from "./workbook-import-actions.ts";
import { ImportLog, type ImportChange } from "./workbook-import-log.ts";
import { importPeopleAndTeams } from "./workbook-import-people.ts";
import { importIndicators, importPlans } from "./workbook-import-plans.ts";
import { importReadings } from "./workbook-import-readings.ts";

export interface WorkbookImportOptions {
  /** The file's name as the person gave it: recorded as the origin of every change. */
  fileName: string;
  dryRun: boolean;
  /** The partnership to import into (curve import --partnership); else the workbook's, else the only one. */
  partnership?: string | null;
  /** When the import runs: the time of every change, and of a reading the file gives no Recorded time for. */
  now: Date;
  /** For new people, and for "today" (a reading's period must have started by then). */
  timeZone: string;
  onProgress?: (stage: string, done: number, total: number) => void;
  /**
   * Free-text cells the person confirms hold no child's personal data (curve import
   * --confirm-personal-data). Only cells the guard holds with "ask" are released this way.
   */
  confirmedCells?: readonly ConfirmedCell[];
}

export interface WorkbookImportReport {
  partnership: { slug: string; name: string; created: boolean };
  dryRun: boolean;
  /** Nothing was written: a dry run, or problems (listed here, one line each). */
  applied: boolean;
  problems: ImportProblem[];
  changes: ImportChange[];
  milestones: MilestoneReading[];
  unmatched: UnmatchedName[];
  newPeople: string[];
  /**
   * Free-text cells the personal-data guard holds (masked findings, never the text). While any
   * remain, or `unheldConfirmations` is not empty, nothing is written, not even in a dry run.
   */
  held: HeldCell[];
  /** Confirmed cells that the guard does not hold (a stale or mistyped confirmation). */
  unheldConfirmations: string[];
  /** Cells held and released by the person's confirmation (recorded in the audit, without values). */
  confirmed: HeldCell[];
}

class RollBack extends Error {}

/**
 * Imports a read workbook in one transaction: all of it, or (on any problem, or in a dry run)
 * none of it. The dry run takes the same path and rolls back, so what it lists is exactly what
 * the import would do. Re-importing the same file changes nothing and writes no audit events.
 */
export async function importWorkbook(prisma: PrismaClient, reading: WorkbookReading, options: WorkbookImportOptions): Promise<WorkbookImportReport> {
  const progress = options.onProgress ?? (() => undefined);
  const all = await prisma.partnership.findMany({ select: { id: true, slug: true, name: true } });
  const slug = options.partnership ?? reading.data.partnership.slug ?? (all.length === 1 ? all[0]!.slug : all.length === 0 ? slugOf(options.fileName.replace(/\.(xlsx|csv)$/i, "")) : null);
  const base: WorkbookImportReport = {
    partnership: { slug: slug ?? "", name: "", created: false },
    dryRun: options.dryRun,
    applied: false,
    problems: [...reading.problems],
    changes: [],
    milestones: [],
    unmatched: [],
    newPeople: [],
    held: [],
    unheldConfirmations: [],
    confirmed: [],
  };
  if (!slug) {
    base.problems.push({ sheet: options.fileName, row: null, column: null, message: `choose the partnership with --partnership: ${all.map((p) => p.slug).join(", ")}` });
    return base;
  }
  const guard = settleHeldCells(findHeldCells(reading.freeText, ...(await guardContext(prisma, slug, reading))), options.confirmedCells ?? []);
  base.held = guard.stillHeld;
  base.unheldConfirmations = guard.unheld;
  base.confirmed = guard.released;
  if (guard.stillHeld.length > 0 || guard.unheld.length > 0) return base;
  let report = base;
  try {
    await prisma.$transaction(
      async (tx) => {
        const existing = await tx.partnership.findUnique({ where: { slug } });
        const name = reading.data.partnership.name ?? existing?.name ?? slug;
        const partnership = existing ?? (await tx.partnership.create({ data: { slug, name } }));
        if (existing && reading.data.partnership.name && existing.name !== reading.data.partnership.name) {
          await tx.partnership.update({ where: { id: existing.id }, data: { name: reading.data.partnership.name } });
        }
        const log = new ImportLog(partnership.id, options.fileName, options.now, null);
        const before = await tx.person.findMany({ where: { partnershipId: partnership.id }, select: { name: true } });
        const newPeople = newPeopleNamed(reading.data, { people: [...before.map((p) => p.name), ...reading.data.people.map((p) => p.name)], teams: [] });
        progress("people and teams", 0, reading.data.people.length + reading.data.teams.length);
        const names = await importPeopleAndTeams(tx, partnership.id, reading.data, log, options.timeZone);
        const unmatched = resolveActionParties(reading.data, {
          people: [...names.people.values()].map((p) => p.name),
          teams: [...names.teams.values()].map((t) => t.name),
        });
        progress("plans", 0, reading.data.plans.length);
        const ids = await importPlans(tx, partnership.id, reading.data, names, log);
        await importIndicators(tx, partnership.id, reading.data, names, ids, log);
        progress("readings", 0, reading.data.readings.length);
        await importReadings(tx, partnership.id, reading.data.readings, names, log, localDate(options.now, options.timeZone), options.now);
        const milestones = await importActions(tx, reading.data, names, ids, log, (done, total) => progress("actions", done, total));
        if (guard.released.length > 0) log.personalDataConfirmed(guard.released);
        await log.flush(tx);
        report = {
          ...base,
          partnership: { slug, name, created: !existing },
          problems: [...reading.problems, ...log.problems],
          changes: log.changes,
          milestones,
          unmatched,
          newPeople: newPeople.map((p) => p.name),
        };
        if (options.dryRun || report.problems.length > 0) throw new RollBack();
        report.applied = true;
      },
      { timeout: 30 * 60_000, maxWait: 60_000 },
    );
  } catch (error) {
    if (!(error instanceof RollBack)) throw error;
  }
  return report;
}

/**
 * The policy the guard applies to the import (the partnership's, or the default for a new one)
 * and who is exempt: the partnership's people and those on the workbook's People sheet.
 */
async function guardContext(prisma: PrismaClient, slug: string, reading: WorkbookReading): Promise<[KnownToPartnership, ReturnType<typeof guardPolicyFrom>]> {
  const partnership = await prisma.partnership.findUnique({ where: { slug }, select: { privacyPolicy: true, people: { select: { name: true, email: true } } } });
  const people = [...(partnership?.people ?? []), ...reading.data.people];
  const known: KnownToPartnership = {
    names: people.map((p) => p.name),
    emails: new Set(people.flatMap((p) => (p.email ? [p.email.toLowerCase()] : []))),
  };
  return [known, guardPolicyFrom(partnership?.privacyPolicy as Record<string, string> | null | undefined)];
}
