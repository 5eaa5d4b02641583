/**
 * The SQLite store: the shared contract, then what only a file can do wrong — another process holding the
 * lock, a damaged or foreign file, a full disk — each a clear `StoreError` with nothing already stored lost.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { openStore } from '../open-store.js';
import { alertSeries, defineStoreContract, makeAlert } from '../store.contract.js';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'ballotguard-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

defineStoreContract({
  dialect: 'sqlite',
  open: (name, options) => openStore(join(dir, `${name}.db`), options),
});

async function storeError(work: () => unknown): Promise<StoreError> {
  try {
    await work();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a StoreError, but the call succeeded');
}

let fileCounter = 0;
const freshFile = (): string => join(dir, `fault-${++fileCounter}.db`);

describe('SQLite store: files and faults', () => {
  it('uses WAL, so a reader is not blocked by a writer in the middle of a transaction', async () => {
    const file = freshFile();
    const store = SqliteStore.open(file);
    await store.writeAlerts(null, alertSeries(10, { host: 'dc01' }));
    const writer = new Database(file);
    writer.exec('BEGIN IMMEDIATE');
    writer.prepare("INSERT INTO settings (key, value) VALUES ('pending', 'x')").run();
    const reader = SqliteStore.open(file, { mustExist: true });
    expect(await reader.countAlerts()).toBe(1);
    writer.exec('ROLLBACK');
    writer.close();
    expect(new Database(file).pragma('journal_mode', { simple: true })).toBe('wal');
    await reader.close();
    await store.close();
  });

  it('reports a lock held by another process as retryable `locked`, and the retry then succeeds', async () => {
    const file = freshFile();
    const store = SqliteStore.open(file, { busyTimeoutMs: 50 });
    await store.writeAlerts(null, alertSeries(5, { host: 'dc01', account: 'alice' }));
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    const batch = alertSeries(5, { host: 'dc02', account: 'bob', firstLine: 6 });
    const error = await storeError(() => store.writeAlerts(null, batch));
    expect(error).toMatchObject({ code: 'locked', retryable: true });
    expect(error.message).toMatch(/locked by another process.*try again/);
    other.exec('COMMIT');
    other.close();
    expect((await store.writeAlerts(null, batch)).stored).toBe(5);
    const alerts = await store.listAlerts();
    expect(alerts.map((a) => a.count)).toEqual([5, 5]);
    await store.close();
  });

  it('refuses a file that is not a database: `corrupt`, telling the user what to do, file untouched', async () => {
    const file = freshFile();
    const garbage = Buffer.alloc(64 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
    writeFileSync(file, garbage);
    const error = await storeError(() => openStore(file));
    expect(error).toMatchObject({ code: 'corrupt', retryable: false });
    expect(error.message).toMatch(/restore it from a backup or move the file aside/);
    expect(readFileSync(file).equals(garbage)).toBe(true);
  });

  it('reports damaged pages in a real database as `corrupt` when they are read', async () => {
    const file = freshFile();
    const store = SqliteStore.open(file);
    await store.writeAlerts(
      null,
      Array.from({ length: 3000 }, (_, i) =>
        makeAlert({ host: `h${i}`, line: i + 1, extra: { pad: 'x'.repeat(300) } }),
      ),
    );
    await store.close();
    // Checkpointed into the main file by the close; now scribble over everything after the schema pages.
    const fd = openSync(file, 'r+');
    const noise = Buffer.alloc(4096 * 50, 0xa5);
    writeSync(fd, noise, 0, noise.length, 4096 * 8);
    closeSync(fd);
    const error = await storeError(async () => {
      const damaged = await openStore(file);
      try {
        await damaged.listAlerts({ limit: 10_000 });
        await damaged.writeAlerts(null, alertSeries(50, { host: 'new' }));
      } finally {
        await damaged.close();
      }
    });
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/move the file aside/);
  });

  it('reports a full database as `full`, keeps every batch committed before, and stays readable', async () => {
    const file = freshFile();
    const store = SqliteStore.open(file, { maxSizeBytes: 1024 * 1024 });
    const first = Array.from({ length: 200 }, (_, i) => makeAlert({ host: `h${i}`, line: i + 1 }));
    await store.writeAlerts(null, first);
    let error: StoreError | undefined;
    let line = 1000;
    for (let batch = 0; batch < 200 && error === undefined; batch++) {
      const alerts = Array.from({ length: 200 }, () =>
        makeAlert({ host: `big${line}`, line: ++line, extra: { pad: 'y'.repeat(2000) } }),
      );
      try {
        await store.writeAlerts(null, alerts);
      } catch (caught) {
        if (!(caught instanceof StoreError)) throw caught;
        error = caught;
      }
    }
    expect(error).toMatchObject({ code: 'full', retryable: false });
    expect(error!.message).toMatch(/free space/);
    expect(await store.countAlerts({ hosts: ['h0', 'h199'] })).toBe(2);
    const stored = await store.countAlerts();
    // The failed batch left nothing half-written: whole batches only.
    expect((stored - 200) % 200).toBe(0);
    await store.close();
  });

  it('says `not-found` when reading a database that does not exist, and creates nothing', async () => {
    const file = join(dir, 'missing.db');
    const error = await storeError(() => openStore(file, { mustExist: true }));
    expect(error.code).toBe('not-found');
    expect(error.message).toMatch(/ballotguard hunt --db/);
    await expect(import('node:fs').then((fs) => fs.existsSync(file))).resolves.toBe(false);
  });

  it('says `cannot-open` for a file in a folder that does not exist', async () => {
    const error = await storeError(() => openStore(join(dir, 'no', 'such', 'folder', 'x.db')));
    expect(error.code).toBe('cannot-open');
  });

  it('refuses a database written by a newer Ballotguard', async () => {
    const file = freshFile();
    await (await openStore(file)).close();
    const raw = new Database(file);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run();
    raw.close();
    const error = await storeError(() => openStore(file));
    expect(error.code).toBe('schema-too-new');
    expect(error.message).toMatch(/upgrade Ballotguard/);
  });
});
