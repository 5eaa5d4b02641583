/**
 * Coverage counting, the Navigator layer (validated against the layer format 4.5 and compared with a
 * golden file), and the coverage of the built-in rule pack against the real ATT&CK bundle.
 *
 * Regenerate the golden layer after an intended change:
 *   UPDATE_GOLDEN=1 npx vitest run src/intel/attack/coverage.test.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { projectRoot, sharedPath } from '../../../test/helpers/shared.js';
import { defaultMapping } from '../../mapping/mapping.js';
import { builtinRulesDir } from '../../paths.js';
import { compileRules } from '../../sigma/compile/compile-rules.js';
import { loadRules } from '../../sigma/load-rules.js';
import { AttackIndex } from './catalogue.js';
import type { CoverageRule } from './coverage.js';
import { computeCoverage, navigatorLayer } from './coverage.js';
import { loadAttackBundle } from './load-bundle.js';
import { loadMiniCatalogue } from './testing.js';

let index: AttackIndex;
beforeAll(async () => {
  index = new AttackIndex(await loadMiniCatalogue());
});

const rule = (id: string, tags: string[], title = `Rule ${id}`): CoverageRule => ({
  id,
  title,
  level: 'high',
  path: `rules/${id}.yml`,
  tags,
});

const RULES: CoverageRule[] = [
  rule('r1', ['attack.t1059.001', 'attack.execution'], 'Encoded PowerShell'),
  rule('r2', ['attack.t1059.003'], 'Shell spawned by IIS'),
  rule('r3', ['attack.t1059', 'attack.t1059.001'], 'Script interpreter from Office'),
  rule('r4', ['attack.t1003.001'], 'LSASS dump with procdump'),
  rule('r5', ['attack.t1086'], 'Old PowerShell rule'),
  rule('r6', ['attack.t9999', 'attack.credential_access'], 'Rule with an unknown technique'),
  rule('r7', ['cve.2021-26855'], 'Rule without ATT&CK'),
];

/** ATT&CK Navigator layer format 4.5 (github.com/mitre-attack/attack-navigator, layers/spec/v4.5). */
const metadataItem = z.union([
  z.object({ name: z.string(), value: z.string() }).strict(),
  z.object({ divider: z.boolean() }).strict(),
]);
const linkItem = z.union([
  z.object({ label: z.string(), url: z.string().regex(/^[a-z]+:\/\//) }).strict(),
  z.object({ divider: z.boolean() }).strict(),
]);
const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/);
const layerSchema = z
  .object({
    name: z.string().min(1),
    versions: z
      .object({
        attack: z.string().regex(/^\d+$/).optional(),
        navigator: z.string().regex(/^\d+\.\d+\.\d+$/),
        layer: z.literal('4.5'),
      })
      .strict(),
    domain: z.enum(['enterprise-attack', 'mobile-attack', 'ics-attack']),
    description: z.string().optional(),
    customDataURL: z.string().optional(),
    filters: z
      .object({ platforms: z.array(z.string()) })
      .strict()
      .optional(),
    sorting: z.number().int().min(0).max(3).optional(),
    layout: z
      .object({
        layout: z.enum(['side', 'flat', 'mini']).optional(),
        showID: z.boolean().optional(),
        showName: z.boolean().optional(),
        showAggregateScores: z.boolean().optional(),
        countUnscored: z.boolean().optional(),
        aggregateFunction: z.enum(['average', 'min', 'max', 'sum']).optional(),
        expandedSubtechniques: z.enum(['none', 'all', 'annotated']).optional(),
      })
      .strict()
      .optional(),
    hideDisabled: z.boolean().optional(),
    techniques: z.array(
      z
        .object({
          techniqueID: z.string().regex(/^T\d{4}(\.\d{3})?$/),
          tactic: z.string().optional(),
          comment: z.string().optional(),
          enabled: z.boolean().optional(),
          score: z.number().optional(),
          color: z.string().optional(),
          metadata: z.array(metadataItem).optional(),
          links: z.array(linkItem).optional(),
          showSubtechniques: z.boolean().optional(),
        })
        .strict(),
    ),
    gradient: z
      .object({ colors: z.array(hexColour).min(2), minValue: z.number(), maxValue: z.number() })
      .strict()
      .refine((gradient) => gradient.maxValue > gradient.minValue, 'maxValue must be > minValue'),
    legendItems: z.array(z.object({ label: z.string(), color: z.string() }).strict()).optional(),
    showTacticRowBackground: z.boolean().optional(),
    tacticRowBackground: hexColour.optional(),
    selectTechniquesAcrossTactics: z.boolean().optional(),
    selectSubtechniquesWithParent: z.boolean().optional(),
    selectVisibleTechniques: z.boolean().optional(),
    metadata: z.array(metadataItem).optional(),
    links: z.array(linkItem).optional(),
  })
  .strict();

describe('computeCoverage', () => {
  it('counts rules per technique and rolls sub-techniques up into their parent, each rule once', () => {
    const report = computeCoverage(RULES, index);
    const byId = Object.fromEntries(
      report.techniques.map((entry) => [
        entry.id,
        {
          rules: entry.rules.map((r) => r.id),
          via: entry.viaSubtechniques.map((r) => r.id),
          count: entry.count,
        },
      ]),
    );
    expect(byId).toEqual({
      // r3 tags both T1059 and T1059.001: counted once for T1059, directly.
      T1059: {
        rules: ['r3'],
        via: ['r1', 'r5', 'r2'].sort((a, b) => titleOf(a).localeCompare(titleOf(b))),
        count: 4,
      },
      'T1059.001': {
        rules: ['r1', 'r5', 'r3'].sort((a, b) => titleOf(a).localeCompare(titleOf(b))),
        via: [],
        count: 3,
      },
      'T1059.003': { rules: ['r2'], via: [], count: 1 },
      T1003: { rules: [], via: ['r4'], count: 1 },
      'T1003.001': { rules: ['r4'], via: [], count: 1 },
    });
    expect(report.remapped).toEqual([{ rule: 'r5', tag: 'attack.t1086', to: 'T1059.001' }]);
    expect(report.unknownTags).toEqual([{ rule: 'r6', tag: 'attack.t9999' }]);
    expect(report.untagged.map((entry) => entry.id)).toEqual(['r7']);
    expect(report.rules).toBe(RULES.length);
  });

  it('lists uncovered current techniques and sums up per tactic', () => {
    const report = computeCoverage(RULES, index);
    // Not the revoked T1086 nor the deprecated T1064.
    expect(report.uncovered.map((entry) => entry.id)).toEqual([
      'T1078',
      'T1190',
      'T1505',
      'T1505.003',
      'T1595',
    ]);
    expect(report.totals).toEqual({
      techniques: 6,
      coveredTechniques: 2,
      subtechniques: 4,
      coveredSubtechniques: 3,
    });
    expect(report.tactics.map((tactic) => [tactic.shortname, tactic.covered, tactic.techniques])).toEqual([
      ['reconnaissance', 0, 1],
      ['initial-access', 0, 2],
      ['execution', 1, 1],
      ['persistence', 0, 2],
      ['privilege-escalation', 0, 1],
      ['defense-evasion', 0, 1],
      ['credential-access', 1, 1],
    ]);
  });

  it('works without a catalogue: IDs only, nothing known to be uncovered', () => {
    const report = computeCoverage(RULES, new AttackIndex(undefined));
    expect(report.attack).toBeUndefined();
    expect(report.techniques.map((entry) => [entry.id, entry.count])).toEqual([
      ['T1003', 1],
      ['T1003.001', 1],
      ['T1059', 3],
      ['T1059.001', 2],
      ['T1059.003', 1],
      ['T1086', 1],
      ['T9999', 1],
    ]);
    expect(report.uncovered).toEqual([]);
    expect(report.unknownTags).toEqual([]);
  });
});

function titleOf(id: string): string {
  return RULES.find((entry) => entry.id === id)!.title;
}

describe('navigatorLayer', () => {
  it('is a valid layer 4.5 with a score per technique, rule titles in the comment and a gradient', () => {
    const layer = navigatorLayer(computeCoverage(RULES, index), { generator: 'ballotguard test' });
    const parsed = layerSchema.safeParse(JSON.parse(JSON.stringify(layer)));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(layer.versions).toEqual({ attack: '99', navigator: '5.2.0', layer: '4.5' });
    const t1059 = layer.techniques.find((technique) => technique.techniqueID === 'T1059')!;
    expect(t1059.score).toBe(4);
    expect(t1059.showSubtechniques).toBe(true);
    expect(t1059.comment).toBe(
      '4 rules (3 via sub-techniques): Script interpreter from Office; Encoded PowerShell; Old PowerShell rule; Shell spawned by IIS',
    );
    expect(layer.gradient).toMatchObject({ minValue: 0, maxValue: 4 });
  });

  it('matches the golden layer', () => {
    const layer = navigatorLayer(computeCoverage(RULES, index), { generator: 'ballotguard test' });
    const text = `${JSON.stringify(layer, null, 2)}\n`;
    const golden = join(projectRoot, 'test', 'golden', 'navigator', 'mini-coverage.golden.json');
    if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(golden)) {
      if (process.env['CI'] === 'true' && !existsSync(golden))
        throw new Error(`golden file ${golden} is missing`);
      mkdirSync(dirname(golden), { recursive: true });
      writeFileSync(golden, text);
    }
    expect(text).toBe(readFileSync(golden, 'utf8'));
  });

  it('keeps the gradient valid when nothing is covered', () => {
    const layer = navigatorLayer(computeCoverage([rule('x', [])], index), { generator: 'g' });
    expect(layerSchema.safeParse(layer).success).toBe(true);
    expect(layer.techniques).toEqual([]);
    expect(layer.gradient.maxValue).toBe(1);
  });
});

describe('coverage of the built-in rule pack', () => {
  const shared = sharedPath('corpora/attack/enterprise-attack.json');

  it.skipIf(!shared.available)(
    'names every technique its rules tag, and counts them as the tags say',
    async () => {
      const realIndex = new AttackIndex((await loadAttackBundle(shared.path)).catalogue);
      const loaded = await loadRules([builtinRulesDir()]);
      const compiled = compileRules(loaded.sources, { mapping: defaultMapping(), placeholders: new Map() });
      expect(compiled.rules.length).toBeGreaterThan(0);
      const report = computeCoverage(compiled.rules, realIndex);
      expect(report.unknownTags).toEqual([]);
      expect(report.remapped).toEqual([]);

      // Independent count straight from the tags.
      const techniqueTags = (tags: readonly string[]): string[] =>
        tags
          .filter((tag) => /^attack\.t\d{4}(\.\d{3})?$/i.test(tag))
          .map((tag) => tag.slice(7).toUpperCase());
      const expected = new Map<string, Set<string>>();
      for (const compiledRule of compiled.rules)
        for (const id of techniqueTags(compiledRule.tags))
          for (const key of id.includes('.') ? [id, id.split('.')[0]!] : [id]) {
            const set = expected.get(key) ?? new Set<string>();
            set.add(compiledRule.id);
            expected.set(key, set);
          }
      expect(Object.fromEntries(report.techniques.map((entry) => [entry.id, entry.count]))).toEqual(
        Object.fromEntries([...expected].map(([id, rules]) => [id, rules.size])),
      );
      for (const entry of report.techniques)
        expect(entry.name, entry.id).toBe(realIndex.technique(entry.id)?.name);
      expect(
        report.totals.coveredTechniques + report.uncovered.filter((entry) => !entry.subtechnique).length,
      ).toBe(report.totals.techniques);
      const layer = navigatorLayer(report, { generator: 'ballotguard test' });
      const parsed = layerSchema.safeParse(JSON.parse(JSON.stringify(layer)));
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
      expect(layer.versions.attack).toBe(realIndex.catalogue!.attackVersion.split('.')[0]);
    },
  );
});
