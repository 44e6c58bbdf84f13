import type { Origin, Person } from "../domain/model.ts";
import type { Reply } from "../domain/reply.ts";
import type { ChangeStore, Store } from "./store.ts";
import type { InsightContext, InsightDeps } from "./insight-store.ts";
import type { WebContext, WebPages } from "./web-pages.ts";

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface CommandDeps {
  store: Store;
  log: Logger;
  /** Indicators, OBA workshops and pledges (src/commands/insight-store.ts). */
  insights?: InsightDeps;
  /** The web scorecard's publication and page links (src/commands/web-pages.ts). */
  web?: WebPages;
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
  /**
   * Applies a change once per invocation; a retry gets the first reply back. Naming the
   * action it touches lets adapters refresh what the action's people see.
   */
  change(work: (tx: ChangeStore) => Promise<Reply>, touches?: { id: number }): Promise<Reply>;
  /** Indicators, OBA workshops and pledges, with changes bound to this invocation. */
  insights?: InsightContext;
  /** What the web pages show, and links to them. */
  web?: WebContext;
}

export interface Subcommand {
  name: string;
  usage: string;
  summary: string;
  /** True for subcommands that change data; the rest may be re-run freely (paging, refreshing). */
  changes?: boolean;
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
