import { availableParallelism } from "node:os";
import cron from "node-cron";
import { z } from "zod/v4";

/** Every environment variable Curve reads, checked once at start. Nothing else reads process.env. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const timeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat("en-GB", { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: "must be an IANA time zone, e.g. Europe/London" },
);

/**
 * The connections a process keeps to PostgreSQL unless DATABASE_POOL_SIZE says otherwise: one
 * more than the processor cores it may use, from 3 to 10. A process is one thread: connections
 * it cannot keep busy only add PostgreSQL backends competing for the same cores (on a 2-core
 * machine with PostgreSQL beside it, 20 Slack commands at once waited 3 to 4 times as long
 * with 10 connections as with 3); the one more keeps a connection for commands while a sweep
 * holds another.
 */
export const defaultPoolSize = (cores = availableParallelism()): number => Math.min(10, Math.max(3, cores + 1));

/** Settled deliveries are kept this many days unless CURVE_DELIVERY_RETENTION_DAYS says otherwise: a year of messages, and a month more. */
export const DEFAULT_DELIVERY_RETENTION_DAYS = 400;

const PORT_HINT = "must be a port number from 0 to 65535, e.g. 3000";
const POOL_SIZE_HINT = "must be a whole number of connections, e.g. 10";

const EnvSchema = z.object({
  // 0 asks the system for any free port (tests, benchmarks).
  PORT: optional(z.coerce.number(PORT_HINT).int(PORT_HINT).min(0, PORT_HINT).max(65535, PORT_HINT)).transform((v) => v ?? 3000),
  DATABASE_URL: optional(
    z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a PostgreSQL URL, e.g. postgresql://curve:secret@db.internal:5432/curve"),
  ),
  // Connections each process keeps to PostgreSQL at most; with several instances, their sum must stay under max_connections.
  DATABASE_POOL_SIZE: optional(z.coerce.number(POOL_SIZE_HINT).int(POOL_SIZE_HINT).min(1, "must be at least 1").max(200, "must be at most 200")).transform((v) => v ?? defaultPoolSize()),
  // The address curve serve binds to: 0.0.0.0 (every interface) unless set, e.g. 127.0.0.1 behind a local proxy.
  HOST: optional(z.string().regex(/^[\w.:-]{1,253}$/, "must be a host name or IP address, e.g. 127.0.0.1")).transform((v) => v ?? "0.0.0.0"),
  DATA_DIR: optional(z.string()).transform((v) => v ?? "./data"),
  SLACK_SIGNING_SECRET: optional(z.string().min(8, "must be the app's signing secret from Basic Information")),
  SLACK_BOT_TOKEN: optional(z.string().startsWith("xoxb-", "must be a bot token starting xoxb-")),
  SLACK_API_URL: optional(z.url("must be a URL, e.g. https://slack.com/api/")),
  SLACK_APP_TOKEN: optional(z.string().startsWith("xapp-", "must be an app-level token starting xapp-")),
  MICROSOFT_APP_ID: optional(z.string().min(1)),
  MICROSOFT_APP_PASSWORD: optional(z.string().min(1)),
  MICROSOFT_APP_TENANT_ID: optional(z.string().min(1)),
  CURVE_TEAMS_TENANTS: optional(z.string()).transform((v) => (v ? v.split(",").map((t) => t.trim()).filter(Boolean) : [])),
  CURVE_TEAMS_ALLOW_UNAUTHENTICATED: optional(z.enum(["0", "1"], "must be 0 or 1")).transform((v) => v === "1"),
  // Where Slack and Teams fetch chart images and exports from; without it replies carry no charts.
  // Links are this address with a path after it, so a query or a fragment would break every one of them.
  CURVE_PUBLIC_URL: optional(
    z
      .url("must be the address curve serve is reached at, e.g. https://curve.your-council.gov.uk")
      .refine((v) => {
        const url = new URL(v);
        return (url.protocol === "https:" || url.protocol === "http:") && !url.search && !url.hash;
      }, "must be the https address curve serve is reached at, with no ? or # part, e.g. https://curve.your-council.gov.uk (a path is kept: https://intranet.your-council.gov.uk/curve)"),
  ),
  // The outbound proxy for Slack, the Bot Connector and Microsoft's token endpoints (lower case accepted too).
  HTTPS_PROXY: optional(z.url("must be the proxy's URL, e.g. http://proxy.internal:3128")),
  HTTP_PROXY: optional(z.url("must be the proxy's URL, e.g. http://proxy.internal:3128")),
  NO_PROXY: optional(z.string()),
  // One-off bank holiday changes (a jubilee, a state funeral) added by the operator: see README.
  CURVE_BANK_HOLIDAYS_FILE: optional(z.string()),
  // off: curve serve answers requests but runs no sweeps and no delivery worker (benchmarks, a read-only
  // replica, or instances kept out of the schedules). The sweeps run once per tick across instances anyway.
  CURVE_SCHEDULES: optional(z.enum(["on", "off"], "must be on or off")).transform((v) => v !== "off"),
  // When curve serve sweeps (cron, UTC, seconds optional); checked here, so a typo stops every
  // command before it opens, let alone migrates, the database.
  CURVE_SWEEP_SCHEDULE: optional(z.string().refine((v) => cron.validate(v), "must be a cron expression in UTC, e.g. */15 * * * * (every 15 minutes)")),
  // How long after it was due a settled message (sent, cancelled, failed) is kept in the outbox, in days, or "forever".
  CURVE_DELIVERY_RETENTION_DAYS: optional(
    z
      .string()
      // The sweeps read back the last nine days' nudges: a month is the least that is kept.
      .refine((v) => v === "forever" || (/^[0-9]+$/.test(v) && Number(v) >= 30 && Number(v) <= 36_500), "must be a number of days from 30 to 36500 (e.g. 400), or forever")
      .transform((v) => (v === "forever" ? null : Number(v))),
  ).transform((v) => (v === undefined ? DEFAULT_DELIVERY_RETENTION_DAYS : v)),
  TZ_DEFAULT: optional(timeZone).transform((v) => v ?? "Europe/London"),
  LOG_LEVEL: optional(z.enum(["debug", "info", "warn", "error", "silent"], "must be debug, info, warn, error or silent")).transform(
    (v) => v ?? "info",
  ),
});

