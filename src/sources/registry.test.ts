import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sharedPath } from '../../test/helpers/shared.js';
import type { Issue } from '../issues.js';
import { UsageError } from '../issues.js';
import { decodeBatch } from './decode-batch.js';
import { detectFormat, getSource, isSourceName, openSource, sourceNames, sources } from './registry.js';
import { collect, collectingOptions, issueKeys } from './testing.js';
import type { SourceOptions } from './types.js';
import { discoverFiles } from './walk.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bg-registry-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
}

const NDJSON = '{"a":1}\n{"b":2}\n';
const PRETTY = '{\n  "a": 1\n}\n{\n  "b": 2\n}\n';
const ARRAY = '[\n  {"a": 1},\n  {"b": 2}\n]\n';

describe('the registry', () => {
  test('lists every source under its own name', () => {
    expect(sourceNames()).toEqual([
      'evtx',
      'json',
      'ndjson',
      'json-array',
      'json-concat',
      'w3c',
      'csv',
      'syslog',
      'auditd',
    ]);
    for (const name of sourceNames()) expect(sources[name].name).toBe(name);
    expect(isSourceName('ndjson')).toBe(true);
    expect(isSourceName('toString')).toBe(false);
  });

  test('an unknown format name is a usage error listing the names', () => {
    expect(() => getSource('xml')).toThrow(UsageError);
    expect(() => getSource('xml')).toThrow(
      'unknown input format "xml"; choose one of: evtx, json, ndjson, json-array, json-concat, w3c, csv, syslog, auditd',
    );
    const { options } = collectingOptions();
    expect(() => openSource(join(dir, 'whatever'), options, 'xlsx')).toThrow(UsageError);
  });

  test('each sniff recognises its own shape only', () => {
    const shapes = { ndjson: NDJSON, 'json-concat': PRETTY, 'json-array': ARRAY };
    for (const [format, text] of Object.entries(shapes)) {
      const head = Buffer.from(text);
      expect(sources.json.sniff(head)).toBe(true);
      for (const other of ['ndjson', 'json-array', 'json-concat'] as const) {
        expect(sources[other].sniff(head)).toBe(other === format);
      }
    }
  });
});

describe('detectFormat', () => {
  test.each([
    ['ndjson', NDJSON],
    ['json-concat', PRETTY],
    ['json-array', ARRAY],
    ['json-concat', 'Record 1\n{\n  "a": 1\n}\n'],
    ['json-concat', '{"a":1}{"b":2}\n'],
    ['json-concat', '# exported 2024-11-05 by a SIEM\n# host: ws-01\n{"a":1}\n{"b":2}\n'],
    ['ndjson', `{"long":"${'x'.repeat(100_000)}"`],
    ['ndjson', '\uFEFF{"bom":true}\n'],
  ])('%s: %j', async (format, text) => {
    const path = await fixture(`detect-${format}-${text.length}`, text);
    expect(await detectFormat(path)).toEqual({ ok: true, format, gzip: false });
    const gz = await fixture(`detect-${format}-${text.length}.bin`, gzipSync(text));
    expect(await detectFormat(gz)).toEqual({ ok: true, format, gzip: true });
  });

  test('what is not JSON, or cannot be read, comes back as an issue', async () => {
    const cases: [string, string | Uint8Array, string, string][] = [
      ['empty', '', 'empty-file', 'the file is empty'],
      ['blank', '  \n\n', 'empty-file', 'the file holds only whitespace (4 bytes)'],
      ['utf16-bom', Buffer.from('\uFEFF{"a":1}\n', 'utf16le'), 'unsupported-encoding', 'UTF-16LE'],
      ['utf16', Buffer.from('{"a":1}\n', 'utf16le'), 'unsupported-encoding', 'UTF-16LE'],
      ['yaml', 'title: a rule\n', 'unknown-format', 'not JSON: the content starts with "title: a rule\\x0a"'],
    ];
    for (const [name, content, code, text] of cases) {
      const path = await fixture(`not-json-${name}`, content);
      const r = await detectFormat(path);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect([r.issue.code, r.issue.location]).toEqual([code, { file: path }]);
        expect(r.issue.message).toContain(text);
      }
    }
    // Binary EVTX is a format of its own now (src/sources/evtx), recognised by its signature.
    const evtx = await detectFormat(await fixture('binary.evtx', Buffer.from('ElfFile\0\0\0', 'latin1')));
    expect(evtx.ok ? evtx.format : evtx.issue.code).toBe('evtx');
    const missing = await detectFormat(join(dir, 'missing.json'));
    expect(missing.ok ? undefined : missing.issue.code).toBe('file-vanished');
    const folder = await detectFormat(dir);
    expect(folder.ok ? undefined : folder.issue.code).toBe('unreadable');
  });
});

async function readSource(path: string, format?: string) {
  const { options, issues } = collectingOptions();
  const { records } = await collect(openSource(path, options, format));
  return { records: records.map((r) => [r.text, r.line, r.format]), issues: issueKeys(issues) };
}

describe('openSource', () => {
  test('detects the format of each file, or uses the one given', async () => {
    const path = await fixture('open.json', PRETTY);
    const expected = [
      ['{\n  "a": 1\n}', 1, 'json-concat'],
      ['{\n  "b": 2\n}', 4, 'json-concat'],
    ];
    expect(await readSource(path)).toEqual({ records: expected, issues: [] });
    expect(await readSource(path, 'auto')).toEqual({ records: expected, issues: [] });
    expect(await readSource(path, 'json')).toEqual({ records: expected, issues: [] });
    expect(await readSource(path, 'json-concat')).toEqual({ records: expected, issues: [] });
    const forced = await readSource(path, 'ndjson');
    expect(forced.records.map((r) => r[0])).toEqual(['{', '"a": 1', '}', '{', '"b": 2', '}']);
  });

  test('a file that vanished or is not JSON gives one issue and no batches', async () => {
    expect(await readSource(join(dir, 'gone.json'))).toEqual({ records: [], issues: ['file-vanished'] });
    const yaml = await fixture('rule.yml', 'title: x\n');
    expect(await readSource(yaml)).toEqual({ records: [], issues: ['unknown-format'] });
    expect(await readSource(yaml, 'json')).toEqual({ records: [], issues: ['unknown-format'] });
  });
});

