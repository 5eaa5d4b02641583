/**
 * Seeded generator of near-miss and hit events for differential testing: takes real events and plants
 * values taken from rules into their fields (with random case, prefixes and suffixes), drops fields, and
 * changes case — the inputs where an index or a prefilter bug would show.
 */
import type { CompiledRule } from '../../src/sigma/compile/compile-rules.js';
import { prng } from './prng.js';

/** Plain strings a rule looks for, wildcards and escapes removed, with the field they belong to. */
export function ruleValues(rule: CompiledRule): { field: string | null; text: string }[] {
  const values: { field: string | null; text: string }[] = [];
  const detection = rule.document?.detection;
  if (detection === undefined) return values;
  for (const search of detection.searches.values()) {
    for (const group of search.alternatives) {
      for (const item of group.items) {
        if (
          item.modifiers.some((modifier) =>
            [
              're',
              'cidr',
              'base64',
              'base64offset',
              'utf16le',
              'utf16be',
              'utf16',
              'wide',
              'expand',
              'fieldref',
            ].includes(modifier),
          )
        )
          continue;
        for (const value of item.values) {
          if (value.kind === 'string')
            values.push({
              field: item.field,
              text: value.value.replace(/\\([*?\\])/g, '$1').replace(/[*?]/g, ''),
            });
          else if (value.kind === 'number') values.push({ field: item.field, text: value.raw });
        }
      }
    }
  }
  return values;
}

function randomCase(text: string, random: () => number): string {
  return [...text].map((ch) => (random() < 0.5 ? ch.toUpperCase() : ch.toLowerCase())).join('');
}

function dataOf(event: Record<string, unknown>): Record<string, unknown> | undefined {
  const inner = event['Event'] as Record<string, unknown> | undefined;
  return (inner?.['EventData'] as Record<string, unknown> | undefined) ?? undefined;
}

/** `count` mutated copies of `base`, planting values from `rules`. */
export function mutateEvents(
  base: readonly Record<string, unknown>[],
  rules: readonly CompiledRule[],
  count: number,
  seed: number,
): Record<string, unknown>[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const events: Record<string, unknown>[] = [];
  const withValues = rules.map(ruleValues).filter((values) => values.length > 0);
  for (let n = 0; n < count; n++) {
    const event = structuredClone(pick(base));
    const data = dataOf(event);
    if (data === undefined) continue;
    const keys = Object.keys(data);
    const plants = 1 + Math.floor(random() * 4);
    for (let p = 0; p < plants; p++) {
      const values = pick(withValues);
      const planted = pick(values);
      const field = planted.field ?? pick(keys);
      const roll = random();
      const prefix = roll < 0.3 ? '' : pick(['C:\\Windows\\System32\\', 'x ', '"', ' -', 'prefix_']);
      const suffix = random() < 0.4 ? '' : pick([' /c whoami', '.exe', ' ', '\\', '_suffix']);
      data[field] = roll < 0.1 ? planted.text : `${prefix}${randomCase(planted.text, random)}${suffix}`;
      // Sometimes take a second value of the same rule, so conjunctions can be satisfied.
      if (random() < 0.5) {
        const other = pick(values);
        if (other.field !== null) data[other.field] = randomCase(other.text, random);
      }
    }
    if (random() < 0.2 && keys.length > 0) delete data[pick(keys)];
    events.push(event);
  }
  return events;
}
