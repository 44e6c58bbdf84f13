import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/curve.js", import.meta.url));

/** A free TCP port on 127.0.0.1 (asked of the system, then released). */
export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote to stderr so far (JSON log lines and sentences). */
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process has gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
}

/**
 * Starts the real `curve serve` bin in a process of its own and waits until /readyz answers 200
 * (or the process exits, which rejects with what it said). DATABASE_URL is passed only if given.
 */
export async function startServeProcess(env: Record<string, string | undefined>): Promise<ServeProcess> {
  const port = await freePort();
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, "serve"], { env: { ...inherited, LOG_LEVEL: "info", ...env, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  const process_: ServeProcess = {
    child,
    url,
    stderr: () => stderr,
    exited,
    async stop() {
      if (!gone) child.kill("SIGTERM");
      await exited;
    },
  };
  for (;;) {
    if (gone) throw new Error(`curve serve exited before it was ready: ${stderr.slice(-1000)}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return process_;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
