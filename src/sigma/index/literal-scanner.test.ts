import { describe, expect, it } from 'vitest';
import { LiteralScanner } from './literal-scanner.js';
import { prng } from '../../../test/helpers/prng.js';

function hits(literals: string[], text: string): string[] {
  const found = new Set<number>();
  new LiteralScanner(literals).scan(text, (id) => found.add(id));
  return [...found].sort((a, b) => a - b).map((id) => literals[id]!);
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

  it('agrees with a naive search on random inputs', () => {
    const random = prng(7);
    const alphabet = 'abcAB-\\. é😀';
    const pick = (length: number): string =>
      Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]!).join('');
    for (let round = 0; round < 300; round++) {
      const literals = [
        ...new Set(
          Array.from({ length: 1 + Math.floor(random() * 12) }, () =>
            pick(1 + Math.floor(random() * 5)).toLowerCase(),
          ),
        ),
      ];
      const text = pick(Math.floor(random() * 60));
      const expected = literals.filter((literal) => text.toLowerCase().includes(literal));
      expect(hits(literals, text), `${JSON.stringify(literals)} in ${JSON.stringify(text)}`).toEqual(
        literals.filter((literal) => expected.includes(literal)),
      );
    }
  });
});
