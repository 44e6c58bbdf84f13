export interface SqlTransaction {
  exec(text: string): Promise<void>;
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface SqlRunner {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  transaction(work: (tx: SqlTransaction) => Promise<void>): Promise<void>;
  /** Serialises work across processes sharing the database (a session advisory lock). */
  withLock<T>(lockId: number, work: () => Promise<T>): Promise<T>;
}
