/** node-postgres errors (server SQLSTATEs and socket failures) → `StoreError`s. The one place for it. */
import { StoreError, driverMessage } from '../errors.js';

const SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

const LOST_CONNECTION =
  /connection terminated|terminating connection|not queryable|timeout exceeded when trying to connect|connection timeout|server closed the connection|Connection ended/i;

/** True when the connection itself failed, so the client must be thrown away (not returned to the pool). */
export function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code)) return true;
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  }
  return LOST_CONNECTION.test(driverMessage(error));
}

export function postgresError(error: unknown, location: string): StoreError {
  if (error instanceof StoreError) return error;
  const code =
    typeof (error as { code?: unknown } | null)?.code === 'string' ? (error as { code: string }).code : '';
  const said = driverMessage(error);
  const options = { cause: error };
  if (isConnectionLoss(error) || code === '53300')
    return new StoreError(
      'unavailable',
      `PostgreSQL at ${location} is not reachable or dropped the connection (${said}); check that the server is running and reachable, then run the command again (stored alerts are kept and not counted twice)`,
      true,
      options,
    );
  if (code === '40001' || code === '40P01')
    return new StoreError(
      'conflict',
      `another writer collided with this one (${said}); try again`,
      true,
      options,
    );
  if (code === '55P03')
    return new StoreError(
      'locked',
      `a lock is held by another session (${said}); try again later`,
      true,
      options,
    );
  if (code === '53100')
    return new StoreError(
      'full',
      `the PostgreSQL server at ${location} is out of disk space (${said}); free space on the server, then run the command again`,
      false,
      options,
    );
  if (code.startsWith('28') || code === '42501')
    return new StoreError(
      'denied',
      `PostgreSQL at ${location} refused access (${said}); check the user, password and grants in the URL`,
      false,
      options,
    );
  if (code === '3D000')
    return new StoreError(
      'cannot-open',
      `the database in ${location} does not exist (${said}); create it (e.g. createdb) or fix the URL`,
      false,
      options,
    );
  if (code === '23505') return new StoreError('duplicate', `already exists (${said})`, false, options);
  if (code === '25006')
    return new StoreError(
      'read-only',
      `PostgreSQL at ${location} is read-only (${said}); use the primary server`,
      false,
      options,
    );
  if (code === 'XX001' || code === 'XX002')
    return new StoreError(
      'corrupt',
      `PostgreSQL at ${location} reports damaged data (${said}); restore from a backup`,
      false,
      options,
    );
  return new StoreError(
    'internal',
    `PostgreSQL at ${location}: ${said}${code ? ` (${code})` : ''}`,
    false,
    options,
  );
}
