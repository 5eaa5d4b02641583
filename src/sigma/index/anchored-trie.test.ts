import { describe, expect, it } from 'vitest';
import { AnchoredTrie } from './anchored-trie.js';

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
