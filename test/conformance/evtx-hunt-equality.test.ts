/**
 * Hunting the SigmaHQ regression `.evtx` files (decoded by our EVTX reader, through the same batch decoder
 * the hunt pipeline uses) raises exactly the rule hits that hunting their evtx_dump JSON twins raises, with
 * every SigmaHQ rule (rules*, rules-threat-hunting, rules-emerging-threats, …) loaded.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../src/detect/detector.js';
import type { Issue } from '../../src/issues.js';
import { defaultMapping } from '../../src/mapping/mapping.js';
import { loadPlaceholders, loadRules } from '../../src/sigma/load-rules.js';
import { decodeRecord } from '../../src/sources/decode.js';
import { decodeEvtxBatch } from '../../src/sources/evtx/index.js';
import { openSource } from '../../src/sources/registry.js';
import { projectRoot, sharedPath } from '../helpers/shared.js';

const corpus = sharedPath('corpora/sigma');
const RULE_FOLDERS = [
  'rules',
  'rules-emerging-threats',
  'rules-threat-hunting',
  'rules-placeholder',
  'rules-compliance',
];

function evtxFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) evtxFiles(path, out);
    else if (entry.endsWith('.evtx')) out.push(path);
  }
  return out;
}

const options = (issues: Issue[]) => ({
  maxRecordBytes: 16 * 1024 * 1024,
  batchBytes: 256 * 1024,
  onIssue: (issue: Issue) => issues.push(issue),
});

/** Rule ids hit per event, for a file read through the registry (format sniffed: evtx or json-concat). */
async function hits(detector: Detector, path: string): Promise<string[][]> {
  const issues: Issue[] = [];
  const perEvent: string[][] = [];
  const match = (event: Record<string, unknown>): void => {
    perEvent.push(
      detector
        .matchEvent(event)
        .map((rule) => rule.id)
        .sort(),
    );
  };
  for await (const batch of openSource(path, options(issues))) {
    if (batch.kind === 'evtx-chunks') {
      decodeEvtxBatch(batch, {
        event: match,
        skipped: (issue) => issues.push(issue),
        warning: (issue) => issues.push(issue),
      });
    } else if (batch.kind === 'json-text') {
      for (let i = 0; i < batch.starts.length; i++) {
        const decoded = decodeRecord(batch, i);
        if (decoded.ok) match(decoded.value);
        else issues.push(decoded.issue);
      }
    }
  }
  expect(issues, path).toEqual([]);
  return perEvent;
}

describe.skipIf(!corpus.available)('hunting .evtx equals hunting evtx_dump JSON', () => {
  let detector: Detector;

  beforeAll(async () => {
    const placeholders = await loadPlaceholders(join(projectRoot, 'examples', 'placeholders.yml'));
    const loaded = await loadRules(RULE_FOLDERS.map((folder) => join(corpus.path, folder)));
    detector = new Detector({
      sources: loaded.sources,
      mapping: defaultMapping(),
      placeholders: [...placeholders],
      minLevel: 'informational',
    });
  }, 180_000);

  it('raises the same rule hits on all regression files', async () => {
    const files = evtxFiles(join(corpus.path, 'regression_data'));
    const differences: string[] = [];
    let total = 0;
    for (const file of files) {
      const fromEvtx = await hits(detector, file);
      const fromJson = await hits(detector, file.replace(/\.evtx$/, '.json'));
      total += fromEvtx.reduce((n, ids) => n + ids.length, 0);
      if (JSON.stringify(fromEvtx) !== JSON.stringify(fromJson)) {
        differences.push(`${file}: evtx ${JSON.stringify(fromEvtx)} vs json ${JSON.stringify(fromJson)}`);
      }
    }
    console.log(
      `evtx hunt equality: ${files.length} files, ${total} rule hits, ${differences.length} differences`,
    );
    expect(files.length).toBe(202);
    expect(total).toBeGreaterThan(202);
    expect(differences).toEqual([]);
  }, 180_000);
});
