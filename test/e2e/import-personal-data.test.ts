import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";
import { kindsUnderTest, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { randomSource, testNhsNumber } from "../support/planted-identifiers.ts";
import { curve } from "../support/run-curve.ts";

const NHS = testNhsNumber(randomSource(1515));
const NHS_SPACED = `${NHS.slice(0, 3)} ${NHS.slice(3, 6)} ${NHS.slice(6)}`;
const POSTCODE = "BD7 1DP";

async function writeXlsx(file: string, evidence: string, note: string, extraMilestone: string[] = []): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet("People").addRows([
    ["Name", "Email"],
    ["Jancis Andrew", "jancis.andrew@gmail.com"],
  ]);
  workbook.addWorksheet("Actions").addRows([
    ["Ref", "Action", "Action Owner", "Milestone or Target", "Note"],
    ["ATT-1", "Target children with a 60-70% absence rate", "Jancis Andrew", "Project Brief March 2011", note],
  ]);
  workbook.addWorksheet("Milestones").addRows([
    ["Ref", "Milestone", "Due", "Evidence"],
    ["ATT-1.1", "Project brief agreed", "March 2011", evidence],
    ...(extraMilestone.length ? [extraMilestone] : []),
  ]);
  await workbook.xlsx.writeFile(file);
  return file;
}

describe.each(kindsUnderTest())("curve import with personal data in the file, on %s", (kind) => {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-import-guard-e2e-"));
  let env: Record<string, string>;
  let t: TestDatabase | undefined;
  let planted: string;
  let fixed: string;
  const counts = async () => {
    const run = await curve(["status", "--json"], env);
    expect(run.code, run.stderr).toBe(0);
    const { partnerships, actions, milestones, people } = (JSON.parse(run.stdout) as { counts: Record<string, number> }).counts;
    return { partnerships, actions, milestones, people };
  };
  const NONE = { partnerships: 0, actions: 0, milestones: 0, people: 0 };
  /** Whether the planner has statistics on a table of Curve's (pg_stats), read once curve has exited. */
  const analysed = async (table: string) => {
    const read = async (db: Database) =>
      (await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stats WHERE tablename = $1 AND schemaname = current_schema()`, [table]))[0]!.n > 0;
    if (t) return read(t.db);
    const db = await openDatabase({ dataDir: env.DATA_DIR! });
    try {
      return await read(db);
    } finally {
      await db.close();
    }
  };

  beforeAll(async () => {
    if (kind === "postgresql") {
      t = await openTestDatabase("postgresql");
      env = { DATABASE_URL: t.url! };
    } else env = { DATA_DIR: path.join(dir, "data") };
    planted = await writeXlsx(path.join(dir, "our-plan.xlsx"), `Referral form, NHS no ${NHS_SPACED}`, `Home visit at ${POSTCODE}`);
    fixed = await writeXlsx(path.join(dir, "our-plan-fixed.xlsx"), "Referral form filed in the case system", `Family hub session at ${POSTCODE}`);
    expect((await curve(["migrate"], env)).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists each held cell, masked, exits 1 and writes nothing, with or without --dry-run", async () => {
    for (const extra of [["--dry-run"], []]) {
      const run = await curve(["import", planted, "--partnership", "our-council", ...extra], env);
      expect(run.code).toBe(1);
      // Progress lines ("reading Actions: 2") come first; then the held cells, one line each.
      expect(run.stderr.trim().split("\n").filter((line) => !line.startsWith("reading "))).toEqual([
        `Actions!E2 (row 2, column E "Note"): a home postcode (BD7 •••); fix the file or confirm`,
        `Milestones!D2 (row 2, column D "Evidence"): an NHS number (••• ••• ••${NHS.slice(8)}); fix the file`,
        `2 cells in our-plan.xlsx may hold a child's personal data: nothing was imported. Remove it from the file where it says "fix the file" (a coordinator can change what the guard checks with /curve privacy) and import again, or, if no child's personal data remains in that cell, confirm it by re-running with --confirm-personal-data 'Actions!E2'.`,
      ]);
      for (const output of [run.stdout, run.stderr]) for (const raw of [NHS_SPACED, NHS, POSTCODE]) expect(output).not.toContain(raw);
      expect(await counts()).toEqual(NONE);
    }
  }, 60_000);

  it("counts the file's other problems without listing them while a cell is held, also in --json", async () => {
    const file = await writeXlsx(path.join(dir, "with-problems.xlsx"), `NHS ${NHS}`, "Reviewed at the cluster meeting", ["ATT-9.1", "Orphan milestone", "March 2011", ""]);
    const run = await curve(["import", file, "--partnership", "our-council"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Milestones!D2 (row 2, column D "Evidence"): an NHS number (••••••••${NHS.slice(8)}); fix the file\n`);
    expect(run.stderr).toContain("The file has 1 other problem too; Curve lists it once no cell is held.");
    const json = await curve(["import", file, "--partnership", "our-council", "--json"], env);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { held: { ref: string; findings: { masked: string }[] }[]; problems: unknown[]; unlistedProblems: number; applied: boolean };
    expect(report.held.map((c) => [c.ref, c.findings.map((f) => f.masked)])).toEqual([["Milestones!D2", [`••••••••${NHS.slice(8)}`]]]);
    expect([report.problems, report.unlistedProblems, report.applied]).toEqual([[], 1, false]);
    for (const output of [run.stdout, run.stderr, json.stdout, json.stderr]) expect(output).not.toContain(NHS);
    expect(await counts()).toEqual(NONE);
  }, 60_000);

  it("refuses a confirmation that is not a list of cells, in one sentence with exit code 2", async () => {
    const run = await curve(["import", fixed, "--partnership", "our-council", "--confirm-personal-data", "E2"], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`--confirm-personal-data: "E2" is not a cell address; write each cell as Sheet!E12 ('Sheet name'!E12 when the name has spaces), separated by commas.\n`);
    expect(await counts()).toEqual(NONE);
  }, 60_000);

  it("imports the fixed file once its listed cell is confirmed", async () => {
    const held = await curve(["import", fixed, "--partnership", "our-council"], env);
    expect(held.code).toBe(1);
    expect(held.stderr).toContain(`--confirm-personal-data 'Actions!E2'`);
    expect(await analysed("milestone")).toBe(false);
    const run = await curve(["import", fixed, "--partnership", "our-council", "--confirm-personal-data", "Actions!E2"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Imported into partnership our-council (new).");
    expect(run.stdout).toContain("Confirmed as holding no child's personal data (recorded in the audit, without the values): Actions!E2.");
    expect(await counts()).toEqual({ partnerships: 1, actions: 1, milestones: 1, people: 1 });
    // The plan just loaded has its planner statistics: the embedded database never gathers them itself.
    expect(await analysed("milestone")).toBe(true);
  }, 60_000);
});
