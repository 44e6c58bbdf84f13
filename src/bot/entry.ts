import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, explainsItself } from "./config.ts";
import { main } from "./cli.ts";
import { POSTGRES_CONNECT_TIMEOUT_MS } from "../adapters/db/open-database.ts";

/** Process edge: `.env`, `--version`, exit codes, and one clear sentence instead of a stack trace. */
export async function run(argv: string[]): Promise<void> {
  // Output piped into something that stops reading (`curve shell … | head`): what is left to
  // write goes nowhere, quietly, and the command still finishes and exits with its own code
  // (an import's problems still exit 1), rather than Node printing an EPIPE stack.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") return;
      throw error;
    });
  }
  try {
    if (argv[0] === "--version" || argv[0] === "-v" || argv[0] === "version") {
      process.stdout.write(`curve ${packageVersion()}\n`);
      return;
    }
    loadDotEnv();
    process.exitCode = await main(argv);
  } catch (error) {
    // parseArgs' unknown or malformed options are usage errors (exit 2), like a missing argument.
    const code = (error as { code?: unknown })?.code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`curve: ${error instanceof Error ? error.message.split("\n")[0] : String(error)} Run curve --help for usage.\n`);
      process.exitCode = 2;
      return;
    }
    const known = explainsItself(error);
    process.stderr.write(`curve: ${systemErrorSentence(error) ?? postgresRefusalSentence(error) ?? (known ? messageOf(error) : unexpected(error))}\n`);
    if (!known && process.env.LOG_LEVEL === "debug" && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * An error nobody wrote for the person at the terminal (a database driver's, a bug): its first
 * line only, up to 200 characters, and where the rest is. A driver's message can run to many
 * lines quoting Curve's own code ("Invalid `prisma.person.update()` invocation: …").
 */
export function unexpected(error: unknown): string {
  const first = (messageOf(error).split("\n").map((line) => line.trim()).find(Boolean) ?? "").replace(/[:.]$/, "");
  const shown = first.length > 200 ? `${first.slice(0, 197)}...` : first;
  const debugging = process.env.LOG_LEVEL === "debug";
  return `something went wrong inside Curve${shown ? ` (${shown})` : ""}.${debugging ? "" : " Run it again with LOG_LEVEL=debug to see the details."}`;
}

/** What to do about each way PostgreSQL turns a connection away (by SQLSTATE), after its own words. */
const POSTGRES_REFUSALS: Record<string, string> = {
  "3D000": "create that database, or correct its name in DATABASE_URL",
  "28P01": "check the user and password in DATABASE_URL",
  "28000": "check the user in DATABASE_URL, and that PostgreSQL's pg_hba.conf lets it connect from here",
  "42501": "grant the user in DATABASE_URL what Curve needs (to connect, and to create its tables in its schema)",
  "53300": "PostgreSQL has no connections left: lower DATABASE_POOL_SIZE, or raise max_connections (every instance's pool, added up, must stay under it)",
  "57P03": "PostgreSQL is starting up or shutting down: try again in a moment",
};

/**
 * One sentence for PostgreSQL refusing Curve at the door (no such database, a wrong password,
 * a role it may not use, no connection slots, a server starting up), in place of "something
 * went wrong inside Curve": the fix is in DATABASE_URL or the server, not in Curve. Only when
 * DATABASE_URL is set; null for any other error. PostgreSQL's messages name the user and the
 * database, never the password.
 */
export function postgresRefusalSentence(error: unknown, databaseUrl = process.env.DATABASE_URL): string | null {
  const e = error as { code?: unknown; severity?: unknown };
  if (!databaseUrl || !(error instanceof Error)) return null;
  // The pg driver's own words when nothing, or something that is not PostgreSQL, answers at the address.
  const silent = /^(timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/.test(error.message);
  // It hangs up either after reading what pg sent (a clean close) or before (a reset).
  if (silent || error.message === "Connection terminated unexpectedly" || e.code === "ECONNRESET") {
    let where = "the address in DATABASE_URL";
    try {
      where = new URL(databaseUrl).host || where;
    } catch {
      // A URL config.ts accepted always parses; keep the general words if not.
    }
    return silent
      ? `cannot connect to ${where}: it did not answer within ${POSTGRES_CONNECT_TIMEOUT_MS / 1000} s. Check DATABASE_URL, and that PostgreSQL is running there and a firewall lets Curve through.`
      : `cannot connect to ${where}: it closed the connection at once, so it may not be PostgreSQL. Check the host and port in DATABASE_URL.`;
  }
  if (typeof e.code !== "string" || typeof e.severity !== "string") return null;
  const fix = POSTGRES_REFUSALS[e.code];
  if (!fix) return null;
  const said = error.message.split("\n")[0]!.trim().replace(/[.:]$/, "");
  return `PostgreSQL refused Curve (${said}): ${fix}.`;
}

/**
 * One sentence for an operating system's error that reached the edge (a file Curve was asked
 * to write or read, a database that does not answer), in place of Node's "ENOENT: no such
 * file or directory, open '…'"; null for any other error.
 */
export function systemErrorSentence(error: unknown): string | null {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (!(error instanceof Error) || typeof e.code !== "string") return null;
  const file = e.path ? `${e.path}` : "the file";
  switch (e.code) {
    case "ENOENT":
      return e.syscall === "open" || e.syscall === "mkdir" || e.syscall === "scandir" || e.syscall === "stat"
        ? `cannot open ${file}: it, or the folder it is in, does not exist.`
        : null;
    case "EACCES":
    case "EPERM":
      return `cannot open ${file}: permission denied.`;
    case "EISDIR":
      return `${file} is a folder; give a file name.`;
    case "ENOSPC":
      return `cannot write ${file}: the disk is full.`;
    case "ECONNREFUSED":
    case "EHOSTUNREACH":
    case "ENOTFOUND":
    case "ETIMEDOUT": {
      const where = e.address ? `${e.address}${e.port ? `:${e.port}` : ""}` : (e as { hostname?: string }).hostname ?? "the database";
      const why = { ECONNREFUSED: "nothing is listening there", EHOSTUNREACH: "the host cannot be reached", ENOTFOUND: "no such host", ETIMEDOUT: "it did not answer in time" }[e.code];
      const database = process.env.DATABASE_URL ? " Check DATABASE_URL and that PostgreSQL is running there." : "";
      return `cannot connect to ${where}: ${why}.${database}`;
    }
    default:
      return null;
  }
}

/**
 * Reads `.env` from the working directory (or the file CURVE_ENV_FILE names) with Node's
 * own parser: comments, quotes and blank lines as in .env.example. Variables already set
 * in the environment win over the file.
 */
function loadDotEnv(): void {
  const file = process.env.CURVE_ENV_FILE || ".env";
  if (!existsSync(file)) {
    if (process.env.CURVE_ENV_FILE) throw new ConfigError(`CURVE_ENV_FILE names ${file}, which does not exist.`);
    return;
  }
  const before = { ...process.env };
  process.loadEnvFile(file);
  for (const [name, value] of Object.entries(before)) process.env[name] = value;
}

/** The version in the project's package.json (found upwards from this file: src/bot or dist). */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "curve-bot" && pkg.version) return pkg.version;
    }
  }
  return "unknown";
}
