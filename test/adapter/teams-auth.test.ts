import { generateKeyPairSync, sign } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { tenantAccepted, tenantPolicy } from "../../src/adapters/teams/tenant-gate.ts";
import { readConfig } from "../../src/bot/config.ts";
import { startServer } from "../../src/bot/serve.ts";
import { activity, startTeamsServer, TENANT, type TeamsServer } from "../support/teams-server.ts";
import { captureLog } from "../support/log-capture.ts";

const APP_ID = "0b3c6c8f-6e2a-4d4f-9a59-3c1a2b7e9d10";
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A token shaped exactly like the Bot Connector's, signed with a key Microsoft never issued. */
function forgedToken(serviceUrl: string): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  const header = base64url({ alg: "RS256", typ: "JWT", kid: "forged-key", x5t: "forged-key" });
  const claims = base64url({ iss: "https://api.botframework.com", aud: APP_ID, serviceurl: serviceUrl, nbf: now - 60, exp: now + 3600 });
  return `${header}.${claims}.${sign("RSA-SHA256", Buffer.from(`${header}.${claims}`), privateKey).toString("base64url")}`;
}

describe("Teams with credentials set: requests without a valid Bot Framework token", () => {
  let t: TeamsServer;
  beforeAll(async () => {
    const startup = captureLog();
    try {
      // CURVE_TEAMS_ALLOW_UNAUTHENTICATED cannot turn authentication off once credentials are set.
      t = await startTeamsServer("pglite", {
        MICROSOFT_APP_ID: APP_ID,
        MICROSOFT_APP_PASSWORD: "not-a-real-secret",
        CURVE_TEAMS_ALLOW_UNAUTHENTICATED: "1",
        LOG_LEVEL: "info",
      });
    } finally {
      startup.restore();
    }
  });
  afterAll(async () => t?.close());
  afterEach(() => vi.restoreAllMocks());

  it("are refused with 401 (no token, alg:none, a forged RS256 token), the cause logged, and nothing done", async () => {
    const message = activity("message.personal", t.fake, { as: "jancis", text: "milestone done ATT-4.1 model agreed" });
    const unsigned = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ iss: "https://api.botframework.com", aud: APP_ID, serviceurl: t.fake.url, exp: Math.floor(Date.now() / 1000) + 600 })}.`;
    const log = captureLog();
    const responses = [
      await t.post(message),
      await t.post(message, { authorization: `Bearer ${unsigned}` }),
      await t.post(message, { authorization: `Bearer ${forgedToken(t.fake.url)}` }),
    ];
    log.restore();
    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: "Unauthorized." });
    }
    const refusals = log.lines.filter((l) => String(l.message).startsWith("teams request refused"));
    expect(refusals).toHaveLength(3);
    for (const refusal of refusals) expect(refusal).toMatchObject({ status: 401, cause: expect.stringMatching(/\S/) });
    expect(JSON.stringify(log.lines)).not.toContain("not-a-real-secret");
    expect(log.lines.filter((l) => "notJson" in l)).toEqual([]);
    expect(t.fake.calls).toEqual([]);
    const milestone = await t.server.runtime.db.prisma.milestone.findFirstOrThrow({ where: { ref: "ATT-4.1", action: { plan: { partnershipId: t.partnershipId } } } });
    expect(milestone.doneAt).toBeNull();
  });
});

describe("Teams configuration", () => {
  it("is off, and says why, with neither credentials nor the emulator switch", async () => {
    const log = captureLog();
    const server = await startServer(readConfig({ DATA_DIR: "memory://", PORT: "0", LOG_LEVEL: "info" }));
    log.restore();
    try {
      expect(server.adapters.map((a) => a.platform)).not.toContain("teams");
      expect(log.lines).toContainEqual(expect.objectContaining({ message: "teams adapter off", reason: expect.stringContaining("MICROSOFT_APP_ID") }));
      const response = await fetch(`${server.url}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(response.status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("warns at start when it will answer any tenant, and runs unauthenticated only for the emulator", async () => {
    const log = captureLog();
    const server = await startServer(readConfig({ DATA_DIR: "memory://", PORT: "0", LOG_LEVEL: "info", CURVE_TEAMS_ALLOW_UNAUTHENTICATED: "1" }));
    log.restore();
    try {
      // At warn, so LOG_LEVEL=warn still shows them.
      expect(log.lines).toContainEqual(expect.objectContaining({ level: "warn", message: "teams adapter accepts every Microsoft 365 tenant" }));
      expect(log.lines).toContainEqual(expect.objectContaining({ level: "warn", message: "teams adapter runs unauthenticated" }));
    } finally {
      await server.close();
    }
  });

  it("answers only the app's own tenant when single-tenant, else the listed ones, else any", () => {
    const single = tenantPolicy({ appTenantId: TENANT, allowedTenants: ["other-tenant"] });
    expect(tenantAccepted(single, TENANT.toUpperCase())).toBe(true);
    expect(tenantAccepted(single, "other-tenant")).toBe(false);
    const listed = tenantPolicy({ appTenantId: undefined, allowedTenants: [TENANT, "other-tenant"] });
    expect(tenantAccepted(listed, "other-tenant")).toBe(true);
    expect(tenantAccepted(listed, "third-tenant")).toBe(false);
    expect(tenantAccepted(tenantPolicy({ appTenantId: undefined, allowedTenants: [] }), "anyone")).toBe(true);
  });
});
