import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockSweep } from "../../src/adapters/db/milestone-nudges.ts";
import { kindsUnderTest, openTestDatabase, type TestDatabase } from "../support/databases.ts";

/**
 * A nudge sweep's transaction is made of index probes: its lock statement turns JIT
 * compilation off for that transaction only (lockSweep), and the connection goes back to the
 * pool as it came.
 */
describe.each(kindsUnderTest())("the nudge sweep's transaction on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  const jit = async () => (await t.db.sql.query<{ jit: string }>(`SELECT current_setting('jit') AS jit`))[0]!.jit;

  it("runs without JIT compilation, and leaves the setting as it found it", async () => {
    const before = await jit();
    const inside = await t.db.sql.transaction(async (tx) => {
      const version = await lockSweep(tx, 1);
      const [row] = await tx.query<{ jit: string }>(`SELECT current_setting('jit') AS jit`);
      return { version, jit: row!.jit };
    });
    expect(inside.jit).toBe("off");
    expect(inside.version).toMatch(/^\d+$/);
    expect(await jit()).toBe(before);
    if (kind === "postgresql") expect(before).toBe("on");
  });
});
