import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../issues.js';
import { packageRoot } from '../paths.js';
import { MANIFEST_FILE, ScenarioExistsError, generateScenario } from './generate.js';
import type { Manifest } from './manifest.js';
import { W3C_FIELDS } from './iis.js';
import { STAGE_IDS } from './stages.js';

const SMALL = { seed: 7, days: 2, users: 24 } as const;

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ballotguard-scenario-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

/** Relative path → SHA-256 of the content, for every file the generator wrote. */
function fingerprint(dir: string): Map<string, string> {
  return new Map(
    filesUnder(dir).map((path) => [
      relative(dir, path),
      createHash('sha256').update(readFileSync(path)).digest('hex'),
    ]),
  );
}

function generate(
  name: string,
  options: { seed?: number; days?: number; users?: number } = {},
): { dir: string; manifest: Manifest } {
  const dir = join(root, name);
  const { manifest } = generateScenario({ outDir: dir, ...SMALL, ...options });
  return { dir, manifest };
}

describe('generateScenario', () => {
  let first: { dir: string; manifest: Manifest };

  beforeAll(() => {
    first = generate('first');
  });

  it('gives byte-identical files for the same seed', () => {
    const second = generate('second');
    const a = fingerprint(first.dir);
    const b = fingerprint(second.dir);
    expect(a.size).toBeGreaterThan(40);
    expect([...b]).toEqual([...a]);
  });

  it('gives different logs for another seed', () => {
    const other = generate('other-seed', { seed: 8 });
    const a = fingerprint(first.dir);
    const b = fingerprint(other.dir);
    const same = [...a].filter(([path, hash]) => b.get(path) === hash);
    expect(same.length).toBeLessThan(a.size / 10);
  });

  it('writes evtx_dump-shaped records, numbered and in time order within each file', () => {
    const evtxFiles = first.manifest.files.filter((f) => f.format === 'evtx-json');
    expect(evtxFiles.length).toBeGreaterThan(20);
    const channels = new Set<string>();
    for (const file of evtxFiles) {
      const lines = readFileSync(join(first.dir, file.path), 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(file.events);
      let previousId = -1;
      let previousTime = '';
      for (const line of lines) {
        const event = (JSON.parse(line) as { Event: Record<string, unknown> }).Event;
        expect(event['#attributes']).toEqual({
          xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event',
        });
        const system = event['System'] as Record<string, unknown>;
        expect(Object.keys(system)).toEqual([
          'Provider',
          'EventID',
          'Version',
          'Level',
          'Task',
          'Opcode',
          'Keywords',
          'TimeCreated',
          'EventRecordID',
          'Correlation',
          'Execution',
          'Channel',
          'Computer',
          'Security',
        ]);
        expect(system['Channel']).toBe(file.channel);
        expect(system['Computer']).toBe(`${file.host}.elections.local`);
        const time = (system['TimeCreated'] as { '#attributes': { SystemTime: string } })['#attributes']
          .SystemTime;
        expect(time).toMatch(/^2021-08-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
        expect(time >= previousTime).toBe(true);
        const id = system['EventRecordID'] as number;
        if (previousId >= 0) expect(id).toBe(previousId + 1);
        previousId = id;
        previousTime = time;
        expect(typeof event['EventData']).toBe('object');
      }
      channels.add(file.channel);
    }
    expect([...channels].sort()).toEqual([
      'MSExchange Management',
      'Microsoft-Windows-Sysmon/Operational',
      'Security',
      'System',
    ]);
  });

  it('writes IIS logs as W3C extended files with their directives', () => {
    const w3cFiles = first.manifest.files.filter((f) => f.format === 'w3c');
    expect(w3cFiles.map((f) => f.path.split('/').pop())).toContain('u_ex210809.log');
    for (const file of w3cFiles) {
      const lines = readFileSync(join(first.dir, file.path), 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe('#Software: Microsoft Internet Information Services 10.0');
      expect(lines[1]).toBe('#Version: 1.0');
      expect(lines[2]).toMatch(/^#Date: 2021-08-\d\d \d\d:\d\d:\d\d$/);
      expect(lines[3]).toBe(`#Fields: ${W3C_FIELDS}`);
      const records = lines.filter((line) => !line.startsWith('#'));
      expect(records).toHaveLength(file.events);
      for (const record of records) expect(record.split(' ')).toHaveLength(W3C_FIELDS.split(' ').length);
    }
  });

  it('writes a manifest whose stages point at the intrusion records, in time order', () => {
    const { manifest, dir } = first;
    expect(manifest.stages.map((s) => s.id)).toEqual([...STAGE_IDS]);
    expect(manifest.totals.events).toBe(manifest.files.reduce((n, f) => n + f.events, 0));
    expect(manifest.totals.intrusionEvents).toBe(manifest.stages.reduce((n, s) => n + s.events.length, 0));
    const contents = new Map<string, string[]>();
    const lineOf = (file: string, line: number): string => {
      let lines = contents.get(file);
      if (lines === undefined)
        contents.set(file, (lines = readFileSync(join(dir, file), 'utf8').split('\n')));
      return lines[line - 1] ?? '';
    };
    for (const stage of manifest.stages) {
      expect(stage.events.length, stage.id).toBeGreaterThan(0);
      expect(stage.expectedRules.length, stage.id).toBeGreaterThan(0);
      expect(stage.start <= stage.end).toBe(true);
      for (const event of stage.events) {
        const line = lineOf(event.file, event.line);
        expect(line.length, `${event.file}:${event.line}`).toBeGreaterThan(0);
        expect(line.startsWith('#')).toBe(false);
      }
    }
    for (let i = 1; i < manifest.stages.length; i++) {
      expect(manifest.stages[i]!.start >= manifest.stages[i - 1]!.end, manifest.stages[i]!.id).toBe(true);
    }
    const webShell = manifest.stages.find((s) => s.id === 'web-shell')!;
    expect(webShell.events.some((e) => lineOf(e.file, e.line).includes('OutlookEN.aspx'))).toBe(true);
  });

  it('names every expected rule by a rule file of the built-in pack with that id', () => {
    for (const stage of first.manifest.stages) {
      for (const rule of stage.expectedRules) {
        const text = readFileSync(join(packageRoot(), rule.path), 'utf8');
        expect(text, rule.path).toContain(`id: ${rule.id}`);
        expect(text, rule.path).toContain(`title: ${rule.title}`);
      }
    }
  });

  it('refuses to overwrite a scenario without force, and replaces only its own files with it', () => {
    expect(() => generateScenario({ outDir: first.dir, ...SMALL })).toThrow(ScenarioExistsError);
    const keep = join(first.dir, 'notes.txt');
    writeFileSync(keep, 'analyst notes');
    const { manifest } = generateScenario({ outDir: first.dir, ...SMALL, days: 1, force: true });
    expect(manifest.options.days).toBe(1);
    expect(readFileSync(keep, 'utf8')).toBe('analyst notes');
    expect(existsSync(join(first.dir, MANIFEST_FILE))).toBe(true);
    expect(readdirSync(first.dir).filter((name) => name.includes('partial'))).toEqual([]);
    expect(manifest.files.every((f) => statSync(join(first.dir, f.path)).size === f.bytes)).toBe(true);
  });

  it('rejects options out of range', () => {
    const dir = join(root, 'bad');
    expect(() => generateScenario({ outDir: dir, seed: 1, days: 0, users: 50 })).toThrow(UsageError);
    expect(() => generateScenario({ outDir: dir, seed: 1, days: 3, users: 5 })).toThrow(UsageError);
    expect(() => generateScenario({ outDir: dir, seed: -1, days: 3, users: 50 })).toThrow(UsageError);
    expect(existsSync(dir)).toBe(false);
  });
});
