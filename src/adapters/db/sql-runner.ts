/** Raw SQL with positional parameters ($1, $2 …), the same on PGlite and PostgreSQL. */
export interface Queryable {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface SqlTransaction extends Queryable {
  exec(text: string): Promise<void>;
}

export interface SqlRunner extends Queryable {
  /** Runs work in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  /** Serialises work across processes sharing the database (a session advisory lock). */
  withLock<T>(lockId: number, work: () => Promise<T>): Promise<T>;
}
