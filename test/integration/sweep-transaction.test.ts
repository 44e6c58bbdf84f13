import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockSweep } from "../../src/adapters/db/milestone-nudges.ts";
import { kindsUnderTest, openTestDatabase, type TestDatabase } from "../support/databases.ts";

/**
 * A nudge sweep's transaction is made of index probes, and writes only what it worked out: its
 * lock statement turns JIT compilation off and lets its commit not wait for the disk, for that
 * transaction only (lockSweep), and the connection goes back to the pool as it came.
 */
describe.each(kindsUnderTest())("the nudge sweep's transaction on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  const settings = `SELECT current_setting('jit') AS jit, current_setting('synchronous_commit') AS commit`;
  const read = async () => (await t.db.sql.query<{ jit: string; commit: string }>(settings))[0]!;

  it("runs without JIT compilation and commits without waiting for the disk, and leaves both settings as it found them", async () => {
    const before = await read();
    const inside = await t.db.sql.transaction(async (tx) => {
      const version = await lockSweep(tx, 1);
      const [row] = await tx.query<{ jit: string; commit: string }>(settings);
      return { version, ...row! };
    });
    expect(inside).toMatchObject({ jit: "off", commit: "off" });
    expect(inside.version).toMatch(/^\d+$/);
    expect(await read()).toEqual(before);
    expect(before.commit).toBe("on");
    if (kind === "postgresql") expect(before.jit).toBe("on");
  });
});
