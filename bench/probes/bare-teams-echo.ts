// The baseline for Teams latency: a bare teams-ai 1.x app in emulator mode (no credentials) that
// answers every message by echoing its text, on express as Curve's /api/messages is.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Application, TeamsAdapter, type TurnState } from "@microsoft/teams-ai";
import { ActivityTypes } from "botbuilder";
import express from "express";

/** Starts the echo app on a free port of 127.0.0.1; close() stops it. */
export async function startBareTeamsEcho(): Promise<{ url: string; close(): Promise<void> }> {
  const adapter = new TeamsAdapter({});
  const bot = new Application<TurnState>({ adapter, startTypingTimer: false, longRunningMessages: false });
  bot.activity(ActivityTypes.Message, async (context) => void (await context.sendActivity(`echo: ${context.activity.text ?? ""}`)));
  const app = express();
  app.post("/api/messages", express.json({ limit: "256kb" }), async (req, res) => {
    await adapter.process(req, res, async (context) => void (await bot.run(context)));
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
