import { describe, expect, it } from "vitest";
import { compileOnly } from "../../src/adapters/db/kysely.ts";
import { StatementShapes } from "../../src/adapters/db/statement-shapes.ts";

describe("statements built once per shape", () => {
  const people = new StatementShapes<{ named: boolean }, { partnershipId: number; name?: string }>((shape, v) => {
    const query = compileOnly.selectFrom("person").select("id").where("partnership_id", "=", v.partnershipId);
    const compiled = (shape.named ? query.where("name", "=", v.name!) : query).compile();
    return { text: compiled.sql, values: [...compiled.parameters] };
  });

  it("binds each call's values into the text built for its shape", () => {
    const first = people.bind({ named: true }, { partnershipId: 1, name: "Sam" });
    const second = people.bind({ named: true }, { partnershipId: 7, name: "Jo" });
    expect(second.text).toBe(first.text);
    expect(first.values).toEqual([1, "Sam"]);
    expect(second.values).toEqual([7, "Jo"]);
    const direct = compileOnly.selectFrom("person").select("id").where("partnership_id", "=", 7).where("name", "=", "Jo").compile();
    expect(second).toEqual({ text: direct.sql, values: direct.parameters });
  });

  it("builds another shape apart", () => {
    const unnamed = people.bind({ named: false }, { partnershipId: 3 });
    expect(unnamed.values).toEqual([3]);
    expect(unnamed.text).not.toContain("name");
  });

  it("refuses a builder that does not bind a value as a parameter", () => {
    const forgetful = new StatementShapes<{ x: boolean }, { partnershipId: number; name: string }>((_shape, v) => {
      const compiled = compileOnly.selectFrom("person").select("id").where("partnership_id", "=", v.partnershipId).compile();
      return { text: compiled.sql, values: [...compiled.parameters] };
    });
    expect(() => forgetful.bind({ x: true }, { partnershipId: 1, name: "Sam" })).toThrow(/does not bind name/);
    const pasting = new StatementShapes<{ x: boolean }, { name: string }>((_shape, v) => ({ text: `SELECT '${String(v.name)}'`, values: [] }));
    expect(() => pasting.bind({ x: true }, { name: "Sam" })).toThrow(/does not bind/);
  });
});
