/**
 * Grouping stored alerts into stored incidents across runs: the engine's state survives in the store,
 * analysts' status changes win over it, merges move alerts and close the absorbed incident, and reasons
 * speak of the store's incident numbers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../events/event.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { GROUPING_SETTING, groupIntoStore } from './group-into-store.js';

const dir = mkdtempSync(join(tmpdir(), 'ballotguard-grouping-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function alert(options: {
  host: string;
  account: string;
  time: string;
  line: number;
  process?: string;
  parent?: string;
}): Alert {
  return {
    timestamp: options.time,
    rule: {
      id: `rule-${options.line}`,
      title: 'Suspicious process',
      level: 'medium',
      tags: ['attack.execution', 'attack.t1059.001'],
      path: '/rules/r.yml',
    },
    source: { path: '/logs/sysmon.ndjson', format: 'ndjson', line: options.line, record: options.line },
    event: {
      Event: {
        System: {
          EventID: 1,
          Computer: options.host,
          TimeCreated: { '#attributes': { SystemTime: options.time } },
        },
        EventData: {
          User: options.account,
          ...(options.process !== undefined ? { ProcessGuid: options.process } : {}),
          ...(options.parent !== undefined ? { ParentProcessGuid: options.parent } : {}),
        },
      },
    },
  };
}

/** Writes alerts as one hunt and groups that hunt's new alerts. */
async function huntAndGroup(store: Store, alerts: readonly Alert[]) {
  const before = await store.latestAlertId();
  const hunt = await store.startHunt({ actor: 'test', paths: ['/logs'] });
  await store.writeAlerts(hunt.id, alerts);
  return groupIntoStore({ store, huntId: hunt.id, alertIdsAbove: before, actor: 'grouper' });
}

describe('groupIntoStore', () => {
  it('extends open incidents across runs, but never one an analyst closed', async () => {
    const store = await openStore(join(dir, `g${++counter}.db`));
    const first = await huntAndGroup(store, [
      alert({ host: 'ws1', account: 'alice', time: '2024-11-05T10:00:00Z', line: 1 }),
    ]);
    expect(first).toMatchObject({ grouped: 1, incidentsOpened: 1, stateReset: false });
    expect(await store.getSetting(GROUPING_SETTING)).toContain('"lineage"');

    const second = await huntAndGroup(store, [
      alert({ host: 'ws1', account: 'alice', time: '2024-11-05T11:00:00Z', line: 2 }),
    ]);
    expect(second).toMatchObject({ incidentsOpened: 0, incidentsExtended: 1 });
    const [incident] = await store.listIncidents();
    expect(incident).toMatchObject({ alertCount: 2, title: 'Suspicious process on ws1' });

    await store.updateIncident(incident!.id, { status: 'closed' }, 'alice');
    const third = await huntAndGroup(store, [
      alert({ host: 'ws1', account: 'alice', time: '2024-11-05T12:00:00Z', line: 3 }),
    ]);
    expect(third).toMatchObject({ incidentsOpened: 1, incidentsExtended: 0 });
    expect((await store.getIncident(incident!.id))!.alertCount).toBe(2);
    await store.close();
  });

  it('merges untouched incidents an alert links strongly, moving their alerts and closing them with a note', async () => {
    const store = await openStore(join(dir, `g${++counter}.db`));
    await huntAndGroup(store, [
      alert({
        host: 'ws1',
        account: 'alice',
        time: '2024-11-05T10:00:00Z',
        line: 1,
        process: '{aaaaaaaa-0000-0000-0000-000000000001}',
      }),
      alert({
        host: 'ws2',
        account: 'bob',
        time: '2024-11-05T10:05:00Z',
        line: 2,
        process: '{bbbbbbbb-0000-0000-0000-000000000002}',
      }),
    ]);
    expect(await store.countIncidents()).toBe(2);
    const result = await huntAndGroup(store, [
      alert({
        host: 'ws3',
        account: 'carol',
        time: '2024-11-05T10:10:00Z',
        line: 3,
        process: '{aaaaaaaa-0000-0000-0000-000000000001}',
        parent: '{bbbbbbbb-0000-0000-0000-000000000002}',
      }),
    ]);
    expect(result.merged).toBe(1);
    const open = await store.listIncidents({ statuses: ['new'] });
    expect(open.length).toBe(1);
    expect(open[0]!.alertCount).toBe(3);
    const [closed] = await store.listIncidents({ statuses: ['closed'] });
    const absorbed = await store.getIncident(closed!.id);
    expect(absorbed!.notes[0]!.text).toMatch(new RegExp(`^Merged into incident ${open[0]!.id}: `));
    const survivor = await store.getIncident(open[0]!.id);
    const reasons = survivor!.alerts.map((member) => member.reason.text).join('\n');
    expect(reasons).not.toMatch(/INC-\d/);
    expect(reasons).toMatch(/incident \d+/);
    await store.close();
  });

  it('starts a new state, and says so, when the saved one is damaged; counts alerts without a time', async () => {
    const store = await openStore(join(dir, `g${++counter}.db`));
    await store.putSetting(GROUPING_SETTING, '{not json');
    const before = await store.latestAlertId();
    const hunt = await store.startHunt({ actor: 'test', paths: ['/logs'] });
    await store.writeAlerts(hunt.id, [
      alert({ host: 'ws1', account: 'alice', time: '2024-11-05T10:00:00Z', line: 1 }),
      { ...alert({ host: 'ws1', account: 'alice', time: '', line: 2 }), timestamp: '' },
    ]);
    const result = await groupIntoStore({ store, huntId: hunt.id, alertIdsAbove: before, actor: 'grouper' });
    expect(result).toMatchObject({ stateReset: true, grouped: 1, untimed: 1, alerts: 2 });
    await store.close();
  });
});
