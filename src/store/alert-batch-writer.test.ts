import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertBatchWriter } from './alert-batch-writer.js';
import type { StoreError } from './errors.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { makeAlert } from './store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'ballotguard-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (): string => join(dir, `w${++n}.db`);

const distinct = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => makeAlert({ host: `h${from + i}`, line: from + i }));

describe('AlertBatchWriter', () => {
  it('writes in transactions of the batch size and reports totals', async () => {
    const store = SqliteStore.open(file());
    const writer = new AlertBatchWriter(store, null, { batchSize: 1000, maxBatchSize: 1000 });
    for (const alert of distinct(2500)) writer.add(alert);
    const totals = await writer.close();
    expect(totals).toMatchObject({
      received: 2500,
      stored: 2500,
      duplicates: 0,
      newAlerts: 2500,
      batches: 3,
      retries: 0,
    });
    expect(await store.countAlerts()).toBe(2500);
    // A burst larger than a batch becomes one larger transaction, up to maxBatchSize.
    const burst = new AlertBatchWriter(store, null, { batchSize: 100, maxBatchSize: 400 });
    for (const alert of distinct(1000, 5000)) burst.add(alert);
    expect((await burst.close()).batches).toBe(3);
    await store.close();
  });

  it('writes a small remainder on its own after the flush interval', async () => {
    const store = SqliteStore.open(file());
    const writer = new AlertBatchWriter(store, null, { flushIntervalMs: 20 });
    for (const alert of distinct(5)) writer.add(alert);
    expect(writer.pending).toBe(5);
    for (let i = 0; i < 100 && (await store.countAlerts()) < 5; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await store.countAlerts()).toBe(5);
    expect(writer.pending).toBe(0);
    await writer.close();
    await store.close();
  });

  it('holds the producer back while too much is queued', async () => {
    const store = SqliteStore.open(file());
    const writer = new AlertBatchWriter(store, null, { batchSize: 100, maxBatchSize: 100, maxPending: 100 });
    for (const alert of distinct(450)) writer.add(alert);
    await writer.ready();
    expect(writer.pending).toBeLessThan(100);
    await writer.close();
    expect(await store.countAlerts()).toBe(450);
    await store.close();
  });

  it('waits out a lock held by another process and then writes everything once', async () => {
    const path = file();
    const store = SqliteStore.open(path, { busyTimeoutMs: 20 });
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    const retries: StoreError[] = [];
    const writer = new AlertBatchWriter(store, null, { onRetry: (error) => retries.push(error) });
    for (const alert of distinct(300)) writer.add(alert);
    const flushed = writer.flush();
    await new Promise((r) => setTimeout(r, 400));
    other.exec('COMMIT');
    other.close();
    await flushed;
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((e) => e.code === 'locked')).toBe(true);
    expect(writer.totals).toMatchObject({ stored: 300, duplicates: 0 });
    expect(await store.countAlerts()).toBe(300);
    await store.close();
  });

  it('stops on a failure that cannot pass, keeping what was committed', async () => {
    const store = SqliteStore.open(file(), { maxSizeBytes: 2 * 1024 * 1024 });
    const writer = new AlertBatchWriter(store, null, { batchSize: 100, maxBatchSize: 100 });
    let line = 0;
    const big = () => makeAlert({ host: `h${++line}`, line, extra: { pad: 'z'.repeat(3000) } });
    for (let i = 0; i < 100; i++) writer.add(big());
    await writer.flush();
    for (let i = 0; i < 1000; i++) writer.add(big());
    await expect(writer.close()).rejects.toMatchObject({ code: 'full' });
    expect(await store.countAlerts()).toBe(writer.totals.stored);
    expect(writer.totals.stored % 100).toBe(0);
    expect(writer.totals.stored).toBeGreaterThanOrEqual(100);
    await expect(writer.ready()).rejects.toMatchObject({ code: 'full' });
    await store.close();
  });
});
