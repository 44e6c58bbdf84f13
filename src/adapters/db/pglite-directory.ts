// Making a new embedded database so that a first start cut short is never left half made.
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from "node:fs";
import path from "node:path";

/** The folder inside a data directory where a new database is made before it is moved into place. */
export const MAKING = ".curve-making";

/**
 * Makes sure the data directory `dir` (which exists, and which this process owns) holds a whole
 * database, or nothing Curve made: then the caller opens it as usual.
 *
 * A new database (an empty `dir`) is made by `make` in the folder `dir/.curve-making`, and its
 * files are moved up into `dir` once it is whole; the folder goes last. A `dir` that still has
 * that folder was cut short while it was made (kill -9, Ctrl-C or a power cut in a first
 * start), which PGlite could never open ("Aborted()"). Nothing in it was ever acknowledged, so it
 * is emptied and made afresh. A `dir` with anything else in it is left as it is.
 *
 * `make(folder)` makes a database in `folder` and closes it (PGlite's own initdb, which
 * refuses a folder that is not empty); what it throws is thrown, the folder left for next time.
 */
export async function makeDatabaseIfNew(dir: string, make: (folder: string) => Promise<void>): Promise<void> {
  const making = path.join(dir, MAKING);
  if (existsSync(making)) {
    for (const name of readdirSync(dir)) rmSync(path.join(dir, name), { recursive: true, force: true });
  } else if (readdirSync(dir).length > 0) {
    return;
  }
  mkdirSync(making);
  await make(making);
  for (const name of readdirSync(making)) renameSync(path.join(making, name), path.join(dir, name));
  rmdirSync(making);
}

/**
 * Why `dir` cannot become an embedded database, as one sentence; null when it can. A folder
 * that holds files but no database (no PG_VERSION, and none being made) is someone else's
 * (DATA_DIR set to a home folder or a folder of spreadsheets): PGlite would refuse it with
 * "[object Object]", and Curve must neither fill it nor empty it.
 */
export function foreignFolderProblem(dir: string): string | null {
  const names = readdirSync(dir);
  if (names.length === 0 || names.includes("PG_VERSION") || names.includes(MAKING)) return null;
  const shown = names.sort().slice(0, 3).join(", ") + (names.length > 3 ? ", …" : "");
  return `DATA_DIR ${dir} holds other files and no embedded database (${shown}): point DATA_DIR at an empty folder, or at one Curve made.`;
}

/** What an error PGlite threw says, on one line: it throws plain objects as well as Errors. */
export function pgliteErrorText(error: unknown): string {
  const message = typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : undefined;
  const text = message ?? (typeof error === "object" && error !== null ? JSON.stringify(error) : String(error));
  return (text.split("\n").map((line) => line.trim()).find(Boolean) ?? "no reason given").slice(0, 200);
}

/**
 * Run once on each embedded database opened: PGlite starts its one session saying everything
 * (client_min_messages debug3, log_min_messages debug1), so every statement was followed by
 * DEBUG notices ("parse", "bind", "StartTransactionCommand" …) made in the database, sent to
 * the client and parsed there, for nobody. These are PostgreSQL's own defaults.
 */
export const PGLITE_SESSION = "SET client_min_messages TO notice; SET log_min_messages TO warning";
