import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proxyFor } from "../../src/adapters/http/outbound-proxy.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { FakeConnector } from "../support/teams-fake-connector.ts";
import { RecordingProxy } from "../support/recording-proxy.ts";

const BIN = fileURLToPath(new URL("../../bin/curve.js", import.meta.url));
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL("../fixtures/teams/message.personal.json", import.meta.url)), "utf8")) as Record<string, unknown>;

/** A throwaway certificate for 127.0.0.1 that the curve process trusts through NODE_EXTRA_CA_CERTS. */
function testCertificate(): { key: string; cert: string; certFile: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "curve-ca-"));
  const keyFile = path.join(dir, "key.pem");
  const certFile = path.join(dir, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE"], { stdio: "ignore" });
  return { key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8"), certFile };
}

/** Runs `curve serve` until `done` says it has seen enough, then stops it. */
async function serveUntil(env: Record<string, string>, done: (port: number) => Promise<boolean>): Promise<string> {
  const child = spawn(process.execPath, [BIN, "serve"], {
    env: { PATH: process.env.PATH, DATA_DIR: "memory://", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", NO_PROXY: "", no_proxy: "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  try {
    const started = Date.now();
    let port: number | undefined;
    for (;;) {
      if (Date.now() - started > 200_000) throw new Error(`timed out: ${stderr.slice(-1500)}`);
      port ??= (stderr.split("\n").filter((l) => l.includes('"curve serve listening"')).map((l) => JSON.parse(l) as { port: number })[0])?.port;
      if (port !== undefined && (await done(port))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
  return stderr;
}

describe("the outbound proxy", () => {
  const proxy = new RecordingProxy();
  beforeAll(async () => void (await proxy.start()));
  afterAll(async () => proxy.close());

  it("carries Slack's Web API calls to an https Slack through a CONNECT tunnel (HTTPS_PROXY)", async () => {
    const tls = testCertificate();
    const slack = await new FakeSlack("TPROXY").start({ tls });
    try {
      const host = new URL(slack.url).host;
      const log = await serveUntil(
        { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: tls.certFile, SLACK_SIGNING_SECRET: "8f742231b10e8888abcd99yyyzzz85a5", SLACK_BOT_TOKEN: "xoxb-proxy", SLACK_API_URL: `${slack.url}/api/` },
        async () => slack.callsTo("auth.test").length > 0,
      );
      expect(proxy.tunnels).toContain(host);
      expect(log).toContain('"outbound proxy on"');
    } finally {
      await slack.close();
    }
  }, 240_000);

  it("carries Slack's calls and the Bot Connector's replies to http targets (HTTP_PROXY)", async () => {
    const slack = await new FakeSlack("TPROXY2").start();
    const connector = await FakeConnector.start();
    try {
      // The fake's address ends in "/", as Teams' serviceUrls do.
      const activity = { ...fixture, serviceUrl: connector.url };
      let posted = false;
      await serveUntil(
        { HTTP_PROXY: proxy.url, SLACK_SIGNING_SECRET: "8f742231b10e8888abcd99yyyzzz85a5", SLACK_BOT_TOKEN: "xoxb-proxy", SLACK_API_URL: `${slack.url}/api/`, CURVE_TEAMS_ALLOW_UNAUTHENTICATED: "1" },
        async (port) => {
          if (!posted) {
            posted = true;
            await fetch(`http://127.0.0.1:${port}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
          }
          return slack.callsTo("auth.test").length > 0 && connector.calls.length > 0;
        },
      );
      // Forwarded or tunnelled, Slack's calls went through the proxy.
      const slackHost = new URL(slack.url).host;
      expect(proxy.requests.includes(`POST ${slack.url}/api/auth.test`) || proxy.tunnels.includes(slackHost)).toBe(true);
      expect(proxy.requests.some((r) => r.startsWith(`POST ${connector.url}v3/conversations/`))).toBe(true);
    } finally {
      await slack.close();
      await connector.close();
    }
  }, 240_000);
});

describe("which requests go through the proxy", () => {
  const settings = { httpProxy: "http://proxy:3128", httpsProxy: "http://secure-proxy:3128", noProxy: "localhost,.internal, db.council.gov.uk:5432,10.0.0.1" };
  it.each([
    ["https://slack.com/api/chat.postMessage", "http://secure-proxy:3128"],
    ["http://insecure.example.org/", "http://proxy:3128"],
    ["https://login.microsoftonline.com/x/oauth2/v2.0/token", "http://secure-proxy:3128"],
    ["http://localhost:3000/", null],
    ["https://curve.internal/", null],
    ["https://a.b.internal/", null],
    ["http://db.council.gov.uk:5432/", null],
    ["http://db.council.gov.uk:80/", "http://proxy:3128"],
    ["http://10.0.0.1/", null],
  ])("%s -> %s", (url, expected) => expect(proxyFor(new URL(url), settings)).toBe(expected));

  it("falls back to HTTP_PROXY for https, and NO_PROXY=* turns it off", () => {
    expect(proxyFor(new URL("https://slack.com/"), { httpProxy: "http://p:1", httpsProxy: undefined, noProxy: undefined })).toBe("http://p:1");
    expect(proxyFor(new URL("https://slack.com/"), { httpProxy: "http://p:1", httpsProxy: undefined, noProxy: "*" })).toBeNull();
  });
});
