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

const EnvSchema = z.object({
  // 0 asks the system for any free port (tests, benchmarks).
  PORT: optional(z.coerce.number().int().min(0).max(65535)).transform((v) => v ?? 3000),
  DATABASE_URL: optional(
    z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a PostgreSQL URL, e.g. postgresql://curve:secret@db.internal:5432/curve"),
  ),
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
  CURVE_PUBLIC_URL: optional(z.url("must be the address curve serve is reached at, e.g. https://curve.your-council.gov.uk")),
  // off: curve serve answers requests but runs no sweeps and no delivery worker (benchmarks, a read-only
  // replica, or instances kept out of the schedules). The sweeps run once per tick across instances anyway.
  CURVE_SCHEDULES: optional(z.enum(["on", "off"], "must be on or off")).transform((v) => v !== "off"),
  // When curve serve sweeps (cron, UTC, seconds optional); checked when the schedules start.
  CURVE_SWEEP_SCHEDULE: optional(z.string().min(1)),
  TZ_DEFAULT: optional(timeZone).transform((v) => v ?? "Europe/London"),
  LOG_LEVEL: optional(z.enum(["debug", "info", "warn", "error", "silent"], "must be debug, info, warn, error or silent")).transform(
    (v) => v ?? "info",
  ),
});

export type Config = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {}

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = EnvSchema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
  throw new ConfigError(`Curve's configuration is not valid:\n  ${lines.join("\n  ")}`);
}
