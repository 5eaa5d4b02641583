/**
 * Bounded fuzzing of the text sources: damaged copies of the golden inputs (flipped bytes, stray quotes and
 * directives, bad octet counts, long runs, cut ends) are read with the format forced and detected, in small
 * and odd-sized chunks and batches, then matched by a detector. Nothing may throw or hang, every record
 * is an event or a known issue, and positions only move forward. The rounds are seeded, so a failure
 * reproduces; `FUZZ_ROUNDS=500` runs longer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mutateText } from '../../../test/helpers/mutate.js';
import { prng } from '../../../test/helpers/prng.js';
import { projectRoot } from '../../../test/helpers/shared.js';
import { Detector } from '../../detect/detector.js';
import { defaultMapping } from '../../mapping/mapping.js';
import { parseRuleText } from '../../sigma/parse/parse-rules.js';
import { SOURCE_ISSUE_CODES } from '../issue-codes.js';
import { fixtureDir, readEvents } from './testing.js';

const FORMATS = ['w3c', 'csv', 'syslog', 'auditd'] as const;
const ROUNDS_PER_INPUT = Number(process.env['FUZZ_ROUNDS'] ?? 40);

let files: Awaited<ReturnType<typeof fixtureDir>>;
beforeAll(async () => {
  files = await fixtureDir('bg-fuzz-');
});
afterAll(async () => {
  await files.cleanup();
});

const RULE = `title: fuzz
id: 00000000-0000-4000-8000-0000000000ff
status: test
logsource:
    product: linux
detection:
    selection:
        a0|re: '^(a|b)+$'
    keywords:
        - 'x'
    condition: selection or keywords
level: low
`;
const WEB_RULE = RULE.replace('product: linux', 'category: webserver').replace(
  '-0000000000ff',
  '-0000000000fe',
);

const detector = new Detector({
  sources: [
    { path: 'l.yml', documents: parseRuleText(RULE, 'l.yml').documents },
    { path: 'w.yml', documents: parseRuleText(WEB_RULE, 'w.yml').documents },
  ],
  mapping: defaultMapping(),
  placeholders: [],
  minLevel: 'informational',
});

const KNOWN_CODES = new Set(Object.keys(SOURCE_ISSUE_CODES));

describe.each(FORMATS)('%s', (format) => {
  const dir = join(projectRoot, 'test', 'golden', format);
  const inputs = readdirSync(dir)
    .filter((name) => !name.endsWith('.expected.ndjson'))
    .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));

  test.each(inputs.map((input, index) => [input.name, index] as const))(
    'damaged copies of %s',
    async (_name, index) => {
      const random = prng(0x5eed + index * 7919 + format.length);
      for (let round = 0; round < ROUNDS_PER_INPUT; round++) {
        const damaged = mutateText(inputs[index]!.bytes, random);
        const path = await files.write(`${format}-${index}-${round}`, damaged);
        const overrides = {
          chunkBytes: 1 + Math.floor(random() * 300),
          batchBytes: 16 + Math.floor(random() * 2000),
          maxRecordBytes: 64 + Math.floor(random() * 4000),
        };
        for (const forced of [format, undefined]) {
          const r = await readEvents(path, forced, overrides);
          for (const issue of r.issues) expect(KNOWN_CODES.has(issue.code), issue.code).toBe(true);
          let lastLine = 0;
          let lastRecord = 0;
          for (const event of r.events) {
            expect(event.line).toBeGreaterThanOrEqual(lastLine);
            expect(event.record).toBeGreaterThan(lastRecord);
            lastLine = event.line;
            lastRecord = event.record;
            expect(() => JSON.stringify(event.value)).not.toThrow();
          }
          for (const batch of r.batches) {
            const result = detector.processBatch(batch);
            expect(result.events + result.skipped).toBe(batch.starts.length);
          }
        }
      }
    },
    60_000,
  );
});
