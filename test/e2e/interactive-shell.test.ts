import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");

/**
 * Drives `curve start` on a real pseudo-terminal (script(1)), answering each prompt in
 * turn, as a person at a keyboard would.
 */
function converse(answers: { after: string; type: string }[], env: Record<string, string>): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const { DATABASE_URL: _unused, ...inherited } = process.env;
    const child = spawn("script", ["-qfec", `${process.execPath} bin/curve.js start`, "/dev/null"], {
      cwd: ROOT,
      env: { ...inherited, LOG_LEVEL: "error", TERM: "dumb", ...env },
      stdio: "pipe",
    });
    let screen = "";
    let next = 0;
    let seenUpTo = 0;
    const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    child.stdout.on("data", (chunk) => {
      screen += chunk;
      const clean = stripAnsi(screen);
      const answer = answers[next];
      if (!answer) return;
      const at = clean.indexOf(answer.after, seenUpTo);
      if (at >= 0) {
        seenUpTo = at + answer.after.length;
        next += 1;
        child.stdin.write(`${answer.type}\n`);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, screen: stripAnsi(screen) });
    });
  });
}

describe("curve start on a terminal", () => {
  it("asks who you are, takes commands at a prompt, and leaves on /exit", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "curve-tty-"));
    const { code, screen } = await converse(
      [
        { after: "name> ", type: "andrea" },
        { after: "name> ", type: "jancis" },
        { after: "curve> ", type: "/milestone done ATT-5.1 script agreed" },
        { after: "curve> ", type: "/action show ATT-5" },
        { after: "curve> ", type: "/exit" },
      ],
      { DATA_DIR: dataDir },
    );
    expect(code).toBe(0);
    expect(screen).toContain("Who are you?");
    expect(screen).toMatch(/"andrea" could be Andrea Cowans, Andrea Richardson/);
    expect(screen).toContain("Hello Jancis Andrew.");
    expect(screen).toContain("✓ ATT-5.1 done");
    expect(screen).toMatch(/ATT-5\.1 · Dissemination in September 2011\s+done \d+ \w+ \d{4} \d\d:\d\d by Jancis Andrew · evidence: script agreed/);
  });
});
