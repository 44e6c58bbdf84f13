import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runShell } from "../../src/adapters/shell/shell.ts";
import { loadDemo, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { commandDriver } from "../support/invoke.ts";

/** Curve's shell on a fresh demo partnership, as Jancis Andrew, over in-memory streams; `screen()` is what it printed so far. */
async function openShell(t: TestDatabase, interactive: boolean) {
  const partnershipId = await loadDemo(t.db);
  const partnership = await t.db.prisma.partnership.findUniqueOrThrow({ where: { id: partnershipId } });
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = "";
  output.on("data", (chunk) => (printed += chunk));
  const done = runShell({ deps: commandDriver(t.db, partnershipId).deps, partnership, as: "Jancis Andrew", input, output, interactive });
  return { partnershipId, input, done, screen: () => printed };
}

describe("the interactive shell's keys", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase("pglite");
  });
  afterAll(async () => t.close());

  async function session(keys: string[]) {
    const { input, done, screen } = await openShell(t, true);
    const waitFor = async (text: string, from: number) => {
      const started = Date.now();
      while (screen().indexOf(text, from) < 0) {
        if (Date.now() - started > 60_000) throw new Error(`never saw ${text}: ${screen().slice(-500)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    await waitFor("curve> ", 0);
    for (const [i, key] of keys.entries()) {
      const before = screen().length;
      input.write(key);
      // Each Enter or Ctrl-C ends at a fresh prompt; wait for it before the next key (the last one leaves).
      if (i < keys.length - 1 && (key.endsWith("\r") || key === "\x03")) await waitFor("curve> ", before);
    }
    return { code: await done, screen: screen() };
  }

  it("clears the line on Ctrl-C and keeps going; Ctrl-D leaves with 0", async () => {
    const { code, screen } = await session(["/milestone done ATT-4.1 oops", "\x03", "/whoami\r", "\x04"]);
    expect(code).toBe(0);
    expect(screen).toContain("^C");
    expect(screen).toContain("Jancis Andrew");
    // The cleared line never ran.
    expect(screen).not.toContain("ATT-4.1 done");
    const t1 = await t.db.prisma.milestone.findFirstOrThrow({ where: { ref: "ATT-4.1", doneAt: { not: null } } }).catch(() => null);
    expect(t1).toBeNull();
  });

  it("/quit leaves with 0", async () => {
    const { code } = await session(["/quit\r"]);
    expect(code).toBe(0);
  });
});

describe("the shell, fed bytes that are not UTF-8", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase("pglite");
  });
  afterAll(async () => t.close());

  // A pipe or a terminal set to another encoding: readline decodes these to "�", which Curve refuses.
  it.each([
    ["a stray 0xFF byte", [0xff]],
    ["a surrogate written as UTF-8 bytes", [0xed, 0xa0, 0x80]],
    ["a sequence cut short", [0xe2, 0x80]],
  ])("refuses a line with %s in one sentence, and marks nothing done", async (_what, bytes) => {
    const { partnershipId, input, done, screen } = await openShell(t, false);
    input.end(Buffer.concat([Buffer.from("/milestone done ATT-4.1 agreed "), Buffer.from(bytes), Buffer.from(" today\n")]));
    expect(await done).toBe(0);
    expect(screen()).toContain("That message arrived with broken characters (it is not valid UTF-8 text), so Curve did nothing; please retype it.");
    const m = await t.db.prisma.milestone.findFirstOrThrow({ where: { ref: "ATT-4.1", action: { plan: { partnershipId } } } });
    expect(m.doneAt).toBeNull();
  });
});
