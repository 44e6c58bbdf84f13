import { createHash } from "node:crypto";
import type pg from "pg";

/**
 * The most statements one connection keeps prepared. Curve's statements have fixed shapes
 * (a few hundred at most); a statement whose text varies with its data (a long IN list) is
 * sent unprepared once a connection holds this many, so the server's memory stays bounded.
 */
export const PREPARED_PER_CONNECTION = 256;

type QueryConfig = { text?: unknown; name?: unknown; values?: unknown; submit?: unknown };

/**
 * A `pg` Client class whose parameterised statements are prepared once per connection and
 * then only bound and executed. Without a name, `pg` sends every statement as an unnamed
 * one, and PostgreSQL parses and plans it again each time: measured on `/milestone done`,
 * parse and plan took 2 to 4 times as long as running the two statements did (PostgreSQL's
 * own duration log, 10k actions).
 *
 * The name is a hash of the text, so the same text always has the same name and two texts
 * never share one. Only statements with parameters are named: a statement without them may
 * hold several commands (the migrator's scripts), which a prepared statement cannot.
 * Statements that `pg` is given as objects of its own (cursors, Query instances) are left alone.
 *
 * PostgreSQL re-plans a prepared statement when a table it reads changes; it refuses only if
 * the statement's result columns would change ("cached plan must not change result type"),
 * which needs a top-level `SELECT *` over a table a migration altered. Curve names its
 * columns, so a migration run by another instance does not break this one's statements.
 */
export function preparingClient(Client: typeof pg.Client): typeof pg.Client {
  return class PreparingClient extends Client {
    readonly #prepared = new Set<string>();

    override query(...args: unknown[]): never {
      const [config, values] = args as [QueryConfig | string, unknown];
      const named = nameFor(config, values, this.#prepared);
      const call = named ? [named, ...args.slice(1)] : args;
      return (super.query as (...a: unknown[]) => never)(...call);
    }
  };
}

// Names already worked out, by text: a Map lookup costs far less than hashing the text again.
const NAMES_KEPT = 1024;
const names = new Map<string, string>();

function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `curve_${createHash("sha1").update(text).digest("base64url")}`;
    if (names.size >= NAMES_KEPT) names.clear();
    names.set(text, name);
  }
  return name;
}

function nameFor(config: QueryConfig | string, values: unknown, prepared: Set<string>): QueryConfig | null {
  const asObject = typeof config === "string" ? { text: config } : config;
  if (!asObject || typeof asObject !== "object" || typeof asObject.text !== "string") return null;
  if (asObject.name !== undefined || typeof asObject.submit === "function") return null;
  const parameters = Array.isArray(values) ? values : asObject.values;
  if (!Array.isArray(parameters) || parameters.length === 0) return null;
  // A statement over a list (a batch's ids, = ANY($1)) is planned for each list: a cached
  // generic plan cannot see how long it is, and chose worse plans for the sweeps' batches.
  if (parameters.some(Array.isArray)) return null;
  const name = statementName(asObject.text);
  if (!prepared.has(name)) {
    if (prepared.size >= PREPARED_PER_CONNECTION) return null;
    prepared.add(name);
  }
  return { ...asObject, name };
}
