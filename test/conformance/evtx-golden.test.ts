/**
 * Golden outputs of `ballotguard evtx dump` (ndjson and xml) for three small SigmaHQ regression files: a
 * Sysmon event, a Security event and a WMI event with UserData. The golden files were written by our
 * decoder and reviewed against the evtx_dump JSON twins and libevtx's evtxexport.
 *
 * Regenerate (after reviewing the change): UPDATE_GOLDEN=1 npx vitest run test/conformance/evtx-golden.test.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../src/issues.js';
import { decodeEvtxFile } from '../../src/sources/evtx/index.js';
import type { EvtxOutput } from '../../src/sources/evtx/index.js';
import { projectRoot, sharedPath } from '../helpers/shared.js';

const corpus = sharedPath('corpora/sigma/regression_data');
const GOLDEN = join(projectRoot, 'test', 'golden', 'evtx');
const update = process.env['UPDATE_GOLDEN'] === '1';

const CASES = {
  'sysmon-image-load':
    'rules-threat-hunting/windows/image_load/image_load_win_werfaultsecure_dbgcore_dbghelp_load/8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b.evtx',
  'security-scheduled-task':
    'rules/windows/builtin/security/win_security_susp_scheduled_task_delete_or_disable/7595ba94-cf3b-4471-aa03-4f6baa9e5fad.evtx',
  'wmi-userdata':
    'rules/windows/builtin/wmi/win_wmi_activity_nteventlogfile_cleareventlog/d4f1a2b3-7c8e-4d5f-b6a9-1e0c2d3f4e5b.evtx',
};

async function render(file: string, output: EvtxOutput): Promise<string> {
  let text = '';
  const issues: Issue[] = [];
  await decodeEvtxFile(
    file,
    output,
    (value) => {
      text += output === 'xml' ? (value as string) : `${JSON.stringify(value)}\n`;
    },
    (issue) => issues.push(issue),
  );
  expect(issues).toEqual([]);
  return text;
}

describe.skipIf(!corpus.available)('evtx dump golden files', () => {
  for (const [name, relativePath] of Object.entries(CASES)) {
    for (const [output, extension] of [
      ['json', 'ndjson'],
      ['xml', 'xml'],
    ] as const) {
      it(`${name}.${extension}`, async () => {
        const actual = await render(join(corpus.path, relativePath), output);
        const golden = join(GOLDEN, `${name}.${extension}`);
        if (update || !existsSync(golden)) {
          if (!update) throw new Error(`missing golden file ${golden}; run with UPDATE_GOLDEN=1`);
          mkdirSync(GOLDEN, { recursive: true });
          writeFileSync(golden, actual);
        }
        expect(actual).toBe(readFileSync(golden, 'utf8'));
      });
    }
  }
});
