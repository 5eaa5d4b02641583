import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ATTACKS } from './attacks.js';
import { ensureCorpus, generateCorpus } from './corpus.js';
import { Prng } from './prng.js';
import { PROCESS_BY_KEY, PROCESSES } from './processes.js';

interface EvtxRecord {
  Event: {
    '#attributes': { xmlns: string };
    System: {
      Provider: { '#attributes': { Name: string; Guid: string } };
      EventID: number;
      Channel: string;
      Computer: string;
      EventRecordID: number;
      TimeCreated: { '#attributes': { SystemTime: string } };
    };
    EventData: { [field: string]: string | number | boolean };
  };
}

function collect(
  events: number,
  seed: number,
): { lines: string[]; attacks: (string | undefined)[]; stats: ReturnType<typeof generateCorpus> } {
  const lines: string[] = [];
  const attacks: (string | undefined)[] = [];
  const stats = generateCorpus({ events, seed }, (line, attack) => {
    lines.push(line);
    attacks.push(attack);
  });
  return { lines, attacks, stats };
}

const sample = collect(3000, 7);
const parsed = sample.lines.map((line) => JSON.parse(line) as EvtxRecord);

describe('Prng', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = new Prng(1);
    const b = new Prng(1);
    const c = new Prng(2);
    const seqA = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(seqA);
  });

  it('keeps int() within bounds and covers them', () => {
    const rng = new Prng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = rng.int(10);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(10);
      seen.add(v);
    }
    expect(seen.size).toBe(10);
  });
});

describe('process catalogue', () => {
  it('has unique keys and a known parent for every profile', () => {
    expect(PROCESS_BY_KEY.size).toBe(PROCESSES.length);
    expect(PROCESSES.filter((p) => !PROCESS_BY_KEY.has(p.parent)).map((p) => p.key)).toEqual([]);
  });
});

