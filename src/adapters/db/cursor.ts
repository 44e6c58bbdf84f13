import type { CompiledQuery } from "kysely";
import { nextTurn } from "../../jobs/turns.ts";
import type { Queryable } from "./sql-runner.ts";

/**
 * Runs `query` once through a cursor named `name` in the caller's transaction `tx`, handing
 * its rows `batchSize` at a time first to `read`, which may run statements of its own in `tx`
 * (what the batch needs besides its rows), then to `use`, with what `read` returned, which
 * runs none. The next batch is fetched and read while `use` works on this one: the database
 * works while Curve plans, never two statements at once. One statement to open the cursor,
 * one per batch, one to close it; a turn of the event loop after each batch. A large result
 * read in one go is parsed in one stretch that holds the thread (100,000 owner rows: over
 * 100 ms). If `use` throws, the batch being read ahead is let finish first, so the
 * transaction is never rolled back under a running statement.
 */
export async function inBatches<R, X>(
  tx: Queryable,
  name: string,
  query: CompiledQuery<R>,
  batchSize: number,
  read: (batch: R[]) => Promise<X>,
  use: (batch: R[], extra: X) => void | Promise<void>,
): Promise<void> {
  const size = Math.max(1, Math.floor(batchSize));
  type Read = { rows: R[]; extra: X };
  const fetchAndRead = async (): Promise<Read> => {
    const rows = await tx.query<R>(`FETCH ${size} FROM ${name}`);
    return { rows, extra: await read(rows) };
  };
  // Read ahead: a failure is handled where the batch is awaited, not reported as unhandled meanwhile.
  const started = (promise: Promise<Read>) => (promise.catch(() => undefined), promise);
  await tx.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${query.sql}`, [...query.parameters]);
  let next: Promise<Read> | undefined = started(fetchAndRead());
  while (next) {
    const { rows, extra }: Read = await next;
    next = rows.length < size ? undefined : started(fetchAndRead());
    try {
      await use(rows, extra);
    } catch (error) {
      await next?.catch(() => undefined);
      throw error;
    }
    await nextTurn();
  }
  await tx.query(`CLOSE ${name}`);
}
