/**
 * Golden files for the text log sources: every input under test/golden/{w3c,csv,syslog,auditd}/ is read
 * through the real source (detection, framing, decoding) and compared with its `.expected.ndjson`: one line
 * per event (position, class, event) and one per issue, in the order they come.
 *
 * Regenerate (after reviewing the change): UPDATE_GOLDEN=1 npx vitest run test/conformance/text-golden.test.ts
 */
import { copyFile, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { detectFormat } from '../../src/sources/registry.js';
import { readEvents } from '../../src/sources/text/testing.js';
import { projectRoot } from '../helpers/shared.js';

const update = process.env['UPDATE_GOLDEN'] === '1';
const FORMATS = ['w3c', 'csv', 'syslog', 'auditd'] as const;
/** Every input gets this modification time, so that yearless syslog timestamps are reproducible. */
const FILE_TIME = new Date(Date.UTC(2024, 2, 8, 0, 0, 0));
const EXPECTED = '.expected.ndjson';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'bg-golden-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function render(path: string, format: string): Promise<string> {
  const r = await readEvents(path, format);
  const lines = r.events.map((e) =>
    JSON.stringify({ line: e.line, record: e.record, class: e.eventClass ?? null, event: e.value }),
  );
  for (const issue of r.issues) {
    // The file is a temp copy: its name is left out.
    const location = { ...issue.location, file: undefined };
    lines.push(
      JSON.stringify({ issue: issue.code, severity: issue.severity, ...location, message: issue.message }),
    );
  }
  return lines.join('\n') + '\n';
}

for (const format of FORMATS) {
  describe(format, async () => {
    const dir = join(projectRoot, 'test', 'golden', format);
    const inputs = (await readdir(dir)).filter((name) => !name.endsWith(EXPECTED)).sort();
    test.each(inputs)('%s', async (name) => {
      const copy = join(scratch, `${format}-${name}`);
      await copyFile(join(dir, name), copy);
      await utimes(copy, FILE_TIME, FILE_TIME);
      const detected = await detectFormat(copy);
      expect(detected.ok && detected.format).toBe(format);
      const actual = await render(copy, format);
      const golden = join(dir, `${basename(name)}${EXPECTED}`);
      if (update || !existsSync(golden)) {
        if (!update) throw new Error(`missing golden file ${golden}; run with UPDATE_GOLDEN=1`);
        await writeFile(golden, actual);
        return;
      }
      expect(actual).toBe(await readFile(golden, 'utf8'));
    });
  });
}
