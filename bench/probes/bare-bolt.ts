// The baseline for Slack latency: a Bolt 5 app on the same HTTP receiver that only acks.
import { createServer } from "node:http";
import { App, ExpressReceiver, LogLevel } from "@slack/bolt";
import express from "express";

const [port, secret] = [Number(process.argv[2]), process.argv[3]!];
const app = express();
const receiver = new ExpressReceiver({ signingSecret: secret, router: express.Router(), app, processBeforeResponse: false, logLevel: LogLevel.ERROR });
const bolt = new App({ receiver, token: "xoxb-bench", tokenVerificationEnabled: false, botId: "B1", botUserId: "U0", logLevel: LogLevel.ERROR });
bolt.command("/milestone", async ({ ack }) => ack({ response_type: "ephemeral", text: "ok" }));
createServer(app).listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
