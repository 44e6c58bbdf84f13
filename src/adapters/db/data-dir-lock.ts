import { createHash } from "node:crypto";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** Who holds a data directory, as a second process is told. */
export interface DataDirHolder {
  /** The process to stop, e.g. the `curve serve` process. */
  pid: number;
  /** What it is, e.g. "curve serve" or "curve shell". */
  command: string;
}

/** A second process tried to open a data directory another process owns. Its message is the one sentence to show. */
export class DataDirInUseError extends Error {
  override name = "DataDirInUseError";
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder | null,
  ) {
    super(
      `${dataDir} is in use by ${holder ? `${holder.command} (pid ${holder.pid})` : "another process"}: ` +
        "only one process may open an embedded database, so stop that one first (for several processes, use PostgreSQL with DATABASE_URL).",
    );
  }
}

/** Held while this process owns a data directory; release() lets the next owner in. */
export interface DataDirLock {
  dataDir: string;
  release(): Promise<void>;
}

/**
 * Where the lock of a data directory lives. On Linux an abstract Unix socket named after the
 * directory itself (its device and inode, which every path to it shares: a trailing slash, a
 * symbolic link, a relative path, a bind mount): the kernel frees it when its process ends in
 * any way, kill -9 included, so a lock is never stale. Elsewhere a socket file in a private
 * folder of the temp directory; one left behind by a killed owner refuses connections and is
 * then taken over.
 */
function lockAddress(dataDir: string): { address: string; abstract: boolean } {
  const { dev, ino } = statSync(dataDir, { bigint: true });
  const digest = createHash("sha256").update(`${dev}:${ino}`).digest("hex").slice(0, 24);
  if (process.platform === "linux") return { address: `\0curve-data-dir-${digest}`, abstract: true };
  const folder = path.join(tmpdir(), "curve-locks");
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  return { address: path.join(folder, `${digest}.sock`), abstract: false };
}

/** Asks the holder of a lock who it is; null when nobody answers (no holder, or a stale socket file). */
function askHolder(address: string, timeoutMs = 2000): Promise<DataDirHolder | null | "silent"> {
  return new Promise((resolve) => {
    let text = "";
    const socket = connect(address);
    const timer = setTimeout(() => finish("silent"), timeoutMs);
    const finish = (result: DataDirHolder | null | "silent") => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    socket.on("data", (chunk) => {
      text += chunk;
      if (!text.includes("\n")) return;
      try {
        const parsed = JSON.parse(text.slice(0, text.indexOf("\n"))) as Partial<DataDirHolder>;
        finish(typeof parsed.pid === "number" && typeof parsed.command === "string" ? { pid: parsed.pid, command: parsed.command } : "silent");
      } catch {
        finish("silent");
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => finish(error.code === "ECONNREFUSED" || error.code === "ENOENT" ? null : "silent"));
    socket.on("end", () => finish("silent"));
  });
}

const listen = (server: Server, address: string) =>
  new Promise<"listening" | "in use">((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => (error.code === "EADDRINUSE" ? resolve("in use") : reject(error));
    server.once("error", onError);
    server.listen(address, () => {
      server.off("error", onError);
      resolve("listening");
    });
  });

/**
 * Makes this process the one owner of `dataDir` (a folder that exists: openDatabase makes it), or throws
 * DataDirInUseError naming the process that owns it. Whoever holds the lock answers who it is
 * to anyone who asks. The lock ends with release(), or with the process; until released, it
 * keeps the process alive.
 */
export async function claimDataDir(dataDir: string, holder: DataDirHolder): Promise<DataDirLock> {
  const { address, abstract } = lockAddress(dataDir);
  const server = createServer((socket) => {
    socket.on("error", () => undefined);
    socket.end(`${JSON.stringify(holder)}\n`);
  });
  // Whoever answers on the address is told to the caller; a file socket nobody answers on was left by a killed owner.
  for (let attempt = 0; attempt < 5; attempt++) {
    if ((await listen(server, address)) === "listening") {
      // Left referenced: the process lives until its owner releases the directory (an open
      // database is closed before exit, never dropped). It also keeps Node's event loop from
      // running dry between the database's first steps, which would make Node wait there for
      // V8 to finish optimising PGlite's WebAssembly (up to a second at start-up).
      return {
        dataDir,
        release: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
          }),
      };
    }
    const answer = await askHolder(address);
    if (answer !== null && answer !== "silent") throw new DataDirInUseError(dataDir, answer);
    if (answer === null && !abstract) rmSync(address, { force: true });
    // An abstract address in use with no answer is an owner starting or stopping: ask again shortly.
    await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
  }
  throw new DataDirInUseError(dataDir, null);
}
