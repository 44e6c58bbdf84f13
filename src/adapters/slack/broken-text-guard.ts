import { createHmac, timingSafeEqual } from "node:crypto";
import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import express, { type NextFunction, type Request, type Response } from "express";
import { errorReply } from "../../commands/error-reply.ts";
import type { Logger } from "../../commands/context.ts";
import { brokenTextError } from "../../domain/user-text.ts";
import { reply } from "../../domain/reply.ts";
import { formBodyIsUtf8, hasIllFormedText, bodyIsUtf8 } from "../chat/broken-text.ts";
import { renderReply } from "./block-kit.ts";
import { answerPrivately } from "./private-answer.ts";
import { MAX_SKEW_SECONDS } from "./request-guard.ts";

/** The context key the raw-body check leaves for Bolt (a custom property, so not one of Bolt's own). */
export const BROKEN_TEXT_PROPERTY = "curveBrokenText";

// Bolt's own default limit for a request body.
const BODY_LIMIT = "4mb";

type RawRequest = Request & { rawBody?: Buffer; [BROKEN_TEXT_PROPERTY]?: boolean };

/**
 * Reads a /slack/events body as bytes before Bolt does, and notes whether it is valid UTF-8
 * (form fields once percent-decoded; JSON as sent). Bolt decodes invalid bytes to U+FFFD
 * without a word, so this is the only place they can be seen. The bytes are handed on as
 * `req.rawBody`, which Bolt reads instead of the stream, so its signature check is unchanged;
 * the verdict reaches Bolt's context through `brokenTextProperty`.
 *
 * Bytes that are invalid as sent (not inside a %XX escape) are answered here: Bolt checks the
 * signature over its decoded string, which is not what Slack signed, so it would answer 401.
 * A request signed over those bytes gets the one sentence (a slash command) or a bare 200.
 */
export function readRawBody(signingSecret: string, log: Logger) {
  const raw = express.raw({ type: () => true, limit: BODY_LIMIT });
  return (req: Request, res: Response, next: NextFunction): void => {
    raw(req, res, (error?: unknown) => {
      if (error) return next(error);
      const request = req as RawRequest;
      if (!Buffer.isBuffer(req.body)) return next();
      const bytes = req.body;
      request.rawBody = bytes;
      const form = (req.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded");
      if (!bodyIsUtf8(bytes)) {
        if (!signedBySlack(signingSecret, req, bytes)) return next();
        log.info("slack request refused", { cause: "text not valid UTF-8" });
        const command = form && /(?:^|&)command=/.test(bytes.toString("latin1"));
        if (command) return void res.json({ response_type: "ephemeral", ...renderReply(errorReply(brokenTextError())) });
        return void res.status(200).send();
      }
      request[BROKEN_TEXT_PROPERTY] = form && !formBodyIsUtf8(bytes);
      next();
    });
  };
}

/** What a person is told when Curve cannot take Slack requests yet (see untilStarted). */
export const NOT_CONNECTED = "Curve cannot reach Slack just now, so it cannot act on this; nothing was changed. Try again in a few minutes.";

/**
 * While the Slack adapter has not started (Slack's Web API unreachable, or the token refused:
 * curve serve keeps retrying), Bolt cannot take a request. A request signed by Slack is answered
 * here: a slash command with the one sentence NOT_CONNECTED, anything else 503 with Retry-After,
 * so Slack sends its events again. Unsigned requests and Slack's URL check go on to Bolt as ever.
 * Runs after readRawBody (it reads `req.rawBody`).
 */
export function untilStarted(signingSecret: string, started: () => boolean, log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const bytes = (req as RawRequest).rawBody;
    if (started() || !bytes || !signedBySlack(signingSecret, req, bytes)) return next();
    const form = (req.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded");
    const body = bytes.toString("utf8");
    if (!form && /"type"\s*:\s*"url_verification"/.test(body)) return next();
    log.info("slack request refused", { cause: "the Slack adapter has not started" });
    if (form && /(?:^|&)command=/.test(body)) return void res.json({ response_type: "ephemeral", ...renderReply(reply("error", NOT_CONNECTED)) });
    res.status(503).set("Retry-After", "60").json({ error: NOT_CONNECTED });
  };
}

/** Slack's v0 signature over the bytes as sent, within Slack's five minutes (api.slack.com/authentication/verifying-requests-from-slack). */
function signedBySlack(secret: string, req: Request, bytes: Buffer): boolean {
  const timestamp = req.get("x-slack-request-timestamp") ?? "";
  const signature = Buffer.from(req.get("x-slack-signature") ?? "");
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return false;
  const expected = Buffer.from(`v0=${createHmac("sha256", secret).update(`v0:${timestamp}:`).update(bytes).digest("hex")}`);
  return signature.length === expected.length && timingSafeEqual(signature, expected);
}

/** For ExpressReceiver's customPropertiesExtractor: the raw-body verdict, into Bolt's context. */
export const brokenTextProperty = (req: Request): Record<string, boolean> => ({ [BROKEN_TEXT_PROPERTY]: (req as RawRequest)[BROKEN_TEXT_PROPERTY] === true });

/**
 * Bolt global middleware, after Slack's signature is checked: a request whose bytes were not
 * valid UTF-8, or whose JSON holds a lone surrogate ("\ud800", which has no UTF-8 form), is
 * answered with one sentence and goes no further, so nothing changes. A slash command gets it
 * as its ephemeral answer; a button press through its response_url; a modal under its first
 * field; an event (acknowledged already) is only logged.
 */
export function refuseBrokenText(log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    if (args.context[BROKEN_TEXT_PROPERTY] !== true && !hasIllFormedText(args.body)) return args.next();
    const body = args.body as { type?: string; command?: string; view?: { state?: { values?: Record<string, unknown> } } };
    log.info("slack request refused", { cause: "text not valid UTF-8", kind: body.command ? "command" : (body.type ?? "unknown") });
    const answer = errorReply(brokenTextError());
    const ack = "ack" in args ? (args.ack as (response?: unknown) => Promise<void>) : undefined;
    if (body.command) return ack?.({ response_type: "ephemeral", ...renderReply(answer) });
    if (body.type === "view_submission") {
      const field = Object.keys(body.view?.state?.values ?? {}).find((id) => !hasIllFormedText(id));
      return ack?.(field ? { response_action: "errors", errors: { [field]: answer.heading } } : undefined);
    }
    await ack?.();
    if (body.type === "block_actions") {
      const press = args.body as { response_url?: string; channel?: { id?: string }; user?: { id?: string } };
      if (!press.user?.id) return;
      const to = { responseUrl: press.response_url, channelId: press.channel?.id, userId: press.user.id };
      await answerPrivately({ client: args.client, log }, to, { response_type: "ephemeral", replace_original: false, ...renderReply(answer) });
    }
  };
}
