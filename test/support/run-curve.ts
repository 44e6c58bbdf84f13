import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/curve.js", import.meta.url));

export interface CurveRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `curve` bin as a subprocess, as a person or a script would, with DATABASE_URL
 * only if given (a variable given as undefined is left out), in `cwd` when given (as systemd or
 * Docker would start it in a folder of its own).
 */
export function curve(args: string[], env: Record<string, string | undefined>, stdin = "", { cwd }: { cwd?: string } = {}): Promise<CurveRun> {
  return new Promise((resolve, reject) => {
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...inherited, LOG_LEVEL: "error", ...env }, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
