import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from './load-rules.js';
import { RuleCache } from './rule-cache.js';

const RULE = (title: string): string =>
  `title: ${title}\nlogsource: { product: test }\ndetection:\n  selection: { A: 1 }\n  condition: selection\n`;

describe('RuleCache', () => {
  it('serves unchanged files from the cache (Maps intact) and re-parses edited ones', async () => {
    const rules = mkdtempSync(join(tmpdir(), 'bg-rules-'));
    const cacheDir = mkdtempSync(join(tmpdir(), 'bg-cache-'));
    const file = join(rules, 'r.yml');
    writeFileSync(file, RULE('first'));
    const first = await loadRules([rules], { cache: new RuleCache(cacheDir, [rules]) });
    expect(first.sources[0]!.documents[0]!.title).toBe('first');
    writeFileSync(join(cacheDir, 'parsed-rules-0000000000000000-old.json'), '{}');

    const cached = await loadRules([rules], { cache: new RuleCache(cacheDir, [rules]) });
    const document = cached.sources[0]!.documents[0]!;
    expect(document.kind === 'rule' && document.detection.searches instanceof Map).toBe(true);

    writeFileSync(file, RULE('second'));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const edited = await loadRules([rules], { cache: new RuleCache(cacheDir, [rules]) });
    expect(edited.sources[0]!.documents[0]!.title).toBe('second');
    // A cache written by another parser version is removed when the cache is saved.
    expect(readdirSync(cacheDir).some((name) => name.includes('0000000000000000'))).toBe(false);
  });

  it('ignores a damaged cache file', async () => {
    const rules = mkdtempSync(join(tmpdir(), 'bg-rules-'));
    const cacheDir = mkdtempSync(join(tmpdir(), 'bg-cache-'));
    writeFileSync(join(rules, 'r.yml'), RULE('ok'));
    const cache = new RuleCache(cacheDir, [rules]);
    await loadRules([rules], { cache });
    for (const name of readdirSync(cacheDir)) writeFileSync(join(cacheDir, name), '{not json');
    const again = await loadRules([rules], { cache: new RuleCache(cacheDir, [rules]) });
    expect(again.sources[0]!.documents[0]!.title).toBe('ok');
  });
});
