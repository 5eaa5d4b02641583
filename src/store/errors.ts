/**
 * Operational errors of the store: the database cannot do what was asked. Each has a `code` callers can
 * branch on, says whether trying again later may succeed (`retryable`), and carries a message that tells the
 * user what to do. Each dialect maps its driver's errors to these in one place (`sqlite/sqlite-errors.ts`,
 * `postgres/postgres-errors.ts`).
 */
import { BallotguardError } from '../issues.js';

export const STORE_ERROR_CODES = [
  /** Another process holds a lock for longer than we wait (SQLite busy). Retry later. */
  'locked',
  /** The file is not a database or its pages are damaged. */
  'corrupt',
  /** No space left: the disk, the filesystem quota, or the configured size limit. */
  'full',
  /** The database server cannot be reached or dropped the connection. Retry later. */
  'unavailable',
  /** Two writers collided (deadlock, serialization failure). Retry. */
  'conflict',
  /** The file cannot be opened or created (missing folder, permissions). */
  'cannot-open',
  /** Opened for reading only, or the file/folder is not writable. */
  'read-only',
  /** Reading was asked of a database that does not exist. */
  'not-found',
  /** The database was written by a newer Ballotguard (schema version above what this one knows). */
  'schema-too-new',
  /** The connection string or an argument is wrong. */
  'invalid',
  /** A unique name or key is already taken (e.g. an active API token with that name). */
  'duplicate',
  /** The server refused the credentials or the permission. */
  'denied',
  /** Anything else the database reported. */
  'internal',
] as const;

export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends BallotguardError {
  constructor(
    override readonly code: StoreErrorCode,
    message: string,
    retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(code, message, retryable);
    this.name = 'StoreError';
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

export function isStoreError(error: unknown): error is StoreError {
  return error instanceof StoreError;
}

/** The driver's own words, for the end of our message. */
export function driverMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
