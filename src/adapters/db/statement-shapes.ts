import type { Compilable } from "kysely";

/** A value a statement binds as a parameter. */
export type Bindable = string | number | boolean | Date;

/** A statement as the driver takes it: its text and its parameters ($1 = values[0] …). */
export interface BoundStatement {
  text: string;
  values: unknown[];
}

/** A typed query (built on `compileOnly`), compiled, as a statement for `StatementShapes` or the driver. */
export function boundStatement(query: Compilable<unknown>): BoundStatement {
  const compiled = query.compile();
  return { text: compiled.sql, values: [...compiled.parameters] };
}

class StandIn {
  constructor(readonly name: string) {}
}

type Slot = { value: string } | { fixed: unknown };

/**
 * Statements built once per shape, then bound to each call's values: the query builder's
 * work (Kysely's building and compiling) is done the first time a shape is seen, not on
 * every request. On `/milestone done` it was about a quarter of the CPU Curve spends on a
 * request outside the database (CPU profile of `curve serve`, `npm run bench` Slack section).
 *
 * `build(shape, values)` must give the same text for every call with the same `shape` (what it
 * branches on: which parts are present) and use each of `values` only as a parameter. The first
 * build of a shape gets stand-ins for `values` and checks that: each stand-in must come back as
 * a parameter and none may reach the text, or it throws (a programming error, met by tests).
 */
export class StatementShapes<S extends Record<string, boolean | string>, V extends Record<string, Bindable>> {
  readonly #templates = new Map<string, { text: string; slots: Slot[] }>();

  constructor(private readonly build: (shape: S, values: V) => BoundStatement) {}

  /** The statement for `shape` with `values` bound. Errors: see the class. */
  bind(shape: S, values: V): BoundStatement {
    const key = JSON.stringify(shape);
    let template = this.#templates.get(key);
    if (!template) {
      template = this.#template(shape, Object.keys(values));
      this.#templates.set(key, template);
    }
    return { text: template.text, values: template.slots.map((slot) => ("value" in slot ? values[slot.value] : slot.fixed)) };
  }

  #template(shape: S, names: string[]): { text: string; slots: Slot[] } {
    const standIns = Object.fromEntries(names.map((name) => [name, new StandIn(name)])) as unknown as V;
    const built = this.build(shape, standIns);
    const slots: Slot[] = built.values.map((v) => (v instanceof StandIn ? { value: v.name } : { fixed: v }));
    const bound = new Set(slots.flatMap((slot) => ("value" in slot ? [slot.value] : [])));
    const unbound = names.filter((name) => !bound.has(name));
    if (unbound.length || built.text.includes("[object Object]")) {
      throw new Error(`statement shape ${JSON.stringify(shape)} does not bind ${unbound.join(", ") || "its values"} as parameters`);
    }
    return { text: built.text, slots };
  }
}
