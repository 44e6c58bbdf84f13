import { readFileSync } from "node:fs";
import path from "node:path";
import type { ChatAdapter } from "../../src/adapters/chat/chat-adapter.ts";
import { readConfig } from "../../src/bot/config.ts";
import { startServer, type RunningServer } from "../../src/bot/serve.ts";
import { loadDemo, postgresUrlWithSchema, uniqueName, type DatabaseKindUnderTest } from "./databases.ts";
import { FakeConnector, type FakeMember } from "./teams-fake-connector.ts";

/** The demo's people as Teams users; the fixtures use these ids. */
export const TENANT = "4d1f2b9e-61c7-4b8a-9f57-0e2a3c4d5e6f";
export const PEOPLE = {
  jancis: { id: "29:1GcS4EfDMQUYUeL5P1Ue1xVZkF3rXsCf4mLqJfBm3D5kXcQ2oYzXn7yWfgVd3iH9Q", name: "Jancis Andrew", aadObjectId: "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", email: "jancis.andrew@example.org" },
  mary: { id: "29:1MbR7tT0uU3vV6wW9xX2yY5zZ8aA1bB4cC7dD0eE3fF6gG9hH2iI5jJ8kK1lL4mM7", name: "Mary Brittle", aadObjectId: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", email: "mary.brittle@example.org" },
  tony: { id: "29:1TaD2lArD9xKq0Lw8Jd5Mr3Ns6Pt1Qv7Rw4Sx0Ty2Uz8Va5Wb9Xc3Yd6Ze1Af4Bg7", name: "Tony Adlard", aadObjectId: "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f", email: "tony.adlard@example.org" },
  sue: { id: "29:1SuM4yPq7Rr2Ss5Tt8Uu1Vv4Ww7Xx0Yy3Zz6Aa9Bb2Cc5Dd8Ee1Ff4Gg7Hh0Ii3Jj6", name: "Sue May", aadObjectId: "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b", email: "sue.may@example.org" },
  nigel: { id: "29:1NrI3cC6hH9aA2rR5dD8sS1oO4nN7eE0lL3kK6jJ9iI2hH5gG8fF1eE4dD7cC0bB3", name: "Nigel Richardson", aadObjectId: "3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a", email: "nigel.richardson@example.org" },
  stranger: { id: "29:1StR4nG3rX9yZ2wV5uT8sR1qP4oN7mL0kJ3iH6gF9eD2cB5aZ8yX1wV4uT7sR0qP3", name: "Pat Stranger", aadObjectId: "9f0a1b2c-3d4e-4f5a-8b6c-7d8e9f0a1b2c", email: "pat.stranger@example.com" },
} satisfies Record<string, FakeMember>;
export type TeamsPerson = keyof typeof PEOPLE;

/** The demo's "now": early in the 2011-15 plan, as the integration tests use. */
export const DEMO_NOW = new Date("2011-09-12T10:00:00Z");

export type Activity = Record<string, unknown> & { id: string; type: string; serviceUrl: string; text?: string };

export const fixture = (name: string): Activity =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, "..", "fixtures", "teams", `${name}.json`), "utf8")) as Activity;

let sequence = 0;

/**
 * A fixture as this test sends it: to the fake connector, with a fresh id unless told,
 * and optionally from another of the demo's people or with other text.
 */
export function activity(
  name: string,
  fake: FakeConnector,
  change: { as?: TeamsPerson; text?: string; id?: string; verb?: string; data?: Record<string, unknown>; mention?: TeamsPerson } = {},
): Activity {
  const a = fixture(name);
  a.serviceUrl = fake.url;
  a.id = change.id ?? `${a.id}-${process.pid}-${++sequence}`;
  if (change.as) {
    const p = PEOPLE[change.as];
    a.from = { id: p.id, name: p.name, aadObjectId: p.aadObjectId };
  }
  if (change.text !== undefined) a.text = change.text;
  if (change.mention) {
    // As Teams sends a mention of a person: their connector id and name, not their Azure AD id.
    const p = PEOPLE[change.mention];
    a.entities = [...((a.entities as unknown[]) ?? []), { type: "mention", text: `<at>${p.name}</at>`, mentioned: { id: p.id, name: p.name } }];
  }
  if (change.verb !== undefined || change.data !== undefined) {
    const action = (a.value as { action: Record<string, unknown> }).action;
    if (change.verb !== undefined) action.verb = change.verb;
    if (change.data !== undefined) action.data = change.data;
  }
  return a;
}

export interface TeamsServer {
  server: RunningServer;
  fake: FakeConnector;
  partnershipId: number;
  teams: ChatAdapter & { sendToPerson: NonNullable<ChatAdapter["sendToPerson"]> };
  post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/**
 * `curve serve` with the Leeds demo as its only partnership (so a tenant binds to it on
 * first contact) and every demo person known to a fake Bot Connector.
 */
export async function startTeamsServer(kind: DatabaseKindUnderTest, env: Record<string, string> = { CURVE_TEAMS_ALLOW_UNAUTHENTICATED: "1" }): Promise<TeamsServer> {
  const fake = await FakeConnector.start();
  for (const person of Object.values(PEOPLE)) fake.addMember(person);
  const schema = kind === "postgresql" ? uniqueName("curve_teams") : undefined;
  const database = schema ? { DATABASE_URL: postgresUrlWithSchema(schema) } : { DATA_DIR: "memory://" };
  const server = await startServer(readConfig({ ...database, PORT: "0", LOG_LEVEL: "silent", ...env }), { clock: () => DEMO_NOW });
  const partnershipId = await loadDemo(server.runtime.db, "leeds");
  const teams = server.adapters.find((a) => a.platform === "teams") as TeamsServer["teams"];
  return {
    server,
    fake,
    partnershipId,
    teams,
    async post(body, headers = {}) {
      const response = await fetch(`${server.url}/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: kept as text, so a test can see it
      }
      return { status: response.status, body: parsed };
    },
    async close() {
      if (schema) await server.runtime.db.sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await server.close();
      await fake.close();
    },
  };
}
