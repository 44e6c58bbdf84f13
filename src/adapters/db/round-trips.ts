import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";

/**
 * Counts the statements Curve sends to its database driver: each is one round trip (a
 * network exchange on PostgreSQL, one call into the engine on PGlite). A transaction's
 * BEGIN and COMMIT or ROLLBACK count as one each. Tests and `npm run bench` read `count`
 * before and after a request to show what it cost.
 */
export class RoundTrips {
  count = 0;
  readonly #counted = new WeakSet<object>();

  /**
   * Counts every `query` each of the pool's clients runs (the pool's own `query` goes through
   * them). Hooked on "acquire", not "connect", so clients the pool opened before this call,
   * such as the one that created the schema, are counted too.
   */
  countPgPool(pool: pg.Pool): void {
    pool.on("acquire", (client) => this.countPgClient(client));
  }

  /** Counts every `query` a pooled `pg` client runs; a client already counted is left as it is. */
  countPgClient(client: pg.PoolClient): void {
    if (this.#counted.has(client)) return;
    this.#counted.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      this.count += 1;
      return query(...args);
    };
  }

  /** Counts PGlite's `query` and `exec`, and the BEGIN and COMMIT (or ROLLBACK) of `transaction`. */
  countPglite(client: PGlite): void {
    const counted = <F extends (...args: never[]) => Promise<unknown>>(run: F): F =>
      ((...args: Parameters<F>) => {
        this.count += 1;
        return run(...args);
      }) as F;
    const query = client.query.bind(client);
    const exec = client.exec.bind(client);
    const transaction = client.transaction.bind(client);
    client.query = counted(query) as typeof client.query;
    client.exec = counted(exec) as typeof client.exec;
    client.transaction = (async (work: Parameters<typeof transaction>[0]) => {
      this.count += 2;
      return transaction((tx) => {
        tx.query = counted(tx.query);
        tx.exec = counted(tx.exec);
        return work(tx);
      });
    }) as typeof client.transaction;
  }
}
