/**
 * The prefilter must never change a result: the index with it agrees with the index evaluating every
 * variant of the event's bucket, on random events against rules exercising each kind of need, and on the
 * evtx-samples attack recordings against every SigmaHQ Windows rule.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventView } from '../../events/field-resolver.js';
import { defaultMapping } from '../../mapping/mapping.js';
import { compileText } from '../../../test/helpers/engine.js';
import { readJsonEvents } from '../../../test/helpers/events.js';
import { prng } from '../../../test/helpers/prng.js';
import { sharedPath } from '../../../test/helpers/shared.js';
import type { CompiledRule, CompiledVariant } from '../compile/compile-rules.js';
import { compileRules } from '../compile/compile-rules.js';
import { loadRules } from '../load-rules.js';
import { RuleIndex } from './rule-index.js';

function rule(n: number, detection: string): string {
  return `title: rule ${n}
id: 00000000-0000-4000-8000-${String(n).padStart(12, '0')}
logsource:
  product: test
detection:
${detection
  .trim()
  .split('\n')
  .map((line) => `  ${line}`)
  .join('\n')}
level: high
`;
}

const RULES = [
  rule(1, "keywords:\n  - 'sekurlsa::'\n  - 'mimikatz'\n  - 'k&'\ncondition: keywords"),
  rule(2, "selection:\n  CommandLine|contains|all:\n    - '-enc'\n    - 'powershell'\ncondition: selection"),
  rule(
    3,
    "selection:\n  Image|endswith:\n    - '\\cmd.exe'\n    - '\\powershell.exe'\n  CommandLine|contains:\n    - ' /c '\n    - 'iex'\nfilter:\n  User: 'SYSTEM'\ncondition: selection and not filter",
  ),
  rule(
    4,
    "selection:\n  CommandLine|re: 'cmd.{0,5}/c.+powershell.+(?:noexit|\\$input)'\ncondition: selection",
  ),
  rule(
    5,
    "sel_a:\n  Image|contains: '\\windows\\'\n  CommandLine|contains: '\\..\\'\nsel_b:\n  CommandLine|contains: '.exe\\..\\'\ncondition: 1 of sel_*",
  ),
  rule(
    6,
    "selection:\n  IpAddress|cidr:\n    - '10.0.0.0/8'\n    - '192.168.0.0/16'\ncondition: not selection",
  ),
  rule(7, "selection:\n  CommandLine|windash|contains: ' -s '\ncondition: selection"),
  rule(8, "selection:\n  Image|startswith: 'C:\\Users\\'\n  Hashes|contains: 'MD5='\ncondition: selection"),
  rule(9, "selection:\n  LogonType: 3\n  TargetUserName|endswith: '$'\ncondition: selection"),
  rule(
    10,
    "selection:\n  CommandLine|contains|cased: 'Invoke'\n  Image: '*\\pwsh.exe'\ncondition: selection",
  ),
  rule(11, "selection:\n  CommandLine|contains: 'katz'\n  User: null\ncondition: selection"),
  rule(
    12,
    "selection:\n  - CommandLine|contains: 'ab'\n  - Image|endswith: 'b.exe'\nother:\n  CommandLine|contains|all:\n    - 'x'\n    - 'yz'\ncondition: selection and other",
  ),
].join('---\n');

const POOLS: Readonly<Record<string, readonly string[]>> = {
  CommandLine: [
    'powershell -enc AAAA',
    'cmd.exe /c powershell -noexit',
    'CMD /C PowerShell $input',
    'Invoke-Mimikatz sekurlsa::logonpasswords',
    'mimi\u212Aatz',
    'c:\\windows\\..\\system32\\x.exe\\..\\y',
    'net user /s x',
    'net user \u2013s x',
    'xyz ab',
    'İnvoke iex',
    'k& x',
    '',
  ],
  Image: [
    'C:\\Windows\\System32\\cmd.exe',
    'C:\\Users\\bob\\pwsh.exe',
    'C:\\Windows\\powershell.exe',
    'D:\\tools\\b.exe',
    'C:\\USERS\\x.exe',
  ],
  User: ['SYSTEM', 'alice', 'system'],
  IpAddress: ['10.1.2.3', '8.8.8.8', '192.168.1.1', '::1', '-', 'fe80::1'],
  Hashes: ['MD5=abc,SHA256=def', 'SHA1=123', 'md5=xyz'],
  LogonType: ['3', '2', '0x3'],
  TargetUserName: ['host$', 'bob', 'HOST$'],
};

function randomEvent(random: () => number): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const [field, pool] of Object.entries(POOLS)) {
    if (random() < 0.3) continue;
    const a = pool[Math.floor(random() * pool.length)]!;
    const b = pool[Math.floor(random() * pool.length)]!;
    let value: unknown = random() < 0.3 ? `${a} ${b}` : a;
    if (random() < 0.2) value = (value as string).toUpperCase();
    if (field === 'LogonType' && random() < 0.3) value = 3;
    if (random() < 0.05) value = [value, b];
    event[field] = value;
  }
  if (random() < 0.2) event['nested'] = { deep: [POOLS['CommandLine']![Math.floor(random() * 12)]] };
  return event;
}

function ids(index: RuleIndex, event: Record<string, unknown>): string[] {
  const out: CompiledVariant[] = [];
  index.match(new EventView(event), out);
  return out.map((variant) => variant.rule.id);
}

function expectSameMatches(
  rules: readonly CompiledRule[],
  events: Iterable<Record<string, unknown>>,
): number {
  const filtered = new RuleIndex(rules);
  const unfiltered = new RuleIndex(rules, { prefilter: false });
  let matches = 0;
  for (const event of events) {
    const expected = ids(unfiltered, event);
    matches += expected.length;
    expect(ids(filtered, event), JSON.stringify(event).slice(0, 400)).toEqual(expected);
  }
  return matches;
}

describe('RuleIndex prefilter', () => {
  it('agrees with evaluating every variant, on random events', () => {
    const compiled = compileText(RULES);
    expect(compiled.failed).toEqual([]);
    expect(compiled.rules).toHaveLength(12);
    const random = prng(20261129);
    const events = Array.from({ length: 3000 }, () => randomEvent(random));
    // The comparison proves little unless the rules match often.
    expect(expectSameMatches(compiled.rules, events)).toBeGreaterThan(1000);
  });

  const samples = sharedPath('corpora/evtx-samples');
  const sigma = sharedPath('corpora/sigma');
  it.skipIf(!samples.available || !sigma.available)(
    'agrees with evaluating every variant, on evtx-samples with every SigmaHQ Windows rule',
    async () => {
      const loaded = await loadRules([join(sigma.path, 'rules', 'windows')]);
      const compiled = compileRules(loaded.sources, { mapping: defaultMapping(), placeholders: new Map() });
      const files: string[] = [];
      const walk = (dir: string): void => {
        for (const entry of readdirSync(dir).sort()) {
          const path = join(dir, entry);
          if (statSync(path).isDirectory()) walk(path);
          else if (entry.endsWith('.evtx')) files.push(path);
        }
      };
      walk(samples.path);
      const events: Record<string, unknown>[] = [];
      for (const file of files) events.push(...(await readJsonEvents(file)));
      expect(events.length).toBeGreaterThan(10_000);
      expect(expectSameMatches(compiled.rules, events)).toBeGreaterThan(1000);
    },
    600_000,
  );
});
