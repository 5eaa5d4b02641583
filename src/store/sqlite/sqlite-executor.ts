/**
 * The shared SQL code's executor over one better-sqlite3 connection. Statements are prepared once and
 * cached. better-sqlite3 is synchronous, so a transaction whose work awaits could interleave with other
 * calls on the same connection; a transaction therefore holds the connection until it ends, and calls from
 * outside it wait (`idle()`).
 */
import type Database from 'better-sqlite3';
import type { SqlExecutor, SqlValue } from '../sql/executor.js';
import { sqliteError } from './sqlite-errors.js';

type Statement = Database.Statement<unknown[], unknown>;

/** better-sqlite3's own errors carry an `SQLITE_…` code; anything else is ours and passes through. */
export function isDriverError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

/**
 * better-sqlite3 binds numbered parameters (`?1`) from an object keyed by number, not from an argument
 * list; numbering lets one value appear twice in a statement, as PostgreSQL's `$1` does.
 */
export function numbered(values: readonly SqlValue[]): Record<number, SqlValue> {
  const out: Record<number, SqlValue> = {};
  for (let i = 0; i < values.length; i++) out[i + 1] = values[i]!;
  return out;
}

/** `$1` → `?1`: SQLite numbers parameters the same way with another sigil. */
export function toSqlite(sql: string): string {
  return sql.replace(/\$(\d+)/g, '?$1');
}

export class SqliteExecutor implements SqlExecutor {
  private readonly statements = new Map<string, Statement>();
  private active: Promise<void> | undefined;
  private readonly inside: SqlExecutor;

  constructor(
    readonly db: Database.Database,
    private readonly file: string,
  ) {
    this.inside = {
      all: (sql, params) => Promise.resolve(this.allNow(sql, params)),
      get: (sql, params) => Promise.resolve(this.getNow(sql, params)),
      run: (sql, params) => Promise.resolve(this.runNow(sql, params)),
      transaction: () => Promise.reject(new Error('nested transactions are not supported')),
    };
  }

  /** Resolves when no transaction holds the connection. */
  async idle(): Promise<void> {
    while (this.active !== undefined) await this.active;
  }

  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      try {
        statement = this.db.prepare(toSqlite(sql));
      } catch (error) {
        throw sqliteError(error, this.file);
      }
      this.statements.set(sql, statement);
    }
    return statement;
  }

  allNow<T>(sql: string, params: readonly SqlValue[] = []): T[] {
    const statement = this.prepare(sql);
    try {
      return statement.all(numbered(params)) as T[];
    } catch (error) {
      throw sqliteError(error, this.file);
    }
  }

  getNow<T>(sql: string, params: readonly SqlValue[] = []): T | undefined {
    const statement = this.prepare(sql);
    try {
      return statement.get(numbered(params)) as T | undefined;
    } catch (error) {
      throw sqliteError(error, this.file);
    }
  }

  runNow(sql: string, params: readonly SqlValue[] = []): number {
    const statement = this.prepare(sql);
    try {
      return statement.run(numbered(params)).changes;
    } catch (error) {
      throw sqliteError(error, this.file);
    }
  }

  /** Runs SQL that takes no parameters (pragmas, DDL). */
  exec(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (error) {
      throw sqliteError(error, this.file);
    }
  }

  async all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    await this.idle();
    return this.allNow<T>(sql, params);
  }

  async get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    await this.idle();
    return this.getNow<T>(sql, params);
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    await this.idle();
    return this.runNow(sql, params);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    await this.idle();
    let release!: () => void;
    this.active = new Promise<void>((resolve) => (release = resolve));
    try {
      // IMMEDIATE takes the write lock now (waiting up to busy_timeout), not halfway through the work.
      this.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.inside);
        this.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.active = undefined;
      release();
    }
  }

  /** Runs synchronous work in one IMMEDIATE transaction, once the connection is free. */
  async transactionSync<T>(work: () => T): Promise<T> {
    await this.idle();
    try {
      return this.db.transaction(work).immediate();
    } catch (error) {
      throw isDriverError(error) ? sqliteError(error, this.file) : error;
    }
  }
}
