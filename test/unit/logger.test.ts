import { describe, expect, it } from "vitest";
import { createLogger, withLogContext } from "../../src/bot/logger.ts";
import { readConfig, ConfigError } from "../../src/bot/config.ts";

function capture(level: Parameters<typeof createLogger>[0] = "debug") {
  const raw: string[] = [];
  const log = createLogger(level, (line) => void raw.push(line));
  return { log, raw, lines: () => raw.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("the structured log", () => {
  it("writes one JSON object per line, with level names, the message and the request or delivery id", async () => {
    const { log, raw, lines } = capture();
    await withLogContext({ request: "req-1" }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.info("handled", { status: 200 });
    });
    withLogContext({ delivery: "nudge:person:7:2031-01-06T09:00:00.000Z" }, () => log.error("delivery failed", { attempt: 2 }));
    expect(raw.join("").split("\n").filter(Boolean)).toHaveLength(2);
    expect(lines()[0]).toMatchObject({ level: "info", message: "handled", request: "req-1", status: 200 });
    expect(lines()[1]).toMatchObject({ level: "error", message: "delivery failed", delivery: "nudge:person:7:2031-01-06T09:00:00.000Z" });
    expect(typeof lines()[0]!.time).toBe("string");
  });

  it("folds a driver's coloured, multi-line error onto one line without colours", () => {
    const { log, raw, lines } = capture();
    const error = Object.assign(new Error("\u001b[31mInvalid `prisma.person.findMany()` invocation:\u001b[39m\n\n  connection refused\n  at Object.<anonymous>"), { code: "P1001" });
    log.error("database failed", { error });
    expect(raw.join("")).not.toMatch(/\u001b/);
    expect(raw.join("").trim().split("\n")).toHaveLength(1);
    expect(lines()[0]!.error).toEqual({ type: "Error", message: expect.stringContaining("connection refused"), code: "P1001" });
  });

  it("never writes tokens, secrets, passwords or evidence text, by key or by shape", () => {
    const { log, raw } = capture();
    log.info("started", {
      token: "xoxb-1234-5678-secretpart",
      signingSecret: "8f742231b10e8888abcd99yyyzzz85a5",
      appPassword: "p@ss",
      evidence: "the child's school told us in confidence",
      nested: { authorization: "Bearer abc.def.ghi", url: "https://x.test/?t=xoxp-99-88-77" },
      detail: "calling with xapp-1-A0-123-abc and eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
    });
    const text = raw.join("");
    for (const secret of ["secretpart", "8f742231b10e", "p@ss", "in confidence", "abc.def.ghi", "xoxp-99", "xapp-1-A0", "eyJzdWIiOiIxIn0"]) expect(text).not.toContain(secret);
    expect(text).toContain("[redacted]");
  });

  it("never writes a board link's token, in an address or a sentence", () => {
    const { log, raw, lines } = capture();
    const token = "12.1767225600.AbCdEfGhIjKlMnOpQrStUv";
    log.info("request refused", { path: `/board/${token}/plans/%E0%A4%A`, error: new Error(`could not read https://x.test/board/${token}/files/p.pdf?key=k`) });
    expect(raw.join("")).not.toContain("AbCdEfGhIjKlMnOpQrStUv");
    expect(lines()[0]!.path).toBe("/board/…/plans/%E0%A4%A");
  });

  it("keeps warnings visible at LOG_LEVEL=warn and hides info", () => {
    const { log, lines } = capture("warn");
    log.info("routine");
    log.warn!("teams adapter runs unauthenticated");
    expect(lines().map((l) => l.message)).toEqual(["teams adapter runs unauthenticated"]);
  });
});

describe("half-set credentials", () => {
  const cases: [Record<string, string>, string][] = [
    [{ SLACK_BOT_TOKEN: "xoxb-1-2" }, "SLACK_SIGNING_SECRET"],
    [{ SLACK_SIGNING_SECRET: "0123456789abcdef" }, "SLACK_BOT_TOKEN"],
    [{ SLACK_APP_TOKEN: "xapp-1-2" }, "SLACK_BOT_TOKEN"],
    [{ MICROSOFT_APP_ID: "0b3c6c8f" }, "MICROSOFT_APP_PASSWORD"],
    [{ MICROSOFT_APP_PASSWORD: "secret" }, "MICROSOFT_APP_ID"],
    [{ MICROSOFT_APP_TENANT_ID: "4d1f2b9e" }, "MICROSOFT_APP_ID"],
  ];
  it.each(cases)("stop start-up with one sentence naming the missing variable: %o", (env, missing) => {
    let error: unknown;
    try {
      readConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.startsWith(`${missing} is not set`)).toBe(true);
    expect(message).not.toContain("\n");
    // Never the value of what was given.
    for (const value of Object.values(env)) expect(message).not.toContain(value);
  });

  it("accepts whole sets and none", () => {
    expect(() => readConfig({})).not.toThrow();
    expect(() => readConfig({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "0123456789abcdef", MICROSOFT_APP_ID: "a", MICROSOFT_APP_PASSWORD: "b" })).not.toThrow();
    // The Emulator's unauthenticated mode has no app; its tenant still limits who is answered.
    expect(readConfig({ CURVE_TEAMS_ALLOW_UNAUTHENTICATED: "1", MICROSOFT_APP_TENANT_ID: "4d1f2b9e" }).MICROSOFT_APP_TENANT_ID).toBe("4d1f2b9e");
    expect(readConfig({ HOST: "127.0.0.1" }).HOST).toBe("127.0.0.1");
    expect(readConfig({}).HOST).toBe("0.0.0.0");
  });
});
