import { describe, expect, it } from 'vitest';
import { SHORTCUTS, SequenceMatcher } from './keymap.js';

describe('SequenceMatcher', () => {
  it('maps single keys to commands', () => {
    const matcher = new SequenceMatcher();
    expect(matcher.feed('/', 0)).toEqual({ kind: 'command', command: 'search' });
    expect(matcher.feed('j', 10)).toEqual({ kind: 'command', command: 'next' });
    expect(matcher.feed('k', 20)).toEqual({ kind: 'command', command: 'previous' });
    expect(matcher.feed('Enter', 30)).toEqual({ kind: 'command', command: 'open' });
    expect(matcher.feed('?', 40)).toEqual({ kind: 'command', command: 'help' });
  });

  it('waits for the second key of a sequence', () => {
    const matcher = new SequenceMatcher();
    expect(matcher.feed('g', 0)).toEqual({ kind: 'pending' });
    expect(matcher.feed('i', 100)).toEqual({ kind: 'command', command: 'go-incidents' });
    expect(matcher.feed('g', 200)).toEqual({ kind: 'pending' });
    expect(matcher.feed('a', 300)).toEqual({ kind: 'command', command: 'go-alerts' });
  });

  it('forgets a sequence after the timeout', () => {
    const matcher = new SequenceMatcher(SHORTCUTS, 1000);
    expect(matcher.feed('g', 0)).toEqual({ kind: 'pending' });
    expect(matcher.feed('i', 5000)).toEqual({ kind: 'none' });
  });

  it('tries a key that breaks a sequence on its own', () => {
    const matcher = new SequenceMatcher();
    expect(matcher.feed('g', 0)).toEqual({ kind: 'pending' });
    expect(matcher.feed('j', 10)).toEqual({ kind: 'command', command: 'next' });
    expect(matcher.feed('x', 20)).toEqual({ kind: 'none' });
  });

  it('has no shortcut that is a prefix of another (it could never fire)', () => {
    for (const a of SHORTCUTS)
      for (const b of SHORTCUTS) if (a !== b) expect(b.keys.startsWith(`${a.keys} `)).toBe(false);
  });
});
