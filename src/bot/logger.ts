import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import type { DestinationStream, Logger as PinoLogger } from "pino";
import type { Logger } from "../commands/context.ts";
import { redactBoardTokens } from "../adapters/http/log-path.ts";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/**
 * What is being worked on right now ({ request } for an HTTP request, { delivery } for an
 * outbox row). Every line logged inside `withLogContext` carries it, however deep the call.
 */
const logContext = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `work` with `fields` added to every log line it (or anything it calls) writes. */
export function withLogContext<T>(fields: Record<string, unknown>, work: () => T): T {
  return logContext.run({ ...logContext.getStore(), ...fields }, work);
}

/**
 * Pino JSON lines on stderr (stdout stays for replies and --json output): one object per
 * line, `{ time, level: "info", message, request?, delivery?, ...fields }`. Values are
 * scrubbed on the way out: keys that name a secret or free text (tokens, passwords,
 * evidence, notes, commitments) are replaced, token-shaped strings and board links' tokens
 * are masked wherever they appear, terminal colours are removed and multi-line text (a database driver's error) is
 * folded onto the one line.
 */
export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  // pino loads with the first line written, not before: it is some thirty CommonJS files
  // (about 30 ms of CPU), and curve shell at its usual level writes nothing before its first
  // prompt, or at all. Lines below the level are dropped here, as pino would drop them.
  let base: PinoLogger | undefined;
  const pinoLogger = (): PinoLogger => (base ??= newPino(level, { write }));
  const at = (method: "debug" | "info" | "warn" | "error") =>
    LEVELS.indexOf(method) < LEVELS.indexOf(level)
      ? () => undefined
      : (message: string, fields?: Record<string, unknown>) => (fields ? pinoLogger()[method](fields, message) : pinoLogger()[method](message));
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

/** The pino logger behind createLogger, loaded synchronously (pino is CommonJS) so no line waits or is reordered. */
function newPino(level: LogLevel, destination: DestinationStream): PinoLogger {
  const { pino } = createRequire(import.meta.url)("pino") as typeof import("pino");
  return pino(
    {
      level,
      base: undefined,
      messageKey: "message",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: (fields) => scrub(fields) as Record<string, unknown> },
      mixin: () => logContext.getStore() ?? {},
    },
    destination,
  );
}

const SECRET_KEY = /token|secret|password|passwd|authorization|cookie|api[-_]?key|evidence|^note$|^text$|commitment|body$/i;
// Slack tokens, Bearer credentials and JWTs: masked even inside a sentence or a URL.
const SECRET_VALUE = /\b(xox[abposr]-[\w-]+|xapp-[\w-]+|Bearer\s+[\w.~+/=-]+|eyJ[\w-]+\.[\w-]+\.[\w-]*)/g;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Makes a value safe to log: see createLogger. Errors become `{ type, message, code? }`. */
export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return oneLine(value);
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { type: value.name, message: oneLine(value.message), ...(typeof code === "string" || typeof code === "number" ? { code } : {}) };
  }
  if (value === null || typeof value !== "object" || depth > 4) return value;
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && item !== undefined && item !== null && typeof item !== "boolean" ? "[redacted]" : scrub(item, depth + 1);
  }
  return out;
}

function oneLine(text: string): string {
  return redactBoardTokens(text.replace(ANSI, "").replace(SECRET_VALUE, maskSecret)).replace(/\s*\n\s*/g, " ⏎ ").slice(0, 2000);
}

function maskSecret(match: string): string {
  if (match.startsWith("Bearer")) return "Bearer [redacted]";
  if (match.startsWith("eyJ")) return "[redacted token]";
  return `${match.split("-")[0]}-[redacted]`;
}
