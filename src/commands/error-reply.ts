import { randomBytes } from "node:crypto";
import { isCurveError, type CurveError } from "../domain/errors.ts";
import { context, reply, type Reply } from "../domain/reply.ts";
import type { Logger } from "./context.ts";

/**
 * The one way any error becomes a reply, wherever it was caught (dispatch, an adapter, the
 * conversation pipeline). An expected failure (CurveError) becomes its own sentence with its
 * code and usage hint. Anything else is logged with its stack under an 8-hex-digit reference,
 * and the person sees only that reference, code "internal": never a stack or a message.
 * `where` goes into the log line (e.g. { platform: "slack", command: "milestone" }).
 */
export function replyForError(error: unknown, log: Logger, where: Record<string, unknown> = {}): Reply {
  if (isCurveError(error)) return errorReply(error);
  const reference = randomBytes(4).toString("hex");
  log.error("request failed", { ...where, reference, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return {
    ...reply("error", `Something went wrong on Curve's side (reference ${reference}). Please try again: nothing is done twice.`),
    code: "internal",
  };
}

/** An expected failure as a one-line reply with its code, and its usage hint under it. */
export function errorReply(error: CurveError): Reply {
  const blocks = [];
  if (error.details.hint) blocks.push(context(error.details.hint.startsWith("/") ? `Usage: ${error.details.hint}` : error.details.hint));
  return { ...reply("error", error.userMessage, blocks), code: error.code };
}
