/**
 * What the shared SQL code needs from a dialect: run a statement, read rows, run a transaction. SQL is
 * written with PostgreSQL's numbered parameters (`$1`); the SQLite executor rewrites them to `?1`, which
 * SQLite reads the same way, so one text serves both.
 */
export type SqlValue = string | number | null;

export interface SqlExecutor {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement; resolves to the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. With
   * `idempotent`, a transaction lost to a dropped connection is run again (the caller promises that running
   * `work` twice is the same as once).
   */
  transaction<T>(
    work: (tx: SqlExecutor) => Promise<T>,
    options?: { readonly idempotent?: boolean },
  ): Promise<T>;
}
