/**
 * Keyboard shortcuts as data, and the matcher for multi-key sequences (`g i`), as pure code so it is
 * unit-tested in Node. The DOM side (which element gets focus, which row is selected) is keyboard.ts.
 */

export type Command =
  | 'search'
  | 'next'
  | 'previous'
  | 'open'
  | 'help'
  | 'escape'
  | 'go-overview'
  | 'go-incidents'
  | 'go-alerts'
  | 'go-attack'
  | 'go-hunt'
  | 'next-page'
  | 'previous-page';

export interface Shortcut {
  /** Keys as `KeyboardEvent.key` values, space-separated for a sequence. */
  readonly keys: string;
  readonly command: Command;
  readonly description: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: '/', command: 'search', description: 'Focus the search or first filter' },
  { keys: 'j', command: 'next', description: 'Next row in a list' },
  { keys: 'k', command: 'previous', description: 'Previous row in a list' },
  { keys: 'Enter', command: 'open', description: 'Open the selected row' },
  { keys: 'n', command: 'next-page', description: 'Next page' },
  { keys: 'p', command: 'previous-page', description: 'Previous page' },
  { keys: '?', command: 'help', description: 'Show this help' },
  { keys: 'Escape', command: 'escape', description: 'Close the panel or dialog; leave a field' },
  { keys: 'g o', command: 'go-overview', description: 'Go to the overview' },
  { keys: 'g i', command: 'go-incidents', description: 'Go to incidents' },
  { keys: 'g a', command: 'go-alerts', description: 'Go to alerts' },
  { keys: 'g t', command: 'go-attack', description: 'Go to the ATT&CK heatmap' },
  { keys: 'g h', command: 'go-hunt', description: 'Go to hunt (upload logs)' },
];

export type MatchResult =
  | { readonly kind: 'command'; readonly command: Command }
  | { readonly kind: 'pending' }
  | { readonly kind: 'none' };

/**
 * Feeds keys one at a time. A key that starts a sequence (`g`) waits up to `timeoutMs` for the next one;
 * a key that completes none resets the sequence and is then tried on its own.
 */
export class SequenceMatcher {
  private pending: string[] = [];
  private pendingSince = 0;

  constructor(
    private readonly shortcuts: readonly Shortcut[] = SHORTCUTS,
    private readonly timeoutMs = 1200,
  ) {}

  feed(key: string, now: number): MatchResult {
    if (this.pending.length > 0 && now - this.pendingSince > this.timeoutMs) this.pending = [];
    const attempt = [...this.pending, key];
    const result = this.match(attempt);
    if (result.kind !== 'none' || this.pending.length === 0) {
      this.pending = result.kind === 'pending' ? attempt : [];
      if (result.kind === 'pending') this.pendingSince = now;
      return result;
    }
    this.pending = [];
    return this.feed(key, now);
  }

  reset(): void {
    this.pending = [];
  }

  private match(keys: readonly string[]): MatchResult {
    const typed = keys.join(' ');
    let prefix = false;
    for (const shortcut of this.shortcuts) {
      if (shortcut.keys === typed) return { kind: 'command', command: shortcut.command };
      if (shortcut.keys.startsWith(`${typed} `)) prefix = true;
    }
    return prefix ? { kind: 'pending' } : { kind: 'none' };
  }
}
