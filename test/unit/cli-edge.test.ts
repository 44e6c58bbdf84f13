import { afterEach, describe, expect, it } from "vitest";
import { postgresRefusalSentence, systemErrorSentence, unexpected } from "../../src/bot/entry.ts";

/** What `curve` prints for an error that reaches its edge: one line, never a driver's whole message. */
describe("the command line's last word on an error", () => {
  const level = process.env.LOG_LEVEL;
  afterEach(() => {
    if (level === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = level;
  });

  it("gives the first line of an unexpected error, and where the rest is", () => {
    delete process.env.LOG_LEVEL;
    const driver = new Error("\nInvalid `prisma.person.update()` invocation:\n\n  → 12   const person = await tx.person.update({\n\nUnique constraint failed on the fields: (`partnership_id`,`name`)");
    const said = unexpected(driver);
    expect(said).toBe("something went wrong inside Curve (Invalid `prisma.person.update()` invocation). Run it again with LOG_LEVEL=debug to see the details.");
    expect(said).not.toContain("\n");
    expect(unexpected(new Error("x".repeat(500)))).toMatch(/^something went wrong inside Curve \(x{197}\.\.\.\)\./);
    expect(unexpected("")).toBe("something went wrong inside Curve. Run it again with LOG_LEVEL=debug to see the details.");
  });

  it("does not send someone to LOG_LEVEL=debug who is already there (the stack follows)", () => {
    process.env.LOG_LEVEL = "debug";
    expect(unexpected(new Error("boom"))).toBe("something went wrong inside Curve (boom).");
  });

  it("leaves the operating system's errors to their own sentences", () => {
    const missing = Object.assign(new Error("ENOENT: no such file or directory, open 'plan.xlsx'"), { code: "ENOENT", syscall: "open", path: "plan.xlsx" });
    expect(systemErrorSentence(missing)).toBe("cannot open plan.xlsx: it, or the folder it is in, does not exist.");
    expect(systemErrorSentence(new Error("boom"))).toBeNull();
  });
});

/** PostgreSQL turning Curve away at the door is the operator's to fix, and is said so, in one line. */
describe("PostgreSQL's refusals at the command line's edge", () => {
  const refusal = (code: string, message: string) => Object.assign(new Error(message), { code, severity: "FATAL" });

  it("names what PostgreSQL said and the fix, for each way it refuses a connection", () => {
    const url = "postgresql://curve:secret@db.internal:5432/curve";
    expect(postgresRefusalSentence(refusal("28P01", 'password authentication failed for user "curve"'), url)).toBe(
      'PostgreSQL refused Curve (password authentication failed for user "curve"): check the user and password in DATABASE_URL.',
    );
    expect(postgresRefusalSentence(refusal("53300", "sorry, too many clients already"), url)).toBe(
      "PostgreSQL refused Curve (sorry, too many clients already): PostgreSQL has no connections left: lower DATABASE_POOL_SIZE, or raise max_connections (every instance's pool, added up, must stay under it).",
    );
    expect(postgresRefusalSentence(refusal("57P03", "the database system is starting up"), url)).toBe(
      "PostgreSQL refused Curve (the database system is starting up): PostgreSQL is starting up or shutting down: try again in a moment.",
    );
  });

  it("leaves other errors, and the embedded database, to the sentences they already have", () => {
    expect(postgresRefusalSentence(refusal("23505", "duplicate key value violates unique constraint"), "postgresql://x@y/z")).toBeNull();
    expect(postgresRefusalSentence(refusal("28P01", "password authentication failed"), "")).toBeNull();
    expect(postgresRefusalSentence(new Error("boom"), "postgresql://x@y/z")).toBeNull();
  });
});
