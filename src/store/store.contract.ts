/**
 * The contract every `Store` dialect passes: one suite, run by `sqlite/sqlite-store.test.ts` and
 * `postgres/postgres-store.test.ts`. It checks behaviour through the interface only, so a dialect that
 * passes it can replace another.
 */
import { describe, expect, it } from 'vitest';
import type { Alert } from '../events/event.js';
import type { RuleLevel } from '../sigma/parse/ast.js';
import { StoreError } from './errors.js';
import { LATEST_VERSION } from './migrations/migrations.js';
import type { OpenStoreOptions } from './open-store.js';
import type { AlertRecord, IncidentFilter, Store, StoreDialect } from './store.js';

export interface StoreContractTarget {
  readonly dialect: StoreDialect;
  /**
   * Opens a connection to the database called `name`: a new empty one the first time, the same data again
   * for the same name. Stores are closed by the suite.
   */
  open(name: string, options?: OpenStoreOptions): Promise<Store>;
}

export interface AlertSpec {
  readonly rule?: string;
  readonly title?: string;
  readonly level?: RuleLevel;
  readonly tags?: readonly string[];
  readonly host?: string;
  readonly account?: string;
  readonly ip?: string;
  /** ISO time, or '' for none. */
  readonly time?: string;
  readonly path?: string;
  readonly line?: number;
  /** Leave out every position (a stream source). */
  readonly noPosition?: boolean;
  readonly extra?: Record<string, unknown>;
}

/** An alert as the detector makes it: evtx_dump-shaped Security event. */
export function makeAlert(spec: AlertSpec): Alert {
  const line = spec.line ?? 1;
  const time = spec.time ?? '2026-11-03T06:00:00Z';
  const data: Record<string, unknown> = { ...spec.extra };
  if (spec.account !== undefined) data['TargetUserName'] = spec.account;
  if (spec.ip !== undefined) data['IpAddress'] = spec.ip;
  const system: Record<string, unknown> = { EventID: 4625, Channel: 'Security' };
  if (spec.host !== undefined) system['Computer'] = spec.host;
  if (time !== '') system['TimeCreated'] = { '#attributes': { SystemTime: time } };
  return {
    timestamp: time,
    rule: {
      id: spec.rule ?? 'rule-brute-force',
      title: spec.title ?? 'Brute force against a domain account',
      level: spec.level ?? 'high',
      tags: spec.tags ?? ['attack.credential_access', 'attack.t1110.001'],
      path: '/rules/brute.yml',
    },
    source: spec.noPosition
      ? { path: spec.path ?? '/logs/security.ndjson', format: 'ndjson' }
      : {
          path: spec.path ?? '/logs/security.ndjson',
          format: 'ndjson',
          line,
          record: line,
          offset: (line - 1) * 100,
        },
    event: { Event: { System: system, EventData: data } },
  };
}

/** `count` alerts, one per line of one file, `stepSeconds` apart. */
export function alertSeries(
  count: number,
  spec: AlertSpec & { stepSeconds?: number; firstLine?: number },
): Alert[] {
  const start = Date.parse(spec.time ?? '2026-11-03T06:00:00Z');
  return Array.from({ length: count }, (_, i) =>
    makeAlert({
      ...spec,
      line: (spec.firstLine ?? 1) + i,
      time: new Date(start + i * (spec.stepSeconds ?? 1) * 1000).toISOString(),
    }),
  );
}

async function expectStoreError(promise: Promise<unknown>, code: string): Promise<StoreError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe(code);
    expect((error as StoreError).message.length).toBeGreaterThan(10);
    return error as StoreError;
  }
  throw new Error(`expected a StoreError '${code}', but the call succeeded`);
}

function byRuleHost(alerts: readonly AlertRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const alert of alerts) out[`${alert.rule.id}|${alert.host}|${alert.firstSeen}`] = alert.count;
  return out;
}

