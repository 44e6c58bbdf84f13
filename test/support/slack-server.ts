import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrate } from "../../src/adapters/db/migrator.ts";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";
import { readConfig } from "../../src/bot/config.ts";
import { startServer, type RunningServer } from "../../src/bot/serve.ts";
import { loadDemo, openTestDatabase, type DatabaseKindUnderTest, type TestDatabase } from "./databases.ts";
import type { FakeSlack } from "./fake-slack.ts";

export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

export const fixture = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, "..", "fixtures", "slack", `${name}.json`), "utf8")) as T;

/**
 * `curve serve` with the Leeds demo loaded and Slack's Web API pointed at the fake.
 * `before` runs on the database before the server starts (what another process did earlier).
 */
export async function startSlackServer(
  kind: DatabaseKindUnderTest,
  fake: FakeSlack,
  extraEnv: Record<string, string> = {},
  before?: (db: Database, partnershipId: number) => Promise<void>,
): Promise<{ server: RunningServer; close(): Promise<void> }> {
  let env: Record<string, string>;
  let t: TestDatabase | undefined;
  if (kind === "pglite") {
    const dataDir = mkdtempSync(path.join(tmpdir(), "curve-slack-"));
    const db = await openDatabase({ dataDir });
    await migrate(db.sql);
    const partnershipId = await loadDemo(db, "leeds");
    await before?.(db, partnershipId);
    await db.close();
    env = { DATA_DIR: dataDir };
  } else {
    t = await openTestDatabase("postgresql");
    const partnershipId = await loadDemo(t.db, "leeds");
    await before?.(t.db, partnershipId);
    env = { DATABASE_URL: t.url! };
  }
  const server = await startServer(
    readConfig({ ...env, PORT: "0", LOG_LEVEL: "silent", SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: "xoxb-test-token", SLACK_API_URL: `${fake.url}/api/`, ...extraEnv }),
  );
  return {
    server,
    async close() {
      await server.close();
      await t?.close();
    },
  };
}

/** Waits for something that happens after Curve has answered (a modal, a post, a home view). */
export async function eventually<T>(probe: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
