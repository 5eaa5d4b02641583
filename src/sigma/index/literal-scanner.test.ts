import { describe, expect, it } from 'vitest';
import { LiteralScanner } from './literal-scanner.js';
import { prng } from '../../../test/helpers/prng.js';

function hits(literals: string[], text: string): string[] {
  const found = new Set<number>();
  new LiteralScanner(literals).scan(text, (id) => found.add(id));
  return [...found].sort((a, b) => a - b).map((id) => literals[id]!);
}

/** Literals that never occur in the test texts: enough of them switch the scanner to its trigram strategy. */
const FILLER = Array.from({ length: 80 }, (_, i) => `\u0001filler${i}`);

/** `hits` through the trigram strategy: the same literals with fillers after them. */
function trigramHits(literals: string[], text: string): string[] {
  return hits([...literals, ...FILLER], text).filter((literal) => !FILLER.includes(literal));
}

describe('LiteralScanner', () => {
  it('finds long, short and one-character literals, ignoring case', () => {
    expect(hits(['mimikatz', '\\cmd.exe', '-e', '^', 'zz'], 'C:\\Windows\\CMD.EXE /c MimiKatz -E ^')).toEqual(
      ['mimikatz', '\\cmd.exe', '-e', '^'],
    );
  });

  it('folds non-ASCII case through toLowerCase (Cyrillic, Kelvin sign) and finds emoji', () => {
    expect(hits(['вход'], 'ВХОД выполнен')).toEqual(['вход']);
    expect(hits(['katz'], 'mimi\u212Aatz')).toEqual(['katz']);
    expect(hits(['😀'], 'run 😀 now')).toEqual(['😀']);
  });

  it('finds a literal at the very start and end, and overlapping literals', () => {
    expect(hits(['abc', 'bcd', 'cde'], 'abcde')).toEqual(['abc', 'bcd', 'cde']);
    expect(hits(['xyz'], 'xyz')).toEqual(['xyz']);
    expect(hits(['xyz'], 'xy')).toEqual([]);
  });

  it('finds the same literals with either strategy', () => {
    const literals = ['mimikatz', '\\cmd.exe', '-e', '^', 'zz', 'вход', 'katz', '😀', 'ab', 'abc'];
    for (const text of ['C:\\Windows\\CMD.EXE /c MimiKatz -E ^', 'ВХОД mimi\u212Aatz 😀', 'xabcx', 'a', '']) {
      expect(trigramHits(literals, text), text).toEqual(hits(literals, text));
    }
  });

  it('agrees with a naive search on random inputs, scanner after scanner and text after text', () => {
    const random = prng(7);
    const alphabet = 'abcAB-\\. é😀';
    const pick = (length: number): string =>
      Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]!).join('');
    const found = (scanner: LiteralScanner, text: string, count: number): number[] => {
      const ids = new Set<number>();
      scanner.scan(text, (id) => ids.add(id));
      return [...ids].filter((id) => id < count).sort((a, b) => a - b);
    };
    for (let round = 0; round < 300; round++) {
      const literals = [
        ...new Set(
          Array.from({ length: 1 + Math.floor(random() * 12) }, () =>
            pick(1 + Math.floor(random() * 5)).toLowerCase(),
          ),
        ),
      ];
      // Both strategies, each reused over several texts: state from one scan must not leak into the next.
      const alternation = new LiteralScanner(literals);
      const trigrams = new LiteralScanner([...literals, ...FILLER]);
      for (let t = 0; t < 4; t++) {
        const text = pick(Math.floor(random() * 60));
        const lower = text.toLowerCase();
        const want = literals.flatMap((literal, id) => (lower.includes(literal) ? [id] : []));
        const label = `${JSON.stringify(literals)} in ${JSON.stringify(text)}`;
        expect(found(alternation, text, literals.length), label).toEqual(want);
        expect(found(trigrams, text, literals.length), `trigrams: ${label}`).toEqual(want);
      }
    }
  });
});