export type Config = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {}

/**
 * True for the errors whose message is already the one sentence a person needs (bad
 * configuration, a data directory in use, migrations that cannot run): the process edge
 * prints that sentence alone, with no stack and no second, logged copy.
 */
export function explainsItself(error: unknown): boolean {
  if (error instanceof ConfigError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === "string" && code.startsWith("migration")) || error.name === "DatabaseNewerThanCodeError" || error.name === "DataDirInUseError" || error.name === "DataDirUnusableError";
}

// An adapter's credentials come in sets: half a set would start with that adapter silently off.
const CREDENTIAL_SETS: { adapter: string; needs: string[]; hint: Record<string, string>; when?: (env: Config) => boolean }[] = [
  {
    adapter: "Slack",
    needs: ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"],
    hint: { SLACK_BOT_TOKEN: "the Bot User OAuth Token, xoxb-…", SLACK_SIGNING_SECRET: "the Signing Secret from the app's Basic Information page" },
  },
  {
    adapter: "Slack Socket Mode",
    needs: ["SLACK_APP_TOKEN", "SLACK_BOT_TOKEN"],
    hint: { SLACK_BOT_TOKEN: "the Bot User OAuth Token, xoxb-…" },
    when: (env) => Boolean(env.SLACK_APP_TOKEN),
  },
  {
    adapter: "Teams",
    needs: ["MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"],
    hint: { MICROSOFT_APP_ID: "the Azure Bot's Microsoft App ID", MICROSOFT_APP_PASSWORD: "the client secret of the bot's app registration" },
  },
  {
    adapter: "single-tenant Teams",
    needs: ["MICROSOFT_APP_TENANT_ID", "MICROSOFT_APP_ID"],
    hint: { MICROSOFT_APP_ID: "the Azure Bot's Microsoft App ID" },
    // The Emulator's unauthenticated mode has no app, but a tenant still limits who is answered.
    when: (env) => Boolean(env.MICROSOFT_APP_TENANT_ID) && !env.CURVE_TEAMS_ALLOW_UNAUTHENTICATED,
  },
];

/** The first half-set adapter's missing variable, as one sentence; null when every set is whole or empty. */
function halfSetCredentials(config: Config): string | null {
  for (const set of CREDENTIAL_SETS) {
    const given = set.needs.filter((name) => Boolean(config[name as keyof Config]));
    if (given.length === 0 || given.length === set.needs.length) continue;
    if (set.when && !set.when(config)) continue;
    const missing = set.needs.find((name) => !given.includes(name))!;
    return `${missing} is not set, but ${given.join(" and ")} is: the ${set.adapter} adapter needs both, so set ${missing} (${set.hint[missing] ?? "see README.md"}) or unset ${given.join(" and ")}.`;
  }
  return null;
}

/**
 * What is wrong with a value as it arrived, before its own rules are applied: quotes an
 * environment file passed on as part of it (Docker's --env-file and a Kubernetes manifest keep
 * them; systemd's EnvironmentFile and Curve's own .env reading take them off), or spaces or a
 * line break at either end (a Windows line ending, a pasted secret). Either would be taken as
 * part of the value: a data directory named `"/var/lib/curve"` under the working directory, or
 * a signing secret that fails every Slack request. Never quotes the value, which may be a secret.
 */
function strayCharacters(value: string): string | null {
  if (/^\s|\s$/.test(value)) {
    const lineEnding = /\r$/.test(value) ? " (a Windows line ending: save the file with Unix line endings)" : "";
    return `has spaces or a line break at its start or end${lineEnding}; remove them`;
  }
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
    return "is wrapped in quotes, which were passed on as part of the value (Docker's --env-file and Kubernetes keep them); remove the quotes";
  }
  return null;
}

/**
 * Reads and checks every variable Curve uses from `env` (process.env by default; lower-case
 * proxy names accepted). Throws ConfigError, whose message lists each bad variable on a line
 * of its own with what it must be (never a secret's value), or names the missing half of a
 * credential set.
 */
export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  const proxyEnv = { HTTPS_PROXY: env.HTTPS_PROXY ?? env.https_proxy, HTTP_PROXY: env.HTTP_PROXY ?? env.http_proxy, NO_PROXY: env.NO_PROXY ?? env.no_proxy };
  const input: Record<string, string | undefined> = { ...env, ...proxyEnv };
  const stray = new Map<string, string>();
  for (const name of Object.keys(EnvSchema.shape)) {
    const problem = input[name] ? strayCharacters(input[name]) : null;
    if (problem) stray.set(name, problem);
  }
  const result = EnvSchema.safeParse(input);
  if (result.success && stray.size === 0) {
    const half = halfSetCredentials(result.data);
    if (half) throw new ConfigError(half);
    return result.data;
  }
  const issues = result.success ? [] : result.error.issues.filter((issue) => !stray.has(String(issue.path[0])));
  const lines = [...[...stray].map(([name, problem]) => `${name} ${problem}`), ...issues.map((issue) => `${issue.path.join(".")} ${issue.message}`)];
  throw new ConfigError(`Curve's configuration is not valid:\n  ${lines.join("\n  ")}`);
}
