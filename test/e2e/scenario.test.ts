/**
 * The demo scenario end to end: a small replay (four days, forty staff, fixed seed) is generated into a
 * temporary folder and hunted with the built-in rules through the library API, as `ballotguard hunt` does.
 * Every stage of the manifest must be caught by each rule it names (with an ATT&CK tag of the stage), the
 * stages must be first detected in the order they happened, and the benign activity around them must stay
 * (nearly) silent. The IIS half needs the W3C source; without it those checks are skipped with a reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { hunt } from '../../src/detect/hunt.js';
import type { HuntCounts } from '../../src/detect/hunt.js';
import type { Alert } from '../../src/events/event.js';
import type { Issue } from '../../src/issues.js';
import { defaultMapping } from '../../src/mapping/mapping.js';
import { builtinRulesDir } from '../../src/paths.js';
import { generateScenario } from '../../src/scenario/generate.js';
import type { Manifest, ManifestStage } from '../../src/scenario/manifest.js';
import { STAGE_IDS } from '../../src/scenario/stages.js';
import type { ExpectedRule } from '../../src/scenario/stages.js';
import { loadRules } from '../../src/sigma/load-rules.js';
import { sources } from '../../src/sources/registry.js';

const OPTIONS = { seed: 2021, days: 4, users: 40 } as const;
/** Benign events that raise any alert, out of all benign events. */
const MAX_BENIGN_ALERT_RATE = 0.001;

const W3C_AVAILABLE = Object.prototype.hasOwnProperty.call(sources, 'w3c');
const W3C_SKIP_REASON = 'the W3C source is not in src/sources/registry.ts yet: IIS stages cannot be hunted';

let root: string;
let manifest: Manifest;
let counts: HuntCounts;
const alerts: Alert[] = [];
const issues: Issue[] = [];
/** `file:line` → stage id, for every intrusion record. */
const stageOf = new Map<string, string>();

const keyOf = (alert: Alert): string =>
  `${relative(root, alert.source.path).replaceAll('\\', '/')}:${alert.source.line ?? 0}`;
const huntable = (rule: ExpectedRule): boolean => rule.source === 'evtx' || W3C_AVAILABLE;
const timeOf = (alert: Alert): number => Date.parse(alert.timestamp.replace(/(\.\d{3})\d*/, '$1'));

