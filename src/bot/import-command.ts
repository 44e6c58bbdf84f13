import { basename } from "node:path";
import { parseArgs } from "node:util";
import { readWorkbookFile, UnreadableFile } from "../adapters/files/read-workbook.ts";
import type { WorkbookImportReport } from "../adapters/db/workbook-import.ts";
import { shortDate } from "../domain/dates/calendar.ts";
import { confirmationArgument, describeHeldCell, parseConfirmedCells, type HeldCell } from "../domain/workbook/held-cells.ts";
import { readPartnershipWorkbook, type UnreadColumn } from "../domain/workbook/read-partnership.ts";
import { describeProblem, type RawSheet } from "../domain/workbook/sheet.ts";
import type { Config } from "./config.ts";
import { createProgress } from "./progress.ts";
import { openDatabaseEarly, openRuntime } from "./runtime.ts";
import { createLogger } from "./logger.ts";

const USAGE = 'Usage: curve import FILE [FILE…] [--dry-run] [--partnership SLUG] [--plan KEY] [--json] [--confirm-personal-data "Sheet!E12,…"]';
const CONFIRM_FLAG = "--confirm-personal-data";
const LIST_LIMIT = 200;
const PLURALS: Record<string, string> = { person: "people", priority: "priorities" };

/**
 * `curve import`: reads .xlsx/.csv files in the partners' own columns and imports them in one
 * transaction (or, with --dry-run, says what it would do and writes nothing). Free-text cells
 * pass the personal-data guard first: while it holds any cell, nothing is written and each held
 * cell is listed on one line (masked); --confirm-personal-data names the "ask" cells the person
 * confirms. Exit 0 when imported (or a clean dry run), 1 when the files have problems or held
 * cells (each on one line), 2 on usage.
 */
