/** better-sqlite3's errors → `StoreError`s that say what happened and what to do. The one place for it. */
import { StoreError, driverMessage } from '../errors.js';

interface SqliteLike {
  readonly code?: unknown;
  readonly message?: unknown;
}

export function sqliteError(error: unknown, file: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = typeof (error as SqliteLike | null)?.code === 'string' ? (error as { code: string }).code : '';
  const said = driverMessage(error);
  const options = { cause: error };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new StoreError(
      'locked',
      `the database ${file} is locked by another process (${said}); wait for it to finish and try again`,
      true,
      options,
    );
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
    return new StoreError(
      'corrupt',
      `the database ${file} is damaged or is not a Ballotguard database (${said}); restore it from a backup or move the file aside (a new one is created on the next hunt)`,
      false,
      options,
    );
  if (code === 'SQLITE_FULL' || /disk is full|no space left/i.test(said))
    return new StoreError(
      'full',
      `the database ${file} cannot grow: the disk or its size limit is full (${said}); free space or move the database to a larger disk, then run the command again (what was already stored is kept)`,
      false,
      options,
    );
  if (code.startsWith('SQLITE_READONLY'))
    return new StoreError(
      'read-only',
      `the database ${file} cannot be written (${said}); check the permissions of the file and its folder`,
      false,
      options,
    );
  if (code.startsWith('SQLITE_CANTOPEN') || /directory does not exist|unable to open/i.test(said))
    return new StoreError(
      'cannot-open',
      `cannot open the database ${file} (${said}); check that its folder exists and is writable`,
      false,
      options,
    );
  if (code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY'))
    return new StoreError('duplicate', `already exists (${said})`, false, options);
  if (code.startsWith('SQLITE_IOERR'))
    return new StoreError(
      'internal',
      `reading or writing the database ${file} failed (${said}); check the disk`,
      false,
      options,
    );
  return new StoreError('internal', `database ${file}: ${said}`, false, options);
}
