/**
 * The composition root's one way to get a store: a `postgres://` (or `postgresql://`) URL opens
 * PostgreSQL, anything else is a SQLite file path. The dialects are listed in one registry, so the CLI can
 * name them and the type checker sees them all.
 *
 * @example
 *   await openStore('ballotguard.db');                                  // SQLite file, created if missing
 *   await openStore('ballotguard.db', { mustExist: true });             // for commands that only read
 *   await openStore('postgres://bg@db.internal:5432/ballotguard?schema=county');
 */
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store, StoreDialect } from './store.js';

export interface OpenStoreOptions {
  /** Do not create a new SQLite file (commands that only read). PostgreSQL databases always exist. */
  readonly mustExist?: boolean;
  /** Fingerprint time bucket in seconds (default 3600). Recorded in the database; see docs/store.md. */
  readonly bucketSeconds?: number;
  /** SQLite: how long to wait for another writer's lock (default 5,000 ms). */
  readonly busyTimeoutMs?: number;
  /** SQLite: never grow the file beyond this many bytes. */
  readonly maxSizeBytes?: number;
  /** PostgreSQL: connections in the pool (default 4). */
  readonly poolSize?: number;
}

interface DialectDefinition {
  readonly description: string;
  readonly accepts: (location: string) => boolean;
  readonly open: (location: string, options: OpenStoreOptions) => Promise<Store>;
}

const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);

export const STORE_DIALECTS = {
  postgres: {
    description: 'PostgreSQL server, for many writers and large deployments (postgres://user@host/db)',
    accepts: isPostgresUrl,
    open: (url, options) =>
      PostgresStore.open(url, {
        ...(options.bucketSeconds !== undefined ? { bucketSeconds: options.bucketSeconds } : {}),
        ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
      }),
  },
  sqlite: {
    description: 'embedded SQLite file, the default (a file path)',
    accepts: (location) => !isPostgresUrl(location),
    // In a promise, so a failure to open is a rejection like PostgreSQL's, never a synchronous throw.
    open: (file, options) =>
      new Promise<Store>((resolve) =>
        resolve(
          SqliteStore.open(file, {
            ...(options.mustExist !== undefined ? { mustExist: options.mustExist } : {}),
            ...(options.bucketSeconds !== undefined ? { bucketSeconds: options.bucketSeconds } : {}),
            ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
            ...(options.maxSizeBytes !== undefined ? { maxSizeBytes: options.maxSizeBytes } : {}),
          }),
        ),
      ),
  },
} satisfies Record<StoreDialect, DialectDefinition>;

/** Which dialect a location names. */
export function dialectOf(location: string): StoreDialect {
  return STORE_DIALECTS.postgres.accepts(location) ? 'postgres' : 'sqlite';
}

export function openStore(location: string, options: OpenStoreOptions = {}): Promise<Store> {
  return STORE_DIALECTS[dialectOf(location)].open(location, options);
}

/** Default SQLite file for the CLI when neither `--db` nor the config names a store. */
export const DEFAULT_DATABASE = 'ballotguard.db';