export async function importCommand(args: string[], config: Config, now: Date = new Date()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        "dry-run": { type: "boolean" },
        partnership: { type: "string" },
        plan: { type: "string" },
        json: { type: "boolean" },
        "confirm-personal-data": { type: "string", multiple: true },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals: files } = parsed;
  if (files.length === 0) {
    process.stderr.write(`Which file? ${USAGE}\n`);
    return 2;
  }
  if (values.plan !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(values.plan)) {
    process.stderr.write(`--plan takes a plan key like cypp-2011-15 (lower-case letters, digits and dashes).\n`);
    return 2;
  }
  const confirmed = parseConfirmedCells(values["confirm-personal-data"] ?? []);
  if (!confirmed.ok) {
    process.stderr.write(`${CONFIRM_FLAG}: ${confirmed.message}.\n`);
    return 2;
  }
  // The database first: an embedded one another process owns is refused in one sentence,
  // before a large file is read (which can take a minute) only to be turned away.
  const db = await openDatabaseEarly(config, { holder: "curve import" }, createLogger(config.LOG_LEVEL));
  const progress = createProgress(process.stderr, Boolean(process.stderr.isTTY) && !values.json);
  const sheets: RawSheet[] = [];
  for (const file of files) {
    try {
      sheets.push(...(await readWorkbookFile(file, (sheet, rows) => progress.update(`reading ${sheet}`, rows))));
    } catch (error) {
      await db.close();
      progress.done();
      const code = (error as NodeJS.ErrnoException).code;
      if (error instanceof UnreadableFile) process.stderr.write(`${error.message}\n`);
      else if (code === "ENOENT") process.stderr.write(`${file}: no such file\n`);
      else if (code === "EISDIR") process.stderr.write(`${file} is a folder; give a .xlsx or .csv file\n`);
      else process.stderr.write(`${basename(file)} could not be read (${(error as Error).message})\n`);
      return 1;
    }
  }
  const fileName = files.map((f) => basename(f)).join(", ");
  let reading: ReturnType<typeof readPartnershipWorkbook>;
  try {
    reading = readPartnershipWorkbook(sheets, { fileName: basename(files[0]!), plan: values.plan ?? null });
    // The cells as read are not needed once read into the partnership's terms: let them go
    // before the import's writes, which are where its memory peaks.
    sheets.length = 0;
  } catch (error) {
    await db.close();
    throw error;
  }
  const runtime = await openRuntime(config, { migrate: true, database: Promise.resolve(db) });
  try {
    const { importWorkbook } = await import("../adapters/db/workbook-import.ts");
    const report = await importWorkbook(runtime.db.prisma, reading, {
      fileName,
      dryRun: Boolean(values["dry-run"]),
      partnership: values.partnership ?? null,
      now,
      timeZone: config.TZ_DEFAULT,
      onProgress: (stage, done, total) => progress.update(stage, done, total),
      confirmedCells: confirmed.cells,
    });
    progress.done();
    const held = report.held.length > 0 || report.unheldConfirmations.length > 0;
    // While cells are held, problems (which can quote a cell) are counted, not listed.
    const shown = held ? { ...report, problems: [], unlistedProblems: report.problems.length } : report;
    if (values.json) process.stdout.write(`${JSON.stringify({ ...shown, sheets: reading.sheets, ignored: reading.ignored, unreadColumns: reading.unreadColumns }, null, 2)}\n`);
    if (held) {
      if (!values.json) {
        process.stderr.write(describeHeld(report.held, report.unheldConfirmations, fileName));
        // Problems can quote a cell, so they wait until no cell is held.
        const n = report.problems.length;
        if (n > 0) process.stderr.write(`The file has ${n} other problem${n === 1 ? "" : "s"} too; Curve lists ${n === 1 ? "it" : "them"} once no cell is held.\n`);
      }
      return 1;
    }
    if (!values.json) process.stdout.write(describeReport(report, reading.sheets, reading.ignored, reading.unreadColumns));
    if (report.problems.length > 0) {
      if (!values.json) for (const p of report.problems) process.stderr.write(`${describeProblem(p)}\n`);
      process.stderr.write(`${report.problems.length} problem${report.problems.length === 1 ? "" : "s"} in ${fileName}: nothing was imported. Fix ${report.problems.length === 1 ? "it" : "them"} and import again.\n`);
      return 1;
    }
    // The plan just loaded can take the tables from a few rows to tens of thousands: the
    // planner's statistics are brought up to date now, not when autovacuum (or, on the
    // embedded database, the nightly upkeep) next comes round.
    if (!values["dry-run"]) {
      const { refreshPlannerStatistics } = await import("../adapters/db/maintenance.ts");
      await refreshPlannerStatistics(runtime.db.sql);
    }
    return 0;
  } finally {
    progress.done();
    await runtime.close();
  }
}

/**
 * What a person reads when the guard holds cells: one line per held cell (address, row, column,
 * what was found, masked), then how to proceed. Never the cells' text.
 */
export function describeHeld(held: readonly HeldCell[], unheld: readonly string[], fileName: string): string {
  const out: string[] = [];
  if (unheld.length > 0) {
    out.push(`${CONFIRM_FLAG} names ${unheld.length === 1 ? "a cell" : "cells"} where Curve found no personal data: ${unheld.join(", ")}. Confirm only the cells Curve lists, as they are now.`);
  }
  for (const cell of held) out.push(describeHeldCell(cell));
  if (held.length > 0) {
    const ask = held.filter((c) => c.outcome === "ask");
    const block = held.length - ask.length;
    out.push(
      [
        `${held.length} cell${held.length === 1 ? "" : "s"} in ${fileName} may hold a child's personal data: nothing was imported.`,
        block > 0 ? `Remove it from the file where it says "fix the file" (a coordinator can change what the guard checks with /curve privacy)` : "Remove it from the file",
        ask.length > 0 ? `and import again, or, if no child's personal data remains in ${ask.length === 1 ? "that cell" : "those cells"}, confirm ${ask.length === 1 ? "it" : "them"} by re-running with ${CONFIRM_FLAG} ${confirmationArgument(ask)}.` : "and import again.",
      ].join(" "),
    );
  } else out.push(`Nothing was imported from ${fileName}.`);
  return `${out.join("\n")}\n`;
}

