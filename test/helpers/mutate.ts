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

/** Byte sequences that framing and parsing of text logs react to. */
const TEXT_TOKENS = [
  '\n',
  '\r\n',
  '\r',
  '"',
  "'",
  ',',
  ' ',
  '\t',
  '-',
  '+',
  '#Fields: a b c\n',
  '#Software: Microsoft Exchange Server\n',
  '<13>',
  '<999>',
  '<34>1 ',
  '123 <',
  '99999999999 <',
  '0 ',
  'type=SYSCALL msg=audit(1.2:3): ',
  "msg='",
  'a0=',
  '41424',
  '\u001d',
  '\u0000',
  '\u00ff',
  '\uFEFF',
  '[id@1 p="',
  '\\]',
  '<Event><System>',
  '</EventData></Event>',
  '&amp;',
  '&#x110000;',
  'Feb 29 ',
  'Dec 31 23:59:60 ',
];

/**
 * A damaged copy of a text log: bytes flipped, tokens that framing and parsing react to inserted, ranges
 * deleted or repeated, long runs added, or the end cut off. Deterministic for a given `random`.
 */
export function mutateText(input: Uint8Array, random: () => number): Uint8Array {
  let bytes = Buffer.from(input);
  const at = (): number => Math.floor(random() * (bytes.length + 1));
  const edits = 1 + Math.floor(random() * 6);
  for (let e = 0; e < edits; e++) {
    const roll = random();
    if (roll < 0.25 && bytes.length > 0) {
      const i = Math.min(at(), bytes.length - 1);
      bytes[i] = Math.floor(random() * 256);
    } else if (roll < 0.55) {
      const token = Buffer.from(TEXT_TOKENS[Math.floor(random() * TEXT_TOKENS.length)]!, 'utf8');
      const i = at();
      bytes = Buffer.concat([bytes.subarray(0, i), token, bytes.subarray(i)]);
    } else if (roll < 0.7) {
      const i = at();
      const j = Math.min(bytes.length, i + Math.floor(random() * 200));
      bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(j)]);
    } else if (roll < 0.82) {
      const i = at();
      const j = Math.min(bytes.length, i + Math.floor(random() * 300));
      bytes = Buffer.concat([bytes.subarray(0, j), bytes.subarray(i, j), bytes.subarray(j)]);
    } else if (roll < 0.9) {
      const run = Buffer.alloc(Math.floor(random() * 20_000), random() < 0.5 ? 0x78 : 0x22);
      const i = at();
      bytes = Buffer.concat([bytes.subarray(0, i), run, bytes.subarray(i)]);
    } else {
      bytes = bytes.subarray(0, at());
    }
  }
  return bytes;
}
