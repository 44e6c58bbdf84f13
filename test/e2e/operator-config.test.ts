import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { curve } from "../support/run-curve.ts";

/** The real `curve` bin in a working directory of the test's own, with no .env file named. */
const curveIn = (cwd: string, args: string[], env: Record<string, string>) => curve(args, { CURVE_ENV_FILE: undefined, ...env }, "", { cwd });

/**
 * An operator's environment file as Docker's --env-file or a Kubernetes manifest hands it over:
 * quotes and Windows line endings arrive as part of the values. Curve refuses them by name, in
 * one line per variable, before it opens (or makes) anything.
 */
describe("configuration values with stray quotes or spaces, end to end", () => {
  const cwd = mkdtempSync(path.join(tmpdir(), "curve-operator-config-"));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  const dataDir = path.join(cwd, "data");

  it("refuses a quoted DATA_DIR rather than make a data directory named with the quotes", async () => {
    const run = await curveIn(cwd, ["status"], { DATA_DIR: `"${dataDir}"` });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "curve: Curve's configuration is not valid:\n  DATA_DIR is wrapped in quotes, which were passed on as part of the value (Docker's --env-file and Kubernetes keep them); remove the quotes\n",
    );
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("names a quoted secret or a Windows line ending without printing the secret", async () => {
    const run = await curveIn(cwd, ["status"], {
      DATA_DIR: dataDir,
      SLACK_SIGNING_SECRET: "'8f14e45fceea167a5a36dedd4bea2543'",
      SLACK_BOT_TOKEN: "xoxb-1234-5678-abcdefgh\r",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("SLACK_SIGNING_SECRET is wrapped in quotes");
    expect(run.stderr).toContain("SLACK_BOT_TOKEN has spaces or a line break at its start or end (a Windows line ending: save the file with Unix line endings); remove them");
    expect(run.stderr).not.toContain("8f14e45f");
    expect(run.stderr).not.toContain("abcdefgh");
    expect(existsSync(dataDir)).toBe(false);
  });

  it("refuses a CURVE_SWEEP_SCHEDULE that is not cron before the database is made or migrated", async () => {
    const run = await curveIn(cwd, ["migrate"], { DATA_DIR: dataDir, CURVE_SWEEP_SCHEDULE: "every 15 minutes" });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("curve: Curve's configuration is not valid:\n  CURVE_SWEEP_SCHEDULE must be a cron expression in UTC, e.g. */15 * * * * (every 15 minutes)\n");
    expect(existsSync(dataDir)).toBe(false);
  });

  it("refuses a CURVE_PUBLIC_URL that no link could be built on", async () => {
    for (const value of ["ftp://curve.leeds.gov.uk", "https://curve.leeds.gov.uk/?from=proxy", "https://curve.leeds.gov.uk/#home"]) {
      const run = await curveIn(cwd, ["status"], { DATA_DIR: dataDir, CURVE_PUBLIC_URL: value });
      expect(run.code, value).toBe(1);
      expect(run.stderr, value).toBe(
        "curve: Curve's configuration is not valid:\n  CURVE_PUBLIC_URL must be the https address curve serve is reached at, with no ? or # part, e.g. https://curve.your-council.gov.uk (a path is kept: https://intranet.your-council.gov.uk/curve)\n",
      );
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it("still takes plain values, and a working-day cron", async () => {
    const run = await curveIn(cwd, ["status", "--json"], { DATA_DIR: dataDir, CURVE_SWEEP_SCHEDULE: "0 9 * * 1-5", PORT: "3000", CURVE_PUBLIC_URL: "https://intranet.leeds.gov.uk/curve/" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ database: { kind: "pglite" } });
  });
});
