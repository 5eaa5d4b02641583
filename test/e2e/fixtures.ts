/**
 * Fixture generators for the CLI end-to-end tests. Inputs are the built-in pack's own test events
 * (`rules/**\/*.tests.yaml`), which are realistic and come with the verdict each rule must give, so a test
 * can predict the alerts without asking the engine. Everything is written into a temp folder at test time.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { projectRoot } from '../helpers/shared.js';

export const builtinRules = join(projectRoot, 'rules');

/** One event from a tests file, with the rule it belongs to and the verdict that rule must give. */
export interface RuleCase {
  readonly ruleFile: string;
  readonly ruleId: string;
  readonly level: string;
  readonly name: string;
  readonly expect: 'match' | 'no-match';
  readonly event: Record<string, unknown>;
}

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${what} is not a mapping`);
  return value as Record<string, unknown>;
}

/**
 * What the rule pack under `dir` holds, counted from the files themselves so tests need no edit when a
 * rule is added: rule files, rule documents (a correlation file holds several) and test files.
 */
export function packCounts(dir: string = builtinRules): {
  files: number;
  rules: number;
  testFiles: number;
  sequences: number;
} {
  const paths = walk(dir, []);
  const ruleFiles = paths.filter((path) => path.endsWith('.yml'));
  const rules = ruleFiles.reduce(
    (sum, path) => sum + parseAllDocuments(readFileSync(path, 'utf8')).length,
    0,
  );
  return {
    files: ruleFiles.length,
    rules,
    testFiles: paths.filter((path) => path.endsWith('.tests.yaml')).length,
    // Correlation rules are tested with timed sequences (each one test), beside single events for the
    // rules they read; `ruleCases` leaves those files out, so all their tests are counted here.
    sequences: paths
      .filter((path) => path.endsWith('.tests.yaml'))
      .map((path) => asRecord(parseYaml(readFileSync(path, 'utf8')), path))
      .filter((tests) => 'sequences' in tests)
      .reduce<number>(
        (sum, tests) =>
          sum +
          ['sequences', 'must_match', 'must_not_match']
            .map((key) => tests[key])
            .reduce<number>((n, list) => n + (Array.isArray(list) ? list.length : 0), 0),
        0,
      ),
  };
}

/** Every must_match / must_not_match event under `dir`, in a stable order (sorted paths, file order). */
export function ruleCases(dir: string = builtinRules): RuleCase[] {
  const cases: RuleCase[] = [];
  for (const testFile of walk(dir, []).filter((path) => path.endsWith('.tests.yaml'))) {
    const ruleFile = join(dirname(testFile), `${basename(testFile, '.tests.yaml')}.yml`);
    const tests = asRecord(parseYaml(readFileSync(testFile, 'utf8')), testFile);
    // Correlation rules (multi-document files) are tested with timed sequences, not single events.
    if ('sequences' in tests) continue;
    const rule = asRecord(parseYaml(readFileSync(ruleFile, 'utf8')), ruleFile);
    for (const [key, expect] of [
      ['must_match', 'match'],
      ['must_not_match', 'no-match'],
    ] as const) {
      const list = tests[key];
      if (!Array.isArray(list)) throw new Error(`${testFile}: ${key} is not a list`);
      list.forEach((entry: unknown, index) => {
        const item = asRecord(entry, `${testFile} ${key}[${index}]`);
        cases.push({
          ruleFile,
          ruleId: String(rule['id']),
          level: String(rule['level']),
          name: typeof item['name'] === 'string' ? item['name'] : `${key}[${index}]`,
          expect,
          event: asRecord(item['event'], `${testFile} ${key}[${index}].event`),
        });
      });
    }
  }
  return cases;
}

/** The cases of one built-in rule, by its file name without folder (e.g. `proc_creation_win_...yml`). */
export function casesOf(cases: readonly RuleCase[], ruleFileName: string): RuleCase[] {
  const found = cases.filter((c) => basename(c.ruleFile) === ruleFileName);
  if (found.length === 0) throw new Error(`no test events for ${ruleFileName}`);
  return found;
}

/**
 * A copy of `event` carrying the time `iso` in the place its layout keeps it (evtx_dump `TimeCreated`, or
 * W3C `date`/`time` for web logs), so alerts get a real timestamp. Detection fields are left untouched.
 */
export function stamped(event: Record<string, unknown>, iso: string): Record<string, unknown> {
  const copy = structuredClone(event);
  const outer = copy['Event'];
  if (typeof outer === 'object' && outer !== null) {
    const system = (outer as Record<string, unknown>)['System'] as Record<string, unknown> | undefined;
    if (system !== undefined) {
      system['TimeCreated'] = { '#attributes': { SystemTime: iso } };
      return copy;
    }
  }
  if ('date' in copy && 'time' in copy) {
    copy['date'] = iso.slice(0, 10);
    copy['time'] = iso.slice(11, 19);
    return copy;
  }
  copy['@timestamp'] = iso;
  return copy;
}

/** Deterministic ISO time for the n-th generated event (one second apart). */
export function timeFor(n: number): string {
  return new Date(Date.UTC(2026, 10, 3, 6, 0, 0) + n * 1000).toISOString().replace('.000Z', 'Z');
}

/** Where a generated record sits, so an alert's `source` can be traced back to the case it came from. */
export type RecordIndex = Map<string, RuleCase>;
export const recordKey = (path: string, line: number): string => `${path}:${line}`;

/** Writes `cases` as NDJSON, one per line; records each line in `index` under `indexPath`. */
export function writeNdjson(
  file: string,
  cases: readonly RuleCase[],
  firstTime = 0,
  index?: RecordIndex,
  indexPath = file,
): string {
  const lines = cases.map((c, i) => {
    index?.set(recordKey(indexPath, i + 1), c);
    return JSON.stringify(stamped(c.event, timeFor(firstTime + i)));
  });
  const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
  writeFileSync(file, text);
  return text;
}

/** Writes `cases` as a pretty-printed JSON array (records span many lines). */
export function writeJsonArray(file: string, cases: readonly RuleCase[], firstTime = 0): void {
  writeFileSync(
    file,
    `${JSON.stringify(
      cases.map((c, i) => stamped(c.event, timeFor(firstTime + i))),
      null,
      2,
    )}\n`,
  );
}

/** Writes `cases` as pretty-printed objects one after another (what PowerShell `ConvertTo-Json` loops give). */
export function writeConcatenated(file: string, cases: readonly RuleCase[], firstTime = 0): void {
  writeFileSync(
    file,
    cases.map((c, i) => `${JSON.stringify(stamped(c.event, timeFor(firstTime + i)), null, 4)}\n`).join(''),
  );
}

export function writeGzip(file: string, text: string): void {
  writeFileSync(file, gzipSync(Buffer.from(text)));
}

/** Bytes from a fixed-seed generator: binary garbage that sniffs as no format (no gzip magic, no JSON). */
export function garbage(size: number, seed = 0x2f6e2b1): Buffer {
  const bytes = Buffer.alloc(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i++) {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[i] = state & 0xff;
  }
  // A control byte first, so the file cannot be taken for gzip (1f 8b), JSON or text.
  bytes[0] = 0x00;
  bytes[1] = 0xfe;
  return bytes;
}

/**
 * Spreads `total` events over `files` NDJSON files in `dir` (named so the walk order is the numeric order),
 * cycling through `cases` with a distinct time on every event. Returns where each record went.
 */
export function writeManyFiles(
  dir: string,
  cases: readonly RuleCase[],
  total: number,
  files: number,
): RecordIndex {
  const index: RecordIndex = new Map();
  const perFile = Math.ceil(total / files);
  let n = 0;
  for (let f = 0; f < files && n < total; f++) {
    const chunk: RuleCase[] = [];
    for (let i = 0; i < perFile && n + i < total; i++) chunk.push(cases[(n + i) % cases.length]!);
    const name = `part-${String(f).padStart(3, '0')}.ndjson`;
    writeNdjson(join(dir, name), chunk, n, index, name);
    n += chunk.length;
  }
  return index;
}