describe('generateCorpus', () => {
  it('is deterministic: same options, same lines', () => {
    const again = collect(3000, 7);
    expect(again.lines).toEqual(sample.lines);
    expect(collect(200, 8).lines.slice(0, 50)).not.toEqual(sample.lines.slice(0, 50));
  });

  it('writes records in the evtx_dump shape of both logs', () => {
    // Collect the misfits and assert once: thousands of expect() calls would make the file slow.
    const misfits: string[] = [];
    for (const [i, record] of parsed.entries()) {
      const system = record.Event.System;
      const security = system.Channel === 'Security';
      const ok =
        record.Event['#attributes'].xmlns === 'http://schemas.microsoft.com/win/2004/08/events/event' &&
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(system.TimeCreated['#attributes'].SystemTime) &&
        Number.isInteger(system.EventRecordID) &&
        /^(EC-[A-Z0-9-]+|ws-\d{4})\.ec\.local$/.test(system.Computer) &&
        (security
          ? system.Provider['#attributes'].Name === 'Microsoft-Windows-Security-Auditing' &&
            [4624, 4625, 4634, 4672, 4688, 4663, 4776, 5156].includes(system.EventID)
          : system.Channel === 'Microsoft-Windows-Sysmon/Operational' &&
            system.Provider['#attributes'].Guid === '5770385F-C22A-43E0-BF4C-06F5698FFBD9' &&
            [1, 3, 5, 7, 10, 11, 12, 13, 22].includes(system.EventID)) &&
        Object.keys(record.Event.EventData).length > 3;
      if (!ok) misfits.push(`record ${i + 1}: ${sample.lines[i]?.slice(0, 300)}`);
    }
    expect(misfits).toEqual([]);
    const creation = parsed.find((r) => r.Event.System.EventID === 1);
    expect(Object.keys(creation?.Event.EventData ?? {})).toEqual([
      'RuleName',
      'UtcTime',
      'ProcessGuid',
      'ProcessId',
      'Image',
      'FileVersion',
      'Description',
      'Product',
      'Company',
      'OriginalFileName',
      'CommandLine',
      'CurrentDirectory',
      'User',
      'LogonGuid',
      'LogonId',
      'TerminalSessionId',
      'IntegrityLevel',
      'Hashes',
      'ParentProcessGuid',
      'ParentProcessId',
      'ParentImage',
      'ParentCommandLine',
      'ParentUser',
    ]);
  });

  it('covers every Sysmon and Security event id it promises', () => {
    expect(Object.keys(sample.stats.byEvent).sort()).toEqual(
      [
        'security:4624',
        'security:4625',
        'security:4634',
        'security:4663',
        'security:4672',
        'security:4688',
        'security:4776',
        'security:5156',
        'sysmon:1',
        'sysmon:10',
        'sysmon:11',
        'sysmon:12',
        'sysmon:13',
        'sysmon:22',
        'sysmon:3',
        'sysmon:5',
        'sysmon:7',
      ].sort(),
    );
  });

  it('is varied: many distinct hosts, images and command lines', () => {
    const hosts = new Set(parsed.map((r) => r.Event.System.Computer));
    const images = new Set(parsed.map((r) => r.Event.EventData['Image']).filter((v) => v !== undefined));
    const commandLines = new Set(
      parsed.map((r) => r.Event.EventData['CommandLine']).filter((v) => v !== undefined),
    );
    const processCreations = parsed.filter((r) => r.Event.EventData['CommandLine'] !== undefined).length;
    expect(hosts.size).toBeGreaterThan(250);
    expect(images.size).toBeGreaterThan(40);
    // Real estates repeat service command lines a lot; user activity supplies the variety.
    expect(commandLines.size).toBeGreaterThan(processCreations * 0.3);
  });

  it('puts exactly attacksPerThousand attack records in each block of 1,000', () => {
    expect(sample.stats.attacks).toBe(3);
    for (let block = 0; block < 3; block++) {
      expect(
        sample.attacks.slice(block * 1000, (block + 1) * 1000).filter((a) => a !== undefined),
      ).toHaveLength(1);
    }
    const dense = generateCorpus({ events: 1000, seed: 1, attacksPerThousand: 200 }, () => undefined);
    expect(dense.attacks).toBe(200);
    // Every technique can be built.
    expect(Object.keys(dense.attacksByTechnique).length).toBe(ATTACKS.length);
  });

  it('keeps time moving forward over the requested days and record ids rising per host and log', () => {
    let previous = '';
    const lastId = new Map<string, number>();
    const misfits: string[] = [];
    for (const [i, record] of parsed.entries()) {
      const time = record.Event.System.TimeCreated['#attributes'].SystemTime;
      const key = `${record.Event.System.Computer}|${record.Event.System.Channel}`;
      if (time <= previous) misfits.push(`record ${i + 1}: time ${time} after ${previous}`);
      if (record.Event.System.EventRecordID <= (lastId.get(key) ?? 0))
        misfits.push(`record ${i + 1}: EventRecordID not rising for ${key}`);
      previous = time;
      lastId.set(key, record.Event.System.EventRecordID);
    }
    expect(misfits).toEqual([]);
    const spanDays = (Date.parse(sample.stats.lastTime) - Date.parse(sample.stats.firstTime)) / 86_400_000;
    expect(spanDays).toBeGreaterThan(6);
    expect(spanDays).toBeLessThanOrEqual(7.1);
  });

  it('writes attack command lines that the SigmaHQ rules look for', () => {
    const texts: string[] = [];
    const stats = generateCorpus({ events: 2000, seed: 5, attacksPerThousand: 200 }, (line, attack) => {
      if (attack !== undefined) texts.push(line);
    });
    expect(stats.attacks).toBe(400);
    expect(texts).toHaveLength(400);
    const all = texts.join('\n');
    for (const needle of [
      'comsvcs.dll, MiniDump',
      '-urlcache -split -f http',
      'sekurlsa::logonpasswords',
      'delete shadows /all /quiet',
      ' queryout ',
      '\\\\w3wp.exe',
      '-Enc ',
    ]) {
      expect(all.toLowerCase()).toContain(needle.toLowerCase());
    }
  });

  it('rejects nonsense options with a message naming them', () => {
    expect(() => generateCorpus({ events: -1, seed: 1 }, () => undefined)).toThrow(/events/);
    expect(() => generateCorpus({ events: 10, seed: 1, attacksPerThousand: 1001 }, () => undefined)).toThrow(
      /attacksPerThousand/,
    );
  });
});

describe('ensureCorpus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ballotguard-corpus-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the same bytes as generateCorpus, one record per line, and reuses the cache', () => {
    const first = ensureCorpus(dir, { events: 3000, seed: 7 });
    expect(first.cached).toBe(false);
    const text = readFileSync(first.path, 'utf8');
    expect(text).toBe(`${sample.lines.join('\n')}\n`);
    expect(first.stats.bytes).toBe(Buffer.byteLength(text));
    const second = ensureCorpus(dir, { events: 3000, seed: 7 });
    expect(second.cached).toBe(true);
    expect(second.path).toBe(first.path);
  });
});
