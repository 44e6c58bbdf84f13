import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The installed project's root (where package.json says curve-bot), found by walking up,
 * so paths to migrations and demo data hold whether Curve runs from source or its bundle.
 */
function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "curve-bot") return dir;
    if (path.dirname(dir) === dir) throw new Error(`Curve's package.json was not found above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

export const projectPath = (...parts: string[]): string => path.join(PROJECT_ROOT, ...parts);
