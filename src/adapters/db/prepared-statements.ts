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

/** What a PGlite handle (the client, or a transaction's) runs: simple-protocol text, and one statement with parameters. */
interface PgliteRunner {
  exec(text: string): Promise<{ rows: unknown[] }[]>;
  query(text: string, params: unknown[]): Promise<{ rows: unknown[] }>;
}

// Statements run once that are remembered, to be prepared if run again.
const SEEN_KEPT = 1024;
// The longest first values (as literals, in characters) sent in the same call as their PREPARE (see preparingPglite).
const KEPT_WITH_PREPARE = 4096;
// Statements PREPARE takes; any other (DECLARE, SET, …) runs as it comes.
const PREPARABLE = /^\s*(?:select|insert|update|delete|with|values)\b/i;

/**
 * Prepared statements for embedded PGlite, as `preparingClient` gives `pg`. PGlite runs each
 * parameterised statement as an unnamed one, parsed and planned again every time: on
 * `/milestone done` at 10,000 actions the read that identifies the sender and finds the action
 * spent 3.2 ms planning and 0.9 ms running (EXPLAIN ANALYZE), two thirds of the command.
 *
 * A statement runs as PGlite runs it the first time; the second time it is prepared, sending
 * `PREPARE <name> AS <text>; EXECUTE <name>(…)` in one call (one round trip, as `pg` sends
 * Parse with its Bind), and later runs send `EXECUTE <name>(…)` alone. Prepared on first use,
 * the statements of a shell's few commands raised its peak memory by 30 MB (PGlite keeps each
 * plan), for statements never run again.
 * PostgreSQL keeps that call's text with the statement, values and all: when the values
 * are longer than KEPT_WITH_PREPARE (a sweep's or an import's rows), PREPARE goes in a call of its own.
 * The parameters travel as quoted literals, as PGlite sends them as text itself: PostgreSQL reads
 * each as its parameter's type. Statements over a list (an array parameter, planned for each
 * list as with `pg`), with bytes, or not a SELECT, INSERT, UPDATE, DELETE, WITH or VALUES run as
 * before. A prepared statement outlives a failed transaction, so a name whose first run failed
 * is never used again (its text gets another), and at most PREPARED_PER_CONNECTION are kept.
 * One per PGlite session: pass each of the session's handles to `run`.
 */
export function preparingPglite() {
  const prepared = new Map<string, string>();
  // Names are never reused: a first run that fails may leave its statement prepared (orphaned).
  let named = 0;
  let orphaned = 0;
  const seen = new Set<string>();
  return async function run<T>(handle: PgliteRunner, text: string, params: readonly unknown[]): Promise<T[]> {
    const args = params.length > 0 && PREPARABLE.test(text) ? literals(params) : null;
    if (args === null) return (await handle.query(text, [...params])).rows as T[];
    const name = prepared.get(text);
    if (name !== undefined) return lastRows<T>(await handle.exec(`EXECUTE "${name}"(${args})`));
    // Prepared the second time it is run: a statement run once (a shell's few commands) costs its plan's memory for nothing.
    if (!seen.has(text) || prepared.size + orphaned >= PREPARED_PER_CONNECTION) {
      if (seen.size >= SEEN_KEPT) seen.clear();
      seen.add(text);
      return (await handle.query(text, [...params])).rows as T[];
    }
    const fresh = `${statementName(text)}_${named++}`;
    let results: { rows: unknown[] }[];
    try {
      // PostgreSQL keeps the text a statement was prepared by for the session's life: first
      // values longer than this are not kept in it, at the cost of a call of its own for PREPARE.
      if (args.length > KEPT_WITH_PREPARE) await handle.exec(`PREPARE "${fresh}" AS ${text}`);
      // The text may end in a "--" comment: what follows it starts on a line of its own.
      results = await handle.exec(args.length > KEPT_WITH_PREPARE ? `EXECUTE "${fresh}"(${args})` : `PREPARE "${fresh}" AS ${text}\n;\nEXECUTE "${fresh}"(${args})`);
    } catch (error) {
      orphaned++;
      throw error;
    }
    prepared.set(text, fresh);
    return lastRows<T>(results);
  };
}

const lastRows = <T>(results: { rows: unknown[] }[]): T[] => (results[results.length - 1]?.rows ?? []) as T[];

/**
 * Parameters as SQL literals for EXECUTE, each as PGlite would send it as text (null as NULL,
 * dates in ISO form, objects as JSON), quoted with their quotes doubled (standard_conforming_strings,
 * on in every PostgreSQL since 9.1, so a backslash is only a backslash). Null when one cannot be
 * sent so: a list or bytes.
 */
function literals(params: readonly unknown[]): string | null {
  const out: string[] = [];
  for (const value of params) {
    if (value === null || value === undefined) {
      out.push("NULL");
      continue;
    }
    if (Array.isArray(value) || value instanceof Uint8Array || ArrayBuffer.isView(value)) return null;
    const text =
      value instanceof Date ? value.toISOString()
      : typeof value === "object" ? JSON.stringify(value)
      : String(value);
    out.push(`'${text.replaceAll("'", "''")}'`);
  }
  return out.join(", ");
}
