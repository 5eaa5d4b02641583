/**
 * Conformance against SigmaHQ's own corpus (read in place from ../shared/corpora/sigma):
 * every rule file parses and compiles; the regression data fires every tested rule; and the compiled,
 * indexed matcher agrees with the reference interpreter.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Detector } from '../../src/detect/detector.js';
import { EventView } from '../../src/events/field-resolver.js';
import { defaultMapping } from '../../src/mapping/mapping.js';
import { compileRules } from '../../src/sigma/compile/compile-rules.js';
import type { CompiledRule } from '../../src/sigma/compile/compile-rules.js';
import { loadPlaceholders, loadRules } from '../../src/sigma/load-rules.js';
import type { LoadedRules } from '../../src/sigma/load-rules.js';
import { projectRoot, sharedPath } from '../helpers/shared.js';
import { readJsonEvents } from '../helpers/events.js';
import { referenceRuleMatches } from '../helpers/reference.js';
import { mutateEvents } from '../helpers/mutate.js';

const corpus = sharedPath('corpora/sigma');
const RULE_FOLDERS = [
  'rules',
  'rules-emerging-threats',
  'rules-threat-hunting',
  'rules-placeholder',
  'rules-compliance',
];

interface RegressionCase {
  readonly dir: string;
  readonly ruleId: string;
  readonly matchCount: number;
  readonly json: string;
}

function regressionCases(root: string): RegressionCase[] {
  const cases: RegressionCase[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry === 'info.yml') {
        const info = parseYaml(readFileSync(path, 'utf8')) as {
          rule_metadata?: { id: string }[];
          regression_tests_info?: { match_count?: number; path?: string }[];
        };
        const ruleId = info.rule_metadata?.[0]?.id;
        const json = readdirSync(dir).find((file) => file.endsWith('.json'));
        if (ruleId === undefined || json === undefined) continue;
        cases.push({
          dir,
          ruleId,
          matchCount: info.regression_tests_info?.[0]?.match_count ?? 1,
          json: join(dir, json),
        });
      }
    }
  };
  walk(root);
  return cases;
}

describe.skipIf(!corpus.available)('SigmaHQ corpus', () => {
  let loaded: LoadedRules;
  let rules: readonly CompiledRule[];
  let detector: Detector;
  let placeholders: Map<string, string[]>;

  beforeAll(async () => {
    placeholders = await loadPlaceholders(join(projectRoot, 'examples', 'placeholders.yml'));
    loaded = await loadRules(RULE_FOLDERS.map((folder) => join(corpus.path, folder)));
    const mapping = defaultMapping();
    const compiled = compileRules(loaded.sources, { mapping, placeholders });
    rules = compiled.rules;
    detector = new Detector({
      sources: loaded.sources,
      mapping,
      placeholders: [...placeholders],
      minLevel: 'informational',
    });
    const failures = [...loaded.issues.filter((issue) => issue.severity === 'error'), ...compiled.failed];
    console.log(
      `SigmaHQ rules: ${loaded.documents} documents in ${loaded.files} files; ${rules.length} compiled; ${failures.length} failed`,
    );
    for (const failure of failures.slice(0, 20)) console.log('  failed:', JSON.stringify(failure));
  }, 120_000);

  it('parses and compiles every rule in the rules* folders (placeholders given)', () => {
    expect(loaded.files).toBeGreaterThan(3700);
    expect(loaded.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
    expect(rules.length).toBe(loaded.documents);
  });

  it('loads deprecated/ and unsupported/ rules or rejects them with clear, located errors', async () => {
    const legacy = await loadRules(['deprecated', 'unsupported'].map((folder) => join(corpus.path, folder)));
    const compiled = compileRules(legacy.sources, { mapping: defaultMapping(), placeholders });
    const errors = [...legacy.issues.filter((issue) => issue.severity === 'error')];
    for (const issue of errors) {
      expect(issue.location.file).toMatch(/\.ya?ml$/);
      expect(issue.location.line).toBeGreaterThan(0);
      expect(issue.message.length).toBeGreaterThan(10);
    }
    for (const failure of compiled.failed) expect(failure.message.length).toBeGreaterThan(10);
    // Everything is accounted for: loaded, or failed with a reason.
    expect(compiled.rules.length + compiled.failed.length + errors.length).toBeGreaterThanOrEqual(
      legacy.documents,
    );
    console.log(
      `deprecated+unsupported: ${legacy.documents} documents, ${compiled.rules.length} loaded, ${errors.length + compiled.failed.length} rejected with errors`,
    );
  });

  it('fires every tested rule at least match_count times on the regression data (JSON twins)', async () => {
    const cases = regressionCases(join(corpus.path, 'regression_data'));
    expect(cases.length).toBe(202);
    const failures: string[] = [];
    for (const testCase of cases) {
      let hits = 0;
      for (const event of await readJsonEvents(testCase.json)) {
        for (const rule of detector.matchEvent(event)) if (rule.id === testCase.ruleId) hits++;
      }
      if (hits < testCase.matchCount)
        failures.push(`${relative(corpus.path, testCase.dir)}: ${hits} of ${testCase.matchCount}`);
    }
    console.log(`regression data: ${cases.length - failures.length} of ${cases.length} pass`);
    for (const failure of failures) console.log('  regression failure:', failure);
    expect(failures).toEqual([]);
  }, 120_000);

  it('the indexed matcher agrees with the reference interpreter on every regression event', async () => {
    const cases = regressionCases(join(corpus.path, 'regression_data'));
    const disagreements: string[] = [];
    let comparisons = 0;
    for (const testCase of cases) {
      for (const event of await readJsonEvents(testCase.json)) {
        const fast = new Set(detector.matchEvent(event).map((rule) => rule.id));
        const view = new EventView(event);
        for (const rule of detector.rules) {
          comparisons++;
          const slow = referenceRuleMatches(rule, view, placeholders);
          if (slow !== fast.has(rule.id))
            disagreements.push(
              `${testCase.json} / ${rule.id} ${rule.title}: reference ${slow}, index ${!slow}`,
            );
        }
      }
    }
    console.log(
      `differential (regression events): ${comparisons} rule×event comparisons, ${disagreements.length} disagreements`,
    );
    expect(disagreements.slice(0, 20)).toEqual([]);
  }, 300_000);

  it('the indexed matcher agrees with the reference interpreter on generated events', async () => {
    const cases = regressionCases(join(corpus.path, 'regression_data'));
    const base: Record<string, unknown>[] = [];
    for (const testCase of cases) base.push(...(await readJsonEvents(testCase.json)));
    const generated = mutateEvents(base, detector.rules, 1500, 20261125);
    const disagreements: string[] = [];
    let matches = 0;
    for (const event of generated) {
      const fast = new Set(detector.matchEvent(event).map((rule) => rule.id));
      matches += fast.size;
      const view = new EventView(event);
      for (const rule of detector.rules) {
        const slow = referenceRuleMatches(rule, view, placeholders);
        if (slow !== fast.has(rule.id))
          disagreements.push(
            `${rule.id} ${rule.title}: reference ${slow}; event ${JSON.stringify(event).slice(0, 300)}`,
          );
      }
    }
    console.log(
      `differential (generated): ${generated.length} events, ${matches} rule matches, ${disagreements.length} disagreements`,
    );
    // The generator must produce matches, or the comparison would prove little.
    expect(matches).toBeGreaterThan(generated.length / 2);
    expect(disagreements.slice(0, 10)).toEqual([]);
  }, 300_000);
});
