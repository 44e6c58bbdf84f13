import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindsUnderTest, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { curve } from "../support/run-curve.ts";

const REFRESH = ["plan", "refresh", "cypp-2011-15", "--to", "cypp-2015-19", "--period", "2015-19", "--now", "2015-04-01T09:00:00+01:00"];

describe.each(kindsUnderTest())("curve plan refresh, the real bin, on %s", (kind) => {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-plan-refresh-e2e-"));
  let env: Record<string, string>;
  let t: TestDatabase | undefined;
  const status = async () => {
    const run = await curve(["status", "--json"], env);
    expect(run.code, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as { counts: { plans: number; actions: number; indicators: number }; plans: { key: string; actions: number; milestones: number }[] };
    return { counts: parsed.counts, plans: parsed.plans.map((p) => `${p.key}: ${p.actions}/${p.milestones}`) };
  };

  beforeAll(async () => {
    if (kind === "postgresql") {
      t = await openTestDatabase("postgresql");
      env = { DATABASE_URL: t.url! };
    } else env = { DATA_DIR: path.join(dir, "data") };
    const seeded = await curve(["seed", "--demo"], env);
    expect(seeded.code, seeded.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses bad input in one sentence, and a dry run prints the plan of work and writes nothing", async () => {
    const start = await status();
    const cases: [string[], number, string][] = [
      [["plan", "refresh", "cypp-2011-15", "--to", "cypp-2015-19"], 2, "Usage: curve plan refresh <plan>"],
      [["plan", "refresh", "cypp-2099", "--to", "cypp-2015-19", "--period", "2015-19"], 1, 'There is no plan "cypp-2099"; the plans are cypp-2011-15, piap-2015.\n'],
      [["plan", "refresh", "cypp-2011-15", "--to", "cypp-2015-19", "--period", "next year"], 1, '"next year" is not a plan period; give its years, e.g. --period 2015-19.\n'],
      [["plan", "refresh", "cypp-2011-15", "--to", "piap-2015", "--period", "2015-19"], 1, "There is already a plan piap-2015; choose another key with --to.\n"],
    ];
    for (const [args, code, said] of cases) {
      const run = await curve(args, env);
      expect(run.code, args.join(" ")).toBe(code);
      expect(run.stderr, args.join(" ")).toContain(said);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    const dry = await curve([...REFRESH, "--dry-run"], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("Would refresh cypp-2011-15 into cypp-2015-19 (Children and Young People's Plan 2015-19, 2015-04-01 to 2019-03-31):");
    expect(dry.stdout).toMatch(/42 open actions carried over with \d+ open milestones: LAC-1, /);
    expect(dry.stdout).toContain("Nothing was written (dry run).");
    expect(await status()).toEqual(start);
  }, 120_000);

  it("refreshes once, closes the old plan to chat changes and imports, and a second run changes nothing", async () => {
    const before = await status();
    const run = await curve(REFRESH, env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Refreshed cypp-2011-15 into cypp-2015-19");
    expect(run.stdout).toContain("cypp-2011-15 is now closed to changes; it stays readable.");
    const after = await status();
    expect(after.counts.plans).toBe(before.counts.plans + 1);
    expect(after.counts.actions).toBe(before.counts.actions + 42);
    expect(after.counts.indicators).toBe(before.counts.indicators);
    const old = before.plans.find((p) => p.startsWith("cypp-2011-15"))!;
    expect(after.plans).toContain(old);
    expect(after.plans).toContain(`cypp-2015-19: 42/${Number(old.split("/")[1])}`);

    const again = await curve(REFRESH, env);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("Children and Young People's Plan 2011-15 was already refreshed into cypp-2015-19; nothing changed.\n");
    expect(await status()).toEqual(after);

    const chat = await curve(["shell", "--as", "Nigel Richardson", "--now", "2015-04-02T09:00:00+01:00"], env, "/milestone done cypp-2011-15:ATT-4.1 model agreed\n/plan show cypp-2011-15\n/milestone done ATT-4.1 model agreed\n");
    expect(chat.code, chat.stderr).toBe(0);
    expect(chat.stdout).toContain("Children and Young People's Plan 2011-15 was refreshed into cypp-2015-19 on 1 Apr 2015; ATT-4 is carried over as ATT-4 there.");
    expect(chat.stdout).toContain("· 42 actions ·"); // /plan show of the closed plan still answers
    expect(chat.stdout).toContain("ATT-4.1 done");

    const file = path.join(dir, "into-the-old-plan.xlsx");
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet("Actions").addRows([
      ["Plan", "Ref", "Action", "Action Owner", "Milestone or Target"],
      ["cypp-2011-15", "ATT-8", "A late addition", "Jancis Andrew", "March 2015"],
    ]);
    await workbook.xlsx.writeFile(file);
    const imported = await curve(["import", file], env);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toContain("cypp-2011-15 was refreshed into cypp-2015-19 on 1 Apr 2015 and is closed to changes: import into cypp-2015-19 instead");
    const final = await status();
    expect(final.counts.actions).toBe(after.counts.actions);
  }, 180_000);
});
