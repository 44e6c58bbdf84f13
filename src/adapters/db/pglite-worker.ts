// The thread that owns an embedded PGlite database for `curve serve`: it opens the data
// directory and serves it over the PostgreSQL wire protocol on a Unix socket, so the HTTP
// thread reaches it with `pg` like any PostgreSQL and never runs the database itself.
import { parentPort, workerData } from "node:worker_threads";
import { makeDatabaseIfNew, PGLITE_SESSION, pgliteErrorText } from "./pglite-directory.ts";

/** What the HTTP thread passes in: the data directory and the socket file to serve on. */
export interface PgliteWorkerData {
  role: "curve-pglite-owner";
  dataDir: string;
  socketPath: string;
}

/** Messages back: ready once the socket accepts connections, closed after close, or what went wrong. */
export type PgliteWorkerMessage = { ready: true } | { closed: true } | { error: string };

async function own(job: PgliteWorkerData): Promise<void> {
  const port = parentPort!;
  try {
    const [{ PGlite }, { serveProtocol }] = await Promise.all([import("@electric-sql/pglite"), import("./pglite-wire.ts")]);
    await makeDatabaseIfNew(job.dataDir, async (folder) => {
      const fresh = await PGlite.create(folder);
      await fresh.close();
    });
    const db = await PGlite.create(job.dataDir);
    await db.exec(PGLITE_SESSION);
    // PGlite is one session, so it is served to one connection: Curve's pool holds exactly one.
    const server = await serveProtocol(db, job.socketPath);
    port.on("message", async (message: unknown) => {
      if (message !== "close") return;
      await server.close().catch(() => undefined);
      await db.close();
      port.postMessage({ closed: true } satisfies PgliteWorkerMessage);
      port.close();
    });
    port.postMessage({ ready: true } satisfies PgliteWorkerMessage);
  } catch (error) {
    port.postMessage({ error: pgliteErrorText(error) } satisfies PgliteWorkerMessage);
    port.close();
  }
}

if (parentPort && (workerData as PgliteWorkerData | undefined)?.role === "curve-pglite-owner") await own(workerData as PgliteWorkerData);
