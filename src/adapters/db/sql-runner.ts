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
  /**
   * Serialises work across processes sharing the database (a session advisory lock). `work`
   * gets a runner on the connection that holds the lock, and should use it rather than this
   * one: a pool of one connection (DATABASE_POOL_SIZE=1) has no other to give while it waits.
   */
  withLock<T>(lockId: number, work: (locked: SqlRunner) => Promise<T>): Promise<T>;
}

/**
 * Prisma Client (or one of its interactive transactions) as a Queryable, for the few
 * statements a Prisma-based module hands to a raw-SQL writer. Runs in that client's
 * transaction when given `tx`.
 */
export function prismaQueryable(prisma: { $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> }): Queryable {
  return { query: <T>(text: string, params: unknown[] = []) => prisma.$queryRawUnsafe<T[]>(text, ...params) };
}