export function defineStoreContract(target: StoreContractTarget): void {
  let counter = 0;
  const open = async (options?: OpenStoreOptions): Promise<{ store: Store; name: string }> => {
    const name = `c${++counter}`;
    return { store: await target.open(name, options), name };
  };
  const withStore = (title: string, body: (store: Store, name: string) => Promise<void>): void => {
    it(title, async () => {
      const { store, name } = await open();
      try {
        await body(store, name);
      } finally {
        await store.close();
      }
    });
  };

  describe(`Store contract: ${target.dialect}`, () => {
    describe('opening', () => {
      withStore('applies every migration and declares its dialect and capabilities', async (store) => {
        expect(store.dialect).toBe(target.dialect);
        expect(await store.schemaVersion()).toBe(LATEST_VERSION);
        expect(typeof store.capabilities.concurrentWriters).toBe('boolean');
        expect(store.capabilities.singleFile).toBe(target.dialect === 'sqlite');
        expect(store.bucketSeconds).toBe(3600);
        expect(store.location).not.toMatch(/:[^:@/]+@/);
      });

      withStore(
        'opens the same database again without migrating twice and keeps the data',
        async (store, name) => {
          await store.writeAlerts(null, [makeAlert({ host: 'dc01', account: 'alice' })]);
          const again = await target.open(name);
          try {
            expect(await again.schemaVersion()).toBe(LATEST_VERSION);
            expect(await again.countAlerts()).toBe(1);
          } finally {
            await again.close();
          }
        },
      );

      it('records the fingerprint bucket in the database', async () => {
        const { store, name } = await open({ bucketSeconds: 60 });
        await store.close();
        const again = await target.open(name);
        try {
          expect(again.bucketSeconds).toBe(60);
        } finally {
          await again.close();
        }
      });

      it('refuses a bucket that is not a positive whole number of seconds', async () => {
        await expectStoreError(target.open(`c${++counter}`, { bucketSeconds: 0 }), 'invalid');
      });

      withStore('closing twice is harmless', async (store) => {
        await store.close();
        await store.close();
      });
    });

    describe('writing alerts', () => {
      withStore(
        'merges alerts with the same rule, host, account, IP and hour into one with a count',
        async (store) => {
          const result = await store.writeAlerts(
            null,
            alertSeries(10, { host: 'DC01', account: 'Alice', ip: '10.0.0.5', stepSeconds: 60 }),
          );
          expect(result).toEqual({ received: 10, stored: 10, duplicates: 0, newAlerts: 1 });
          const [alert] = await store.listAlerts();
          expect(alert).toMatchObject({
            count: 10,
            host: 'dc01',
            account: 'alice',
            sourceIp: '10.0.0.5',
            firstSeen: '2026-11-03T06:00:00.000Z',
            lastSeen: '2026-11-03T06:09:00.000Z',
            rule: {
              id: 'rule-brute-force',
              level: 'high',
              tags: ['attack.credential_access', 'attack.t1110.001'],
            },
          });
          expect(alert!.fingerprint).toMatch(/^[0-9a-f]{32}$/);
        },
      );

      withStore('keeps separate alerts for other hosts, accounts, rules and hours', async (store) => {
        const base = { host: 'dc01', account: 'alice', ip: '10.0.0.5' };
        await store.writeAlerts(null, [
          makeAlert({ ...base, line: 1 }),
          makeAlert({ ...base, host: 'dc02', line: 2 }),
          makeAlert({ ...base, account: 'bob', line: 3 }),
          makeAlert({ ...base, ip: '10.0.0.6', line: 4 }),
          makeAlert({ ...base, rule: 'rule-other', line: 5 }),
          makeAlert({ ...base, time: '2026-11-03T07:00:00Z', line: 6 }),
          makeAlert({ ...base, time: '2026-11-03T06:59:59Z', line: 7 }),
        ]);
        const alerts = await store.listAlerts();
        expect(alerts).toHaveLength(6);
        expect(alerts.reduce((sum, a) => sum + a.count, 0)).toBe(7);
      });

      withStore('keeps one alert per record when the event names no host, account or IP', async (store) => {
        const result = await store.writeAlerts(null, alertSeries(3, {}));
        expect(result.newAlerts).toBe(3);
        expect((await store.listAlerts()).map((a) => a.count)).toEqual([1, 1, 1]);
      });

      withStore(
        'writing the same alerts again changes nothing (idempotent per occurrence)',
        async (store, name) => {
          const batch = alertSeries(50, { host: 'ws7', account: 'carol', stepSeconds: 120 });
          await store.writeAlerts(null, batch);
          const before = byRuleHost(await store.listAlerts({ limit: 1000 }));
          expect(await store.writeAlerts(null, batch)).toEqual({
            received: 50,
            stored: 0,
            duplicates: 50,
            newAlerts: 0,
          });
          // A second connection knows nothing in memory: the database itself must refuse the repeats.
          const again = await target.open(name);
          try {
            expect((await again.writeAlerts(null, batch)).duplicates).toBe(50);
            expect(byRuleHost(await again.listAlerts({ limit: 1000 }))).toEqual(before);
          } finally {
            await again.close();
          }
        },
      );

      withStore('a rerun after a partial write ends with the counts of one clean write', async (store) => {
        const all = [
          ...alertSeries(40, { host: 'dc01', account: 'alice', stepSeconds: 200 }),
          ...alertSeries(40, { host: 'dc02', account: 'bob', stepSeconds: 200, firstLine: 41 }),
        ];
        await store.writeAlerts(null, all.slice(0, 33));
        const rerun = await store.writeAlerts(null, all);
        expect(rerun.duplicates).toBe(33);
        expect(rerun.stored).toBe(47);
        const alerts = await store.listAlerts({ limit: 1000 });
        expect(alerts.reduce((sum, a) => sum + a.count, 0)).toBe(80);
        const { store: clean } = await open();
        try {
          await clean.writeAlerts(null, all);
          expect(byRuleHost(alerts)).toEqual(byRuleHost(await clean.listAlerts({ limit: 1000 })));
        } finally {
          await clean.close();
        }
      });

      withStore('drops an occurrence given twice in one batch', async (store) => {
        const alert = makeAlert({ host: 'dc01' });
        expect(await store.writeAlerts(null, [alert, alert])).toEqual({
          received: 2,
          stored: 1,
          duplicates: 1,
          newAlerts: 1,
        });
      });

      withStore(
        'keeps the event and source of the earliest occurrence, whatever the order',
        async (store) => {
          const late = makeAlert({
            host: 'dc01',
            account: 'alice',
            time: '2026-11-03T06:40:00Z',
            line: 9,
            extra: { n: 'late' },
          });
          const early = makeAlert({
            host: 'dc01',
            account: 'alice',
            time: '2026-11-03T06:10:00Z',
            line: 3,
            extra: { n: 'early' },
          });
          await store.writeAlerts(null, [late]);
          await store.writeAlerts(null, [early]);
          const [alert] = await store.listAlerts();
          expect(alert).toMatchObject({
            count: 2,
            firstSeen: '2026-11-03T06:10:00.000Z',
            lastSeen: '2026-11-03T06:40:00.000Z',
          });
          const detail = await store.getAlert(alert!.id);
          expect(detail?.source).toMatchObject({ line: 3, record: 3 });
          expect(JSON.stringify(detail?.event)).toContain('"early"');
          // …also when both arrive in one batch, late first.
          const { store: other } = await open();
          try {
            await other.writeAlerts(null, [late, early]);
            const [one] = await other.listAlerts();
            expect(JSON.stringify((await other.getAlert(one!.id))?.event)).toContain('"early"');
          } finally {
            await other.close();
          }
        },
      );

      withStore('keeps microsecond times', async (store) => {
        await store.writeAlerts(null, [makeAlert({ host: 'h', time: '2026-11-03T06:00:00.123456Z' })]);
        expect((await store.listAlerts())[0]?.firstSeen).toBe('2026-11-03T06:00:00.123456Z');
      });

      withStore('stores alerts without a time; time filters leave them out', async (store) => {
        await store.writeAlerts(null, [
          makeAlert({ host: 'h1', time: '', line: 1 }),
          makeAlert({ host: 'h2', line: 2 }),
        ]);
        const all = await store.listAlerts();
        expect(all.map((a) => a.host)).toEqual(['h2', 'h1']);
        expect(all[1]).toMatchObject({ firstSeen: null, lastSeen: null, count: 1 });
        expect((await store.listAlerts({ since: '2000-01-01T00:00:00Z' })).map((a) => a.host)).toEqual([
          'h2',
        ]);
      });

      withStore(
        'counts every alert that has no source position (it cannot be recognised again)',
        async (store) => {
          const alert = makeAlert({ host: 'h', noPosition: true });
          await store.writeAlerts(null, [alert]);
          const again = await store.writeAlerts(null, [alert]);
          expect(again.duplicates).toBe(0);
          expect((await store.listAlerts())[0]?.count).toBe(2);
        },
      );

      withStore('keeps hostile strings byte for byte', async (store) => {
        const nasty = `quote " backslash \\ nul \u0000 emoji 🗳 lone \ud800 end '; DROP TABLE alerts; --`;
        const alert = makeAlert({ host: 'dc01', extra: { CommandLine: nasty } });
        await store.writeAlerts(null, [alert]);
        const [stored] = await store.listAlerts();
        const detail = await store.getAlert(stored!.id);
        expect(JSON.stringify(detail?.event)).toBe(JSON.stringify(alert.event));
      });

      withStore('writes a large batch in one call', async (store) => {
        const alerts = Array.from({ length: 5000 }, (_, i) =>
          makeAlert({
            host: `ws${i % 50}`,
            account: `user${i % 7}`,
            line: i + 1,
            time: new Date(Date.UTC(2026, 10, 3) + i * 10_000).toISOString(),
          }),
        );
        const result = await store.writeAlerts(null, alerts);
        expect(result.stored).toBe(5000);
        expect(await store.countAlerts()).toBe(result.newAlerts);
        const total = (await store.listAlerts({ limit: 10_000 })).reduce((sum, a) => sum + a.count, 0);
        expect(total).toBe(5000);
      });

      withStore(
        'two connections writing overlapping batches at once count each occurrence once',
        async (store, name) => {
          const other = await target.open(name);
          try {
            const alerts = alertSeries(300, { host: 'dc01', account: 'alice', stepSeconds: 30 });
            await Promise.all([
              store.writeAlerts(null, alerts.slice(0, 200)),
              other.writeAlerts(null, alerts.slice(100)),
              store.writeAlerts(null, alerts.slice(50, 250)),
            ]);
            const total = (await store.listAlerts({ limit: 1000 })).reduce((sum, a) => sum + a.count, 0);
            expect(total).toBe(300);
          } finally {
            await other.close();
          }
        },
      );
    });

    describe('reading alerts', () => {
      const seed = async (store: Store): Promise<number> => {
        const hunt = await store.startHunt({ actor: 'tester', paths: ['/logs'] });
        await store.writeAlerts(hunt.id, [
          makeAlert({ host: 'dc01', account: 'alice', time: '2026-11-01T10:00:00Z', line: 1 }),
          makeAlert({
            host: 'dc01',
            rule: 'rule-lsass',
            title: 'LSASS memory dump with procdump',
            level: 'critical',
            tags: ['attack.credential_access', 'attack.t1003.001'],
            time: '2026-11-02T10:00:00Z',
            line: 2,
          }),
          makeAlert({
            host: 'ws7',
            rule: 'rule-webshell',
            title: 'Webshell in IIS folder',
            level: 'medium',
            tags: ['attack.persistence', 'attack.t1505.003'],
            ip: '203.0.113.9',
            time: '2026-11-03T10:00:00Z',
            line: 3,
          }),
        ]);
        await store.writeAlerts(null, [
          makeAlert({ host: 'ws8', account: 'bob', time: '2026-11-04T10:00:00Z', line: 4 }),
        ]);
        return hunt.id;
      };
      const hosts = (alerts: readonly AlertRecord[]): (string | null)[] => alerts.map((a) => a.host);

      withStore('lists newest first and filters by time window (overlap)', async (store) => {
        await seed(store);
        expect(hosts(await store.listAlerts())).toEqual(['ws8', 'ws7', 'dc01', 'dc01']);
        expect(
          hosts(await store.listAlerts({ since: '2026-11-02T00:00:00Z', until: '2026-11-03T23:00:00Z' })),
        ).toEqual(['ws7', 'dc01']);
        expect(await store.listAlerts({ since: '2027-01-01T00:00:00Z' })).toEqual([]);
      });

      withStore(
        'filters by level, host (any case), account, IP, rule id or title, technique and hunt',
        async (store) => {
          const huntId = await seed(store);
          expect(hosts(await store.listAlerts({ levels: ['critical', 'medium'] }))).toEqual(['ws7', 'dc01']);
          expect((await store.listAlerts({ hosts: ['DC01'] })).map((a) => a.rule.id)).toEqual([
            'rule-lsass',
            'rule-brute-force',
          ]);
          expect(hosts(await store.listAlerts({ hosts: ['dc01', 'ws8'], levels: ['high'] }))).toEqual([
            'ws8',
            'dc01',
          ]);
          expect(hosts(await store.listAlerts({ accounts: ['Bob'] }))).toEqual(['ws8']);
          expect(hosts(await store.listAlerts({ sourceIps: ['203.0.113.9'] }))).toEqual(['ws7']);
          expect(hosts(await store.listAlerts({ rule: 'rule-webshell' }))).toEqual(['ws7']);
          expect(hosts(await store.listAlerts({ rule: 'lsass MEMORY' }))).toEqual(['dc01']);
          expect(hosts(await store.listAlerts({ rule: '100%_' }))).toEqual([]);
          expect(hosts(await store.listAlerts({ technique: 'T1003' }))).toEqual(['dc01']);
          expect(hosts(await store.listAlerts({ technique: 't1003.001' }))).toEqual(['dc01']);
          expect(hosts(await store.listAlerts({ technique: 'T1003.002' }))).toEqual([]);
          expect(hosts(await store.listAlerts({ technique: 'attack.t1110' }))).toEqual(['ws8', 'dc01']);
          expect(hosts(await store.listAlerts({ huntId }))).toEqual(['ws7', 'dc01', 'dc01']);
          expect(await store.countAlerts({ hosts: ['dc01'] })).toBe(2);
          expect(await store.countAlerts()).toBe(4);
        },
      );

      withStore('pages with a keyset cursor: every alert once, in order', async (store) => {
        const alerts = Array.from({ length: 57 }, (_, i) =>
          makeAlert({
            host: `h${i}`,
            line: i + 1,
            time: new Date(Date.UTC(2026, 10, 3) + (i % 9) * 60_000).toISOString(),
          }),
        );
        alerts.push(
          makeAlert({ host: 'untimed-a', time: '', line: 100 }),
          makeAlert({ host: 'untimed-b', time: '', line: 101 }),
        );
        await store.writeAlerts(null, alerts);
        const seen: AlertRecord[] = [];
        let page = await store.listAlerts({ limit: 10 });
        while (page.length > 0) {
          seen.push(...page);
          const last = page[page.length - 1]!;
          page = await store.listAlerts({ limit: 10, after: { lastSeen: last.lastSeen, id: last.id } });
        }
        expect(seen).toHaveLength(59);
        expect(new Set(seen.map((a) => a.id)).size).toBe(59);
        expect(seen.map((a) => a.id)).toEqual((await store.listAlerts({ limit: 100 })).map((a) => a.id));
      });

      withStore('rejects bad filters with an invalid error', async (store) => {
        await expectStoreError(store.listAlerts({ since: 'yesterday-ish' }), 'invalid');
        await expectStoreError(store.listAlerts({ technique: 'credential dumping' }), 'invalid');
        await expectStoreError(store.listAlerts({ levels: ['severe' as RuleLevel] }), 'invalid');
        await expectStoreError(store.listAlerts({ limit: 0 }), 'invalid');
      });

      withStore('shows one alert with its event, occurrences and incidents', async (store) => {
        const hunt = await store.startHunt({ actor: 'tester', paths: ['/logs'] });
        await store.writeAlerts(hunt.id, alertSeries(5, { host: 'dc01', account: 'alice', stepSeconds: 60 }));
        const [alert] = await store.listAlerts();
        const incident = await store.createIncident(
          { title: 'Brute force on dc01', severity: 'high' },
          'grouper',
        );
        await store.addAlertsToIncident(
          incident.id,
          [{ alertId: alert!.id, reason: { text: 'same host' } }],
          'grouper',
        );
        const detail = await store.getAlert(alert!.id, { occurrenceLimit: 3 });
        expect(detail).toMatchObject({
          count: 5,
          huntId: hunt.id,
          lastHuntId: hunt.id,
          source: { path: '/logs/security.ndjson', format: 'ndjson', line: 1 },
        });
        expect(detail?.occurrences.map((o) => o.line)).toEqual([1, 2, 3]);
        expect(detail?.occurrences[0]).toMatchObject({
          path: '/logs/security.ndjson',
          record: 1,
          position: 0,
          huntId: hunt.id,
          at: '2026-11-03T06:00:00.000Z',
        });
        expect(detail?.incidents).toEqual([{ id: incident.id, title: 'Brute force on dc01', status: 'new' }]);
        expect(await store.getAlert(999_999)).toBeUndefined();
      });
    });

    describe('hunts', () => {
      withStore('records a hunt from start to finish', async (store) => {
        const started = await store.startHunt({
          actor: 'alice',
          paths: ['/cases/ec-2021'],
          ruleSources: ['rules/'],
          machine: 'forensic-01',
          pid: 4242,
          options: { threads: 2 },
        });
        expect(started).toMatchObject({
          status: 'running',
          finishedAt: null,
          actor: 'alice',
          paths: ['/cases/ec-2021'],
          machine: 'forensic-01',
          pid: 4242,
          options: { threads: 2 },
        });
        const finished = await store.finishHunt(started.id, {
          status: 'completed',
          rulesLoaded: 120,
          rulesFailed: 2,
          stats: { files: 3, events: 1000, alerts: 12 },
        });
        expect(finished).toMatchObject({
          status: 'completed',
          rulesLoaded: 120,
          rulesFailed: 2,
          stats: { files: 3, events: 1000, alerts: 12 },
        });
        expect(finished.finishedAt).not.toBeNull();
        expect(await store.getHunt(started.id)).toEqual(finished);
        const second = await store.startHunt({ actor: 'bob', paths: ['/x'] });
        expect((await store.listHunts()).map((h) => h.id)).toEqual([second.id, started.id]);
        expect((await store.listHunts({ status: 'running' })).map((h) => h.id)).toEqual([second.id]);
        await expectStoreError(store.finishHunt(999_999, { status: 'failed' }), 'invalid');
        expect(await store.getHunt(999_999)).toBeUndefined();
      });
    });

    describe('incidents', () => {
      const withAlerts = async (store: Store): Promise<number[]> => {
        // Times long past, so the alerts come before anything the test does now.
        await store.writeAlerts(null, [
          makeAlert({ host: 'dc01', account: 'alice', time: '2021-11-03T06:00:00Z', line: 1 }),
          makeAlert({ host: 'dc01', rule: 'rule-lsass', time: '2021-11-03T08:00:00Z', line: 2 }),
          makeAlert({ host: 'ws7', time: '2021-11-02T08:00:00Z', line: 3 }),
        ]);
        // Ids in the order written: dialects number a batch differently, so look them up.
        const alerts = await store.listAlerts();
        const find = (rule: string, host: string): number =>
          alerts.find((a) => a.rule.id === rule && a.host === host)!.id;
        return [
          find('rule-brute-force', 'dc01'),
          find('rule-lsass', 'dc01'),
          find('rule-brute-force', 'ws7'),
        ];
      };

      withStore('creates, updates and tells the story of an incident', async (store) => {
        const [a, b] = await withAlerts(store);
        const incident = await store.createIncident(
          { title: 'Credential theft on dc01', severity: 'high', groupKey: 'host:dc01' },
          'grouper',
        );
        expect(incident).toMatchObject({
          status: 'new',
          severity: 'high',
          assignee: null,
          groupKey: 'host:dc01',
          alertCount: 0,
          firstSeen: null,
        });
        const added = await store.addAlertsToIncident(
          incident.id,
          [
            { alertId: a!, reason: { text: 'same host dc01', detail: { host: 'dc01' } } },
            { alertId: b!, reason: { text: 'same host dc01' } },
          ],
          'grouper',
        );
        expect(added).toBe(2);
        expect(
          await store.addAlertsToIncident(
            incident.id,
            [{ alertId: a!, reason: { text: 'again' } }],
            'grouper',
          ),
        ).toBe(0);
        const updated = await store.updateIncident(
          incident.id,
          { status: 'triaging', assignee: 'alice' },
          'alice',
        );
        expect(updated).toMatchObject({
          status: 'triaging',
          assignee: 'alice',
          alertCount: 2,
          firstSeen: '2021-11-03T06:00:00.000Z',
          lastSeen: '2021-11-03T08:00:00.000Z',
        });
        const note = await store.addIncidentNote(incident.id, 'alice', 'Reset the krbtgt password twice.');
        expect(note).toMatchObject({
          incidentId: incident.id,
          author: 'alice',
          text: 'Reset the krbtgt password twice.',
        });
        const detail = await store.getIncident(incident.id);
        expect(detail?.alerts.map((x) => [x.id, x.reason.text])).toEqual([
          [a, 'same host dc01'],
          [b, 'same host dc01'],
        ]);
        expect(detail?.alerts.find((x) => x.id === a)?.reason.detail).toEqual({ host: 'dc01' });
        expect(detail?.notes.map((n) => n.text)).toEqual(['Reset the krbtgt password twice.']);
        const timeline = await store.incidentTimeline(incident.id);
        const kinds = timeline.map((t) => t.kind);
        expect(kinds.slice(0, 2)).toEqual(['alert', 'alert']);
        expect(kinds).toEqual(expect.arrayContaining(['created', 'status', 'assignee', 'note']));
        expect(timeline.find((t) => t.kind === 'status')).toMatchObject({
          actor: 'alice',
          detail: { from: 'new', to: 'triaging' },
        });
        expect(timeline.find((t) => t.kind === 'alert')?.alertId).toBe(a);
        for (let i = 1; i < timeline.length; i++) expect(timeline[i]!.at >= timeline[i - 1]!.at).toBe(true);
      });

      withStore(
        'merges one incident into another: alerts move, the span grows, both timelines say so',
        async (store) => {
          const [a, b, c] = await withAlerts(store);
          const keep = await store.createIncident({ title: 'keep', severity: 'high' }, 'g');
          const absorb = await store.createIncident({ title: 'absorb', severity: 'medium' }, 'g');
          await store.addAlertsToIncident(keep.id, [{ alertId: a!, reason: { text: 'r1' } }], 'g');
          await store.addAlertsToIncident(
            absorb.id,
            [
              { alertId: a!, reason: { text: 'r2' } },
              { alertId: c!, reason: { text: 'r3' } },
            ],
            'g',
          );
          const merged = await store.mergeIncident(
            absorb.id,
            keep.id,
            { text: 'same process tree', detail: { link: 'process' } },
            'g',
          );
          expect(merged).toMatchObject({
            id: keep.id,
            alertCount: 2,
            firstSeen: '2021-11-02T08:00:00.000Z',
            lastSeen: '2021-11-03T06:00:00.000Z',
          });
          const detail = await store.getIncident(keep.id);
          expect(detail?.alerts.map((x) => [x.id, x.reason.text])).toEqual([
            [c, 'r3'],
            [a, 'r1'],
          ]);
          const gone = await store.getIncident(absorb.id);
          expect(gone).toMatchObject({ status: 'closed', alertCount: 0, alerts: [] });
          expect((await store.incidentTimeline(keep.id)).some((t) => t.kind === 'merged')).toBe(true);
          expect((await store.incidentTimeline(absorb.id)).map((t) => t.kind)).toEqual(
            expect.arrayContaining(['merged', 'status']),
          );
          expect(b).toBeDefined();
          await expectStoreError(store.mergeIncident(keep.id, keep.id, { text: 'x' }, 'g'), 'invalid');
          await expectStoreError(store.mergeIncident(424_242, keep.id, { text: 'x' }, 'g'), 'invalid');
        },
      );

      withStore('finds the open incident for a group key, not a closed one', async (store) => {
        const closed = await store.createIncident({ title: 'old', severity: 'low', groupKey: 'k' }, 'g');
        await store.updateIncident(closed.id, { status: 'closed' }, 'alice');
        expect(await store.findOpenIncident('k')).toBeUndefined();
        const open = await store.createIncident({ title: 'new', severity: 'low', groupKey: 'k' }, 'g');
        expect((await store.findOpenIncident('k'))?.id).toBe(open.id);
        await store.updateIncident(open.id, { status: 'false_positive' }, 'alice');
        expect(await store.findOpenIncident('k')).toBeUndefined();
      });

      withStore('lists incidents with filters, most recent activity first', async (store) => {
        const [a, , c] = await withAlerts(store);
        const one = await store.createIncident({ title: 'one', severity: 'high' }, 'g');
        const two = await store.createIncident({ title: 'two', severity: 'critical', assignee: 'bob' }, 'g');
        const three = await store.createIncident({ title: 'three', severity: 'low' }, 'g');
        await store.addAlertsToIncident(one.id, [{ alertId: a!, reason: { text: 'r' } }], 'g');
        await store.addAlertsToIncident(two.id, [{ alertId: c!, reason: { text: 'r' } }], 'g');
        await store.updateIncident(three.id, { status: 'closed' }, 'g');
        expect((await store.listIncidents()).map((i) => i.title)).toEqual(['one', 'two', 'three']);
        expect((await store.listIncidents({ statuses: ['new'] })).map((i) => i.title)).toEqual([
          'one',
          'two',
        ]);
        expect((await store.listIncidents({ severities: ['critical'] })).map((i) => i.title)).toEqual([
          'two',
        ]);
        expect((await store.listIncidents({ assignee: 'bob' })).map((i) => i.title)).toEqual(['two']);
        expect((await store.listIncidents({ since: '2021-11-03T00:00:00Z' })).map((i) => i.title)).toEqual([
          'one',
        ]);
        expect((await store.listIncidents({ limit: 1, offset: 1 })).map((i) => i.title)).toEqual(['two']);
      });

      withStore('finds incidents by the hosts, rules and techniques of their alerts', async (store) => {
        await store.writeAlerts(null, [
          makeAlert({ host: 'DC01.corp.local', time: '2021-11-03T06:00:00Z', line: 1 }),
          makeAlert({
            host: 'ws7',
            rule: 'rule-lsass',
            title: 'LSASS memory dumped',
            tags: ['attack.credential_access', 'attack.t1003.001'],
            time: '2021-11-03T07:00:00Z',
            line: 2,
          }),
          makeAlert({
            host: 'ws8',
            rule: 'rule-ps',
            title: 'Encoded PowerShell',
            tags: ['attack.execution', 'attack.t1059.001'],
            time: '2021-11-03T08:00:00Z',
            line: 3,
          }),
        ]);
        const alerts = await store.listAlerts();
        const alertOf = (rule: string): number => alerts.find((a) => a.rule.id === rule)!.id;
        const brute = await store.createIncident({ title: 'brute', severity: 'high' }, 'g');
        const theft = await store.createIncident({ title: 'theft', severity: 'high' }, 'g');
        await store.createIncident({ title: 'empty', severity: 'low' }, 'g');
        await store.addAlertsToIncident(
          brute.id,
          [{ alertId: alertOf('rule-brute-force'), reason: { text: 'r' } }],
          'g',
        );
        await store.addAlertsToIncident(
          theft.id,
          [
            { alertId: alertOf('rule-lsass'), reason: { text: 'r' } },
            { alertId: alertOf('rule-ps'), reason: { text: 'r' } },
          ],
          'g',
        );
        const titles = async (filter: IncidentFilter): Promise<string[]> =>
          (await store.listIncidents(filter)).map((i) => i.title).sort();
        // Hosts are normalised as stored ones are.
        expect(await titles({ hosts: ['dc01'] })).toEqual(['brute']);
        expect(await titles({ hosts: ['DC01.other.domain', 'WS8'] })).toEqual(['brute', 'theft']);
        // A rule by id, or by part of its title.
        expect(await titles({ rule: 'rule-brute-force' })).toEqual(['brute']);
        expect(await titles({ rule: 'lsass MEMORY' })).toEqual(['theft']);
        // A technique includes its sub-techniques; the Sigma tag form is accepted.
        expect(await titles({ technique: 'T1003' })).toEqual(['theft']);
        expect(await titles({ technique: 'attack.t1059.001' })).toEqual(['theft']);
        expect(await titles({ technique: 'T1059.002' })).toEqual([]);
        // Member filters given together must hold for one alert.
        expect(await titles({ hosts: ['ws7'], technique: 'T1059' })).toEqual([]);
        expect(await titles({ hosts: ['ws8'], technique: 'T1059' })).toEqual(['theft']);
        expect(await titles({ hosts: ['ws7'], statuses: ['closed'] })).toEqual([]);
        // An incident with several matching alerts is listed and counted once.
        expect(await titles({ hosts: ['ws7', 'ws8'] })).toEqual(['theft']);
        expect(await store.countIncidents({ hosts: ['ws7', 'ws8'] })).toBe(1);
        expect(await store.countIncidents({ technique: 'T1110', statuses: ['new'] })).toBe(1);
        await expectStoreError(store.listIncidents({ technique: 'credential access' }), 'invalid');
      });

      withStore('refuses unknown incidents, statuses and empty titles', async (store) => {
        await expectStoreError(store.updateIncident(424_242, { status: 'closed' }, 'a'), 'invalid');
        await expectStoreError(store.addIncidentNote(424_242, 'a', 'text'), 'invalid');
        await expectStoreError(
          store.addAlertsToIncident(424_242, [{ alertId: 1, reason: { text: 'r' } }], 'a'),
          'invalid',
        );
        await expectStoreError(store.createIncident({ title: ' ', severity: 'low' }, 'a'), 'invalid');
        const incident = await store.createIncident({ title: 't', severity: 'low' }, 'a');
        await expectStoreError(
          store.updateIncident(incident.id, { status: 'done' as 'closed' }, 'a'),
          'invalid',
        );
        await expectStoreError(store.listIncidents({ statuses: ['done' as 'closed'] }), 'invalid');
        expect(await store.getIncident(424_242)).toBeUndefined();
        // An alert id that does not exist is not attached.
        expect(
          await store.addAlertsToIncident(incident.id, [{ alertId: 424_242, reason: { text: 'r' } }], 'a'),
        ).toBe(0);
      });
    });

    describe('API tokens and audit', () => {
      withStore(
        'creates, finds, uses and revokes tokens; a name is free again once revoked',
        async (store) => {
          const token = await store.createApiToken({
            name: 'soc-dashboard',
            role: 'viewer',
            tokenHash: 'h1',
          });
          expect(token).toMatchObject({
            name: 'soc-dashboard',
            role: 'viewer',
            revokedAt: null,
            lastUsedAt: null,
          });
          await expectStoreError(
            store.createApiToken({ name: 'soc-dashboard', role: 'admin', tokenHash: 'h2' }),
            'duplicate',
          );
          await store.touchApiToken(token.id);
          expect((await store.findApiToken('h1'))?.lastUsedAt).not.toBeNull();
          expect(await store.findApiToken('nope')).toBeUndefined();
          expect(await store.revokeApiToken(token.id)).toBe(true);
          expect(await store.revokeApiToken(token.id)).toBe(false);
          expect((await store.findApiToken('h1'))?.revokedAt).not.toBeNull();
          const again = await store.createApiToken({
            name: 'soc-dashboard',
            role: 'analyst',
            tokenHash: 'h3',
          });
          expect((await store.listApiTokens()).map((t) => [t.id, t.role])).toEqual([
            [token.id, 'viewer'],
            [again.id, 'analyst'],
          ]);
          await expectStoreError(
            store.createApiToken({ name: 'x', role: 'root' as 'admin', tokenHash: 'h4' }),
            'invalid',
          );
        },
      );

      withStore('appends to and reads the audit log', async (store) => {
        await store.appendAudit({
          actor: 'alice',
          action: 'incident.update',
          target: 'incident/1',
          fromAddress: '127.0.0.1',
          outcome: 'ok',
          detail: { status: 'closed' },
        });
        await store.appendAudit({ actor: 'mallory', action: 'login', outcome: 'denied' });
        const entries = await store.listAudit();
        expect(entries.map((e) => e.actor)).toEqual(['mallory', 'alice']);
        expect(entries[1]).toMatchObject({
          target: 'incident/1',
          fromAddress: '127.0.0.1',
          outcome: 'ok',
          detail: { status: 'closed' },
        });
        expect(entries[0]).toMatchObject({ target: null, fromAddress: null, detail: null });
        expect((await store.listAudit({ actor: 'alice' })).length).toBe(1);
        expect((await store.listAudit({ action: 'login' })).length).toBe(1);
        expect((await store.listAudit({ since: '2999-01-01T00:00:00Z' })).length).toBe(0);
      });
    });

    describe('server reads: counts, new alerts, dashboard figures, settings', () => {
      withStore('counts incidents with the list filters and finds titles literally', async (store) => {
        await store.createIncident({ title: 'Brute force on dc01', severity: 'high' }, 'grouper');
        await store.createIncident({ title: '100% of logons failed_here', severity: 'low' }, 'grouper');
        const closed = await store.createIncident(
          { title: 'Old brute force', severity: 'medium' },
          'grouper',
        );
        await store.updateIncident(closed.id, { status: 'closed' }, 'alice');
        expect(await store.countIncidents()).toBe(3);
        expect(await store.countIncidents({ statuses: ['new'] })).toBe(2);
        expect((await store.listIncidents({ text: 'BRUTE' })).map((i) => i.title).sort()).toEqual([
          'Brute force on dc01',
          'Old brute force',
        ]);
        expect(await store.countIncidents({ text: 'brute', statuses: ['closed'] })).toBe(1);
        // LIKE wildcards in the text are literal characters.
        expect(await store.countIncidents({ text: '%' })).toBe(1);
        expect(await store.countIncidents({ text: 'd_here' })).toBe(1);
        expect(await store.countIncidents({ text: 'failed_' })).toBe(1);
        expect(await store.countIncidents({ text: 'faile__' })).toBe(0);
      });

      withStore('lists alerts stored after an id, oldest first, and knows the latest id', async (store) => {
        expect(await store.latestAlertId()).toBe(0);
        await store.writeAlerts(null, alertSeries(3, { host: 'dc01', account: 'alice', stepSeconds: 7200 }));
        const first = await store.latestAlertId();
        expect(first).toBeGreaterThan(0);
        await store.writeAlerts(
          null,
          alertSeries(2, { host: 'dc02', account: 'bob', stepSeconds: 7200, firstLine: 10 }),
        );
        const fresh = await store.listNewAlerts(first);
        expect(fresh.map((a) => a.host)).toEqual(['dc02', 'dc02']);
        expect(fresh[0]!.id).toBeLessThan(fresh[1]!.id);
        expect((await store.listNewAlerts(0, 2)).length).toBe(2);
        expect(await store.listNewAlerts(await store.latestAlertId())).toEqual([]);
      });

      withStore(
        'counts alerts by level, day, rule, host and technique, and incidents by status',
        async (store) => {
          await store.writeAlerts(null, [
            ...alertSeries(3, {
              host: 'dc01',
              account: 'alice',
              stepSeconds: 7200,
              time: '2026-11-03T01:00:00Z',
            }),
            makeAlert({
              rule: 'r-ps',
              title: 'PowerShell',
              level: 'medium',
              tags: ['attack.t1059.001'],
              host: 'ws7',
              account: 'bob',
              line: 20,
              time: '2026-11-04T10:00:00Z',
            }),
            makeAlert({
              rule: 'r-untimed',
              title: 'No time',
              level: 'low',
              tags: [],
              host: 'ws7',
              line: 21,
              time: '',
            }),
          ]);
          await store.createIncident({ title: 'x', severity: 'high' }, 'grouper');
          const stats = await store.alertStats();
          expect(stats.alerts).toBe(5);
          expect(stats.byLevel).toEqual({ high: 3, medium: 1, low: 1 });
          expect(stats.byDay).toEqual([
            { day: '2026-11-03', count: 3 },
            { day: '2026-11-04', count: 1 },
          ]);
          expect(stats.topRules[0]).toEqual({
            id: 'rule-brute-force',
            title: 'Brute force against a domain account',
            level: 'high',
            count: 3,
          });
          expect(stats.topHosts).toEqual([
            { host: 'dc01', count: 3 },
            { host: 'ws7', count: 2 },
          ]);
          expect(stats.byTechnique).toEqual(
            expect.arrayContaining([
              { technique: 'T1110', count: 3 },
              { technique: 'T1110.001', count: 3 },
              { technique: 'T1059.001', count: 1 },
            ]),
          );
          expect(stats.incidentsByStatus).toEqual({ new: 1 });
          const later = await store.alertStats({ since: '2026-11-04T00:00:00Z', top: 1 });
          expect(later.alerts).toBe(1);
          expect(later.topHosts).toEqual([{ host: 'ws7', count: 1 }]);
        },
      );

      withStore('pages by rule or technique in the same order as without the filter', async (store) => {
        const rules = [
          { rule: 'r-a', title: 'Encoded PowerShell', tags: ['attack.t1059.001'] },
          { rule: 'r-b', title: 'PowerShell download', tags: ['attack.t1059.001', 'attack.t1105'] },
          { rule: 'r-c', title: 'Cmd shell', tags: ['attack.t1059.003'] },
          { rule: 'r-d', title: 'Logon spray', tags: ['attack.t1110.003'] },
        ];
        await store.writeAlerts(
          null,
          Array.from({ length: 40 }, (_, i) =>
            makeAlert({
              ...rules[i % 4]!,
              host: `ws${i % 3}`,
              line: i + 1,
              // Interleaved in time, with ties, and two without a time.
              time:
                i >= 38
                  ? ''
                  : new Date(
                      Date.parse('2026-11-03T00:00:00Z') + Math.floor(i / 2) * 3_600_000,
                    ).toISOString(),
            }),
          ),
        );
        const all = await store.listAlerts({ limit: 1000 });
        const filters: { technique?: string; rule?: string; hosts?: string[] }[] = [
          { technique: 'T1059' },
          { rule: 'powershell' },
          { technique: 't1059.001', hosts: ['ws1'] },
          { rule: 'r-d' },
        ];
        for (const filter of filters) {
          const { technique, rule, hosts } = filter;
          const expected = all.filter(
            (alert) =>
              (technique !== undefined
                ? alert.rule.tags.some((tag) => tag.startsWith(`attack.${technique.toLowerCase()}`))
                : alert.rule.id === rule || alert.rule.title.toLowerCase().includes(rule ?? '')) &&
              (hosts === undefined || hosts.includes(alert.host ?? '')),
          );
          const paged: number[] = [];
          let after: AlertRecord | undefined;
          for (;;) {
            const page = await store.listAlerts({
              ...filter,
              limit: 3,
              ...(after !== undefined ? { after: { lastSeen: after.lastSeen, id: after.id } } : {}),
            });
            paged.push(...page.map((alert) => alert.id));
            if (page.length < 3) break;
            after = page[page.length - 1];
          }
          expect(paged, JSON.stringify(filter)).toEqual(expected.map((alert) => alert.id));
          expect(expected.length).toBeGreaterThan(0);
        }
        expect(await store.listAlerts({ rule: 'no such rule' })).toEqual([]);
      });

      withStore('keeps settings apart from its own', async (store) => {
        expect(await store.getSetting('incident-grouping')).toBeUndefined();
        await store.putSetting('incident-grouping', '{"a":1}');
        await store.putSetting('incident-grouping', '{"a":2}');
        expect(await store.getSetting('incident-grouping')).toBe('{"a":2}');
        await store.putSetting('fingerprint_bucket_seconds', '1');
        expect(store.bucketSeconds).toBe(3600);
      });
    });
  });
}
