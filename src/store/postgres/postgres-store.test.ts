/**
 * The PostgreSQL store: the shared contract, then connection faults. Needs a server: set
 * BALLOTGUARD_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test; `.ci/run` sets it). Without it the
 * tests are skipped with a message, except under CI=true, where that is a failure. Each run works in
 * schemas of its own (`bg_test_<pid>_<time>_…`), dropped at the end, so parallel runs do not collide.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import { openStore } from '../open-store.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import { alertSeries, defineStoreContract } from '../store.contract.js';
import { PostgresStore, parsePostgresUrl } from './postgres-store.js';

const url = process.env['BALLOTGUARD_TEST_PG_URL'];
if (url === undefined || url === '') {
  if (process.env['CI'] === 'true')
    throw new Error(
      'BALLOTGUARD_TEST_PG_URL is not set; CI must run the PostgreSQL store tests (.ci/run sets it)',
    );
  console.warn(
    'skipping the PostgreSQL store tests: set BALLOTGUARD_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run them',
  );
}
const available = url !== undefined && url !== '';
const prefix = `bg_test_${process.pid}_${Date.now().toString(36)}`;

function urlFor(name: string): string {
  const target = new URL(url!);
  target.searchParams.set('schema', `${prefix}_${name}`);
  return target.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: parsePostgresUrl(url!).connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  if (!available) return;
  await admin(async (client) => {
    const { rows } = await client.query<{ nspname: string }>(
      'SELECT nspname FROM pg_namespace WHERE nspname LIKE $1',
      [`${prefix}%`],
    );
    for (const row of rows) await client.query(`DROP SCHEMA "${row.nspname}" CASCADE`);
  });
});

async function storeError(work: () => Promise<unknown>): Promise<StoreError> {
  try {
    await work();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a StoreError, but the call succeeded');
}

describe.skipIf(!available)('PostgreSQL store', () => {
  defineStoreContract({ dialect: 'postgres', open: (name, options) => openStore(urlFor(name), options) });

  describe('connection faults', () => {
    /**
     * Holds an exclusive lock on the occurrences table so the store's batch stops halfway (alerts created,
     * occurrences waiting), then kills the store's connection from outside, as a server restart would.
     */
    async function killMidBatch(application: string, schema: string, write: () => Promise<unknown>) {
      const blocker = new pg.Client({ connectionString: parsePostgresUrl(url!).connectionString });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query(`LOCK TABLE "${schema}".alert_occurrences IN EXCLUSIVE MODE`);
        const pending = write().then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        let pid: number | undefined;
        for (let i = 0; i < 500 && pid === undefined; i++) {
          const { rows } = await blocker.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
            [application],
          );
          pid = rows[0]?.pid;
          if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(pid, 'the batch never reached the locked table').toBeDefined();
        const killed = await blocker.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
        expect(killed.rows[0]?.ok).toBe(true);
        await blocker.query('ROLLBACK');
        return await pending;
      } finally {
        await blocker.end();
      }
    }

    it('a batch whose connection is killed mid-way is written again by the store: nothing lost, nothing doubled', async () => {
      const application = `${prefix}_kill1`;
      const schema = `${prefix}_kill1`;
      const store = await PostgresStore.open(urlFor('kill1'), { applicationName: application });
      try {
        const first = alertSeries(300, { host: 'dc01', account: 'alice', stepSeconds: 30 });
        const second = alertSeries(300, { host: 'dc02', account: 'bob', stepSeconds: 30, firstLine: 301 });
        await store.writeAlerts(null, first);
        const outcome = await killMidBatch(application, schema, () => store.writeAlerts(null, second));
        expect(outcome.ok).toBe(true);
        const alerts = await store.listAlerts({ limit: 1000 });
        expect(alerts.reduce((sum, a) => sum + a.count, 0)).toBe(600);
        const again = await store.writeAlerts(null, [...first, ...second]);
        expect(again).toMatchObject({ stored: 0, duplicates: 600 });
      } finally {
        await store.close();
      }
    });

    it('without store retries the loss is a retryable `unavailable` error, and the caller’s retry adds no duplicates', async () => {
      const application = `${prefix}_kill2`;
      const schema = `${prefix}_kill2`;
      const store = await PostgresStore.open(urlFor('kill2'), {
        applicationName: application,
        retry: { delaysMs: [] },
      });
      try {
        const first = alertSeries(200, { host: 'dc01', account: 'alice', stepSeconds: 30 });
        const second = alertSeries(200, {
          host: 'dc01',
          account: 'alice',
          stepSeconds: 30,
          firstLine: 201,
          time: '2026-11-03T07:40:00Z',
        });
        await store.writeAlerts(null, first);
        const outcome = await killMidBatch(application, schema, () => store.writeAlerts(null, second));
        expect(outcome.ok).toBe(false);
        const error = (outcome as { error: unknown }).error;
        expect(error).toBeInstanceOf(StoreError);
        expect(error).toMatchObject({ code: 'unavailable', retryable: true });
        expect((error as StoreError).message).toMatch(/not counted twice/);
        // Nothing of the failed batch was kept; the first batch is intact.
        expect((await store.listAlerts({ limit: 1000 })).reduce((sum, a) => sum + a.count, 0)).toBe(200);
        expect((await store.writeAlerts(null, second)).stored).toBe(200);
        expect((await store.writeAlerts(null, second)).stored).toBe(0);
        expect((await store.listAlerts({ limit: 1000 })).reduce((sum, a) => sum + a.count, 0)).toBe(400);
      } finally {
        await store.close();
      }
    });

    it('a server that is not there is `unavailable` and says what to check', async () => {
      const error = await storeError(() =>
        PostgresStore.open('postgres://postgres@127.0.0.1:1/test', {
          retry: { delaysMs: [] },
          connectTimeoutSeconds: 2,
        }),
      );
      expect(error).toMatchObject({ code: 'unavailable', retryable: true });
      expect(error.message).toMatch(/check that the server is running/);
    });

    it('a database that does not exist is `cannot-open`; a malformed URL or schema is `invalid`', async () => {
      const missing = new URL(url!);
      missing.pathname = `/${prefix}_no_such_database`;
      expect((await storeError(() => openStore(missing.toString()))).code).toBe('cannot-open');
      expect((await storeError(() => openStore('postgres://bg@db.example:port/x'))).code).toBe('invalid');
      expect((await storeError(() => openStore(`${url!}?schema=x;DROP`))).code).toBe('invalid');
    });

    it('refuses a database written by a newer Ballotguard', async () => {
      await (await openStore(urlFor('future'))).close();
      await admin((client) =>
        client.query(
          `INSERT INTO "${prefix}_future".schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`,
        ),
      );
      const error = await storeError(() => openStore(urlFor('future')));
      expect(error.code).toBe('schema-too-new');
    });

    it('keeps the password out of messages and the location', async () => {
      const withPassword = new URL(url!);
      withPassword.password = 'hunter2';
      withPassword.port = '1';
      const error = await storeError(() =>
        PostgresStore.open(withPassword.toString(), { retry: { delaysMs: [] }, connectTimeoutSeconds: 2 }),
      );
      expect(error.message).not.toContain('hunter2');
    });
  });

  it('has the same tables and columns as the SQLite store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ballotguard-schema-'));
    try {
      const sqlite = SqliteStore.open(join(dir, 'x.db'));
      await sqlite.close();
      const Database = (await import('better-sqlite3')).default;
      const raw = new Database(join(dir, 'x.db'));
      const tables = (
        raw
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
          .all() as { name: string }[]
      ).map((t) => t.name);
      const sqliteColumns = new Set<string>();
      for (const table of tables)
        for (const column of raw.pragma(`table_info(${table})`) as { name: string }[])
          sqliteColumns.add(`${table}.${column.name}`);
      raw.close();
      await (await openStore(urlFor('shape'))).close();
      const pgColumns = await admin(async (client) => {
        const { rows } = await client.query<{ table_name: string; column_name: string }>(
          'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1',
          [`${prefix}_shape`],
        );
        return new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
      });
      expect([...pgColumns].sort()).toEqual([...sqliteColumns].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
