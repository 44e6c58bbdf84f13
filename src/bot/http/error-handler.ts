import { randomBytes } from "node:crypto";
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "../../commands/context.ts";
import { withLogContext } from "../logger.ts";
import { logPath } from "../../adapters/http/log-path.ts";
import { isDatabaseUnreachable } from "../../commands/error-reply.ts";

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * Gives each request an id (the proxy's X-Request-Id when it is a sane token, else a new
 * one), echoes it back, and runs the rest of the request inside it, so every log line the
 * request causes carries `request`.
 */
export function requestIds(): RequestHandler {
  return (req, res, next) => {
    const offered = req.get("x-request-id");
    const id = offered && REQUEST_ID.test(offered) ? offered : randomBytes(6).toString("hex");
    res.locals.requestId = id;
    res.set("x-request-id", id);
    withLogContext({ request: id }, () => next());
  };
}

/** The last route: anything no one answered is a JSON 404, never Express's HTML page. */
export function notFound(): RequestHandler {
  return (_req, res) => void res.status(404).json({ error: "not found" });
}

/**
 * The one error handler of curve serve. A client's fault (a malformed address such as
 * `/charts/%E0%A4%A.png`, a body that is not JSON, one too large) is a JSON 4xx; a database
 * that cannot be reached is a JSON 503 with Retry-After; anything else is a JSON 500. Both carry a reference that is also in the log, and neither carries a
 * stack trace, a file path or the error's own text.
 */
export function jsonErrors(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    const reference = String(res.locals.requestId ?? randomBytes(6).toString("hex"));
    const raw = (error as { status?: unknown; statusCode?: unknown }) ?? {};
    const stated = typeof raw.status === "number" ? raw.status : typeof raw.statusCode === "number" ? raw.statusCode : undefined;
    const unreachable = isDatabaseUnreachable(error);
    const status = error instanceof URIError ? 400 : unreachable ? 503 : stated && stated >= 400 && stated < 600 ? stated : 500;
    // A client's fault is logged by kind only: its message can echo what was sent (an address's
    // undecodable segment, a body that is not JSON), and that may be a token or free text.
    const logged = status >= 500 ? error : { type: error instanceof Error ? error.name : typeof error, ...(typeof (error as { type?: unknown })?.type === "string" ? { kind: (error as { type: string }).type } : {}) };
    const fields = { reference, method: req.method, path: logPath(req.originalUrl), status, error: logged };
    if (status >= 500) log.error("request failed", fields);
    else log.info("request refused", fields);
    if (unreachable) res.set("retry-after", "30");
    res
      .status(status)
      .json({ error: unreachable ? "Curve cannot reach its database just now: try again in a minute." : status >= 500 ? "Curve could not handle this request." : status === 404 ? "not found" : status === 413 ? "The request is too large." : "The request is malformed.", reference });
  };
}
