import type { Origin, Person, PlatformName } from "../domain/model.ts";
import type { Reply } from "../domain/reply.ts";
import type { TextPart } from "./invocation.ts";
import type { ChangeStore, HeldSettlement, Store, SubjectRead } from "./store.ts";
import type { InsightContext, InsightDeps } from "./insight-store.ts";
import type { WebContext, WebPages } from "./web-pages.ts";
import type { ReportDeps } from "./report-deps.ts";
import type { HeldTextStore } from "./held-texts.ts";

/**
 * Curve's structured log (src/bot/logger.ts writes it as JSON lines). `warn` is for what an
 * operator must see even at LOG_LEVEL=warn (security posture, degraded adapters); loggers
 * without it fall back to `error` (see `warn` below).
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
  debug?(message: string, fields?: Record<string, unknown>): void;
}

/** Logs at warn, or at error on a logger that has no warn level. */
export function warn(log: Logger, message: string, fields?: Record<string, unknown>): void {
  if (log.warn) log.warn(message, fields);
  else log.error(message, fields);
}

/** Where a line was sent (platform and workspace or tenant) and the mentions, channels and links its platform found in it. */
export interface LineSent {
  platform: PlatformName;
  tenant: string;
  parts: readonly TextPart[];
}

export interface CommandDeps {
  store: Store;
  log: Logger;
  /** Indicators, OBA workshops and pledges (src/commands/insight-store.ts). */
  insights?: InsightDeps;
  /** The web scorecard's publication and page links (src/commands/web-pages.ts). */
  web?: WebPages;
  /** Reports, risks and the reporting calendar (src/commands/report-deps.ts). */
  reports?: ReportDeps;
  /** The personal-data guard's storage; without it free text is not checked (unit tests of other things). */
  heldTexts?: HeldTextStore;
}

/** What a command sees: who is asking, where, when, and the store. */
export interface CommandContext {
  store: Store;
  partnershipId: number;
  actor: Person;
  origin: Origin;
  now: Date;
  /** The asker's calendar date, in their time zone. */
  today: string;
  /** Whether a form can be shown instead of acting at once. */
  canShowForms: boolean;
  /** Mentions, channels and links in the text, as the platform decoded them (empty in the shell). */
  parts: TextPart[];
  /**
   * Applies a change once per invocation; a retry gets the first reply back. Naming the
   * action it touches lets adapters refresh what the action's people see.
   */
  change(work: (tx: ChangeStore) => Promise<Reply>, touches?: { id: number }): Promise<Reply>;
  /** Indicators, OBA workshops and pledges, with changes bound to this invocation. */
  insights?: InsightContext;
  /** What the web pages show, and links to them. */
  web?: WebContext;
  reports?: ReportDeps;
  /** The invocation's idempotency key, for stores that apply a change once per key. */
  idempotencyKey?: string;
  /** Who asked what under that key (`requestFingerprint`), for stores that keep it with the reply. */
  request?: string;
  /**
   * Checks free text (evidence, notes, commitments, reasons) for a child's personal data before it
   * is stored or shown; call it before `change`. Throws to hold the request and ask its author.
   */
  guardText(freeText: string): Promise<void>;
  /** The personal-data guard's storage, for deciding on held requests. */
  heldTexts?: HeldTextStore;
  /**
   * Runs another command line as this person, once per `key`: a decision on a held request runs
   * the request again. `confirmed` is a line whose free text its author chose to save anyway;
   * `settles`, the held request its change settles (read with the decision, its line's action is
   * not read again).
   */
  rerun(command: string, text: string, options: { key: string; confirmed?: string; settles?: HeldSettlement }): Promise<Reply>;
}

export interface Subcommand {
  name: string;
  /** Other words people type for it ("list" for a show that lists everything when given nothing). */
  also?: readonly string[];
  usage: string;
  summary: string;
  /** True for subcommands that change data; the rest may be re-run freely (paging, refreshing). */
  changes?: boolean;
  /**
   * What a line of arguments will read by name (an action by ref, an indicator by code, a pledge
   * by id, a mentioned account), so it is read with the person asking, in one statement. `sent`
   * is where the line was sent and what its platform found in it (absent when not known).
   */
  reads?(args: string, now?: Date, sent?: LineSent): SubjectRead | null;
  run(ctx: CommandContext, args: string): Promise<Reply>;
}

export interface CommandFamily {
  name: string;
  summary: string;
  subcommands: Subcommand[];
  /** Runs when no subcommand is given; otherwise the family's help is shown. */
  defaultSubcommand?: string;
  /** For families that take free text, not subcommands (/whoami, /help). */
  direct?: (ctx: CommandContext, args: string) => Promise<Reply>;
}
