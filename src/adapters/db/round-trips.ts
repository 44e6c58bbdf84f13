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

  /** Counts every `query` a pooled `pg` client runs (the pool's own `query` goes through it). */
  countPgClient(client: pg.PoolClient): void {
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