/** Runs the hunt's reading half over paths: discovery, one source per file, decoding. */
async function readTree(paths: string[], format?: string, maxRecordBytes = 1024) {
  const issues: Issue[] = [];
  const perFile = new Map<string, { events: number; issues: string[] }>();
  const walkIssues: Issue[] = [];
  for await (const file of discoverFiles(paths, (i) => walkIssues.push(i))) {
    const entry = { events: 0, issues: [] as string[] };
    perFile.set(file, entry);
    const options: SourceOptions = {
      maxRecordBytes,
      batchBytes: 64,
      onIssue: (issue) => {
        issues.push(issue);
        entry.issues.push(issueKeys([issue])[0]!);
      },
    };
    for await (const batch of openSource(file, options, format)) {
      decodeBatch(batch, {
        event: () => entry.events++,
        skipped: (issue) => entry.issues.push(issueKeys([issue])[0]!),
        warning: (issue) => entry.issues.push(issueKeys([issue])[0]!),
      });
    }
  }
  return { perFile: Object.fromEntries(perFile), walkIssues: issueKeys(walkIssues) };
}

describe('a folder tree of mixed files', () => {
  test('every file read in order with its own format; each problem counted where it is', async () => {
    const tree = join(dir, 'tree');
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
    garbage[0] = 0x80;
    await fixture('tree/a.ndjson', '{"a":1}\nnot json\n{"a":3}\n[1]\n');
    await fixture('tree/b.json', ARRAY);
    await fixture('tree/c.json.gz', gzipSync(PRETTY + '{\n  "c": 3\n'));
    await fixture('tree/d.json', '');
    await fixture('tree/e.bin', garbage);
    await fixture(
      'tree/nested/f.jsonl',
      '{"f":1}\r\n{"f":2,"big":"' + 'x'.repeat(2000) + '"}\r\n{"f":"\u00e9"}\r\n',
    );
    await fixture('tree/nested/g.yml', 'title: not a log\n');
    await fixture(
      'tree/nested/deeper/h.json',
      Buffer.concat([Buffer.from('{"h":"'), Buffer.from([0xff]), Buffer.from('"}\n')]),
    );
    const r = await readTree([tree, join(dir, 'tree-missing')]);
    expect(r.walkIssues).toEqual(['not-found']);
    expect(r.perFile).toEqual({
      [join(tree, 'a.ndjson')]: { events: 2, issues: ['json-parse-error@2', 'not-an-object@4'] },
      [join(tree, 'b.json')]: { events: 2, issues: [] },
      [join(tree, 'c.json.gz')]: { events: 2, issues: ['truncated-record@7'] },
      [join(tree, 'd.json')]: { events: 0, issues: ['empty-file'] },
      [join(tree, 'e.bin')]: { events: 0, issues: ['unknown-format'] },
      [join(tree, 'nested', 'deeper', 'h.json')]: { events: 1, issues: ['invalid-utf8@1'] },
      [join(tree, 'nested', 'f.jsonl')]: { events: 2, issues: ['record-too-large@2'] },
      [join(tree, 'nested', 'g.yml')]: { events: 0, issues: ['unknown-format'] },
    });
    expect(Object.keys(r.perFile)).toEqual([
      join(tree, 'a.ndjson'),
      join(tree, 'b.json'),
      join(tree, 'c.json.gz'),
      join(tree, 'd.json'),
      join(tree, 'e.bin'),
      join(tree, 'nested', 'deeper', 'h.json'),
      join(tree, 'nested', 'f.jsonl'),
      join(tree, 'nested', 'g.yml'),
    ]);
  });

  test('a Sigma regression-data folder: the evtx_dump JSON is read, the rest is not JSON', async (ctx) => {
    const shared = sharedPath(
      'corpora/sigma/regression_data/rules/windows/file/file_event/file_event_win_hktl_netexec_file_indicators',
    );
    if (!shared.available) ctx.skip(shared.reason);
    // `json` restricts detection to the JSON shapes, so this stays true when an EVTX source is registered.
    const r = await readTree([shared.path], 'json', 1024 * 1024);
    expect(r.walkIssues).toEqual([]);
    expect(Object.entries(r.perFile).map(([path, v]) => [path.slice(shared.path.length + 1), v])).toEqual([
      ['efc21479-9e83-41da-8cf1-122e06ba8db3.evtx', { events: 0, issues: ['unknown-format'] }],
      ['efc21479-9e83-41da-8cf1-122e06ba8db3.json', { events: 7, issues: [] }],
      ['info.yml', { events: 0, issues: ['unknown-format'] }],
    ]);
  });
});

describe('text above the JSON', () => {
  test('a comment header is reported as skipped and the objects after it are read', async () => {
    const path = await fixture('with-header.json', '# exported by a SIEM\n# host: ws-01\n{"a":1}\n{"b":2}\n');
    expect(await readSource(path)).toEqual({
      records: [
        ['{"a":1}', 3, 'json-concat'],
        ['{"b":2}', 4, 'json-concat'],
      ],
      issues: ['skipped-data@1'],
    });
  });
});
