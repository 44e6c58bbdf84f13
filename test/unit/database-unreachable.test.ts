import { describe, expect, it } from "vitest";
import { isDatabaseUnreachable } from "../../src/commands/error-reply.ts";

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: "FATAL" });
const prismaError = (code: string, cause: Record<string, unknown>) => Object.assign(new Error("Invalid `prisma.person.findMany()` invocation"), { code, meta: { driverAdapterError: { name: "DriverAdapterError", cause } } });

// The shapes below are what the pg driver, Node and Prisma's pg adapter throw (recorded on PostgreSQL 15).
describe("a database that cannot be reached, told from a statement that went wrong", () => {
  it.each([
    ["a backend ended by pg_terminate_backend", pgError("57P01", "terminating connection due to administrator command")],
    ["a server shutting down", pgError("57P02", "terminating connection due to crash of another server process")],
    ["no connection slots", pgError("53300", "too many connections for role \"curve\"")],
    ["a connection exception", pgError("08006", "connection failure")],
    ["nothing listening", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })],
    ["the pool's wait for a connection", new Error("timeout exceeded when trying to connect")],
    ["a connection cut under a query", new Error("Connection terminated unexpectedly")],
    ["Prisma: can't reach the server", prismaError("P1001", { kind: "DatabaseNotReachable", host: "db", port: 5432 })],
    ["Prisma: too many connections", prismaError("P2037", { kind: "TooManyConnections", originalCode: "53300" })],
    ["Prisma: a raw query on a terminated backend", prismaError("P2010", { kind: "postgres", originalCode: "57P01", originalMessage: "terminating connection due to administrator command" })],
    ["Prisma: a raw query whose connection closed", prismaError("P2010", { kind: "postgres", originalMessage: "Connection terminated unexpectedly" })],
    ["wrapped as a cause", new Error("sweep failed", { cause: pgError("57P01", "terminating connection due to administrator command") })],
  ])("%s is unreachable", (_what, error) => {
    expect(isDatabaseUnreachable(error)).toBe(true);
  });

  it.each([
    ["a unique violation", pgError("23505", "duplicate key value violates unique constraint")],
    ["a syntax error", pgError("42601", "syntax error at or near \"SELEC\"")],
    ["a permission refused", pgError("42501", "permission denied for table person")],
    ["Prisma: a record not found", Object.assign(new Error("No record was found"), { code: "P2025" })],
    ["Prisma: a raw query's constraint", prismaError("P2010", { kind: "postgres", originalCode: "23503", originalMessage: "violates foreign key constraint" })],
    ["a plain bug", new TypeError("Cannot read properties of undefined")],
    ["not an error at all", "terminating connection"],
  ])("%s is not", (_what, error) => {
    expect(isDatabaseUnreachable(error)).toBe(false);
  });
});
