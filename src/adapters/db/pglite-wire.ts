// The embedded database's side of the PostgreSQL wire protocol: what `curve serve`'s PGlite
// worker listens with, so that the HTTP thread reaches PGlite with `pg` like any PostgreSQL.
import { createServer, type Server, type Socket } from "node:net";

/** What of PGlite this needs: its raw protocol entry and its lock (both PGlite's own API). */
export interface ProtocolDatabase {
  execProtocolRaw(message: Uint8Array): Promise<Uint8Array>;
  runExclusive<T>(work: () => Promise<T>): Promise<T>;
}

/** Startup-phase request codes (PostgreSQL protocol 3.0, "Message Formats"). */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/**
 * Serves `db` on the Unix socket `socketPath` to ONE client at a time, as PostgreSQL would.
 *
 * Each turn of the client's (the `pg` driver's Bind, Execute and Sync for one query; a whole
 * startup) is handed to PGlite as one call and answered with one write: PGlite runs the
 * messages in order exactly as a backend would, including skipping to Sync after an error.
 * Handing them over one message at a time, each answer written and waited for before the
 * next, costs the worker several calls into PGlite, several socket writes and as many wake-ups
 * of the HTTP thread per query, on a machine whose cores those two threads share.
 *
 * PGlite is one session: a client that goes while a transaction is open (the pool dropped a
 * broken connection) leaves it rolled back, so the next client starts clean. A second client
 * while one is connected gets PostgreSQL's "too many clients" error and is closed.
 *
 * Resolves once the socket listens; `close()` stops listening and ends the client's connection.
 * Errors: the server's own (socket path in use) reject the returned promise.
 */
export async function serveProtocol(db: ProtocolDatabase, socketPath: string): Promise<{ close(): Promise<void> }> {
  let current: Socket | null = null;
  // Every call into PGlite, in order: one client's turns, then the rollback after it went.
  let turns: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const next = turns.then(() => db.runExclusive(work));
    turns = next.catch(() => undefined);
    return next;
  };

  const sockets = new Set<Socket>();
  const attach = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    if (current) {
      socket.end(errorResponse("53300", "sorry, too many clients already"));
      return;
    }
    current = socket;
    let pending: Buffer = Buffer.alloc(0);
    let started = false;
    // The session's state from the last ReadyForQuery: "I" idle, "T" in a transaction, "E" failed one.
    let status = "I";

    socket.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const batch: Buffer[] = [];
      for (;;) {
        if (!started) {
          if (pending.length < 8) break;
          const length = pending.readInt32BE(0);
          if (pending.length < length) break;
          const code = pending.readInt32BE(4);
          const message = pending.subarray(0, length);
          pending = pending.subarray(length);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            socket.write("N");
            continue;
          }
          if (code === CANCEL_REQUEST) {
            // PGlite runs one statement at a time to its end: there is nothing to cancel.
            socket.end();
            return;
          }
          started = true;
          batch.push(message);
          continue;
        }
        if (pending.length < 5) break;
        const length = 1 + pending.readInt32BE(1);
        if (pending.length < length) break;
        batch.push(pending.subarray(0, length));
        pending = pending.subarray(length);
      }
      if (!batch.length) return;
      // Copied out of the socket's buffers, which the next read may reuse.
      const turn = Buffer.concat(batch);
      socket.pause();
      inTurn(() => db.execProtocolRaw(turn)).then(
        (answer) => {
          if (answer.length >= 6 && answer[answer.length - 6] === 0x5a) status = String.fromCharCode(answer[answer.length - 1]!);
          if (!socket.destroyed) socket.write(answer);
          socket.resume();
        },
        (error: unknown) => socket.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      if (current === socket) current = null;
      // A transaction left open by a client that went is rolled back before anyone else's turn.
      if (status !== "I") void inTurn(() => db.execProtocolRaw(simpleQuery("ROLLBACK"))).catch(() => undefined);
    });
  };

  const server: Server = createServer(attach);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await turns;
    },
  };
}

/** A simple-protocol Query message ("Q"). */
function simpleQuery(text: string): Buffer {
  const body = Buffer.from(`${text}\0`, "utf8");
  const head = Buffer.alloc(5);
  head.write("Q", 0, "latin1");
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

/** An ErrorResponse ("E") with severity FATAL, an SQLSTATE and a message. */
function errorResponse(sqlState: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlState}\0M${message}\0\0`, "utf8");
  const head = Buffer.alloc(5);
  head.write("E", 0, "latin1");
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}
