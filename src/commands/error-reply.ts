import { randomBytes } from "node:crypto";
import { isCurveError, type CurveError } from "../domain/errors.ts";
import { maskEchoedIdentifiers } from "../domain/privacy/guard.ts";
import { context, reply, type Reply } from "../domain/reply.ts";
import type { Logger } from "./context.ts";

/**
 * The one way any error becomes a reply, wherever it was caught (dispatch, an adapter, the
 * conversation pipeline). An expected failure (CurveError) becomes its own sentence with its
 * code and usage hint. Anything else is logged with its stack under an 8-hex-digit reference,
 * and the person sees only that reference, code "internal": never a stack or a message. A
 * database that could not be reached (isDatabaseUnreachable) is said so, code "database_unavailable".
 * `where` goes into the log line (e.g. { platform: "slack", command: "milestone" }).
 */
export function replyForError(error: unknown, log: Logger, where: Record<string, unknown> = {}): Reply {
  if (isCurveError(error)) return errorReply(error);
  const reference = randomBytes(4).toString("hex");
  if (isDatabaseUnreachable(error)) {
    log.error("request failed: the database could not be reached", { ...where, reference, error: error instanceof Error ? error.message : String(error) });
    return {
      ...reply("error", `Curve cannot reach its database just now (reference ${reference}). Please try again in a minute: nothing is done twice.`),
      code: "database_unavailable",
    };
  }
  log.error("request failed", { ...where, reference, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return {
    ...reply("error", `Something went wrong on Curve's side (reference ${reference}). Please try again: nothing is done twice.`),
    code: "internal",
  };
}

/**
 * An expected failure as a one-line reply with its code, and its usage hint under it. What the
 * sentence quotes of someone's message has its NHS, National Insurance and phone numbers and
 * dates of birth masked (maskEchoedIdentifiers): a refusal never repeats them.
 */
export function errorReply(error: CurveError): Reply {
  const blocks = [];
  if (error.details.hint) blocks.push(context(error.details.hint.startsWith("/") ? `Usage: ${error.details.hint}` : error.details.hint));
  return { ...reply("error", maskEchoedIdentifiers(error.userMessage), blocks), code: error.code };
}

/** Prisma's driver-adapter kinds for a connection that could not be made or was lost. */
const UNREACHABLE_KINDS = new Set(["DatabaseNotReachable", "TooManyConnections", "ConnectionClosed", "SocketTimeout"]);
/** SQLSTATEs of a server that ended or refused the connection: class 08, shutdowns (57P01–57P03), no slots (53300). */
const UNREACHABLE_SQLSTATE = /^(08\w{3}|57P0[123]|53300)$/;
/** The pg driver's and Node's words for a connection that could not be made or was cut. */
const UNREACHABLE_MESSAGE = /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable)$/;
const UNREACHABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * Whether `error` says the database could not be reached for this request, rather than that a
 * statement was wrong: the server ended the connection (pg_terminate_backend, a restart) or
 * refused a new one (no slots), or nothing answered in time. Reads the shapes of the pg driver
 * (`code`, its own messages), of Node's sockets (errno codes) and of Prisma's wrapping
 * (P1001, P1017, P2037, and `meta.driverAdapterError.cause` with its kind and SQLSTATE),
 * through `cause` chains. Never throws.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message, meta } = e as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown; originalMessage?: unknown } } } };
    if (typeof code === "string" && (UNREACHABLE_SQLSTATE.test(code) || UNREACHABLE_ERRNO.has(code) || ["P1001", "P1002", "P1017", "P2037"].includes(code))) return true;
    if (typeof message === "string" && UNREACHABLE_MESSAGE.test(message.trim())) return true;
    const adapter = meta?.driverAdapterError?.cause;
    if (adapter) {
      if (typeof adapter.kind === "string" && UNREACHABLE_KINDS.has(adapter.kind)) return true;
      if (typeof adapter.originalCode === "string" && UNREACHABLE_SQLSTATE.test(adapter.originalCode)) return true;
      if (typeof adapter.originalMessage === "string" && UNREACHABLE_MESSAGE.test(adapter.originalMessage.trim())) return true;
    }
  }
  return false;
}
