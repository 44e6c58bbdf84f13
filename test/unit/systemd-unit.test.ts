import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const UNIT = fileURLToPath(new URL("../../deploy/curve.service", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].find((p) => existsSync(p));

describe("the systemd unit", () => {
  const text = readFileSync(UNIT, "utf8");
  const directive = (name: string) => text.match(new RegExp(`^${name}=(.*)$`, "m"))?.[1];

  it("runs curve serve, stops it with SIGTERM and gives it longer than its 10 s grace", () => {
    expect(directive("ExecStart")).toMatch(/bin\/curve\.js serve$/);
    expect(directive("KillSignal")).toBe("SIGTERM");
    expect(Number(directive("TimeoutStopSec"))).toBeGreaterThan(10);
    expect(directive("Restart")).toBe("on-failure");
    expect(directive("EnvironmentFile")).toBe("/etc/curve/curve.env");
  });

  it.skipIf(!systemdAnalyze)("passes systemd-analyze verify (with this machine's paths)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "curve-unit-"));
    const env = path.join(dir, "curve.env");
    writeFileSync(env, "LOG_LEVEL=info\n");
    const local = text
      .replaceAll("/usr/bin/node", process.execPath)
      .replaceAll("/opt/curve", ROOT.replace(/\/$/, ""))
      .replace("EnvironmentFile=/etc/curve/curve.env", `EnvironmentFile=${env}`)
      .replace(/^User=.*$/m, "User=root")
      .replace(/^Group=.*$/m, "Group=root");
    const file = path.join(dir, "curve.service");
    writeFileSync(file, local);
    let output = "";
    try {
      output = execFileSync(systemdAnalyze!, ["verify", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      output = String((error as { stderr?: string }).stderr ?? error);
    }
    // Only complaints about this unit count (the host's own units may have theirs).
    const ours = output.split("\n").filter((line) => line.includes("curve.service"));
    expect(ours).toEqual([]);
  });
});
