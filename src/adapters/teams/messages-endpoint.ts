import { randomBytes } from "node:crypto";
import type { Activity, TurnContext } from "botbuilder";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { z } from "zod/v4";
import type { Logger } from "../../commands/context.ts";
import { hasIllFormedText, bodyIsUtf8 } from "../chat/broken-text.ts";
import type { CurveBotAdapter } from "./bot-adapter.ts";

export const TEAMS_MESSAGES_PATH = "/api/messages";

// What every activity Curve handles must carry; botbuilder and teams-ai assume these are there.
const Envelope = z.object({
  type: z.string().min(1).max(64),
  id: z.string().max(512).optional(),
  channelId: z.string().min(1).max(64),
  serviceUrl: z.string().regex(/^https?:\/\/[^\s]+$/).max(2048),
  from: z.object({ id: z.string().min(1).max(512) }),
  recipient: z.object({ id: z.string().min(1).max(512) }),
  conversation: z.object({ id: z.string().min(1).max(1024) }),
});

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

type ReadRequest = Request & { invalidUtf8?: boolean };

// body-parser decodes invalid UTF-8 to U+FFFD without a word: the bytes are checked as read.
const noteInvalidUtf8 = (req: Request, _res: Response, raw: Buffer): void => {
  if (!/charset=(?!"?utf-?8)/i.test(req.get("content-type") ?? "")) (req as ReadRequest).invalidUtf8 = !bodyIsUtf8(raw);
};

/**
 * POST /api/messages: the Bot Connector's activities in, each answered with a status
 * (and, for an invoke, a body). No failure sends more than a one-line JSON body back.
 * An authenticated activity whose bytes are not valid UTF-8, or whose strings hold a lone
 * surrogate ("\ud800"), goes to `refuseBrokenText` instead of the turn, so nothing changes.
 */
export function messagesRouter(
  adapter: CurveBotAdapter,
  run: (context: TurnContext) => Promise<void>,
  log: Logger,
  refuseBrokenText: (context: TurnContext) => Promise<void>,
): Router {
  const router = express.Router();
  router.post(TEAMS_MESSAGES_PATH, express.json({ limit: "256kb", verify: noteInvalidUtf8 }), async (req: Request, res: Response) => {
    const request = randomBytes(4).toString("hex");
    const body: unknown = req.body;
    if (!isRecord(body) || typeof body.type !== "string") {
      log.info("teams request refused", { request, status: 400, cause: "the body is not an activity" });
      return void res.status(400).json({ error: "The body must be a Bot Framework activity." });
    }
    const activity = body as unknown as Activity;
    const broken = (req as ReadRequest).invalidUtf8 === true || hasIllFormedText(body);
    try {
      const outcome = await adapter.processAuthenticated(activity, req.get("authorization") ?? "", problemWith, broken ? refuseBrokenText : run);
      if (outcome.kind === "refused") {
        // A bad token is routine noise; a token that could not be checked at all needs an operator.
        const fields = { request, status: 401, cause: outcome.cause };
        if (outcome.verifiable) log.info("teams request refused", fields);
        else log.error("teams request refused: the token could not be checked", fields);
        return void res.status(401).json({ error: "Unauthorized." });
      }
      if (outcome.kind === "malformed") {
        log.info("teams request refused", { request, status: 400, cause: `missing or malformed: ${outcome.problem}` });
        return void res.status(400).json({ error: "The activity is missing fields Curve needs." });
      }
      const response = outcome.response;
      res.status(response?.status ?? 200);
      if (response?.body === undefined) return void res.end();
      res.json(response.body);
    } catch (error) {
      log.error("teams turn failed", { request, activity: activity.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      res.status(500).json({ error: `Curve could not handle this activity (reference ${request}).` });
    }
  });
  // A body that is not JSON, or too large, never reaches the turn; Express would answer with a stack trace.
  router.use(TEAMS_MESSAGES_PATH, (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: number }).status ?? 400;
    log.info("teams request refused", { status, cause: error instanceof Error ? error.message : String(error) });
    res.status(status >= 400 && status < 500 ? status : 400).json({ error: "The body must be a JSON Bot Framework activity." });
  });
  return router;
}

function problemWith(activity: Activity): string | null {
  const envelope = Envelope.safeParse(activity);
  return envelope.success ? null : envelope.error.issues.map((i) => i.path.join(".") || "activity").join(", ");
}
