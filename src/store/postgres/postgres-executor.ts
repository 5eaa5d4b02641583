/**
 * The shared SQL code's executor over a node-postgres pool. A connection that drops is thrown away, not
 * returned to the pool; reads and idempotent transactions are tried again a few times with backoff
 * (a failover or a restart takes seconds), everything else fails with a retryable `unavailable` error and
 * the caller decides.
 */
import type pg from 'pg';
import type { SqlExecutor, SqlValue } from '../sql/executor.js';
import { isConnectionLoss, postgresError } from './postgres-errors.js';

export interface RetryPolicy {
  /** Delays before each new attempt, in ms; its length is the number of retries. */
  readonly delaysMs: readonly number[];
}

export const DEFAULT_RETRY: RetryPolicy = { delaysMs: [100, 500, 2000] };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Queryable = Pick<pg.PoolClient, 'query'>;

function clientExecutor(client: Queryable, location: string): SqlExecutor {
  const query = async <T>(sql: string, params: readonly SqlValue[] = []): Promise<pg.QueryResult> => {
    try {
      return await client.query<T & pg.QueryResultRow>(sql, params as SqlValue[]);
    } catch (error) {
      throw postgresError(error, location);
    }
  };
  return {
    all: async <T>(sql: string, params?: readonly SqlValue[]) => (await query<T>(sql, params)).rows as T[],
    get: async <T>(sql: string, params?: readonly SqlValue[]) =>
      (await query<T>(sql, params)).rows[0] as T | undefined,
    run: async (sql, params) => (await query(sql, params)).rowCount ?? 0,
    transaction: () => Promise.reject(new Error('nested transactions are not supported')),
  };
}

export class PostgresExecutor implements SqlExecutor {
  constructor(
    readonly pool: pg.Pool,
    private readonly location: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  private async attempt<T>(retryable: boolean, work: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const mapped = postgresError(error, this.location);
        const delay = this.retry.delaysMs[attempt];
        if (!retryable || !mapped.retryable || delay === undefined) throw mapped;
        await sleep(delay);
      }
    }
  }

  private plain<T>(sql: string, run: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    // Reads are safe to repeat; a write might have happened before the connection dropped.
    const read = /^\s*SELECT\b/i.test(sql);
    return this.attempt(read, () => run(clientExecutor(this.pool, this.location)));
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.plain(sql, (executor) => executor.all<T>(sql, params));
  }

  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.plain(sql, (executor) => executor.get<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.plain(sql, (executor) => executor.run(sql, params));
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options: { idempotent?: boolean } = {}): Promise<T> {
    return this.attempt(options.idempotent ?? false, async () => {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(clientExecutor(client, this.location));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        broken = isConnectionLoss(error) || isConnectionLoss((error as { cause?: unknown }).cause);
        if (!broken) {
          try {
            await client.query('ROLLBACK');
          } catch {
            broken = true;
          }
        }
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }
}