function alertsOn(stage: ManifestStage): Alert[] {
  return alerts.filter((alert) => stageOf.get(keyOf(alert)) === stage.id);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ballotguard-scenario-e2e-'));
  manifest = generateScenario({ outDir: root, ...OPTIONS }).manifest;
  for (const stage of manifest.stages)
    for (const e of stage.events) stageOf.set(`${e.file}:${e.line}`, stage.id);
  if (!W3C_AVAILABLE) console.warn(`skipping the IIS logs: ${W3C_SKIP_REASON}`);
  const paths = W3C_AVAILABLE
    ? [join(root, manifest.logs)]
    : manifest.files.filter((f) => f.format === 'evtx-json').map((f) => join(root, f.path));
  const loaded = await loadRules([builtinRulesDir()], {});
  counts = await hunt({
    paths,
    detector: () => ({
      sources: loaded.sources,
      mapping: defaultMapping(),
      placeholders: [],
      minLevel: 'informational',
    }),
    threads: 1,
    onAlert: (alert) => alerts.push(alert),
    onIssue: (issue) => issues.push(issue),
  });
}, 120_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('the demo scenario, hunted with the built-in rules', () => {
  it('reads every generated record', () => {
    expect(issues.filter((issue) => issue.severity === 'error')).toEqual([]);
    expect(counts.skipped).toBe(0);
    const expected = manifest.files
      .filter((f) => W3C_AVAILABLE || f.format === 'evtx-json')
      .reduce((n, f) => n + f.events, 0);
    expect(counts.events).toBe(expected);
  });

  it.each([...STAGE_IDS])(
    'catches stage %s with every rule the manifest expects, tagged with its techniques',
    (id) => {
      const stage = manifest.stages.find((s) => s.id === id)!;
      const caught = alertsOn(stage);
      const techniques = stage.techniques.map((t) => `attack.${t.id.toLowerCase()}`);
      for (const expected of stage.expectedRules) {
        if (!huntable(expected)) continue;
        const hits = caught.filter((alert) => alert.rule.id === expected.id);
        expect(hits.length, `${id}: ${expected.title}`).toBeGreaterThan(0);
        const tags = hits[0]!.rule.tags;
        // A rule may carry the parent technique (attack.t1048 for T1048.002).
        const tagged = techniques.some((t) => tags.includes(t) || tags.includes(t.replace(/\.\d+$/, '')));
        expect(tagged, `${expected.title} tags ${tags.join(' ')} vs ${techniques.join(' ')}`).toBe(true);
      }
      expect(stage.expectedRules.filter(huntable).length).toBeGreaterThan(0);
    },
  );

  it.skipIf(!W3C_AVAILABLE)('catches the ProxyShell exploitation in the IIS logs', () => {
    const stage = manifest.stages.find((s) => s.id === 'exploitation')!;
    expect(alertsOn(stage).length).toBeGreaterThanOrEqual(stage.events.length / 2);
  });

  it('detects the stages in the order they happened', () => {
    const firstDetections = manifest.stages
      .map((stage) => ({ stage: stage.id, times: alertsOn(stage).map(timeOf) }))
      .filter((entry) => entry.times.length > 0)
      .map((entry) => ({ stage: entry.stage, first: Math.min(...entry.times) }));
    expect(firstDetections.length).toBe(W3C_AVAILABLE ? manifest.stages.length : manifest.stages.length - 1);
    for (let i = 1; i < firstDetections.length; i++) {
      const [before, after] = [firstDetections[i - 1]!, firstDetections[i]!];
      expect(after.first, `${before.stage} before ${after.stage}`).toBeGreaterThan(before.first);
    }
  });

  it('raises few alerts on the benign activity, and none above medium', () => {
    const benign = alerts.filter((alert) => !stageOf.has(keyOf(alert)));
    const benignEvents = new Set(benign.map(keyOf));
    const total = manifest.totals.benignEvents;
    const rate = benignEvents.size / total;
    console.info(
      `benign events alerted: ${benignEvents.size} of ${total} (${(rate * 100).toFixed(4)} %); ` +
        `intrusion alerts: ${alerts.length - benign.length}`,
    );
    expect(rate).toBeLessThan(MAX_BENIGN_ALERT_RATE);
    expect(benign.filter((a) => a.rule.level === 'high' || a.rule.level === 'critical').map((a) => a.rule.title)).toEqual([]); // prettier-ignore
  });
});

describe('ballotguard scenario generate', () => {
  const run = async (args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      const code = await main(['node', 'ballotguard', ...args]);
      return { code, stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  };

  it('writes the scenario and lists its stages; refuses to overwrite it; rejects bad options', async () => {
    const dir = join(root, 'cli');
    const args = ['scenario', 'generate', '--out', dir, '--days', '1', '--users', '20', '--seed', '3'];
    const first = await run([...args, '--format', 'json']);
    expect(first.code).toBe(0);
    const stages = JSON.parse(first.stdout) as { stage: string; events: number }[];
    expect(stages.map((s) => s.stage)).toEqual(manifest.stages.map((s) => s.id));
    expect(stages.every((s) => s.events > 0)).toBe(true);
    expect(first.stderr).toContain(`ballotguard hunt ${join(dir, 'logs')}`);

    const again = await run([...args, '--quiet']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--force');
    expect((await run([...args, '--quiet', '--force', '--format', 'csv'])).stdout.split('\n')[0]).toBe(
      'order,stage,title,start,end,hosts,techniques,events,expectedRules',
    );
    expect((await run(['scenario', 'generate', '--out', dir, '--days', '0'])).code).toBe(2);
    expect((await run(['scenario', 'generate', '--out', dir, '--seed', 'x'])).code).toBe(2);
  });
});
