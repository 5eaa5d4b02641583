import { describe, expect, it } from 'vitest';
import { AnchoredTrie } from './anchored-trie.js';
import { prng } from '../../../test/helpers/prng.js';

function walk(trie: AnchoredTrie, value: string): number[] {
  const hits: number[] = [];
  trie.walk(value, (id) => hits.push(id));
  return hits.sort((a, b) => a - b);
}

describe('AnchoredTrie', () => {
  it('finds prefixes and exact values walking forwards, ignoring case', () => {
    const trie = new AnchoredTrie(false);
    trie.add('c:\\windows\\', 0, 'prefix');
    trie.add('c:\\windows\\system32\\cmd.exe', 1, 'equals');
    trie.add('c:\\', 2, 'prefix');
    expect(walk(trie, 'C:\\Windows\\System32\\CMD.exe')).toEqual([0, 1, 2]);
    expect(walk(trie, 'C:\\Windows\\System32\\CMD.exe2')).toEqual([0, 2]);
    expect(walk(trie, 'D:\\Windows\\')).toEqual([]);
  });

  it('finds suffixes walking backwards', () => {
    const trie = new AnchoredTrie(true);
    trie.add('\\rundll32.exe', 0, 'prefix');
    trie.add('.exe', 1, 'prefix');
    expect(walk(trie, 'C:\\Windows\\RunDll32.EXE')).toEqual([0, 1]);
    expect(walk(trie, 'C:\\x\\notrundll32.exe')).toEqual([1]);
  });

  it('walks the lowercased form when non-ASCII characters appear', () => {
    const trie = new AnchoredTrie(false);
    trie.add('привет', 0, 'equals');
    expect(walk(trie, 'ПРИВЕТ')).toEqual([0]);
  });
});

describe('AnchoredTrie against a naive search', () => {
  it('agrees on random literals and values, both directions', () => {
    const random = prng(11);
    const alphabet = 'abAB\\:. é';
    const pick = (length: number): string =>
      Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]!).join('');
    for (let round = 0; round < 400; round++) {
      const fromEnd = random() < 0.5;
      const trie = new AnchoredTrie(fromEnd);
      const literals = Array.from({ length: 1 + Math.floor(random() * 10) }, (_, id) => ({
        id,
        literal: pick(1 + Math.floor(random() * 6)).toLowerCase(),
        kind: random() < 0.3 ? ('equals' as const) : ('prefix' as const),
      }));
      for (const { literal, id, kind } of literals) trie.add(literal, id, kind);
      for (let probe = 0; probe < 10; probe++) {
        const value =
          probe < 5 ? pick(Math.floor(random() * 10)) : literals[probe % literals.length]!.literal;
        const lower = value.toLowerCase();
        const expected = literals
          .filter(({ literal, kind }) =>
            kind === 'equals'
              ? lower === literal
              : fromEnd
                ? lower.endsWith(literal)
                : lower.startsWith(literal),
          )
          .map(({ id }) => id)
          .sort((a, b) => a - b);
        const found = [...new Set(walk(trie, value))];
        expect(found, `${JSON.stringify(literals)} on ${JSON.stringify(value)}`).toEqual(expected);
      }
    }
  });
});
