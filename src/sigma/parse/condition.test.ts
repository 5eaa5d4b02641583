import { describe, expect, it } from 'vitest';
import { ConditionSyntaxError, identifierPatternMatcher, parseCondition } from './condition.js';

describe('parseCondition', () => {
  it('binds not tighter than and, and tighter than or', () => {
    expect(parseCondition('a or b and not c')).toEqual({
      type: 'or',
      children: [
        { type: 'ref', name: 'a' },
        {
          type: 'and',
          children: [
            { type: 'ref', name: 'b' },
            { type: 'not', child: { type: 'ref', name: 'c' } },
          ],
        },
      ],
    });
  });

  it('parses parentheses, 1 of / all of patterns and them', () => {
    expect(parseCondition('(a or b) and 1 of sel* and not all of filter_*')).toEqual({
      type: 'and',
      children: [
        {
          type: 'or',
          children: [
            { type: 'ref', name: 'a' },
            { type: 'ref', name: 'b' },
          ],
        },
        { type: 'of', quantifier: 'any', pattern: 'sel*' },
        { type: 'not', child: { type: 'of', quantifier: 'all', pattern: 'filter_*' } },
      ],
    });
    expect(parseCondition('all of them')).toEqual({ type: 'of', quantifier: 'all', pattern: 'them' });
    expect(parseCondition('1 of them')).toEqual({ type: 'of', quantifier: 'any', pattern: 'them' });
  });

  it('accepts keywords in any case', () => {
    expect(parseCondition('a AND NOT b')).toEqual({
      type: 'and',
      children: [
        { type: 'ref', name: 'a' },
        { type: 'not', child: { type: 'ref', name: 'b' } },
      ],
    });
  });

  it.each([
    ['a and', 'condition ends too early'],
    ['(a or b', "expected ')'"],
    ['a b', "unexpected 'b'"],
    ['2 of sel*', "'2 of' is not supported"],
    ['selection | count() > 5', 'aggregation expressions'],
    ['1 of', "expected a search-identifier pattern or 'them'"],
  ])('rejects %j with a located error', (text, message) => {
    let error: unknown;
    try {
      parseCondition(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConditionSyntaxError);
    expect((error as Error).message).toContain(message);
    expect((error as ConditionSyntaxError).position).toBeGreaterThanOrEqual(0);
  });

  it('survives absurd nesting with an error instead of a stack overflow', () => {
    expect(() => parseCondition(`${'('.repeat(100_000)}a${')'.repeat(100_000)}`)).toThrow(
      ConditionSyntaxError,
    );
  });

  it('matches identifier patterns; them skips underscores', () => {
    expect(identifierPatternMatcher('them')('_hidden')).toBe(false);
    expect(identifierPatternMatcher('them')('selection')).toBe(true);
    expect(identifierPatternMatcher('sel*_b')('sel_x_b')).toBe(true);
    expect(identifierPatternMatcher('sel*_b')('sel_x_c')).toBe(false);
    expect(identifierPatternMatcher('a.b*')('axb')).toBe(false);
  });
});
