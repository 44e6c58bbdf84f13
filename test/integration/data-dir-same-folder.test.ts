import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";

/** True if this process may bind-mount (root with CAP_SYS_ADMIN, as in CI's containers). */
function bindMount(from: string, to: string): boolean {
  mkdirSync(to, { recursive: true });
  return spawnSync("mount", ["--bind", from, to], { stdio: "ignore" }).status === 0;
}

/**
 * One data directory, however it is spelt: the owner is found by the folder itself, not by the
 * words of its path. A bind mount (as a container or an operator's fstab gives the same volume
 * a second path) has a real path of its own, so a lock named after the path let a second owner in.
 */
describe("the same data directory by another path", () => {
  const root = mkdtempSync(path.join(tmpdir(), "curve-same-folder-"));
  const dataDir = path.join(root, "data");
  const mounted = path.join(root, "mounted");
  let owner: Database;
  let canMount = false;
  beforeAll(async () => {
    owner = await openDatabase({ dataDir, holder: "curve serve" });
    canMount = bindMount(dataDir, mounted);
    symlinkSync(dataDir, path.join(root, "link"));
  });
  afterAll(async () => {
    await owner?.close();
    if (canMount) spawnSync("umount", [mounted]);
    rmSync(root, { recursive: true, force: true });
  });

  const refused = async (spelling: string) => {
    const second = await openDatabase({ dataDir: spelling, holder: "curve status" }).then(
      async (db) => {
        await db.close();
        return null;
      },
      (error: unknown) => error,
    );
    expect(second, spelling).toMatchObject({ name: "DataDirInUseError", message: expect.stringContaining(`is in use by curve serve (pid ${process.pid})`) });
  };

  it("is refused by a trailing slash, a symbolic link, or a path relative to the working directory", async () => {
    await refused(`${dataDir}/`);
    await refused(path.join(root, "link"));
    await refused(path.relative(process.cwd(), dataDir));
  });

  it("is refused by a bind mount of it", async (context) => {
    if (!canMount) context.skip();
    await refused(mounted);
  });
});