/** The report a person reads: counts, then what changes, each milestone's date, and names that match no one. */
export function describeReport(report: WorkbookImportReport, sheets: { name: string; kind: string; headingRow: number }[], ignored: string[], unreadColumns: readonly UnreadColumn[] = []): string {
  const out: string[] = [];
  out.push(`Read ${sheets.map((s) => `${s.name} (${s.kind}, headings on row ${s.headingRow})`).join("; ") || "no sheets Curve recognises"}.`);
  if (ignored.length) out.push(`Ignored sheets that are not part of a plan: ${ignored.join(", ")}.`);
  // Said every time, dry run or not: what is in these columns is not in Curve.
  if (unreadColumns.length) out.push(`Columns Curve does not read, so nothing in them is imported: ${unreadColumns.map((u) => `${u.sheet} ${u.column} "${u.heading}"`).join(", ")}.`);
  const count = (kind: string) => {
    const by = new Map<string, number>();
    for (const c of report.changes.filter((x) => x.kind === kind)) by.set(c.subject, (by.get(c.subject) ?? 0) + 1);
    return [...by].map(([s, n]) => `${n} ${n === 1 ? s : (PLURALS[s] ?? `${s}s`)}`).join(", ");
  };
  const verb = report.applied ? ["Created", "Updated", "Removed"] : ["Would create", "Would update", "Would remove"];
  const header = report.dryRun ? `Dry run for partnership ${report.partnership.slug}${report.partnership.created ? " (new)" : ""}: nothing has been written.` : report.applied ? `Imported into partnership ${report.partnership.slug}${report.partnership.created ? " (new)" : ""}.` : `Nothing was imported into ${report.partnership.slug}.`;
  out.push(header);
  const changed = report.changes.filter((c) => c.kind !== "keep");
  // With a problem, the file was not compared through: "Curve already has everything" would not be true.
  if (changed.length === 0 && report.problems.length === 0) out.push("Nothing to change: Curve already has everything in the file.");
  for (const [i, kind] of (["create", "update", "remove"] as const).entries()) {
    const c = count(kind);
    if (c) out.push(`${verb[i]}: ${c}.`);
  }
  if (report.dryRun && changed.length) {
    out.push("", "Changes:");
    for (const c of changed.slice(0, LIST_LIMIT)) out.push(`  ${c.kind} ${c.subject} ${c.ref}: ${c.detail}`);
    if (changed.length > LIST_LIMIT) out.push(`  …and ${changed.length - LIST_LIMIT} more (--json lists them all)`);
  }
  const kept = report.changes.filter((c) => c.kind === "keep");
  if (kept.length) out.push(`Kept ${kept.length} milestone${kept.length === 1 ? "" : "s"} the file no longer lists, because they are done or have evidence: ${kept.slice(0, 20).map((c) => c.ref).join(", ")}${kept.length > 20 ? ", …" : ""}.`);
  if (report.dryRun && report.milestones.length) {
    out.push("", "Milestone dates (from each milestone's words):");
    for (const m of report.milestones) {
      const date = m.due ? `${m.precision === "day" ? shortDate(m.due) : `${m.start ? shortDate(m.start) : "?"} – ${shortDate(m.due)}`} (${m.precision})` : "date to be agreed (tbc)";
      out.push(`  ${m.ref}  ${m.phrase ? `"${m.phrase}"` : "no date phrase"} → ${date}`);
    }
  }
  if (report.unmatched.length) {
    out.push("", `Names that match no person or team (left as written, not linked):`);
    for (const u of report.unmatched) out.push(`  "${u.name}" in ${u.where.join("; ")}${u.closest.length ? ` — closest: ${u.closest.join(", ")}` : " — no close match"}`);
  }
  if (report.confirmed.length) {
    out.push("", `Confirmed as holding no child's personal data (${report.applied ? "recorded" : "would be recorded"} in the audit, without the values): ${report.confirmed.map((c) => c.ref).join(", ")}.`);
  }
  if (report.newPeople.length) out.push("", `New people, named as sponsors, leads, members, owners or recorders of readings (no email yet): ${report.newPeople.join(", ")}.`);
  return `${out.join("\n")}\n`;
}
