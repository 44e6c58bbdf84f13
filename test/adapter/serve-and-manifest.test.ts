import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { slackManifest } from "../../src/adapters/slack/manifest.ts";
import { readConfig } from "../../src/bot/config.ts";
import { startServer } from "../../src/bot/serve.ts";
import { COMMAND_TABLE } from "../../src/commands/command-table.ts";

describe("curve serve without chat credentials", () => {
  it("answers health and readiness, leaves both adapters off, and 404s anything else", async () => {
    const server = await startServer(readConfig({ PORT: "0", DATA_DIR: "memory://", LOG_LEVEL: "silent" }));
    try {
      expect(server.adapters).toEqual([]);
      expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true, database: "pglite", adapters: [] });
      expect((await fetch(`${server.url}/slack/events`, { method: "POST", body: "x" })).status).toBe(404);
      expect((await fetch(`${server.url}/api/messages`, { method: "POST", body: "{}" })).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe("the Slack app manifest", () => {
  it("fills in Curve's address for every slash command, interactivity and events", () => {
    const manifest = parse(slackManifest("https://curve.leeds.example/"));
    const commands = manifest.features.slash_commands as { command: string; url: string; should_escape: boolean }[];
    // Every family with subcommands, and nothing Curve lacks (help and whoami are /curve's in Slack).
    const families = COMMAND_TABLE.filter((f) => f.direct === undefined).map((f) => `/${f.name}`);
    expect(commands.map((c) => c.command).sort()).toEqual(families.sort());
    expect(commands.map((c) => c.command)).toContain("/report");
    for (const c of commands) {
      expect(c.url).toBe("https://curve.leeds.example/slack/events");
      expect(c.should_escape).toBe(true);
    }
    expect(manifest.settings.interactivity.request_url).toBe("https://curve.leeds.example/slack/events");
    expect(manifest.settings.event_subscriptions.request_url).toBe("https://curve.leeds.example/slack/events");
    expect(manifest.settings.event_subscriptions.bot_events).toContain("app_home_opened");
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(["commands", "chat:write", "users:read", "users:read.email"]));
    expect(JSON.stringify(manifest)).not.toContain("curve.example.org");
  });

  it("refuses an address Slack would not call", () => {
    expect(() => slackManifest("http://curve.leeds.example")).toThrow(/https/);
    expect(() => slackManifest("not a url")).toThrow();
  });
});
