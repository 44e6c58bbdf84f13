import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindsUnderTest, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { curve } from "../support/run-curve.ts";

describe.each(kindsUnderTest())("curve on %s, end to end", (kind) => {
  let env: Record<string, string | undefined>;
  let t: TestDatabase | undefined;
  beforeAll(async () => {
    if (kind === "pglite") {
      env = { DATA_DIR: mkdtempSync(path.join(tmpdir(), "curve-e2e-")) };
    } else {
      t = await openTestDatabase("postgresql");
      env = { DATABASE_URL: t.url };
    }
  });
  afterAll(async () => t?.close());

  it("starts on an empty database: migrates, loads the demo, and takes piped commands", async () => {
    const refused = await curve(
      ["start", "--as", "Mary Brittle"],
      env,
      "/milestone done ATT-5.1 Script agreed with cluster chairs\n/milestone list action ATT-5\n",
    );
    expect(refused.code).toBe(0);
    expect(refused.stdout).toContain("✗ You can't change ATT-5.");
    expect(refused.stdout).toContain("ATT-5.1 · Dissemination in September 2011");
    // A database holding only the demo runs on the demo's clock (Monday 26 September 2011), so
    // the plan's milestones are due, not fifteen years overdue.
    expect(refused.stdout).toMatch(/due in \d+ days? \(30 Sep 2011\)/);
    expect(refused.stdout).not.toMatch(/at .*\.ts:\d+/);

    const done = await curve(
      ["shell", "--as", "Jancis Andrew"],
      env,
      "/milestone done ATT-5.1 Script agreed with cluster chairs\n/action history ATT-5\n",
    );
    expect(done.code).toBe(0);
    expect(done.stdout).toContain("✓ ATT-5.1 done");
    expect(done.stdout).toContain('Jancis Andrew marked ATT-5.1 done: "Script agreed with cluster chairs"');
    expect(done.stdout).toContain("via shell");
  });

  it("reports status as JSON: 40+ CYPP actions, 15 PIAP areas and 16 indicators", async () => {
    const run = await curve(["status", "--json"], env);
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout);
    expect(status.database.kind).toBe(kind);
    expect(status.migrations.pending).toEqual([]);
    expect(status.migrations.applied.length).toBeGreaterThan(0);
    const plans = Object.fromEntries(status.plans.map((p: { key: string; actions: number }) => [p.key, p.actions]));
    expect(plans["cypp-2011-15"]).toBeGreaterThanOrEqual(40);
    expect(plans["piap-2015"]).toBe(15);
    // The CYPP's 15, with attendance kept as primary and secondary.
    expect(status.counts.indicators).toBe(16);
    expect(status.counts).toMatchObject({ plans: 2, pledges: 0 });
    expect(status.counts.people).toBeGreaterThan(50);
    if (kind === "postgresql") expect(run.stdout).not.toContain("secret");
  });

  it("loads the demo again without changing anything", async () => {
    const before = JSON.parse((await curve(["status", "--json"], env)).stdout);
    const seed = await curve(["seed", "--demo"], env);
    expect(seed.code).toBe(0);
    expect(seed.stdout).toContain("nothing new");
    const after = JSON.parse((await curve(["status", "--json"], env)).stdout);
    expect(after.counts).toEqual(before.counts);
  });

  it("says clearly when it cannot tell who you are", async () => {
    const unknown = await curve(["shell", "--as", "Nobody Atall"], env, "/whoami\n");
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('No one called "Nobody Atall"');
    const vague = await curve(["shell", "--as", "Andrea"], env, "/whoami\n");
    expect(vague.code).toBe(2);
    expect(vague.stdout).toMatch(/could be .*Andrea Cowans.*Andrea Richardson/);
    const partial = await curve(["shell", "--as", "jancis"], env, "/whoami\n");
    expect(partial.stdout).toContain("• Jancis Andrew");
    const none = await curve(["shell"], env, "/whoami\n");
    expect(none.code).toBe(2);
    expect(none.stdout).toContain("--as");
  });
});

describe("curve's command line", () => {
  it("rejects bad configuration with a sentence naming the variable, not a stack trace", async () => {
    const run = await curve(["status"], {
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "curve-e2e-")),
      PORT: "eighty",
      TZ_DEFAULT: "Mars/Olympus",
      DATABASE_POOL_SIZE: "0",
      CURVE_DELIVERY_RETENTION_DAYS: "7",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("PORT must be a port number from 0 to 65535, e.g. 3000");
    expect(run.stderr).toContain("TZ_DEFAULT must be an IANA time zone");
    expect(run.stderr).toContain("DATABASE_POOL_SIZE must be at least 1");
    expect(run.stderr).toContain("CURVE_DELIVERY_RETENTION_DAYS must be a number of days from 30 to 36500 (e.g. 400), or forever");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("says in one sentence when a file cannot be written or the database cannot be reached", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "curve-e2e-"));
    const missing = path.join(dir, "no-such-folder", "plan.xlsx");
    expect((await curve(["seed", "--demo"], { DATA_DIR: path.join(dir, "data") })).code).toBe(0);
    const written = await curve(["export", "--xlsx", missing], { DATA_DIR: path.join(dir, "data") });
    expect(written.code).toBe(1);
    expect(written.stderr).toBe(`curve: cannot open ${missing}: it, or the folder it is in, does not exist.\n`);
    // Port 1: nothing listens there.
    const unreachable = await curve(["status"], { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/none" });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe("curve: cannot connect to 127.0.0.1:1: nothing is listening there. Check DATABASE_URL and that PostgreSQL is running there.\n");
  });

  it("stops quietly when what reads its output stops reading", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "curve-e2e-"));
    // Far more than a pipe holds, so the shell is still writing when the reader goes.
    const commands = "/action show ATT-1\n".repeat(400);
    const { spawn } = await import("node:child_process");
    const bin = new URL("../../bin/curve.js", import.meta.url).pathname;
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    const child = spawn(process.execPath, [bin, "start", "--as", "Simon Flowers"], { env: { ...inherited, LOG_LEVEL: "error", DATA_DIR: dir }, stdio: "pipe" });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.end(commands);
    // The reader takes the first answer, then goes, as `| head` does.
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    // Only what a first run says on stderr (the demo loading), never an EPIPE or a stack.
    expect(stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(code).toBe(0);
  });

  it("answers an unknown subcommand with usage and exit code 2", async () => {
    const run = await curve(["frobnicate"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Usage: curve <command>");
  });
});
