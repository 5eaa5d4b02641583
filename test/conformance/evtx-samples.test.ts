/**
 * Every EVTX file of the shared sample corpus (DeepBlueCLI, EVTX-to-MITRE-Attack, YamatoSecurity: real
 * attack recordings) decodes with no unexplained issue, and, when libevtx's `evtxinfo` (Debian
 * libevtx-utils) is installed, with the same record count as libevtx.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../src/issues.js';
import { decodeEvtxFile } from '../../src/sources/evtx/index.js';
import { sharedPath } from '../helpers/shared.js';

const corpus = sharedPath('corpora/evtx-samples');
const EVTXINFO = '/usr/bin/evtxinfo';

/** Issues the corpus is known to raise, by file (relative path) and code, with the reason. */
const EXPECTED_ISSUES: Record<string, { code: string; reason: string }[]> = {
  'YamatoSecurity/IntialAccess/ValidAccounts/ID302 RDS Gateway Logon Logoff.evtx': [
    {
      code: 'evtx-bad-file-header',
      reason:
        'the header is flagged dirty: the file was copied from a live system; every record is still read',
    },
  ],
};

function evtxFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) evtxFiles(path, out);
    else if (entry.toLowerCase().endsWith('.evtx')) out.push(path);
  }
  return out;
}

describe.skipIf(!corpus.available)('EVTX sample corpus', () => {
  const files = corpus.available ? evtxFiles(corpus.path) : [];
  const counts = new Map<string, number>();

  it('decodes every sample with only the expected issues', async () => {
    const unexplained: string[] = [];
    let records = 0;
    for (const file of files) {
      const name = relative(corpus.path, file);
      const issues: Issue[] = [];
      const result = await decodeEvtxFile(
        file,
        'json',
        () => undefined,
        (issue) => issues.push(issue),
      );
      counts.set(file, result.records);
      records += result.records;
      const expected = EXPECTED_ISSUES[name] ?? [];
      for (const issue of issues) {
        if (!expected.some((e) => e.code === issue.code))
          unexplained.push(`${name}: ${issue.code} ${issue.message}`);
      }
      for (const e of expected) {
        if (!issues.some((issue) => issue.code === e.code))
          unexplained.push(`${name}: expected ${e.code} did not occur`);
      }
    }
    console.log(`evtx samples: ${files.length} files, ${records} records`);
    expect(files.length).toBe(315);
    expect(unexplained).toEqual([]);
  });

  it.skipIf(!existsSync(EVTXINFO))('has the same record counts as libevtx (evtxinfo)', () => {
    const differences: string[] = [];
    for (const file of files) {
      const info = execFileSync(EVTXINFO, [file], { encoding: 'utf8' });
      const match = /Number of records\s*:\s*(\d+)/.exec(info);
      const theirs = match ? Number(match[1]) : -1;
      if (counts.get(file) !== theirs)
        differences.push(`${file}: ours ${counts.get(file)}, evtxinfo ${theirs}`);
    }
    console.log(`evtx samples: record counts compared with evtxinfo for ${files.length} files`);
    expect(differences).toEqual([]);
  });
  if (!existsSync(EVTXINFO))
    console.warn(`skipping the record-count comparison: ${EVTXINFO} is not installed`);
});
