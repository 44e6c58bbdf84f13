import type { SqlRunner, SqlTransaction } from "../../src/adapters/db/sql-runner.ts";

/** What a watched transaction saw: statements running now, the most ever at once, each start and end (`start FETCH`, `end FETCH`), and how many began. */
export interface StatementWatch {
  running: number;
  most: number;
  events: string[];
  started: number;
}

/**
 * `tx`, with every statement's start and end recorded (by the statement's first word) and the
 * most ever running at once counted, for tests that must show a job never has two statements
 * in flight on one transaction, or none left running when it fails. With `fail`, the statement
 * for which it returns true (given its text and its 1-based number) fails instead of running.
 */
export function watchStatements(tx: SqlTransaction, fail?: (text: string, n: number) => boolean): { w: StatementWatch; watched: SqlTransaction } {
  const w: StatementWatch = { running: 0, most: 0, events: [], started: 0 };
  const watched: SqlTransaction = {
    exec: (text) => tx.exec(text),
    query: async <R>(text: string, params?: unknown[]) => {
      const name = text.trim().split(/\s+/)[0]!;
      w.started++;
      w.running++;
      w.most = Math.max(w.most, w.running);
      w.events.push(`start ${name}`);
      try {
        if (fail?.(text, w.started)) throw new Error(`injected failure in ${name}`);
        return await tx.query<R>(text, params);
      } finally {
        w.running--;
        w.events.push(`end ${name}`);
      }
    },
  };
  return { w, watched };
}

/**
 * `sql`, with each of its transactions run through `through`: given the transaction and the
 * work, it hands the work a wrapped transaction (to count, watch or fail its statements) and
 * may act on the outcome. Queries outside a transaction go to `sql` unchanged; work under a lock is wrapped the same way.
 */
export function throughEachTransaction(sql: SqlRunner, through: <T>(tx: SqlTransaction, work: (tx: SqlTransaction) => Promise<T>) => Promise<T>): SqlRunner {
  return {
    query: (text, params) => sql.query(text, params),
    transaction: (work) => sql.transaction((tx) => through(tx, work)),
    withLock: (id, work) => sql.withLock(id, (locked) => work(throughEachTransaction(locked, through))),
  };
}
